"""Cross-checks with other HTTP implementations.

The rillet client against the stdlib ``http.server`` (in a thread) and an aiohttp server;
the rillet server against the stdlib ``http.client`` and ``urllib.request``, httpx and curl.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import shutil
import threading
import urllib.request
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from aiohttp import web as aiohttp_web
from client_support import drop_pools, serving

from rillet import http as rillet_http
from rillet import once
from rillet.http import ClientRequest, IncomingMessage, ServerResponse

# -- the rillet client against other servers ----------------------------------------------


class _StdlibHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, body: bytes, *, send_body: bool = True) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Client-Port", str(self.client_address[1]))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer(f"stdlib {self.path}".encode())

    def do_HEAD(self) -> None:
        self._answer(b"stdlib head", send_body=False)

    def do_POST(self) -> None:
        if self.headers.get("Transfer-Encoding") == "chunked":
            body = b""
            while size := int(self.rfile.readline().strip(), 16):
                body += self.rfile.read(size)
                self.rfile.readline()
            self.rfile.readline()
            framing = b"chunked:"
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            framing = b"length:"
        self._answer(framing + body)


@contextlib.contextmanager
def stdlib_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StdlibHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


async def finish(req: ClientRequest) -> tuple[IncomingMessage, bytes]:
    res = (await once(req, "response"))[0]
    return res, b"".join([bytes(chunk) async for chunk in res])


async def test_rillet_client_and_stdlib_server() -> None:
    with stdlib_server() as base:
        try:
            first, body = await finish(rillet_http.get(base + "/a?b=c"))
            assert (first.status_code, body) == (200, b"stdlib /a?b=c")
            req = rillet_http.request(base + "/", method="HEAD")
            req.end()
            head, body = await finish(req)
            assert (head.headers["content-length"], body) == ("11", b"")
            req = rillet_http.request(base + "/", method="POST")
            req.end(b"whole")
            assert (await finish(req))[1] == b"length:whole"
            req = rillet_http.request(base + "/", method="POST")
            req.write(b"in ")
            req.write(b"pieces")
            req.end()
            last, body = await finish(req)
            assert body == b"chunked:in pieces"
            # Every request went over the first connection.
            assert last.headers["x-client-port"] == first.headers["x-client-port"]
            response = await rillet_http.fetch(base + "/fetched")
            assert await response.text() == "stdlib /fetched"
        finally:
            await drop_pools()


@contextlib.asynccontextmanager
async def aiohttp_server() -> AsyncIterator[str]:
    async def streamed(request: aiohttp_web.Request) -> aiohttp_web.StreamResponse:
        response = aiohttp_web.StreamResponse()
        response.headers["X-Client-Port"] = str(request.transport.get_extra_info("peername")[1])
        await response.prepare(request)
        for index in range(5):
            await response.write(b"part%d;" % index)
        await response.write_eof()
        return response

    async def echo(request: aiohttp_web.Request) -> aiohttp_web.Response:
        body = await request.read()
        framing = request.headers.get("Transfer-Encoding", "length")
        return aiohttp_web.Response(body=framing.encode() + b":" + body)

    app = aiohttp_web.Application()
    app.router.add_get("/stream", streamed)
    app.router.add_post("/echo", echo)
    runner = aiohttp_web.AppRunner(app)
    await runner.setup()
    site = aiohttp_web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await drop_pools()
        await runner.cleanup()


async def test_rillet_client_and_aiohttp_server() -> None:
    async with aiohttp_server() as base:
        first, body = await finish(rillet_http.get(base + "/stream"))
        assert first.headers["transfer-encoding"] == "chunked"
        assert body == b"part0;part1;part2;part3;part4;"
        req = rillet_http.request(base + "/echo", method="POST")
        for index in range(3):
            req.write(b"%d" % index)
        req.end()
        assert (await finish(req))[1] == b"chunked:012"
        req = rillet_http.request(base + "/echo", method="POST")
        req.end(b"sized")
        assert (await finish(req))[1] == b"length:sized"
        again, _ = await finish(rillet_http.get(base + "/stream"))
        assert again.headers["x-client-port"] == first.headers["x-client-port"]
        response = await rillet_http.fetch(base + "/echo", method="POST", body=b"fetched")
        assert await response.text() == "length:fetched"


# -- other clients against the rillet server --------------------------------------------


def rillet_listener(req: IncomingMessage, res: ServerResponse) -> None:
    """GET /: a fixed body; GET /chunked: a body in pieces; POST: the body echoed."""
    if req.method == "POST":
        chunks: list[bytes] = []
        req.on("data", chunks.append)
        framing = "chunked" if req.headers.get("transfer-encoding") else "length"
        req.on("end", lambda: res.end(framing.encode() + b":" + b"".join(chunks)))
    elif req.url == "/chunked":
        for index in range(4):
            res.write(f"piece{index};")
        res.end()
    else:
        res.set_header("Content-Type", "text/plain")
        res.end("hello from rillet")


@contextlib.asynccontextmanager
async def rillet_server() -> AsyncIterator[tuple[str, list[int]]]:
    connections: list[int] = []
    async with serving(rillet_listener) as (server, base):
        server.on("connection", lambda socket: connections.append(socket.remote_port))
        yield base, connections


async def test_stdlib_http_client_against_rillet_server() -> None:
    async with rillet_server() as (base, connections):
        port = int(base.rsplit(":", 1)[1])

        def talk() -> list[tuple[int, dict[str, str], bytes]]:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            answers = []
            for method, path, body, chunked in (
                ("GET", "/", None, False),
                ("HEAD", "/", None, False),
                ("POST", "/", b"posted", False),
                ("POST", "/", iter([b"chunk", b"ed"]), True),
                ("GET", "/chunked", None, False),
            ):
                connection.request(method, path, body=body, encode_chunked=chunked)
                response = connection.getresponse()
                headers = {k.lower(): v for k, v in response.getheaders()}
                answers.append((response.status, headers, response.read()))
            connection.close()
            return answers

        get, head, post, chunked, pieces = await asyncio.to_thread(talk)
        assert get[0] == 200 and get[2] == b"hello from rillet"
        assert get[1]["content-length"] == "17"
        assert head[2] == b""
        assert post[2] == b"length:posted"
        assert chunked[2] == b"chunked:chunked"
        assert pieces[1]["transfer-encoding"] == "chunked"
        assert pieces[2] == b"piece0;piece1;piece2;piece3;"
        assert len(connections) == 1  # keep-alive: one connection for all five


async def test_urllib_against_rillet_server() -> None:
    async with rillet_server() as (base, _):

        def talk() -> tuple[bytes, bytes, str]:
            with urllib.request.urlopen(base + "/", timeout=10) as response:
                got = response.read()
                kind = response.headers["Content-Type"]
            post = urllib.request.Request(base + "/", data=b"form=1", method="POST")
            with urllib.request.urlopen(post, timeout=10) as response:
                posted = response.read()
            return got, posted, kind

        got, posted, kind = await asyncio.to_thread(talk)
        assert got == b"hello from rillet"
        assert kind == "text/plain"
        assert posted == b"length:form=1"


async def test_httpx_against_rillet_server() -> None:
    async def upload() -> AsyncIterator[bytes]:
        yield b"streamed "
        yield b"upload"

    async with rillet_server() as (base, connections):
        async with httpx.AsyncClient() as client:
            got = await client.get(base + "/")
            assert (got.status_code, got.text) == (200, "hello from rillet")
            assert got.http_version == "HTTP/1.1"
            head = await client.head(base + "/")
            assert head.content == b""
            posted = await client.post(base + "/", content=b"bytes body")
            assert posted.content == b"length:bytes body"
            streamed = await client.post(base + "/", content=upload())
            assert streamed.content == b"chunked:streamed upload"
            async with client.stream("GET", base + "/chunked") as response:
                parts = [part async for part in response.aiter_bytes()]
            assert b"".join(parts) == b"piece0;piece1;piece2;piece3;"
        assert len(connections) == 1


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
async def test_curl_against_rillet_server() -> None:
    async def curl(*args: str) -> bytes:
        process = await asyncio.create_subprocess_exec(
            "curl", "-s", "--max-time", "10", *args, stdout=asyncio.subprocess.PIPE
        )
        out, _ = await process.communicate()
        assert process.returncode == 0
        return out

    async with rillet_server() as (base, connections):
        assert await curl(base + "/") == b"hello from rillet"
        head = await curl("-I", base + "/")
        assert head.startswith(b"HTTP/1.1 200 OK\r\n")
        assert b"content-type: text/plain\r\n" in head.lower()
        assert head.endswith(b"\r\n\r\n")  # the head only
        assert await curl("--data-binary", "curl body", base + "/") == b"length:curl body"
        chunked = await curl(
            "-H", "Transfer-Encoding: chunked", "--data-binary", "chunky", base + "/"
        )
        assert chunked == b"chunked:chunky"
        del connections[:]
        both = await curl(base + "/", base + "/chunked")
        assert both == b"hello from rilletpiece0;piece1;piece2;piece3;"
        assert len(connections) == 1  # curl reused the connection
