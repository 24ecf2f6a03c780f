"""A bare file server, the floor of what Python can do here: ``python bare_server.py ROOT
PORT``.

uvloop + httptools, no framework: for each GET, the URL path under ROOT is opened,
fstat-ed and read synchronously (the file is in the page cache), and head and body go out
in one write; keep-alive; 404 for anything else. No Range, no validators, no
negotiation, no backpressure (the whole body is handed to the transport): it is the
reference of issue 5's "a bare uvloop + httptools server that opens, stats and reads the
file synchronously", for the 4 KiB and 200 KiB cases only (``run.py --servers
...,bare --cases 4k,image``). SIGTERM stops it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import cast

import httptools
import uvloop

TYPES = {".html": b"text/html; charset=utf-8", ".webp": b"image/webp"}
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"


class FileProtocol(asyncio.Protocol):
    def __init__(self, root: str) -> None:
        self.root = root
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            assert self.transport is not None
            self.transport.close()

    def on_url(self, url: bytes) -> None:
        self.url = url

    def on_message_complete(self) -> None:
        assert self.transport is not None
        path = httptools.parse_url(self.url).path.decode()
        file = os.path.normpath(os.path.join(self.root, path.lstrip("/")))
        try:
            if not file.startswith(self.root + os.sep):
                raise FileNotFoundError(file)
            with open(file, "rb") as source:
                size = os.fstat(source.fileno()).st_size
                body = source.read()
        except OSError:
            self.transport.write(NOT_FOUND)
            return
        kind = TYPES.get(os.path.splitext(file)[1], b"application/octet-stream")
        head = b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (kind, size)
        self.transport.write(head + body)
        if not self.parser.should_keep_alive():
            self.transport.close()


async def serve(root: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: FileProtocol(root), "127.0.0.1", port)
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    print(f"listening {port}", flush=True)
    await stop
    server.close()


def main() -> None:
    uvloop.run(serve(os.path.realpath(sys.argv[1]), int(sys.argv[2])))


if __name__ == "__main__":
    main()
