"""rillet.http.fetch: Response, Headers, streamed bodies both ways, redirects, errors."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator
from typing import Any

import pytest
from client_support import BlockingWriter, serving

from rillet import AbortController, AbortSignal
from rillet.http import Headers, IncomingMessage, Response, ServerResponse, fetch
from rillet.web import ReadableStream


def echo(req: IncomingMessage, res: ServerResponse) -> None:
    """Answers with the request's method, some headers and its body."""
    chunks: list[bytes] = []
    req.on("data", chunks.append)

    def done() -> None:
        for name in ("transfer-encoding", "content-length", "content-type", "authorization"):
            res.set_header(f"x-{name}", str(req.headers.get(name)))
        res.set_header("x-method", req.method or "")
        res.end(b"".join(chunks))

    req.on("end", done)


async def test_the_seed_browser_example_runs_as_written() -> None:
    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        res.write("first ")
        res.end("second")

    async with serving(listener) as (_, base):
        received = []
        response = await fetch(base + "/large-data")
        reader = response.body.get_reader()  # type: ignore[union-attr]

        while True:
            result = await reader.read()
            if result.done:
                break
            print("Chunk:", result.value)
            received.append(bytes(result.value))
        assert isinstance(result.value, type(None))
        assert b"".join(received) == b"first second"


async def test_response_fields() -> None:
    async with serving(lambda req, res: res.end("hi")) as (_, base):
        response = await fetch(base + "/x")
        assert response.status == 200
        assert response.status_text == "OK"
        assert response.ok
        assert response.url == base + "/x"
        assert not response.redirected
        assert response.headers["Content-Length"] == "2"
        assert response.headers.get("CONTENT-length") == "2"
        assert "content-length" in response.headers
        assert isinstance(response.body, ReadableStream)
        assert not response.body_used
        assert await response.text() == "hi"
        assert response.body_used
        with pytest.raises(TypeError):
            await response.text()


async def test_json_bytes_and_array_buffer() -> None:
    async with serving(lambda req, res: res.end('{"a": [1, 2]}')) as (_, base):
        assert await (await fetch(base)).json() == {"a": [1, 2]}
        assert await (await fetch(base)).bytes() == b'{"a": [1, 2]}'
        assert await (await fetch(base)).array_buffer() == b'{"a": [1, 2]}'


async def test_not_ok_status_and_head_and_204_have_no_body() -> None:
    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        res.status_code = 204 if req.url == "/empty" else 404
        res.end("" if req.url == "/empty" else "missing")

    async with serving(listener) as (_, base):
        missing = await fetch(base + "/gone")
        assert (missing.status, missing.ok) == (404, False)
        assert await missing.text() == "missing"
        empty = await fetch(base + "/empty")
        assert empty.body is None
        assert await empty.bytes() == b""
        head = await fetch(base + "/gone", method="HEAD")
        assert head.body is None


async def test_the_body_is_read_from_the_socket_only_as_the_reader_pulls() -> None:
    writer = BlockingWriter(128)
    async with serving(writer) as (_, base):
        response = await fetch(base + "/")
        reader = response.body.get_reader()  # type: ignore[union-attr]
        first = await reader.read()
        assert len(first.value) > 0
        await writer.blocked  # the server is held back while the reader does not pull
        total = len(first.value)
        while not (result := await reader.read()).done:
            total += len(result.value)
        assert total == writer.total


@pytest.mark.parametrize("kind", ["bytes", "str", "stream", "async", "sync"])
async def test_request_bodies(kind: str) -> None:
    async def generate() -> AsyncIterator[bytes]:
        yield b"async "
        yield b"chunks"

    bodies: dict[str, Any] = {
        "bytes": b"raw bytes",
        "str": "text",
        "stream": ReadableStream.from_([b"web ", b"stream"]),
        "async": generate(),
        "sync": [b"sync ", b"list"],
    }
    expected = {
        "bytes": b"raw bytes",
        "str": b"text",
        "stream": b"web stream",
        "async": b"async chunks",
        "sync": b"sync list",
    }
    async with serving(echo) as (_, base):
        response = await fetch(base + "/", method="POST", body=bodies[kind])
        assert await response.bytes() == expected[kind]
        streamed = kind in ("stream", "async", "sync")
        assert response.headers["x-transfer-encoding"] == ("chunked" if streamed else "None")
        if kind == "str":
            assert response.headers["x-content-type"] == "text/plain;charset=UTF-8"


async def test_a_streamed_upload_is_read_as_the_socket_takes_it() -> None:
    pulled = 0

    async def generate() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(512):  # 32 MiB: more than the kernel's buffers hold
            pulled += 1
            yield b"u" * 65536

    arrived = asyncio.get_running_loop().create_future()

    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        req.pause()
        arrived.set_result(req)
        echo(req, res)

    async with serving(listener) as (_, base):
        pending = fetch(base + "/", method="PUT", body=generate())
        server_req = await arrived
        for _ in range(500):  # let the upload run into the paused server, bounded
            await asyncio.sleep(0)
        assert pulled < 512
        server_req.resume()
        response = await pending
        assert len(await response.bytes()) == 512 * 65536


async def test_request_headers_go_out() -> None:
    async with serving(echo) as (_, base):
        response = await fetch(
            base, method="POST", headers={"Authorization": "Bearer t"}, body=b"x"
        )
        assert response.headers["x-authorization"] == "Bearer t"
        assert response.headers["x-content-length"] == "1"


async def test_redirects_are_followed() -> None:
    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        if req.url == "/start":
            res.write_head(302, {"location": "/middle"})
            res.end()
        elif req.url == "/middle":
            res.write_head(307, {"location": "/end"})
            res.end()
        else:
            echo(req, res)

    async with serving(listener) as (_, base):
        response = await fetch(base + "/start")
        assert response.redirected
        assert response.url == base + "/end"
        assert response.headers["x-method"] == "GET"
        assert await response.text() == ""
        posted = await fetch(base + "/middle", method="POST", body=b"kept")
        assert await posted.text() == "kept"
        assert posted.headers["x-method"] == "POST"


async def test_303_turns_a_post_into_a_get_without_body() -> None:
    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        if req.url == "/form":
            req.resume()
            res.write_head(303, {"location": "/done"})
            res.end()
        else:
            echo(req, res)

    async with serving(listener) as (_, base):
        response = await fetch(base + "/form", method="POST", body="a=1")
        assert response.headers["x-method"] == "GET"
        assert response.headers["x-content-type"] == "None"


async def test_redirect_error_manual_and_streamed_bodies() -> None:
    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        req.resume()
        res.write_head(307, {"location": "/again"})
        res.end()

    async with serving(listener) as (_, base):
        with pytest.raises(TypeError) as info:
            await fetch(base, redirect="error")
        assert info.value.code == "ERR_FETCH_FAILED"  # type: ignore[attr-defined]
        manual = await fetch(base, redirect="manual")
        assert manual.status == 307
        assert manual.headers["location"] == "/again"
        with pytest.raises(TypeError):  # more than 20 redirects
            await fetch(base)
        with pytest.raises(TypeError):  # a stream cannot be sent twice
            await fetch(base, method="PUT", body=ReadableStream.from_([b"once"]))


async def test_gzip_bodies_are_decoded() -> None:
    payload = b"compressible " * 1000

    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        res.write_head(200, {"content-encoding": "gzip"})
        res.end(gzip.compress(payload))

    async with serving(listener) as (_, base):
        response = await fetch(base)
        assert await response.bytes() == payload


async def test_network_errors_reject_with_fetch_failed_and_a_cause() -> None:
    async with serving(lambda req, res: None) as (_, base):
        pass  # the server is gone after this: its port refuses connections
    with pytest.raises(TypeError) as info:
        await fetch(base + "/")
    assert str(info.value) == "fetch failed"
    assert info.value.__cause__.code == "ECONNREFUSED"  # type: ignore[union-attr]


async def test_abort_before_the_response_rejects_with_the_reason() -> None:
    async with serving(lambda req, res: None) as (_, base):
        controller = AbortController()
        pending = fetch(base, signal=controller.signal)
        await asyncio.sleep(0)
        controller.abort()
        with pytest.raises(Exception) as info:
            await pending
        assert info.value.code == "ABORT_ERR"  # type: ignore[attr-defined]
        with pytest.raises(Exception) as info:
            await fetch(base, signal=AbortSignal.abort())
        assert info.value.code == "ABORT_ERR"  # type: ignore[attr-defined]


async def test_abort_during_the_body_errors_the_stream_with_the_reason() -> None:
    async def listener(req: IncomingMessage, res: ServerResponse) -> None:
        res.write("start")

    async with serving(listener) as (_, base):
        controller = AbortController()
        response = await fetch(base, signal=controller.signal)
        reader = response.body.get_reader()  # type: ignore[union-attr]
        assert bytes((await reader.read()).value) == b"start"
        reason = ValueError("stop")
        controller.abort(reason)
        with pytest.raises(ValueError, match="stop"):
            await reader.read()


async def test_a_bad_url_or_a_body_on_get_rejects() -> None:
    with pytest.raises(TypeError):
        await fetch("not a url")
    with pytest.raises(TypeError):
        await fetch("http://127.0.0.1:1/", body=b"x")
    with pytest.raises(TypeError):
        await fetch("ftp://127.0.0.1/")


def test_headers_are_a_case_insensitive_multimap() -> None:
    headers = Headers({"Content-Type": "text/plain"})
    headers.append("Set-Cookie", "a=1")
    headers.append("set-cookie", "b=2")
    headers.append("X-Many", " one ")
    headers.append("x-many", "two")
    assert headers["content-type"] == "text/plain"
    assert headers.get("X-MANY") == "one, two"
    assert headers.get_set_cookie() == ["a=1", "b=2"]
    assert list(headers) == ["content-type", "set-cookie", "x-many"]
    headers.set("x-many", "three")
    assert headers["x-many"] == "three"
    headers.delete("Content-Type")
    assert not headers.has("content-type")
    assert headers.get("content-type") is None
    with pytest.raises(KeyError):
        del headers["content-type"]
    with pytest.raises(TypeError):
        headers.append("bad name", "x")
    with pytest.raises(TypeError):
        headers.set("x", "a\r\nInjected: 1")
    copy = Headers(headers)
    assert dict(copy.items()) == dict(headers.items())
    assert len(Headers([("a", "1"), ("A", "2")])) == 1


async def test_a_response_made_by_hand() -> None:
    response = Response("made", status=201, headers={"x": "y"})
    assert (response.status, response.ok, response.headers["x"]) == (201, True, "y")
    assert response.headers["content-type"] == "text/plain;charset=UTF-8"
    assert await response.text() == "made"
