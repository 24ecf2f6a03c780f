"""The HTTP benchmark's server in Python with rillet (under uvloop):
``python rillet_server.py SCENARIO PORT [FILE]``; ``node_server.js`` is the same in Node.

Scenarios: ``hello`` answers every request with the 13 bytes ``Hello, World!``;
``webp`` sends FILE read in 1000-byte chunks (on ``'data'`` → ``res.write``, on
``'end'`` → ``res.end()``: the seed's server without its delay); ``sink`` reads each
request's body and discards it, then answers ``ok``. Prints ``listening PORT`` once it
listens (PORT 0 picks a free one).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

import uvloop

from rillet import fs, http

Listener = Callable[[http.IncomingMessage, http.ServerResponse], None]
HELLO = b"Hello, World!"


def hello(req: http.IncomingMessage, res: http.ServerResponse) -> None:
    res.end(HELLO)


def webp(path: str) -> Listener:
    def listener(req: http.IncomingMessage, res: http.ServerResponse) -> None:
        res.set_header("Content-Type", "image/webp")
        stream = fs.create_read_stream(path, high_water_mark=1000)
        stream.on("data", res.write)
        stream.on("end", res.end)

    return listener


def sink(req: http.IncomingMessage, res: http.ServerResponse) -> None:
    req.on("data", discard)
    req.on("end", lambda: res.end(b"ok"))


def discard(chunk: Any) -> None:
    """Drop a chunk of the body."""


async def serve(listener: Listener, port: int) -> None:
    server = http.create_server(listener)
    await server.listen(port, "127.0.0.1")
    address = server.address()
    assert isinstance(address, dict)
    print(f"listening {address['port']}", flush=True)
    await asyncio.Future()  # until killed


def main() -> None:
    scenario, port = sys.argv[1], int(sys.argv[2])
    listener = webp(sys.argv[3]) if scenario == "webp" else {"hello": hello, "sink": sink}[scenario]
    uvloop.run(serve(listener, port))


if __name__ == "__main__":
    main()
