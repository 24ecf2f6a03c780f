"""fs.open and FileHandle: the fs/promises round trip, streams over a handle, closing."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

import rillet
from rillet import fs


async def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "h.bin"
    handle = await fs.open(path, "w+")
    assert isinstance(handle, fs.FileHandle) and handle.fd > 2
    written = await handle.write(b"hello world")
    assert written == fs.WriteResult(11, b"hello world")
    assert (await handle.write("HÉ", position=0)).bytes_written == 3
    result = await handle.read(bytearray(20), position=0)
    assert result.bytes_read == 11 and bytes(result.buffer[:11]) == b"H\xc3\x89lo world"
    window = bytearray(b"..........")
    assert (await handle.read(window, 2, 4, 6)).bytes_read == 4
    assert window == b"..worl...."
    assert (await handle.stat()).st_size == 11
    await handle.truncate(5)
    await handle.sync()
    assert (await handle.stat()).st_size == 5
    assert (await handle.read(position=100)).bytes_read == 0
    closes: list[None] = []
    handle.on("close", lambda: closes.append(None))
    fd = handle.fd
    await handle.close()
    assert handle.fd == -1 and closes == [None]
    with pytest.raises(OSError) as info:
        os.fstat(fd)
    assert info.value.errno == errno.EBADF
    with pytest.raises(OSError) as after:
        await handle.read()
    assert after.value.code == "EBADF"  # type: ignore[attr-defined]
    await handle.close()  # closing twice is fine


async def test_read_without_position_advances_the_offset(tmp_path: Path) -> None:
    path = tmp_path / "seq.txt"
    path.write_bytes(b"abcdefgh")
    async with await fs.open(path) as handle:
        first = await handle.read(bytearray(3))
        second = await handle.read(bytearray(3), position=-1)
        assert bytes(first.buffer) == b"abc" and bytes(second.buffer) == b"def"
    assert handle.fd == -1


async def test_open_errors_have_node_codes(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as missing:
        await fs.open(tmp_path / "nope")
    assert missing.value.code == "ENOENT"  # type: ignore[attr-defined]
    assert missing.value.syscall == "open"  # type: ignore[attr-defined]
    (tmp_path / "there").write_text("x")
    with pytest.raises(FileExistsError) as exists:
        await fs.open(tmp_path / "there", "wx")
    assert exists.value.code == "EEXIST"  # type: ignore[attr-defined]
    with pytest.raises(IsADirectoryError) as directory:
        await fs.open(tmp_path, "r+")
    assert directory.value.code == "EISDIR"  # type: ignore[attr-defined]


async def test_bad_arguments_raise_at_the_call(tmp_path: Path) -> None:
    async with await fs.open(tmp_path / "a", "w+") as handle:
        with pytest.raises(TypeError):
            handle.read(b"read-only")  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            handle.read(bytearray(4), 0, 5)
        with pytest.raises(ValueError):
            handle.write(b"abc", 4)


async def test_read_stream_over_a_handle_closes_it(tmp_path: Path) -> None:
    path = tmp_path / "river.bin"
    content = os.urandom(10_500)
    path.write_bytes(content)
    handle = await fs.open(path)
    stream = handle.create_read_stream(high_water_mark=1000)
    assert stream.fd == handle.fd and stream.path is None
    chunks = [chunk async for chunk in stream]
    # read() may join chunks already buffered (cached reads complete at once).
    assert b"".join(chunks) == content and 6 <= len(chunks) <= 11
    await rillet.finished(stream)
    assert handle.fd == -1


async def test_closing_the_handle_closes_its_stream(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"z" * 8_000_000)
    handle = await fs.open(path)
    stream = handle.create_read_stream(high_water_mark=1000)
    await rillet.once(stream, "data")
    closing = handle.close()
    await rillet.once(stream, "close")
    await closing
    # Cached reads come in bursts of at most 1 MiB before the loop gets a turn.
    assert stream.destroyed and handle.fd == -1 and stream.bytes_read < 2_500_000


async def test_write_stream_over_a_handle(tmp_path: Path) -> None:
    path = tmp_path / "w.txt"
    handle = await fs.open(path, "w")
    stream = handle.create_write_stream()
    stream.write("abc")
    stream.end("def")
    await rillet.finished(stream)
    assert path.read_text() == "abcdef" and handle.fd == -1


async def test_close_waits_for_operations_under_way(tmp_path: Path) -> None:
    path = tmp_path / "p.bin"
    path.write_bytes(b"q" * 1000)
    handle = await fs.open(path)
    reading = handle.read(bytearray(1000), position=0)
    closing = handle.close()
    assert (await reading).bytes_read == 1000
    await closing
    assert handle.fd == -1
