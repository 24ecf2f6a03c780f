"""The stream-core benchmark, rillet side (issue 2, item 5); ``chunks.js`` is the same in Node.

A Readable whose ``_read`` pushes one bytes object until ``push()`` returns False, four
PassThroughs and a Writable whose ``_write`` calls back synchronously, joined by
``pipeline``. Every stream has ``high_water_mark=65536`` (Node 20's default is 16 KiB,
rillet's 64 KiB as Node 22's: set explicitly so both sides do the same work). The chunk is
one object pushed again and again: nothing is copied per chunk.

Usage: ``python bench/core/chunks.py SCENARIO [COUNT]`` with SCENARIO ``a`` (64-byte
chunks, default 2,000,000) or ``b`` (65,536-byte chunks, default 16,384 = 1 GiB). Runs under
uvloop; prints one JSON line: chunks/s, MB/s (10^6 bytes/s) and seconds, timed from the
streams' creation to the pipeline's completion (interpreter start-up left out).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

import uvloop

from rillet import PassThrough, Readable, Writable, pipeline

HWM = 65536
SCENARIOS = {"a": (64, 2_000_000), "b": (65536, 16384)}


class Source(Readable):
    """Pushes ``chunk`` ``count`` times, then ends."""

    def __init__(self, chunk: bytes, count: int) -> None:
        super().__init__(high_water_mark=HWM)
        self.chunk = chunk
        self.remaining = count

    def _read(self, size: int) -> None:
        chunk = self.chunk
        push = self.push
        while self.remaining > 0:
            self.remaining -= 1
            if not push(chunk):
                return
        push(None)


class Sink(Writable):
    """Counts the bytes it receives and calls back synchronously."""

    def __init__(self) -> None:
        super().__init__(high_water_mark=HWM)
        self.received = 0

    def _write(self, chunk: Any, encoding: str, callback: Callable[..., Any]) -> None:
        self.received += len(chunk)
        callback()


async def run(size: int, count: int) -> dict[str, Any]:
    started = time.perf_counter()
    sink = Sink()
    await pipeline(
        Source(bytes(size), count),
        *(PassThrough(high_water_mark=HWM) for _ in range(4)),
        sink,
    )
    seconds = time.perf_counter() - started
    if sink.received != size * count:
        raise AssertionError(f"received {sink.received} bytes, expected {size * count}")
    return {
        "impl": "rillet",
        "chunk_size": size,
        "chunks": count,
        "seconds": seconds,
        "chunks_per_s": count / seconds,
        "mb_per_s": size * count / seconds / 1e6,
    }


def main(argv: list[str]) -> None:
    scenario = argv[1] if len(argv) > 1 else "a"
    size, count = SCENARIOS[scenario]
    if len(argv) > 2:
        count = int(argv[2])
    result = uvloop.run(run(size, count))
    print(json.dumps({"scenario": scenario, **result}))


if __name__ == "__main__":
    main(sys.argv)
