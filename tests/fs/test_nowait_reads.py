"""The read strategy: the page cache on the loop, the executor only when the kernel would block."""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import rillet
from rillet import fs
from rillet.fs import _io


class CountingExecutor(ThreadPoolExecutor):
    """The loop's default executor, counting what is submitted to it."""

    def __init__(self) -> None:
        super().__init__(max_workers=2)
        self.submitted: list[str] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted.append(getattr(fn, "__name__", repr(fn)))
        return super().submit(fn, *args, **kwargs)


def count_submissions() -> CountingExecutor:
    executor = CountingExecutor()
    asyncio.get_running_loop().set_default_executor(executor)
    return executor


async def drain(stream: fs.ReadStream) -> int:
    total = 0

    def count(chunk: bytes) -> None:
        nonlocal total
        total += len(chunk)

    stream.on("data", count)
    await rillet.finished(stream)
    return total


@pytest.fixture(scope="module")
def cached_64mib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nowait") / "64mib.bin"
    block = os.urandom(1 << 20)
    with path.open("wb") as file:
        for _ in range(64):
            file.write(block)
    return path


async def test_cached_file_in_1000_byte_chunks_uses_no_thread(cached_64mib: Path) -> None:
    with cached_64mib.open("rb") as file:  # make sure every page is in the cache
        while file.read(1 << 22):
            pass
    executor = count_submissions()
    stream = fs.create_read_stream(cached_64mib, high_water_mark=1000)
    assert await drain(stream) == 64 << 20
    assert stream.closed
    # Opening (the path is in the dentry cache), 67109 reads and the close: no hop at
    # all. (Where openat2 is missing, the open alone goes to the executor.)
    assert executor.submitted == ([] if _io._syscall is not None else ["open"])


async def test_reads_that_would_block_go_to_the_executor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cold.bin"
    content = os.urandom(50_000)
    path.write_bytes(content)
    real_preadv = os.preadv

    def preadv(fd: int, buffers: Any, offset: int, flags: int = 0) -> int:
        if flags & _io._RWF_NOWAIT:
            raise BlockingIOError(errno.EAGAIN, "would block")
        return real_preadv(fd, buffers, offset, flags)

    monkeypatch.setattr(os, "preadv", preadv)
    executor = count_submissions()
    stream = fs.create_read_stream(path, high_water_mark=10_000, start=5)
    chunks = [chunk async for chunk in stream]
    assert b"".join(chunks) == content[5:]
    assert executor.submitted.count("_read_blocking") == 5 + 1  # five chunks, then EOF


async def test_a_file_system_without_rwf_nowait_is_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plain.bin"
    content = os.urandom(30_000)
    path.write_bytes(content)
    real_preadv = os.preadv
    refused: list[int] = []

    def preadv(fd: int, buffers: Any, offset: int, flags: int = 0) -> int:
        if flags & _io._RWF_NOWAIT:
            refused.append(fd)
            raise OSError(errno.EOPNOTSUPP, "not supported")
        return real_preadv(fd, buffers, offset, flags)

    monkeypatch.setattr(os, "preadv", preadv)
    executor = count_submissions()
    stream = fs.create_read_stream(path, high_water_mark=10_000)
    assert b"".join([chunk async for chunk in stream]) == content
    assert len(refused) == 1  # asked once for this file, then straight to the executor
    assert executor.submitted.count("_read_blocking") == 4


async def test_other_read_errors_are_not_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loop_errors: list[Any]
) -> None:
    path = tmp_path / "eio.bin"
    path.write_bytes(b"x" * 100)

    def preadv(fd: int, buffers: Any, offset: int, flags: int = 0) -> int:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(os, "preadv", preadv)
    executor = count_submissions()
    stream = fs.create_read_stream(path).resume()
    (error,) = await rillet.once(stream, "error")
    assert error.code == "EIO" and error.syscall == "read"
    assert executor.submitted == [] and loop_errors == []


async def test_uncached_open_goes_to_the_executor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "o.bin"
    path.write_bytes(b"abc")

    def not_cached(_path: str | bytes, _flags: int) -> int:
        raise BlockingIOError(errno.EAGAIN, "not cached")

    monkeypatch.setattr(_io, "_open_cached", not_cached)
    executor = count_submissions()
    assert await fs.create_read_stream(path).to_array() == [b"abc"]
    assert executor.submitted == ["open"]


@pytest.mark.skipif(_io._syscall is None, reason="openat2 is not available")
def test_open_cached_nowait(tmp_path: Path) -> None:
    path = tmp_path / "cached.txt"
    path.write_text("hi")
    fd = _io.open_cached_nowait(str(path))
    assert fd is not None
    try:
        assert os.read(fd, 10) == b"hi" and not os.get_inheritable(fd)
    finally:
        os.close(fd)
    assert _io.open_cached_nowait(str(tmp_path / "missing")) is None
    assert _io.open_cached_nowait(str(path), os.O_WRONLY | os.O_TRUNC) is None
