"""The HTTP server over real loopback sockets: responses, streaming, events, errors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from server_support import RawClient, get, running

from rillet import Readable, once, pipeline
from rillet.errors import RilletError
from rillet.http import IncomingMessage, ServerResponse


async def test_end_with_data_sends_one_response_with_content_length() -> None:
    async with running(lambda req, res: res.end("hello world\n")) as (_, port):
        client = await RawClient.connect(port)
        client.send(get())
        status, headers, body = await client.response()
        assert status == b"HTTP/1.1 200 OK"
        assert headers["content-length"] == "12"
        assert headers["connection"] == "keep-alive"
        assert "date" in headers
        assert body == b"hello world\n"
        await client.close()


async def test_keep_alive_serves_several_requests_on_one_connection() -> None:
    seen: list[str] = []

    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        seen.append(req.url)
        res.end(req.url)

    async with running(listener) as (_, port):
        client = await RawClient.connect(port)
        for path in ("/a", "/b", "/c"):
            client.send(get(path))
            assert (await client.response())[2] == path.encode()
        await client.close()
    assert seen == ["/a", "/b", "/c"]


async def test_pipelined_requests_are_answered_in_order() -> None:
    async def listener(req: IncomingMessage, res: ServerResponse) -> None:
        if req.url == "/slow":
            await asyncio.sleep(0.05)
        res.end(req.url)

    async with running(listener) as (_, port):
        client = await RawClient.connect(port)
        client.send(get("/slow") + get("/fast") + get("/last", "Connection: close\r\n"))
        bodies = [(await client.response())[2] for _ in range(3)]
        assert bodies == [b"/slow", b"/fast", b"/last"]
        assert await client.closed()


async def test_writes_are_chunked_and_headers_go_with_the_first() -> None:
    async def listener(req: IncomingMessage, res: ServerResponse) -> None:
        res.set_header("Content-Type", "text/plain")
        res.write("one,")
        await asyncio.sleep(0.01)
        res.write(b"two,")
        res.end("three")

    async with running(listener) as (_, port):
        client = await RawClient.connect(port)
        client.send(get())
        _, headers, body = await client.response()
        assert headers["transfer-encoding"] == "chunked"
        assert headers["content-type"] == "text/plain"
        assert body == b"one,two,three"
        await client.close()


async def test_head_response_has_no_body() -> None:
    async with running(lambda req, res: res.end("body")) as (_, port):
        client = await RawClient.connect(port)
        client.send(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n" + get("/after"))
        status, _, body = await client.response()
        assert status.startswith(b"HTTP/1.1 200")
        assert body == b""
        assert (await client.response())[2] == b"body"
        await client.close()


async def test_request_headers_are_lower_case_and_joined() -> None:
    got: dict[str, Any] = {}

    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        got.update(
            headers=req.headers, raw=req.raw_headers, method=req.method, version=req.http_version
        )
        res.end()

    async with running(listener) as (_, port):
        client = await RawClient.connect(port)
        client.send(
            b"GET / HTTP/1.1\r\nHost: h\r\nX-Two: a\r\nx-two: b\r\n"
            b"Set-Cookie: 1\r\nSet-Cookie: 2\r\n\r\n"
        )
        await client.response()
        await client.close()
    assert got["headers"]["x-two"] == "a, b"
    assert got["headers"]["set-cookie"] == ["1", "2"]
    assert got["raw"][:4] == ["Host", "h", "X-Two", "a"]
    assert (got["method"], got["version"]) == ("GET", "1.1")


async def test_request_body_streams_to_the_handler() -> None:
    async def listener(req: IncomingMessage, res: ServerResponse) -> None:
        total = 0
        async for chunk in req:
            total += len(chunk)
        res.end(str(total))

    async with running(listener) as (_, port):
        client = await RawClient.connect(port)
        body = b"x" * 300_000
        client.send(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        assert (await client.response())[2] == b"300000"
        client.send(
            b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        )
        assert (await client.response())[2] == b"11"
        await client.close()


async def test_unread_request_body_stops_reading_the_socket() -> None:
    requests: asyncio.Queue[IncomingMessage] = asyncio.Queue()

    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        requests.put_nowait(req)

    async with running(listener) as (_, port):
        client = await RawClient.connect(port)
        size = 64 * 1024 * 1024
        client.send(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % size)
        req = await requests.get()
        chunk = b"y" * 65536
        for _ in range(64):  # 4 MiB offered; the handler reads nothing
            client.send(chunk)
        await asyncio.sleep(0.3)
        # Bounded by the message's high-water mark plus the socket's own reads.
        assert req.readable_length <= req.readable_high_water_mark + 262144
        assert req.socket._reading_paused
        received = 0
        req.on("data", lambda c: None)
        async for data in req.iterator(destroy_on_return=False):
            received += len(data)
            if received >= 4 * 1024 * 1024:
                break
        assert received >= 4 * 1024 * 1024
        await client.close()


async def test_write_returns_false_and_drain_follows_for_a_slow_client() -> None:
    outcome: dict[str, Any] = {}
    drained = asyncio.Event()

    async def listener(req: IncomingMessage, res: ServerResponse) -> None:
        chunk = b"z" * 65536
        for _ in range(2000):
            if not res.write(chunk):
                outcome["false_after"] = res.socket.bytes_written
                await once(res, "drain")
                drained.set()
                break
        res.end()

    async with running(listener) as (_, port):
        client = await RawClient.connect(port)
        client.send(get())
        for _ in range(100):  # the client reads nothing until write() said False
            if "false_after" in outcome:
                break
            await asyncio.sleep(0.01)
        assert "false_after" in outcome
        head = await client.reader.readuntil(b"\r\n\r\n")
        assert b"chunked" in head
        await client.reader.read(1 << 22)
        await asyncio.wait_for(drained.wait(), 5)
        await client.close()


async def test_exception_before_head_answers_500_and_server_goes_on(
    loop_errors: list[dict[str, Any]],
) -> None:
    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        if req.url == "/boom":
            raise RuntimeError("boom")
        res.end("ok")

    async with running(listener) as (_, port):
        client = await RawClient.connect(port)
        client.send(get("/boom"))
        status, headers, _ = await client.response()
        assert status.startswith(b"HTTP/1.1 500")
        assert headers["connection"] == "close"
        await client.close()
        again = await RawClient.connect(port)
        again.send(get("/fine"))
        assert (await again.response())[2] == b"ok"
        await again.close()
    assert any(isinstance(c.get("exception"), RuntimeError) for c in loop_errors)


async def test_async_exception_after_head_closes_the_connection(
    loop_errors: list[dict[str, Any]],
) -> None:
    async def listener(req: IncomingMessage, res: ServerResponse) -> None:
        res.write("partial")
        await asyncio.sleep(0.01)
        raise ValueError("late")

    async with running(listener) as (_, port):
        client = await RawClient.connect(port)
        client.send(get())
        data = await client.reader.read()
        assert b"partial" in data
        assert not data.endswith(b"0\r\n\r\n")
        await client.close()
    assert any(isinstance(c.get("exception"), ValueError) for c in loop_errors)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",
        b"BOGUS\r\n\r\n",
    ],
    ids=["cl-and-te", "two-cl", "unknown-te", "obs-fold", "no-host", "garbage"],
)
async def test_malformed_and_smuggling_requests_get_400_and_close(request_bytes: bytes) -> None:
    async with running(lambda req, res: res.end("must not run")) as (_, port):
        client = await RawClient.connect(port)
        client.send(request_bytes)
        data = await asyncio.wait_for(client.reader.read(), 5)
        assert data.startswith(b"HTTP/1.1 400 Bad Request")
        assert b"must not run" not in data
        await client.close()


async def test_header_block_over_the_limit_gets_431() -> None:
    async with running(lambda req, res: res.end()) as (_, port):
        client = await RawClient.connect(port)
        client.send(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        data = await asyncio.wait_for(client.reader.read(), 5)
        assert data.startswith(b"HTTP/1.1 431")
        await client.close()


async def test_client_error_listener_takes_over() -> None:
    errors: list[str] = []

    def on_client_error(error: RilletError, socket: Any) -> None:
        errors.append(error.code)
        socket.end(b"HTTP/1.1 400 Custom\r\nConnection: close\r\n\r\n")

    async with running(lambda req, res: res.end()) as (server, port):
        server.on("clientError", on_client_error)
        client = await RawClient.connect(port)
        client.send(b"NOT HTTP\r\n\r\n")
        data = await asyncio.wait_for(client.reader.read(), 5)
        assert data.startswith(b"HTTP/1.1 400 Custom")
        await client.close()
    assert errors and errors[0].startswith("HPE_")


async def test_set_header_rejects_injection() -> None:
    failures: list[str] = []

    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        for name, value in (("X-A", "v\r\nInjected: 1"), ("Bad Name", "v"), ("X-B", "a\nb")):
            try:
                res.set_header(name, value)
            except TypeError as error:
                failures.append(getattr(error, "code", ""))
        res.end()

    async with running(listener) as (_, port):
        client = await RawClient.connect(port)
        client.send(get())
        _, headers, _ = await client.response()
        assert "injected" not in headers
        await client.close()
    assert failures == ["ERR_INVALID_CHAR", "ERR_INVALID_HTTP_TOKEN", "ERR_INVALID_CHAR"]


async def test_write_head_and_header_methods() -> None:
    checks: dict[str, Any] = {}

    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        res.set_header("X-Keep", "1")
        res.append_header("X-List", "a")
        res.append_header("X-List", "b")
        checks["has"] = res.has_header("x-keep")
        checks["names"] = res.get_header_names()
        res.write_head(201, {"X-Extra": "e"})
        checks["sent"] = res.headers_sent
        try:
            res.set_header("X-Late", "1")
        except RilletError as error:
            checks["late"] = error.code
        res.end("made")

    async with running(listener) as (_, port):
        client = await RawClient.connect(port)
        client.send(get())
        status, headers, body = await client.response()
        assert status == b"HTTP/1.1 201 Created"
        assert headers["x-extra"] == "e"
        assert headers["x-keep"] == "1"
        assert body == b"made"
        await client.close()
    assert checks == {
        "has": True,
        "names": ["x-keep", "x-list"],
        "sent": True,
        "late": "ERR_HTTP_HEADERS_SENT",
    }


async def test_write_head_rejects_bad_status_codes() -> None:
    codes: list[str] = []

    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        for bad in (99, 1000):
            try:
                res.write_head(bad)
            except ValueError as error:
                codes.append(getattr(error, "code", ""))
        res.end()

    async with running(listener) as (_, port):
        client = await RawClient.connect(port)
        client.send(get())
        await client.response()
        await client.close()
    assert codes == ["ERR_HTTP_INVALID_STATUS_CODE"] * 2


async def test_expect_100_continue_is_answered_then_the_body_arrives() -> None:
    async def listener(req: IncomingMessage, res: ServerResponse) -> None:
        res.end(b"".join([chunk async for chunk in req]))

    async with running(listener) as (_, port):
        client = await RawClient.connect(port)
        client.send(
            b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
        )
        interim = await client.reader.readuntil(b"\r\n\r\n")
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        client.send(b"data")
        assert (await client.response())[2] == b"data"
        await client.close()


async def test_check_continue_listener_decides() -> None:
    def on_check(req: IncomingMessage, res: ServerResponse) -> None:
        res.status_code = 417
        res.end("no body wanted")

    async with running(lambda req, res: res.end("request")) as (server, port):
        server.on("checkContinue", on_check)
        client = await RawClient.connect(port)
        client.send(
            b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
        )
        status, _, body = await client.response()
        assert status.startswith(b"HTTP/1.1 417")
        assert body == b"no body wanted"
        await client.close()


async def test_upgrade_hands_the_socket_over() -> None:
    async def on_upgrade(req: IncomingMessage, socket: Any, head: bytes) -> None:
        socket.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"
        )
        if head:
            socket.write(head)
        socket.on("data", socket.write)

    async with running(lambda req, res: res.end("plain")) as (server, port):
        server.on("upgrade", on_upgrade)
        client = await RawClient.connect(port)
        client.send(
            b"GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nfirst"
        )
        head = await client.reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101")
        assert await client.reader.readexactly(5) == b"first"
        client.send(b"again")
        assert await client.reader.readexactly(5) == b"again"
        await client.close()


async def test_max_requests_per_socket_closes_after_the_last() -> None:
    async with running(lambda req, res: res.end("x"), max_requests_per_socket=2) as (_, port):
        client = await RawClient.connect(port)
        client.send(get())
        assert (await client.response())[1]["connection"] == "keep-alive"
        client.send(get())
        assert (await client.response())[1]["connection"] == "close"
        assert await client.closed()


async def test_keep_alive_timeout_closes_an_idle_connection() -> None:
    async with running(lambda req, res: res.end("x"), keep_alive_timeout=300) as (_, port):
        client = await RawClient.connect(port)
        client.send(get())
        await client.response()
        assert await asyncio.wait_for(client.closed(), 5)


async def test_headers_timeout_answers_408_to_a_slowloris() -> None:
    async with running(lambda req, res: res.end("x"), headers_timeout=300) as (_, port):
        client = await RawClient.connect(port)
        client.send(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finishes the head
        data = await asyncio.wait_for(client.reader.read(), 5)
        assert data.startswith(b"HTTP/1.1 408")
        await client.close()


async def test_request_timeout_answers_408_to_a_body_that_never_ends() -> None:
    failures: list[str] = []

    async def listener(req: IncomingMessage, res: ServerResponse) -> None:
        try:
            async for _ in req:
                pass
        except RilletError as error:  # the 408 closes the connection under the handler
            failures.append(error.code)
            return
        res.end()

    async with running(listener, request_timeout=300) as (_, port):
        client = await RawClient.connect(port)
        client.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        data = await asyncio.wait_for(client.reader.read(), 5)
        assert data.startswith(b"HTTP/1.1 408")
        await client.close()
        await asyncio.sleep(0.05)
    assert failures == ["ECONNRESET"]


async def test_send_timeout_destroys_a_response_nobody_reads_and_its_source() -> None:
    sources: list[Readable] = []
    closed = asyncio.Event()

    def endless(_stream: Readable, _size: int) -> None:
        _stream.push(b"s" * 65536)

    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        source = Readable(read=endless)
        source.on("close", closed.set)
        sources.append(source)
        source.pipe(res)

    async with running(listener, send_timeout=500) as (_, port):
        client = await RawClient.connect(port)
        client.send(get())
        await asyncio.wait_for(closed.wait(), 10)
        assert sources[0].destroyed
        await client.close()


async def test_client_disconnect_mid_response_destroys_the_piped_source() -> None:
    started = asyncio.Event()
    events: list[str] = []
    finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def endless(stream: Readable, _size: int) -> None:
        stream.push(b"d" * 16384)

    async def listener(req: IncomingMessage, res: ServerResponse) -> None:
        source = Readable(read=endless)
        res.on("close", lambda: events.append("res-close"))
        res.on("finish", lambda: events.append("res-finish"))
        source.on("close", lambda: finished.set_result(None))
        started.set()
        try:
            await pipeline(source, res)
        except Exception:
            events.append("pipeline-failed")

    async with running(listener) as (_, port):
        client = await RawClient.connect(port)
        client.send(get())
        await started.wait()
        await client.reader.read(100_000)
        client.writer.transport.abort()
        await asyncio.wait_for(finished, 5)
        await asyncio.sleep(0.01)
    assert "res-close" in events
    assert "res-finish" not in events


async def test_close_idle_connections_spares_busy_ones() -> None:
    release = asyncio.Event()

    async def listener(req: IncomingMessage, res: ServerResponse) -> None:
        if req.url == "/wait":
            await release.wait()
        res.end("done")

    async with running(listener) as (server, port):
        idle = await RawClient.connect(port)
        idle.send(get())
        await idle.response()
        busy = await RawClient.connect(port)
        busy.send(get("/wait"))
        await asyncio.sleep(0.05)
        server.close_idle_connections()
        assert await asyncio.wait_for(idle.closed(), 5)
        release.set()
        assert (await busy.response())[2] == b"done"
        await busy.close()


async def test_server_close_finishes_in_flight_responses_with_connection_close() -> None:
    release = asyncio.Event()

    async def listener(req: IncomingMessage, res: ServerResponse) -> None:
        await release.wait()
        res.end("last")

    server_and_port = running(listener)
    async with server_and_port as (server, port):
        client = await RawClient.connect(port)
        client.send(get())
        await asyncio.sleep(0.05)
        closing = server.close()
        release.set()
        _, headers, body = await client.response()
        assert body == b"last"
        assert headers["connection"] == "close"
        await asyncio.wait_for(closing, 5)
        await client.close()


async def test_events_connection_request_and_close() -> None:
    events: list[str] = []
    async with running(lambda req, res: res.end()) as (server, port):
        server.on("connection", lambda socket: events.append("connection"))
        server.on("request", lambda req, res: events.append("request"))
        server.on("close", lambda: events.append("close"))
        client = await RawClient.connect(port)
        client.send(get("/", "Connection: close\r\n"))
        await client.response()
        await client.close()
    assert events == ["connection", "request", "close"]


async def test_request_close_and_end_events_when_the_handler_reads() -> None:
    events: list[str] = []
    done = asyncio.Event()

    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        req.on("end", lambda: events.append("end"))
        req.on("close", lambda: (events.append("close"), done.set()))
        req.resume()
        res.end()

    async with running(listener) as (_, port):
        client = await RawClient.connect(port)
        client.send(get())
        await client.response()
        await asyncio.wait_for(done.wait(), 5)
        await client.close()
    assert events == ["end", "close"]


async def test_duplicate_host_header_gets_400_and_close() -> None:
    async with running(lambda req, res: res.end("must not run")) as (_, port):
        client = await RawClient.connect(port)
        client.send(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
        data = await asyncio.wait_for(client.reader.read(), 5)
        assert data.startswith(b"HTTP/1.1 400 Bad Request")
        assert b"must not run" not in data
        await client.close()


async def test_response_headers_start_every_response_and_error_answer() -> None:
    extra = {"X-Content-Type-Options": "nosniff"}
    async with running(lambda req, res: res.end("ok"), response_headers=extra) as (_, port):
        client = await RawClient.connect(port)
        client.send(get())
        _, headers, _ = await client.response()
        assert headers["x-content-type-options"] == "nosniff"
        client.send(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
        data = await asyncio.wait_for(client.reader.read(), 5)
        assert data.startswith(b"HTTP/1.1 400")
        assert b"X-Content-Type-Options: nosniff\r\n" in data
        await client.close()
