"""What the demo site's tests share (no tests): a DemoSite behind a real server on
127.0.0.1, and a client that reads a chunked response piece by piece."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from rillet import http
from rillet.demo import DemoSite
from rillet.static import ServeOptions


@contextlib.asynccontextmanager
async def running_site(**options: Any) -> AsyncIterator[tuple[DemoSite, http.Server, int]]:
    """A DemoSite with ``options`` on a server; its connections and uploads go on exit."""
    site = DemoSite(ServeOptions(**options))
    server = http.create_server(site)
    site.server = server
    await server.listen(0, "127.0.0.1")
    address = server.address()
    assert isinstance(address, dict)
    try:
        yield site, server, address["port"]
    finally:
        site.close()
        server.close_all_connections()
        if server.listening:
            await server.close()
        site.cleanup()


class Client:
    """One connection; requests written as bytes, responses read incrementally."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.headers: dict[str, str] = {}

    @classmethod
    async def connect(cls, port: int) -> Client:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def request(
        self, method: str, target: str, body: bytes = b"", headers: str = ""
    ) -> tuple[int, dict[str, str]]:
        """Send a request; return the response's status and headers (lower-case names)."""
        length = f"Content-Length: {len(body)}\r\n" if body or method == "PUT" else ""
        head = f"{method} {target} HTTP/1.1\r\nHost: demo\r\n{length}{headers}\r\n"
        self.writer.write(head.encode("latin-1") + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        self.headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                self.headers[name.strip().lower()] = value.strip()
        return int(lines[0].split(" ")[1]), self.headers

    async def chunk(self) -> bytes:
        """The next piece of a chunked body (b'' at its end)."""
        size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
        data = await self.reader.readexactly(size) if size else b""
        await self.reader.readexactly(2)
        return data

    async def body(self) -> bytes:
        """The rest of the current response's body."""
        if "content-length" in self.headers:
            return await self.reader.readexactly(int(self.headers["content-length"]))
        if self.headers.get("transfer-encoding") == "chunked":
            parts = []
            while piece := await self.chunk():
                parts.append(piece)
            return b"".join(parts)
        return b""

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


async def get(port: int, target: str, headers: str = "") -> tuple[int, dict[str, str], bytes]:
    """One GET on a new connection: status, headers, body."""
    client = await Client.connect(port)
    try:
        status, found = await client.request("GET", target, headers=headers)
        return status, found, await client.body()
    finally:
        await client.close()
