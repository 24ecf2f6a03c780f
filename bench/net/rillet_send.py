"""The sending end of the TCP benchmark in Python with rillet (under uvloop):
``python rillet_send.py PORT FILE``.

Connects to 127.0.0.1:PORT and sends FILE with ``fs.create_read_stream(FILE,
high_water_mark=65536).pipe(socket)``; exits once the socket has closed. ``node_send.js``
is the same program in Node.
"""

from __future__ import annotations

import sys

import uvloop

from rillet import fs, net, once


async def send(port: int, path: str) -> None:
    socket = net.connect(port, "127.0.0.1")
    await once(socket, "connect")
    closed = once(socket, "close")
    fs.create_read_stream(path, high_water_mark=65536).pipe(socket)
    (had_error,) = await closed
    if had_error:
        sys.exit("the socket closed with an error")


def main() -> None:
    uvloop.run(send(int(sys.argv[1]), sys.argv[2]))


if __name__ == "__main__":
    main()
