"""What the HTTP server tests share: a running server and a raw-socket client (no tests)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from rillet import http


@contextlib.asynccontextmanager
async def running(
    listener: Callable[..., Any] | None = None, **options: Any
) -> AsyncIterator[tuple[http.Server, int]]:
    """A server on 127.0.0.1 and its port; closed (all connections) on exit."""
    server = http.create_server(listener, **options)
    await server.listen(0, "127.0.0.1")
    address = server.address()
    assert isinstance(address, dict)
    try:
        yield server, address["port"]
    finally:
        server.close_all_connections()
        for socket in list(server._connections):  # upgraded ones too
            socket.destroy()
        if server.listening:
            await server.close()


class RawClient:
    """A client speaking bytes over one connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, port: int) -> RawClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    async def response(self) -> tuple[bytes, dict[str, str], bytes]:
        """The next response: status line, headers (lower-case names), body."""
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            body = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                body += await self.reader.readexactly(size)
                await self.reader.readexactly(2)
        elif lines[0].split(" ")[1] in ("204", "304") or headers.get("connection") != "close":
            body = b""
        else:
            body = await self.reader.read()
        return lines[0].encode("latin-1"), headers, body

    async def closed(self) -> bool:
        """Whether the server closed the connection (EOF without more bytes); closes ours."""
        rest = await self.reader.read()
        await self.close()
        return rest == b""

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


def get(path: str = "/", extra: str = "") -> bytes:
    """A GET request's bytes."""
    return f"GET {path} HTTP/1.1\r\nHost: test\r\n{extra}\r\n".encode("latin-1")
