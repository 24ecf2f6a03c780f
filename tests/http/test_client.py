"""The HTTP client (request/get/ClientRequest) against rillet servers over real loopback."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

import pytest
from client_support import BlockingWriter, closed, serving

from rillet import AbortController, Readable, net, once
from rillet.http import ClientRequest, IncomingMessage, ServerResponse, get, request
from rillet.http._client_request import Information


async def body_of(res: IncomingMessage) -> bytes:
    return b"".join([bytes(chunk) async for chunk in res])


def echo(req: IncomingMessage, res: ServerResponse) -> None:
    """Answers with the request's method, framing headers and body."""
    chunks: list[bytes] = []
    req.on("data", chunks.append)

    def done() -> None:
        res.set_header("x-method", req.method or "")
        res.set_header("x-te", str(req.headers.get("transfer-encoding")))
        res.set_header("x-length", str(req.headers.get("content-length")))
        res.set_header("x-host", str(req.headers.get("host")))
        res.set_header("x-auth", str(req.headers.get("authorization")))
        res.end(b"".join(chunks))

    req.on("end", done)


def errors_of(req: ClientRequest) -> list[BaseException]:
    errors: list[BaseException] = []
    req.on("error", errors.append)
    return errors


async def test_get_gives_the_response_as_a_readable_and_closes_after_it() -> None:
    async with serving(lambda req, res: res.end("hello " + req.url)) as (_, base):
        events: list[str] = []
        req = get(base + "/path?q=1")
        req_closed = closed(req)
        for name in ("socket", "finish", "close"):
            req.on(name, lambda *_, n=name: events.append(n))
        [res] = await once(req, "response")
        events.append("response")
        assert isinstance(res, IncomingMessage)
        assert res.status_code == 200
        assert res.status_message == "OK"
        assert res.http_version == "1.1"
        assert res.headers["content-length"] == "15"
        assert await body_of(res) == b"hello /path?q=1"
        await req_closed
        assert events == ["socket", "finish", "response", "close"]


async def test_the_response_callback_argument_listens_for_response() -> None:
    async with serving(lambda req, res: res.end("x")) as (_, base):
        seen: asyncio.Future[IncomingMessage] = asyncio.get_running_loop().create_future()
        get(base + "/", seen.set_result)
        res = await seen
        assert await body_of(res) == b"x"


async def test_end_with_data_alone_sends_content_length() -> None:
    async with serving(echo) as (_, base):
        req = request(base + "/", method="PUT")
        req.end(b"abc")
        [res] = await once(req, "response")
        assert res.headers["x-length"] == "3"
        assert res.headers["x-te"] == "None"
        assert await body_of(res) == b"abc"


async def test_writes_before_end_are_chunked() -> None:
    async with serving(echo) as (_, base):
        req = request(base + "/", {"method": "POST"})
        assert req.write("hello ") is True
        req.end("world")
        [res] = await once(req, "response")
        assert res.headers["x-te"] == "chunked"
        assert res.headers["x-length"] == "None"
        assert await body_of(res) == b"hello world"


async def test_a_content_length_set_by_the_caller_frames_the_body() -> None:
    async with serving(echo) as (_, base):
        req = request(base + "/", method="POST", headers={"Content-Length": "10"})
        req.write(b"01234")
        req.end(b"56789")
        [res] = await once(req, "response")
        assert res.headers["x-length"] == "10"
        assert res.headers["x-te"] == "None"
        assert await body_of(res) == b"0123456789"


async def test_end_alone_sends_no_body() -> None:
    async with serving(echo) as (_, base):
        res = (await once(get(base + "/"), "response"))[0]
        assert (res.headers["x-te"], res.headers["x-length"]) == ("None", "None")
        assert await body_of(res) == b""
        req = request(base + "/", method="POST")
        req.end()
        res = (await once(req, "response"))[0]
        # As Node: a method that usually has a body says Content-Length: 0.
        assert (res.headers["x-te"], res.headers["x-length"]) == ("None", "0")


async def test_host_and_authorization_headers_come_from_the_url() -> None:
    async with serving(echo) as (_, base):
        port = base.rsplit(":", 1)[1]
        res = (await once(get(f"http://user:p%40ss@127.0.0.1:{port}/"), "response"))[0]
        assert res.headers["x-host"] == f"127.0.0.1:{port}"
        assert res.headers["x-auth"] == "Basic dXNlcjpwQHNz"  # user:p@ss
        await body_of(res)


async def test_options_dict_with_host_port_path_and_headers() -> None:
    async with serving(echo) as (_, base):
        port = int(base.rsplit(":", 1)[1])
        req = request(
            {"host": "127.0.0.1", "port": port, "path": "/p", "headers": {"Host": "example"}}
        )
        assert req.get_header("host") == "example"
        assert req.path == "/p"
        req.end()
        res = (await once(req, "response"))[0]
        assert res.headers["x-host"] == "example"
        await body_of(res)


async def test_head_response_has_no_body_and_the_socket_is_reused() -> None:
    async with serving(lambda req, res: res.end("body")) as (_, base):
        req = request(base + "/", method="HEAD")
        req.end()
        res = (await once(req, "response"))[0]
        assert res.status_code == 200
        assert await body_of(res) == b""
        second = get(base + "/")
        res2 = (await once(second, "response"))[0]
        assert await body_of(res2) == b"body"
        assert second.reused_socket
        assert second.socket is req.socket


async def test_request_body_streams_with_backpressure() -> None:
    """While the server does not read, write() turns False; 'drain' follows once it reads."""
    resumed = asyncio.get_running_loop().create_future()

    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        req.pause()
        digest = hashlib.sha256()
        req.on("data", digest.update)
        req.on("end", lambda: res.end(digest.hexdigest()))
        resumed.add_done_callback(lambda _: req.resume())

    async with serving(listener) as (_, base):
        req = request(base + "/", method="POST")
        sent = hashlib.sha256()
        chunk = bytes(range(256)) * 256  # 64 KiB
        for _ in range(2000):  # at most 125 MiB: the kernel's buffers fill long before
            sent.update(chunk)
            if not req.write(chunk):
                break
        else:
            pytest.fail("write() never returned False")
        drained = once(req, "drain")
        resumed.set_result(None)
        await drained
        req.end()
        res = (await once(req, "response"))[0]
        assert (await body_of(res)).decode() == sent.hexdigest()


async def test_a_piped_readable_is_the_request_body() -> None:
    async with serving(echo) as (_, base):
        req = request(base + "/", method="POST")
        Readable.from_([b"a", b"b", b"c"]).pipe(req)
        res = (await once(req, "response"))[0]
        assert res.headers["x-te"] == "chunked"
        assert await body_of(res) == b"abc"


async def test_response_body_streams_with_backpressure() -> None:
    """A response nobody reads stops the client's socket and, through TCP, the server."""
    writer = BlockingWriter(64)
    async with serving(writer) as (_, base):
        req = get(base + "/")
        res = (await once(req, "response"))[0]
        res.pause()
        await writer.blocked
        socket = req.socket
        assert socket is not None
        assert socket._reading_paused
        assert res.readable_length <= res.readable_high_water_mark + len(writer.chunk)
        assert socket.bytes_read < writer.total
        res.resume()
        assert len(await body_of(res)) == writer.total


async def test_keep_alive_reuses_the_socket_of_the_first_request() -> None:
    async with serving(lambda req, res: res.end("ok")) as (_, base):
        first = get(base + "/")
        first_closed = closed(first)
        res = (await once(first, "response"))[0]
        assert res.headers["connection"] == "keep-alive"
        await body_of(res)
        await first_closed
        second = get(base + "/")
        await body_of((await once(second, "response"))[0])
        assert not first.reused_socket
        assert second.reused_socket
        assert second.socket is first.socket
        assert first.socket is not None and second.socket is not None
        assert second.socket.local_port == first.socket.local_port


async def test_connection_refused_is_an_error_with_its_code() -> None:
    server = net.create_server()
    await server.listen(0, "127.0.0.1")
    address = server.address()
    assert isinstance(address, dict)
    await server.close()
    req = get(f"http://127.0.0.1:{address['port']}/")
    errors = errors_of(req)
    await closed(req)
    [error] = errors
    assert error.code == "ECONNREFUSED"  # type: ignore[attr-defined]
    assert error.syscall == "connect"  # type: ignore[attr-defined]


async def test_a_connection_closed_before_the_response_is_a_socket_hang_up() -> None:
    async with serving(lambda req, res: req.socket.destroy()) as (_, base):
        req = get(base + "/")
        errors = errors_of(req)
        await closed(req)
        [error] = errors
        assert error.code == "ECONNRESET"  # type: ignore[attr-defined]
        assert str(error) == "socket hang up"


async def test_a_connection_lost_in_the_middle_of_the_body_aborts_the_response() -> None:
    async def listener(req: IncomingMessage, res: ServerResponse) -> None:
        res.set_header("content-length", "100")
        res.write(b"only part")
        await asyncio.sleep(0)
        req.socket.destroy()

    async with serving(listener) as (_, base):
        req = get(base + "/")
        req_closed = closed(req)
        res = (await once(req, "response"))[0]
        aborted = once(res, "aborted")
        res_errors: list[BaseException] = []
        res.on("error", res_errors.append)
        res.resume()
        await aborted
        await req_closed
        assert res.aborted
        assert not res.complete
        [error] = res_errors
        assert error.code == "ECONNRESET"  # type: ignore[attr-defined]
        assert str(error) == "aborted"


async def test_a_malformed_response_is_a_parse_error() -> None:
    def answer(socket: net.Socket) -> None:
        socket.resume()  # read the request, so the socket can end
        socket.end(b"HTTP/1.1 abc nonsense\r\n\r\n")

    server = net.create_server(answer)
    await server.listen(0, "127.0.0.1")
    address = server.address()
    assert isinstance(address, dict)
    req = get(f"http://127.0.0.1:{address['port']}/")
    errors = errors_of(req)
    await closed(req)
    await server.close()
    [error] = errors
    assert error.code.startswith("HPE_")  # type: ignore[attr-defined]


async def test_a_header_block_over_max_header_size_is_refused() -> None:
    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        res.set_header("x-big", "a" * 2000)
        res.end()

    async with serving(listener) as (_, base):
        req = get(base + "/", max_header_size=1000)
        errors = errors_of(req)
        await closed(req)
        [error] = errors
        assert error.code == "HPE_HEADER_OVERFLOW"  # type: ignore[attr-defined]


async def test_timeout_is_emitted_and_destroy_ends_the_request() -> None:
    async with serving(lambda req, res: None) as (_, base):
        req = get(base + "/", timeout=50)
        errors = errors_of(req)
        await once(req, "timeout")
        req.destroy()
        await closed(req)
        [error] = errors
        assert error.code == "ECONNRESET"  # type: ignore[attr-defined]


async def test_set_timeout_with_a_callback() -> None:
    async with serving(lambda req, res: None) as (_, base):
        req = get(base + "/")
        errors_of(req)
        fired: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        req.set_timeout(30, lambda: fired.set_result(None))
        await fired
        req.destroy()
        await closed(req)


async def test_destroy_before_the_response_is_a_socket_hang_up() -> None:
    async with serving(lambda req, res: None) as (_, base):
        req = get(base + "/")
        errors = errors_of(req)
        await once(req, "socket")
        req.destroy()
        await closed(req)
        assert [e.code for e in errors] == ["ECONNRESET"]  # type: ignore[attr-defined]
        assert req.socket is not None and req.socket.destroyed


async def test_an_aborted_signal_destroys_the_request_with_abort_error() -> None:
    async with serving(lambda req, res: None) as (_, base):
        controller = AbortController()
        req = get(base + "/", signal=controller.signal)
        errors = errors_of(req)
        await once(req, "socket")
        controller.abort()
        await closed(req)
        assert [e.code for e in errors] == ["ABORT_ERR"]  # type: ignore[attr-defined]


async def test_abort_emits_abort_then_close() -> None:
    async with serving(lambda req, res: None) as (_, base):
        req = get(base + "/")
        events: list[str] = []
        req.on("abort", lambda: events.append("abort"))
        req.on("error", lambda e: events.append("error"))
        req.abort()
        await closed(req)
        assert req.aborted
        assert events == ["abort"]


async def test_information_events_for_1xx() -> None:
    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        res.write_early_hints({"link": "</style.css>; rel=preload"})
        res.end("final")

    async with serving(listener) as (_, base):
        req = get(base + "/")
        informations: list[Information] = []
        req.on("information", informations.append)
        res = (await once(req, "response"))[0]
        assert await body_of(res) == b"final"
        [info] = informations
        assert info.status_code == 103
        assert info.headers["link"] == "</style.css>; rel=preload"


async def test_expect_continue_sends_the_head_and_waits_for_continue() -> None:
    async with serving(echo) as (_, base):
        req = request(base + "/", method="POST", headers={"Expect": "100-continue"})
        await once(req, "continue")
        req.end(b"after continue")
        res = (await once(req, "response"))[0]
        assert await body_of(res) == b"after continue"


async def test_flush_headers_sends_the_head_before_the_body() -> None:
    arrived: asyncio.Future[IncomingMessage] = asyncio.get_running_loop().create_future()

    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        arrived.set_result(req)
        echo(req, res)

    async with serving(listener) as (_, base):
        req = request(base + "/", method="POST")
        req.flush_headers()
        server_req = await arrived
        assert server_req.headers["transfer-encoding"] == "chunked"
        req.end(b"later")
        res = (await once(req, "response"))[0]
        assert await body_of(res) == b"later"


async def test_upgrade_hands_over_the_socket() -> None:
    async with serving(lambda req, res: res.end()) as (server, base):

        def on_upgrade(req: IncomingMessage, socket: net.Socket, head: bytes) -> None:
            socket.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\n")
            socket.write(b"Connection: Upgrade\r\n\r\nfirst")
            socket.pipe(socket)

        server.on("upgrade", on_upgrade)
        req = get(base + "/", headers={"Connection": "Upgrade", "Upgrade": "echo"})
        res, socket, head = await once(req, "upgrade")
        assert res.status_code == 101
        assert head == b"first"
        socket.write(b"ping")
        [data] = await once(socket, "data")
        assert data == b"ping"
        socket.destroy()


async def test_unix_socket_path() -> None:
    from rillet import http

    server = http.create_server(lambda req, res: res.end("over unix"))
    path = str(Path(f"/tmp/rillet-client-{id(server)}.sock"))
    await server.listen(path)
    try:
        req = get({"socket_path": path, "path": "/"})
        res = (await once(req, "response"))[0]
        assert await body_of(res) == b"over unix"
    finally:
        http.global_agent.destroy()
        server.close_all_connections()
        await server.close()


@pytest.mark.parametrize(
    ("url", "options", "code"),
    [
        ("not a url", {}, "ERR_INVALID_URL"),
        ("https://127.0.0.1/", {}, "ERR_INVALID_PROTOCOL"),
        ("http://127.0.0.1/", {"path": "/a b"}, "ERR_UNESCAPED_CHARACTERS"),
        ("http://127.0.0.1/", {"method": "GE T"}, "ERR_INVALID_HTTP_TOKEN"),
        ("http://127.0.0.1/", {"headers": {"x": "a\r\nb"}}, "ERR_INVALID_CHAR"),
    ],
)
async def test_bad_arguments_raise_at_the_call(
    url: str, options: dict[str, Any], code: str
) -> None:
    with pytest.raises(TypeError) as info:
        request(url, options)
    assert info.value.code == code  # type: ignore[attr-defined]
