"""``rillet serve`` streaming and limits over loopback: ``--chunk-size``/``--delay`` pacing,
``--rate``/``--rate-after`` timing, ``--send-timeout`` against a client that stops reading,
``--max-connections``, memory under 200 slow clients, and no file descriptor left behind by
1,000 aborted downloads. The server is a child process; clients are asyncio sockets."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path

import pytest
from serve_support import Served, parse_head, pattern, serving

BIG = 16 * 1024 * 1024


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("streaming")
    (root / "50k.bin").write_bytes(pattern(50_000))
    (root / "600k.bin").write_bytes(pattern(600_000))
    (root / "600ki.bin").write_bytes(pattern(600 * 1024))
    (root / "big.bin").write_bytes(pattern(BIG))
    (root / "small.txt").write_bytes(b"small")
    return root


class Download:
    """What one raw GET received: status, body, and when the first and last body bytes came."""

    def __init__(self) -> None:
        self.status = 0
        self.body = bytearray()
        self.first = 0.0
        self.last = 0.0


async def download(port: int, target: str, *, chunk: int = 65536) -> Download:
    result = Download()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        result.status = parse_head(head)[0]
        while piece := await reader.read(chunk):
            now = time.monotonic()
            if not result.body:
                result.first = now
            result.last = now
            result.body += piece
        return result
    finally:
        writer.close()


def fetch(served: Served, target: str) -> Download:
    return asyncio.run(asyncio.wait_for(download(served.port, target), 30))


# -- pacing ---------------------------------------------------------------------------------


def test_chunk_size_and_delay_pace_the_body(tree: Path) -> None:
    with serving(tree, "--quiet", "--chunk-size", "1000", "--delay", "10") as served:
        started = time.monotonic()
        result = fetch(served, "/50k.bin")
        elapsed = time.monotonic() - started
    assert result.status == 200
    assert bytes(result.body) == (tree / "50k.bin").read_bytes()
    assert elapsed >= 0.5  # 50 chunks, 10 ms after each
    assert result.last - result.first >= 0.4  # it trickled, it did not come at once


def test_delay_applies_to_small_files_too(tree: Path) -> None:
    with serving(tree, "--quiet", "--delay", "300") as served:
        started = time.monotonic()
        result = fetch(served, "/small.txt")
        assert bytes(result.body) == b"small"
        assert time.monotonic() - started >= 0.3


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_rate_600_kb_at_200000_takes_3_s(tree: Path) -> None:
    with serving(tree, "--quiet", "--rate", "200000") as served:
        result = fetch(served, "/600k.bin")
    assert bytes(result.body) == (tree / "600k.bin").read_bytes()
    duration = result.last - result.first
    assert 2.7 <= duration <= 3.3, duration


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_rate_with_a_k_suffix(tree: Path) -> None:
    with serving(tree, "--quiet", "--rate", "300k") as served:  # 307200 bytes/s
        result = fetch(served, "/600ki.bin")
    assert len(result.body) == 600 * 1024
    duration = result.last - result.first
    assert 1.8 <= duration <= 2.2, duration


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_rate_after_sends_the_first_bytes_at_full_speed(tree: Path) -> None:
    with serving(tree, "--quiet", "--rate", "200000", "--rate-after", "300000") as served:
        result = fetch(served, "/600k.bin")
    assert bytes(result.body) == (tree / "600k.bin").read_bytes()
    duration = result.last - result.first
    assert 1.35 <= duration <= 1.65, duration  # only the last 300000 bytes are paced


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_rate_is_per_response(tree: Path) -> None:
    with serving(tree, "--quiet", "--rate", "400000") as served:

        async def both() -> list[Download]:
            return await asyncio.gather(*(download(served.port, "/600k.bin") for _ in range(2)))

        results = asyncio.run(asyncio.wait_for(both(), 30))
    for result in results:
        assert len(result.body) == 600_000
        assert 1.3 <= result.last - result.first <= 1.65  # each at its own 400000 B/s


# -- a client that stops reading -----------------------------------------------------------


def _sockets(served: Served) -> int:
    return sum(1 for name in served.open_files() if name.startswith("socket:"))


def _wait_for(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_send_timeout_closes_a_client_that_stops_reading(tree: Path) -> None:
    with serving(tree, "--quiet", "--send-timeout", "1000") as served:
        baseline = _sockets(served)

        async def stalled() -> tuple[float, int]:
            reader, writer = await asyncio.open_connection("127.0.0.1", served.port, limit=1024)
            writer.transport.pause_reading()  # take nothing: the kernel buffers fill up
            writer.write(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
            await writer.drain()
            started = time.monotonic()
            connected = await asyncio.to_thread(_wait_for, lambda: _sockets(served) > baseline, 5)
            assert connected
            closed = await asyncio.to_thread(_wait_for, lambda: _sockets(served) == baseline, 10)
            assert closed, "the stalled connection was never closed"
            elapsed = time.monotonic() - started
            writer.transport.resume_reading()
            received = 0
            with contextlib.suppress(ConnectionError):
                while piece := await reader.read(1 << 20):
                    received += len(piece)
            writer.close()
            return elapsed, received

        elapsed, received = asyncio.run(asyncio.wait_for(stalled(), 30))
        assert 0.9 <= elapsed <= 4, elapsed  # 1 s send timeout, checked once a second
        assert received < BIG  # the response was cut, not finished
        assert fetch(served, "/small.txt").body == b"small"


def test_a_slow_reader_that_keeps_reading_is_not_cut(tree: Path) -> None:
    with serving(tree, "--quiet", "--send-timeout", "1000") as served:

        async def slow() -> int:
            reader, writer = await asyncio.open_connection("127.0.0.1", served.port, limit=4096)
            writer.write(b"GET /600k.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            received = 0
            while piece := await reader.read(65536):
                received += len(piece)
                await asyncio.sleep(0.002)  # a slow client: always taking, just slowly
            writer.close()
            return received

        received = asyncio.run(asyncio.wait_for(slow(), 30))
    assert received > 600_000


# -- connection cap ---------------------------------------------------------------------------


def test_max_connections_holds_the_third_connection_until_one_closes(tree: Path) -> None:
    with serving(tree, "--quiet", "--max-connections", "2") as served:

        async def scenario() -> None:
            ask = b"GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n"
            first = await asyncio.open_connection("127.0.0.1", served.port)
            second = await asyncio.open_connection("127.0.0.1", served.port)
            for reader, writer in (first, second):
                writer.write(ask)
                assert (await asyncio.wait_for(reader.readuntil(b"small"), 5)).startswith(
                    b"HTTP/1.1 200"
                )
            third_reader, third_writer = await asyncio.open_connection("127.0.0.1", served.port)
            third_writer.write(ask)
            waiting = asyncio.ensure_future(third_reader.readuntil(b"small"))
            done, _ = await asyncio.wait([waiting], timeout=0.5)
            assert not done, "a third connection was served while two were open"
            first[1].close()
            answer = await asyncio.wait_for(waiting, 5)
            assert answer.startswith(b"HTTP/1.1 200")
            second[1].close()
            third_writer.close()

        asyncio.run(asyncio.wait_for(scenario(), 20))


# -- memory and file descriptors ------------------------------------------------------------------


async def _sample_rss(served: Served, peak: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], served.rss())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.05)


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("args", "bound"),
    [
        ((), 16 * 1024 * 1024),
        # --rate puts the body through file stream → throttle → response: each holds up
        # to a high-water mark (64 KiB) per connection, whatever the file size.
        (("--rate", "1g"), 200 * 4 * 65536),
    ],
    ids=["zero-copy", "streamed"],
)
def test_200_slow_clients_on_a_16_mib_file_keep_memory_bounded(
    tree: Path, args: tuple[str, ...], bound: int
) -> None:
    expected = memoryview((tree / "big.bin").read_bytes())
    with serving(tree, "--quiet", *args) as served:
        fetch(served, "/big.bin")  # warm up: first-use allocations are not growth
        fetch(served, "/big.bin")
        baseline = served.rss()

        async def scenario() -> tuple[int, list[int]]:
            peak = [baseline]
            stop = asyncio.Event()
            sampler = asyncio.ensure_future(_sample_rss(served, peak, stop))
            all_started = asyncio.Event()
            started = 0

            async def client(index: int) -> int:
                nonlocal started
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", served.port, limit=16384
                )
                try:
                    writer.write(b"GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    head = await reader.readuntil(b"\r\n\r\n")
                    assert parse_head(head)[0] == 200
                    offset = 0
                    first = await reader.readexactly(16384)
                    assert first == expected[:16384]
                    offset = len(first)
                    started += 1
                    if started == 200:
                        all_started.set()
                    await all_started.wait()  # everyone stalls until all 200 are in
                    await asyncio.sleep(1.0)  # a stalled client: the server must hold back
                    slow = index % 2 == 0
                    while piece := await reader.read(65536):
                        assert piece == expected[offset : offset + len(piece)]
                        offset += len(piece)
                        if slow and offset < 2 * 1024 * 1024:
                            await asyncio.sleep(0.01)  # and half of them read slowly for a while
                    return offset
                finally:
                    writer.close()

            sizes = await asyncio.gather(*(client(i) for i in range(200)))
            stop.set()
            await sampler
            return peak[0], sizes

        peak, sizes = asyncio.run(asyncio.wait_for(scenario(), 100))
    assert sizes == [BIG] * 200  # every byte delivered to every client
    growth = peak - baseline
    assert growth < bound, f"RSS grew by {growth / 2**20:.1f} MiB"


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_1000_aborted_downloads_leave_no_file_descriptor(tree: Path) -> None:
    with serving(tree, "--quiet") as served:
        big = str(tree / "big.bin")
        fetch(served, "/small.txt")
        fetch(served, "/big.bin")  # first-use descriptors are not leaks
        assert _wait_for(lambda: big not in served.open_files(), 10)
        before = len(served.open_files())

        async def aborted(gate: asyncio.Semaphore) -> None:
            async with gate:
                reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
                writer.write(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
                await reader.readuntil(b"\r\n\r\n")
                await reader.readexactly(65536)
                writer.transport.abort()  # gone mid-body, with a reset

        async def scenario() -> None:
            gate = asyncio.Semaphore(50)
            await asyncio.gather(*(aborted(gate) for _ in range(1000)))

        started = time.monotonic()
        asyncio.run(asyncio.wait_for(scenario(), 90))
        assert time.monotonic() - started < 90
        settled = _wait_for(lambda: len(served.open_files()) <= before, 10)
        left = served.open_files()
        assert settled, f"{len(left) - before} descriptors left: {sorted(set(left))[:10]}"
        assert big not in left
        assert fetch(served, "/small.txt").body == b"small"  # and it still serves


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_aborted_compressed_and_ranged_downloads_close_their_files(tmp_path: Path) -> None:
    text = b"".join(b"line %d, compressible\n" % i for i in range(400_000))
    (tmp_path / "big.txt").write_bytes(text)
    with serving(tmp_path, "--quiet", "--rate", "1m") as served:

        async def aborted(headers: str) -> None:
            reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
            writer.write(f"GET /big.txt HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())
            await reader.readuntil(b"\r\n\r\n")
            await reader.read(1000)
            writer.transport.abort()

        async def scenario(count: int) -> None:
            await asyncio.gather(
                *(
                    aborted(headers)
                    for headers in (
                        "Accept-Encoding: gzip\r\n",
                        "Accept-Encoding: br\r\n",
                        "Accept-Encoding: zstd\r\n",
                        "Range: bytes=0-10,5000000-\r\n",
                        "Range: bytes=100-\r\n",
                        "",
                    )
                    for _ in range(count)
                )
            )

        asyncio.run(asyncio.wait_for(scenario(1), 30))  # first-use descriptors, not leaks
        assert _wait_for(lambda: str(tmp_path / "big.txt") not in served.open_files(), 10)
        before = len(served.open_files())
        asyncio.run(asyncio.wait_for(scenario(10), 30))
        assert _wait_for(lambda: len(served.open_files()) <= before, 10)
        assert str(tmp_path / "big.txt") not in served.open_files()


def test_file_replaced_while_served_does_not_break_the_response(tmp_path: Path) -> None:
    (tmp_path / "swap.bin").write_bytes(pattern(2_000_000))
    with serving(tmp_path, "--quiet", "--rate", "4m") as served:

        async def scenario() -> Download:
            task = asyncio.ensure_future(download(served.port, "/swap.bin"))
            await asyncio.sleep(0.1)
            replacement = tmp_path / "new.bin"
            replacement.write_bytes(b"x" * 10)
            os.replace(replacement, tmp_path / "swap.bin")  # the open file stays intact
            return await task

        result = asyncio.run(asyncio.wait_for(scenario(), 30))
    assert bytes(result.body) == pattern(2_000_000)


@pytest.mark.slow
@pytest.mark.timeout(60)
@pytest.mark.parametrize("coding", ["gzip", "br", "zstd"])
def test_a_paced_compressed_body_arrives_as_it_is_paced(tmp_path: Path, coding: str) -> None:
    text = b"".join(b"line %d, compressible\n" % i for i in range(200_000))  # 4.5 MB
    (tmp_path / "big.txt").write_bytes(text)
    with serving(tmp_path, "--quiet", "--rate", "4m") as served:

        async def first_bytes() -> float:
            reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
            started = time.monotonic()
            writer.write(
                f"GET /big.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: {coding}\r\n\r\n".encode()
            )
            await reader.readuntil(b"\r\n\r\n")
            await reader.read(100)
            writer.transport.abort()
            return time.monotonic() - started

        elapsed = asyncio.run(asyncio.wait_for(first_bytes(), 30))
    assert elapsed < 0.6, elapsed  # not held back until the encoder's block is full
