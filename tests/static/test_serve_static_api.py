"""``serve_static(root, **options)`` as a library: a request handler for
``http.create_server`` taking the command line's options as keywords."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from serve_support import parse_head

from rillet import http
from rillet.errors import RilletError
from rillet.static import StaticHandler, serve_static


async def _exchange(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        return await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()


async def test_serve_static_is_a_request_handler(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"served by the library")
    handler = serve_static(str(tmp_path), cache_control="max-age=5", dotfiles="deny")
    assert isinstance(handler, StaticHandler)
    server = http.create_server(handler)
    await server.listen(0, "127.0.0.1")
    port = server.address()["port"]  # type: ignore[index]
    try:
        data = await _exchange(port, b"GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        status, headers, body = parse_head(data)
        assert (status, body) == (200, b"served by the library")
        assert headers["cache-control"] == "max-age=5"
        assert headers["x-content-type-options"] == "nosniff"
        data = await _exchange(port, b"GET /.git HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert parse_head(data)[0] == 403
    finally:
        server.close_all_connections()
        await server.close()


def test_serve_static_takes_sizes_with_suffixes(tmp_path: Path) -> None:
    handler = serve_static(str(tmp_path), chunk_size="16k", max_upload="2m", rate="1m")
    assert handler.options.chunk_size == 16384
    assert handler.options.max_upload == 2 * 1024 * 1024
    assert handler.options.rate == 1024 * 1024


def test_serve_static_defaults_are_the_command_lines(tmp_path: Path) -> None:
    options = serve_static(str(tmp_path)).options
    assert (options.chunk_size, options.send_timeout, options.max_connections) == (
        65536,
        60000,
        10000,
    )
    assert (options.cache_control, options.dotfiles, options.max_upload) == (
        "no-cache",
        "ignore",
        1024**3,
    )
    assert options.listing and options.compress
    assert not options.upload and options.auth is None and options.rate is None


def test_serve_static_rejects_unknown_options(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        serve_static(str(tmp_path), no_such_option=1)


@pytest.mark.parametrize(
    "options",
    [{"dotfiles": "sometimes"}, {"chunk_size": 0}, {"rate": "fast"}, {"auth": "no-colon"}],
)
def test_serve_static_rejects_bad_values(tmp_path: Path, options: dict[str, object]) -> None:
    with pytest.raises(RilletError) as caught:
        serve_static(str(tmp_path), **options)
    assert caught.value.code == "ERR_INVALID_ARG_VALUE"


def test_serve_static_needs_a_directory(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(NotADirectoryError):
        serve_static(str(tmp_path / "file"))
