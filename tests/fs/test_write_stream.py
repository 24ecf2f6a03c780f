"""fs.WriteStream against real files: flags, positions, errors, flush, descriptor life."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

import rillet
from rillet import fs


async def test_writes_chunks_in_order_and_closes(
    tmp_path: Path, fd_is_closed: Any, close_event: Any
) -> None:
    path = tmp_path / "out.bin"
    stream = fs.create_write_stream(path)
    events: list[object] = []
    stream.on("open", lambda fd: events.append(("open", fd)))
    stream.on("ready", lambda: events.append("ready"))
    stream.on("finish", lambda: events.append("finish"))
    closed = close_event(stream)
    expected = b""
    for i in range(300):
        chunk = os.urandom(i * 37 % 5000)
        expected += chunk
        stream.write(chunk)
    stream.write("héllo")
    stream.end(b"!")
    await closed
    assert path.read_bytes() == expected + "héllo".encode() + b"!"
    assert stream.bytes_written == len(expected) + 7
    assert events[1:] == ["ready", "finish"]
    assert fd_is_closed(events[0][1])  # type: ignore[index]
    assert stream.fd is None and stream.path == str(path)


async def test_backpressure_write_returns_false_then_drain(tmp_path: Path) -> None:
    stream = fs.create_write_stream(tmp_path / "big.bin", high_water_mark=16384)
    chunk = b"x" * 4096
    refused = 0
    for _ in range(256):
        if not stream.write(chunk):
            refused += 1
            await rillet.once(stream, "drain")
    stream.end()
    await rillet.finished(stream)
    assert refused > 0
    assert (tmp_path / "big.bin").stat().st_size == 256 * 4096


async def test_flag_a_appends(tmp_path: Path) -> None:
    path = tmp_path / "log.txt"
    path.write_bytes(b"first\n")
    for line in (b"second\n", b"third\n"):
        stream = fs.create_write_stream(path, flags="a")
        stream.end(line)
        await rillet.finished(stream)
    assert path.read_bytes() == b"first\nsecond\nthird\n"


async def test_flag_wx_creates_but_never_replaces(tmp_path: Path, close_event: Any) -> None:
    path = tmp_path / "once.txt"
    stream = fs.create_write_stream(path, flags="wx", mode=0o600)
    stream.end(b"mine")
    await rillet.finished(stream)
    assert path.read_bytes() == b"mine" and path.stat().st_mode & 0o777 == 0o600

    again = fs.create_write_stream(path, flags="wx")
    closed = close_event(again)
    (error,) = await rillet.once(again, "error")
    assert error.code == "EEXIST" and error.errno == errno.EEXIST
    assert error.syscall == "open" and error.path == str(path)
    assert isinstance(error, FileExistsError)
    await closed
    assert path.read_bytes() == b"mine"


async def test_flag_ax_refuses_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "exists.txt"
    path.write_text("x")
    stream = fs.create_write_stream(path, flags="ax")
    (error,) = await rillet.once(stream, "error")
    assert error.code == "EEXIST"


async def test_start_writes_at_an_offset_with_r_plus(tmp_path: Path) -> None:
    path = tmp_path / "patch.txt"
    path.write_bytes(b"0123456789")
    stream = fs.create_write_stream(path, flags="r+", start=3)
    stream.write(b"ab")
    stream.end(b"c")
    await rillet.finished(stream)
    assert path.read_bytes() == b"012abc6789"


async def test_writing_into_a_directory_is_eisdir(tmp_path: Path) -> None:
    stream = fs.create_write_stream(tmp_path)
    (error,) = await rillet.once(stream, "error")
    assert error.code == "EISDIR" and error.syscall == "open"


async def test_destroy_closes_the_descriptor(
    tmp_path: Path, fd_is_closed: Any, close_event: Any
) -> None:
    stream = fs.create_write_stream(tmp_path / "d.bin")
    (fd,) = await rillet.once(stream, "open")
    stream.write(b"abc")
    stream.destroy()
    await close_event(stream)
    assert fd_is_closed(fd)


async def test_write_error_closes_the_descriptor(
    tmp_path: Path, fd_is_closed: Any, close_event: Any
) -> None:
    path = tmp_path / "ro.txt"
    path.write_text("x")
    fd = os.open(path, os.O_RDONLY)  # a descriptor that refuses writes: EBADF on write
    stream = fs.create_write_stream(None, fd=fd)
    closed = close_event(stream)
    stream.write(b"nope")
    (error,) = await rillet.once(stream, "error")
    assert error.code == "EBADF" and error.syscall == "write"
    await closed
    assert fd_is_closed(fd)


async def test_flush_fsyncs_before_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fd_is_closed: Any, close_event: Any
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    stream = fs.create_write_stream(tmp_path / "durable.bin", flush=True)
    (fd,) = await rillet.once(stream, "open")
    stream.end(b"data")
    await close_event(stream)
    assert synced == [fd] and fd_is_closed(fd)
    plain = fs.create_write_stream(tmp_path / "plain.bin")
    plain.end(b"data")
    await close_event(plain)
    assert synced == [fd]


async def test_close_ends_the_stream(tmp_path: Path, close_event: Any) -> None:
    path = tmp_path / "c.txt"
    stream = fs.create_write_stream(path)
    stream.write(b"kept")
    done: list[object] = []
    stream.close(lambda *args: done.append(args))
    await close_event(stream)
    assert path.read_bytes() == b"kept" and len(done) == 1


async def test_pipeline_from_read_stream_to_write_stream(tmp_path: Path) -> None:
    source = tmp_path / "src.bin"
    content = os.urandom(3 << 20)
    source.write_bytes(content)
    target = tmp_path / "dst.bin"
    await rillet.pipeline(
        fs.create_read_stream(source, high_water_mark=10_000), fs.create_write_stream(target)
    )
    assert target.read_bytes() == content
