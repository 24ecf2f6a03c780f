"""``rillet serve --upload`` over loopback: PUT 201/204/409/413 (Content-Length and chunked),
interrupted uploads leave neither the file nor a temporary file, DELETE, and uploads off by
default."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import http.client
import os
import re
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serve_support import Reply, Served, parse_head, serving

LIMIT = 100_000


@pytest.fixture(scope="module")
def top(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(scope="module")
def shared(top: Path) -> Iterator[Served]:
    with serving(top, "--quiet", "--upload", "--max-upload", str(LIMIT)) as served:
        yield served


@pytest.fixture
def root(top: Path, request: pytest.FixtureRequest) -> Path:
    """A fresh directory for one test, below the served ROOT."""
    path = top / re.sub(r"\W", "_", request.node.name)
    path.mkdir()
    (path / "existing.txt").write_bytes(b"old content")
    (path / "dir").mkdir()
    return path


class Area:
    """The shared server, with targets relative to the test's own directory."""

    def __init__(self, served: Served, root: Path) -> None:
        self.served = served
        self.prefix = "/" + root.name
        self.port = served.port

    def request(
        self,
        method: str,
        target: str,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Reply:
        return self.served.request(method, self.prefix + target, headers, body)

    def get(self, target: str) -> Reply:
        return self.served.get(self.prefix + target)

    def raw(self, data: bytes) -> bytes:
        return self.served.raw(data.replace(b" /", b" " + self.prefix.encode() + b"/", 1))

    def connection(self) -> http.client.HTTPConnection:
        return self.served.connection()

    def open_files(self) -> list[str]:
        return self.served.open_files()


@pytest.fixture
def server(shared: Served, root: Path) -> Area:
    return Area(shared, root)


def leftovers(directory: Path) -> list[str]:
    """Temporary upload files left in ``directory``."""
    return [name for name in os.listdir(directory) if name.endswith(".rillet-upload")]


def wait_until(condition: object, seconds: float = 5) -> bool:
    """Poll ``condition()`` until true or ``seconds`` pass (the server cleans up after the
    client's close, which the client cannot await)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return bool(condition())  # type: ignore[operator]


def test_upload_is_off_by_default(root: Path) -> None:
    with serving(root, "--quiet") as served:
        reply = served.request("PUT", "/new.txt", body=b"data")
        assert reply.status == 405
        assert "PUT" not in (reply.header("Allow") or "")
        assert served.request("DELETE", "/existing.txt").status == 405
    assert not (root / "new.txt").exists()
    assert (root / "existing.txt").read_bytes() == b"old content"


def test_allow_lists_put_and_delete_with_upload(server: Area) -> None:
    reply = server.request("POST", "/existing.txt", body=b"x")
    assert reply.status == 405
    assert {m.strip() for m in (reply.header("Allow") or "").split(",")} == {
        "GET",
        "HEAD",
        "OPTIONS",
        "PUT",
        "DELETE",
    }


def test_put_new_file_is_201(server: Area, root: Path) -> None:
    data = os.urandom(50_000)
    reply = server.request("PUT", "/new.bin", body=data)
    assert reply.status == 201
    assert reply.header("X-Content-Type-Options") == "nosniff"
    assert (root / "new.bin").read_bytes() == data
    assert server.get("/new.bin").body == data
    assert leftovers(root) == []


def test_put_replacing_a_file_is_204(server: Area, root: Path) -> None:
    reply = server.request("PUT", "/existing.txt", body=b"new content")
    assert reply.status == 204
    assert reply.body == b""
    assert (root / "existing.txt").read_bytes() == b"new content"
    assert server.get("/existing.txt").body == b"new content"


def test_put_into_a_subdirectory(server: Area, root: Path) -> None:
    assert server.request("PUT", "/dir/inner.txt", body=b"inner").status == 201
    assert (root / "dir" / "inner.txt").read_bytes() == b"inner"
    assert leftovers(root / "dir") == []


def test_put_empty_body(server: Area, root: Path) -> None:
    assert server.request("PUT", "/empty.txt", body=b"").status == 201
    assert (root / "empty.txt").read_bytes() == b""


def test_put_chunked_body(server: Area, root: Path) -> None:
    connection = server.connection()
    try:
        pieces = [b"a" * 1000, b"b" * 2000, b"c"]
        target = server.prefix + "/chunked.txt"
        connection.request("PUT", target, body=iter(pieces), encode_chunked=True)
        response = connection.getresponse()
        response.read()
        assert response.status == 201
    finally:
        connection.close()
    assert (root / "chunked.txt").read_bytes() == b"".join(pieces)


def test_put_with_missing_parent_is_409(server: Area, root: Path) -> None:
    reply = server.request("PUT", "/no/such/dir/file.txt", body=b"x")
    assert reply.status == 409
    assert not (root / "no").exists()


def test_put_onto_a_directory_is_409(server: Area, root: Path) -> None:
    assert server.request("PUT", "/dir", body=b"x").status == 409
    assert (root / "dir").is_dir()


def test_put_declaring_far_over_max_upload_is_413_at_once(server: Area, root: Path) -> None:
    # No body sent: the answer comes from Content-Length alone.
    data = server.raw(b"PUT /big.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n")
    assert_refused(data, root)


def assert_refused(data: bytes, root: Path) -> None:
    """``data`` is a 413 closing the connection, and nothing was stored."""
    status, headers, _ = parse_head(data)
    assert status == 413
    assert headers.get("connection") == "close"
    assert not (root / "big.bin").exists()
    assert leftovers(root) == []


def test_put_at_exactly_max_upload_is_accepted(server: Area, root: Path) -> None:
    assert server.request("PUT", "/limit.bin", body=b"x" * LIMIT).status == 201
    assert (root / "limit.bin").stat().st_size == LIMIT


def test_put_over_max_upload_sent_whole_by_http_client_is_413(server: Area, root: Path) -> None:
    # http.client sends the whole body before reading: the server must read it (dropping
    # it) rather than close under the client's feet, or the client sees a reset.
    for size in (LIMIT + 1, 3 * 1024 * 1024):
        reply = server.request("PUT", "/big.bin", body=b"x" * size)
        assert reply.status == 413
        assert reply.header("Connection") == "close"
    assert not (root / "big.bin").exists()
    assert leftovers(root) == []


async def _chunked(server: Area, chunks: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(
            f"PUT {server.prefix}/big.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        chunk = b"%x\r\n%s\r\n" % (10_000, b"y" * 10_000)
        for _ in range(chunks):
            writer.write(chunk)
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        return await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()


def test_put_over_max_upload_while_chunked_is_413(server: Area, root: Path) -> None:
    assert_refused(asyncio.run(_chunked(server, LIMIT // 10_000 + 30)), root)


def test_put_chunked_at_the_limit_is_accepted(server: Area, root: Path) -> None:
    data = asyncio.run(_chunked(server, LIMIT // 10_000))
    assert parse_head(data)[0] == 201
    assert (root / "big.bin").stat().st_size == LIMIT


async def _endless_chunked(server: Area) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    received = b""
    try:
        writer.write(
            f"PUT {server.prefix}/big.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            "\r\n".encode()
        )
        chunk = b"%x\r\n%s\r\n" % (65536, b"y" * 65536)
        reading = asyncio.ensure_future(reader.read(65536))
        for _ in range(2000):  # 128 MiB at most
            if reading.done():
                break
            writer.write(chunk)
            with contextlib.suppress(ConnectionError):
                await writer.drain()
        with contextlib.suppress(ConnectionError):
            received = await asyncio.wait_for(reading, 10)
        return received
    finally:
        writer.close()


def test_put_that_never_ends_is_cut_off(server: Area, root: Path) -> None:
    data = asyncio.run(_endless_chunked(server))
    assert data == b"" or parse_head(data)[0] == 413  # a 413, or a reset that lost it
    assert wait_until(lambda: leftovers(root) == [])
    assert wait_until(lambda: not any(".rillet-upload" in name for name in server.open_files()))
    assert not (root / "big.bin").exists()
    assert server.get("/existing.txt").status == 200


def _abort(server: Area, head: bytes, body: bytes, *, reset: bool) -> None:
    head = head.replace(b" /", b" " + server.prefix.encode() + b"/", 1)
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(head + body)
        if reset:  # RST instead of FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.mark.parametrize("reset", [False, True], ids=["fin", "rst"])
def test_interrupted_put_leaves_no_file_and_no_temporary(
    server: Area, root: Path, reset: bool
) -> None:
    head = b"PUT /partial.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 90000\r\n\r\n"
    _abort(server, head, b"z" * 40_000, reset=reset)
    assert wait_until(lambda: leftovers(root) == [])
    assert not (root / "partial.bin").exists()
    assert wait_until(lambda: not any(".rillet-upload" in name for name in server.open_files()))
    assert server.get("/existing.txt").body == b"old content"  # still serving


def test_interrupted_put_keeps_the_old_file(server: Area, root: Path) -> None:
    head = b"PUT /existing.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 90000\r\n\r\n"
    _abort(server, head, b"z" * 40_000, reset=False)
    assert wait_until(lambda: leftovers(root) == [])
    assert (root / "existing.txt").read_bytes() == b"old content"


def test_interrupted_chunked_put_leaves_nothing(server: Area, root: Path) -> None:
    head = b"PUT /partial.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    _abort(server, head, b"%x\r\n%s\r\n" % (5000, b"q" * 5000), reset=False)
    assert wait_until(lambda: leftovers(root) == [])
    assert not (root / "partial.bin").exists()


def test_put_path_rules(shared: Served, server: Area, root: Path, top: Path) -> None:
    assert shared.request("PUT", "/../escape.txt", body=b"x").status == 404
    assert shared.request("PUT", "/%2e%2e/escape.txt", body=b"x").status == 404
    assert shared.request("PUT", "/..%2fescape.txt", body=b"x").status == 404
    assert server.request("PUT", "/.hidden", body=b"x").status == 404
    assert not (top.parent / "escape.txt").exists()
    assert not (root / ".hidden").exists()


def test_delete_removes_the_file(server: Area, root: Path) -> None:
    reply = server.request("DELETE", "/existing.txt")
    assert reply.status == 204
    assert not (root / "existing.txt").exists()
    assert server.get("/existing.txt").status == 404


def test_delete_missing_is_404_and_directory_is_409(
    shared: Served, server: Area, root: Path, top: Path
) -> None:
    (top.parent / "outside.txt").write_bytes(b"keep")
    assert server.request("DELETE", "/missing.txt").status == 404
    assert server.request("DELETE", "/dir").status == 409
    assert shared.request("DELETE", "/../outside.txt").status == 404
    assert (top.parent / "outside.txt").exists()
    assert (root / "dir").is_dir()


def test_upload_with_auth(root: Path) -> None:
    token = "Basic " + base64.b64encode(b"u:p").decode()
    with serving(root, "--quiet", "--upload", "--auth", "u:p") as served:
        assert served.request("PUT", "/a.txt", body=b"x").status == 401
        assert not (root / "a.txt").exists()
        assert served.request("PUT", "/a.txt", {"Authorization": token}, b"x").status == 201
        assert served.request("DELETE", "/a.txt").status == 401
        assert served.request("DELETE", "/a.txt", {"Authorization": token}).status == 204


def test_expect_100_continue(server: Area, root: Path) -> None:
    async def exchange() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            writer.write(
                f"PUT {server.prefix}/continued.txt HTTP/1.1\r\nHost: x\r\n"
                "Content-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n".encode()
            )
            interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            writer.write(b"hello")
            return interim + await asyncio.wait_for(reader.read(), 5)
        finally:
            writer.close()

    data = asyncio.run(exchange())
    assert data.startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert b"HTTP/1.1 201" in data
    assert (root / "continued.txt").read_bytes() == b"hello"
