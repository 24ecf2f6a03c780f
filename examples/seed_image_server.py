"""The seeds' image server, with rillet: ``python examples/seed_image_server.py
[--host 127.0.0.1] [--port 4000]``.

As the seeds write it in JavaScript::

    const server = http.createServer(async (req, res) => {
      res.setHeader("Access-Control-Allow-Origin", "*");
      res.setHeader("Content-Type", "image/webp");
      const fileHandle = await fs.open("river.webp");
      const readStream = fileHandle.createReadStream({ highWaterMark: 1000 });
      readStream.on("data", (chunk) => {
        res.write(chunk);
        readStream.pause();
        setTimeout(() => readStream.resume(), 10);
      });
      readStream.on("end", () => { res.end(); });
    });

``river.webp`` (203 KiB) goes out in 1000-byte chunks, one every 10 ms or so: about two
seconds for the whole image, so a browser shows it drawing from the top. ``--port 0``
picks a free port; the first line printed gives the URL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rillet import fs, http

IMAGE = Path(__file__).with_name("river.webp")


async def send_image(req: http.IncomingMessage, res: http.ServerResponse) -> None:
    """The seed's handler, line for line."""
    res.set_header("Access-Control-Allow-Origin", "*")
    res.set_header("Content-Type", "image/webp")

    file = await fs.open(IMAGE)
    stream = file.create_read_stream(high_water_mark=1000)  # 1000 bytes
    loop = asyncio.get_running_loop()

    def on_data(chunk: bytes) -> None:
        res.write(chunk)  # send the chunk to the browser
        stream.pause()  # simulate a delay
        loop.call_later(0.01, stream.resume)

    stream.on("data", on_data)
    stream.on("end", res.end)  # end the response
    # Not in the seed: a browser that leaves mid-image stops the reading (and closes the
    # file) at once instead of after the last chunk.
    res.on("close", stream.destroy)


def options(description: str) -> argparse.ArgumentParser:
    """The command line every seed example shares: ``--host`` and ``--port``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=4000, help="0 picks a free port")
    return parser


async def serve(listener: Callable[..., Any], host: str, port: int) -> None:
    """Serve ``listener`` on ``host:port`` until cancelled; print the URL once listening."""
    server = http.create_server(listener)
    await server.listen(port, host)
    address = server.address()
    assert isinstance(address, dict)
    shown = f"[{address['address']}]" if address["family"] == "IPv6" else address["address"]
    print(f"Server started at http://{shown}:{address['port']}/", flush=True)
    await asyncio.Future()  # until Ctrl-C


def run(listener: Callable[..., Any], args: argparse.Namespace) -> None:
    """``serve`` under asyncio until Ctrl-C."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(listener, args.host, args.port))


if __name__ == "__main__":
    run(send_image, options(__doc__.splitlines()[0]).parse_args())
