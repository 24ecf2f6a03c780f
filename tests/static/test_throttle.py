"""Pacing: rate, rate-after and per-chunk delay, timed on the loop's clock."""

from __future__ import annotations

import asyncio
import itertools

from rillet import Readable, Writable, once, pipeline
from rillet.static._throttle import Throttle


async def timed_delivery(
    throttle: Throttle, chunks: list[bytes]
) -> tuple[float, list[tuple[float, int]]]:
    loop = asyncio.get_running_loop()
    arrivals: list[tuple[float, int]] = []
    start = loop.time()

    def write(_stream: Writable, chunk: bytes, _enc: str, callback: object) -> None:
        arrivals.append((loop.time() - start, len(chunk)))
        callback()  # type: ignore[operator]

    await pipeline(Readable.from_(chunks, object_mode=False), throttle, Writable(write=write))
    return loop.time() - start, arrivals


async def test_rate_paces_the_body_to_bytes_over_rate() -> None:
    total, arrivals = await timed_delivery(Throttle(rate=400_000), [b"x" * 65536] * 4)
    assert sum(size for _, size in arrivals) == 262144
    # 262144 bytes at 400 kB/s: 0.655 s, less the last slice (40 kB, 0.1 s).
    assert 0.5 <= total <= 0.8
    burst = max(size for _, size in arrivals)
    assert burst <= 40_000


async def test_rate_after_sends_the_allowance_at_once() -> None:
    total, arrivals = await timed_delivery(
        Throttle(rate=100_000, rate_after=50_000), [b"y" * 50_000, b"z" * 20_000]
    )
    assert arrivals[0] == (arrivals[0][0], 50_000)
    assert arrivals[0][0] < 0.05
    assert 0.08 <= total <= 0.3


async def test_delay_pauses_after_each_chunk() -> None:
    total, arrivals = await timed_delivery(Throttle(delay_ms=20), [b"a" * 1000] * 5)
    assert [size for _, size in arrivals] == [1000] * 5
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(arrivals)]
    assert all(gap >= 0.015 for gap in gaps)
    assert total >= 0.08


async def test_destroy_cancels_the_pending_timer() -> None:
    throttle = Throttle(delay_ms=10_000)
    throttle.write(b"a")
    await asyncio.sleep(0)
    throttle.destroy()
    await once(throttle, "close")
    assert throttle._timer is None
