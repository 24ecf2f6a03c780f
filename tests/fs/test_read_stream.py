"""fs.ReadStream against real files: ranges, a 1 GiB sparse file, errors, descriptor life."""

from __future__ import annotations

import asyncio
import errno
import os
import sys
from pathlib import Path
from typing import Any

import pytest

import rillet
from rillet import fs
from rillet.errors import RilletError


async def read_all(stream: fs.ReadStream) -> bytes:
    return b"".join([chunk async for chunk in stream])


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "sample.bin"
    path.write_bytes(bytes(range(256)) * 1024)
    return path


async def test_reads_the_whole_file_in_high_water_mark_chunks(
    sample: Path, fd_is_closed: Any
) -> None:
    stream = fs.create_read_stream(sample, high_water_mark=10_000)
    events: list[object] = []
    stream.on("open", lambda fd: events.append(("open", fd)))
    stream.on("ready", lambda: events.append("ready"))
    assert stream.pending and stream.fd is None and stream.path == str(sample)
    chunks: list[bytes] = []
    stream.on("data", chunks.append)
    await rillet.once(stream, "close")
    assert b"".join(chunks) == sample.read_bytes()
    assert all(type(chunk) is bytes and len(chunk) <= 10_000 for chunk in chunks)
    assert len(chunks) == 27
    assert events[1] == "ready" and events[0][0] == "open"  # type: ignore[index]
    fd = events[0][1]  # type: ignore[index]
    assert fd_is_closed(fd)
    assert stream.bytes_read == 256 * 1024
    assert stream.fd is None and stream.pending


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [(0, 0, slice(0, 1)), (100, 199, slice(100, 200)), (1000, None, slice(1000, None)),
     (None, 4999, slice(0, 5000)), (262_100, 10**9, slice(262_100, None))],
)  # fmt: skip
async def test_start_and_end_are_an_inclusive_range(
    sample: Path, start: int | None, end: int | None, expected: slice
) -> None:
    stream = fs.create_read_stream(sample, start=start, end=end, high_water_mark=777)
    assert await read_all(stream) == sample.read_bytes()[expected]


async def test_bad_ranges_raise_at_the_call(sample: Path) -> None:
    with pytest.raises(ValueError) as info:
        fs.create_read_stream(sample, start=10, end=9)
    assert info.value.code == "ERR_OUT_OF_RANGE"  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        fs.create_read_stream(sample, start=-1)
    with pytest.raises(TypeError) as type_info:
        fs.create_read_stream(sample, end="9")  # type: ignore[arg-type]
    assert type_info.value.code == "ERR_INVALID_ARG_TYPE"  # type: ignore[attr-defined]
    with pytest.raises(TypeError) as flag_info:
        fs.create_read_stream(sample, flags="q")
    assert flag_info.value.code == "ERR_INVALID_ARG_VALUE"  # type: ignore[attr-defined]


async def test_range_of_a_sparse_gigabyte_file(tmp_path: Path) -> None:
    path = tmp_path / "sparse.bin"
    middle = 768 << 20
    with path.open("wb") as file:
        file.truncate(1 << 30)
        file.seek(middle)
        file.write(b"rillet")
    assert path.stat().st_blocks * 512 < 1 << 20  # really sparse: no gigabyte of data
    stream = fs.create_read_stream(path, start=middle - 4, end=middle + 9)
    assert await read_all(stream) == b"\0" * 4 + b"rillet" + b"\0" * 4
    tail = fs.create_read_stream(path, start=(1 << 30) - 10, end=(1 << 30) + 100)
    assert await read_all(tail) == b"\0" * 10


async def test_a_file_deleted_while_streaming_reads_to_the_end(tmp_path: Path) -> None:
    path = tmp_path / "doomed.bin"
    content = os.urandom(1 << 20)
    path.write_bytes(content)
    stream = fs.create_read_stream(path, high_water_mark=65536)
    iterator = stream.iterator()
    first = await iterator.__anext__()
    path.unlink()
    rest = [chunk async for chunk in iterator]
    assert first + b"".join(rest) == content
    assert not path.exists()


async def test_enoent_is_an_error_event_with_node_fields(tmp_path: Path, close_event: Any) -> None:
    missing = tmp_path / "missing.txt"
    stream = fs.create_read_stream(missing)
    opened: list[int] = []
    stream.on("open", opened.append)
    closed = close_event(stream)
    (error,) = await rillet.once(stream, "error")
    assert isinstance(error, RilletError) and isinstance(error, FileNotFoundError)
    assert error.code == "ENOENT" and error.errno == errno.ENOENT
    assert error.syscall == "open" and error.path == str(missing)  # type: ignore[attr-defined]
    await closed
    assert opened == [] and stream.destroyed


async def test_eisdir_errors_and_closes_the_descriptor(
    tmp_path: Path, fd_is_closed: Any, close_event: Any
) -> None:
    stream = fs.create_read_stream(tmp_path).resume()
    (fd,) = await rillet.once(stream, "open")
    closed = close_event(stream)
    (error,) = await rillet.once(stream, "error")
    assert error.code == "EISDIR" and error.syscall == "read"
    await closed
    assert fd_is_closed(fd)


async def test_destroy_mid_stream_closes_the_descriptor(sample: Path, fd_is_closed: Any) -> None:
    stream = fs.create_read_stream(sample, high_water_mark=1000)
    (fd,) = await rillet.once(stream, "open")
    stream.once("data", lambda _chunk: stream.pause())  # stop inside a burst of cached reads
    await rillet.once(stream, "pause")
    assert not fd_is_closed(fd)
    stream.destroy()
    await rillet.once(stream, "close")
    assert fd_is_closed(fd) and stream.bytes_read < 256 * 1024


async def test_close_method_calls_back_once_closed(sample: Path, fd_is_closed: Any) -> None:
    stream = fs.create_read_stream(sample)
    (fd,) = await rillet.once(stream, "open")
    done = rillet.once(stream, "close")
    calls: list[object] = []
    stream.close(lambda error=None: calls.append(error))
    await done
    assert fd_is_closed(fd) and len(calls) == 1


async def test_without_auto_close_the_descriptor_outlives_end(
    sample: Path, fd_is_closed: Any
) -> None:
    stream = fs.create_read_stream(sample, auto_close=False, end=99)
    (fd,) = await rillet.once(stream, "open")
    assert not stream.auto_close
    assert len(await stream.to_array()) == 1
    assert not fd_is_closed(fd) and not stream.destroyed
    stream.destroy()
    await rillet.once(stream, "close")
    assert fd_is_closed(fd)


async def test_reads_from_a_given_descriptor_at_its_offset(sample: Path, fd_is_closed: Any) -> None:
    fd = os.open(sample, os.O_RDONLY)
    os.lseek(fd, 1000, os.SEEK_SET)
    stream = fs.create_read_stream(None, fd=fd, end=999)  # end counts from the offset
    opened: list[int] = []
    stream.on("open", opened.append)
    assert stream.fd == fd and not stream.pending
    assert await read_all(stream) == sample.read_bytes()[1000:2000]
    assert opened == []  # a descriptor given is not "opened"
    await rillet.finished(stream)
    assert fd_is_closed(fd)


async def test_encoding_gives_strings(tmp_path: Path) -> None:
    path = tmp_path / "text.txt"
    path.write_text("héllo wörld " * 100, encoding="utf-8")
    stream = fs.create_read_stream(path, encoding="utf8", high_water_mark=7)
    parts = [chunk async for chunk in stream]
    assert all(isinstance(part, str) for part in parts)
    assert "".join(parts) == "héllo wörld " * 100


async def test_abort_signal_destroys_the_stream(
    sample: Path, fd_is_closed: Any, close_event: Any
) -> None:
    controller = rillet.AbortController()
    stream = fs.create_read_stream(sample, high_water_mark=1000, signal=controller.signal)
    (fd,) = await rillet.once(stream, "open")
    closed = close_event(stream)
    controller.abort()
    (error,) = await rillet.once(stream, "error")
    assert error.code == "ABORT_ERR"
    await closed
    assert fd_is_closed(fd)


async def test_eacces_when_permission_is_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("top secret")
    path.chmod(0)
    # Root reads anything: the child drops to "nobody" first when it is root.
    script = (
        "import asyncio, concurrent.futures.thread, os, sys\n"  # imported before setuid
        "import rillet\n"
        "from rillet import fs\n"
        "if os.geteuid() == 0:\n"
        "    os.setuid(65534)\n"
        "async def main():\n"
        "    stream = fs.create_read_stream(sys.argv[1]).resume()\n"
        "    try:\n"
        "        await rillet.once(stream, 'end')\n"
        "    except OSError as error:\n"
        "        print(error.code, error.errno, error.syscall, error.path == sys.argv[1])\n"
        "asyncio.run(main())\n"
    )
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, str(path), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await child.communicate()
    assert out.decode().split() == ["EACCES", str(errno.EACCES), "open", "True"]
