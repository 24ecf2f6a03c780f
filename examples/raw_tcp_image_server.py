"""The seed's raw TCP image server, with rillet: ``python examples/raw_tcp_image_server.py
[--host 127.0.0.1] [--port 4000]``.

A ``net`` server, no HTTP layer: every connection gets a minimal HTTP response head,
then ``river.webp`` piped straight into the socket, with backpressure (the file is read
only as fast as the client takes it). Open http://127.0.0.1:4000/ in a browser and it
shows the image. ``--port 0`` picks a free port; the first line printed says which.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path

from rillet import fs, net

IMAGE = Path(__file__).with_name("river.webp")
# The seed sends a bare "HTTP/1.1\n\n"; a status line and a type are all a browser needs.
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: image/webp\r\nConnection: close\r\n\r\n"


def on_connection(socket: net.Socket) -> None:
    """Answer one connection: the head, then the image; the socket ends after it."""
    peer = f"{socket.remote_address}:{socket.remote_port}"
    print(f"{peer} connected")
    socket.on("data", lambda data: print(f"{peer} sent {len(data)} bytes"))
    socket.on("error", lambda error: print(f"{peer} error: {error.code}"))
    socket.on("close", lambda had_error: print(f"{peer} closed"))
    socket.write(HEAD)
    image = fs.create_read_stream(IMAGE)
    image.on("end", lambda: print(f"{peer} image sent"))
    # pipe() ends the socket after the last byte; if the client leaves early, the socket
    # closes and destroys the file stream with it.
    image.pipe(socket)


async def serve(host: str, port: int) -> None:
    """Listen on ``host:port`` and serve until cancelled."""
    server = net.create_server(on_connection)
    await server.listen(port, host)
    address = server.address()
    assert isinstance(address, dict)
    shown = f"[{address['address']}]" if address["family"] == "IPv6" else address["address"]
    print(f"Server started on http://{shown}:{address['port']}/", flush=True)
    await asyncio.Future()  # until Ctrl-C


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=4000, help="0 picks a free port")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
