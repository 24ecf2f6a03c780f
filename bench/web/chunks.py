"""The web-streams benchmark, rillet side (issue 6, item 5); ``chunks.mjs`` is the same in Node.

A ReadableStream whose ``pull`` enqueues one 64-byte chunk, four identity
TransformStreams joined with ``pipe_through``, and a WritableStream whose ``write``
counts, reached with ``pipe_to``. Every stream uses the standard's default strategies
(readable high-water mark 1, transform readable 0 and writable 1, writable 1), the same
as the Node program. The chunk is one object enqueued again and again.

Usage: ``python bench/web/chunks.py [COUNT]`` (default 2,000,000). Runs under uvloop;
prints one JSON line: chunks/s and seconds, timed from the streams' creation to the
pipe's completion (interpreter start-up left out).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import uvloop

from rillet.web import ReadableStream, TransformStream, WritableStream

CHUNK = bytes(64)
TRANSFORMS = 4


async def run(count: int) -> float:
    remaining = count
    received = 0

    def pull(controller: Any) -> None:
        nonlocal remaining
        if remaining:
            remaining -= 1
            controller.enqueue(CHUNK)
        else:
            controller.close()

    def write(_chunk: Any, _controller: Any) -> None:
        nonlocal received
        received += 1

    started = time.perf_counter()
    stream = ReadableStream({"pull": pull})
    for _ in range(TRANSFORMS):
        stream = stream.pipe_through(TransformStream())
    await stream.pipe_to(WritableStream({"write": write}))
    elapsed = time.perf_counter() - started
    if received != count:
        raise SystemExit(f"received {received} chunks, expected {count}")
    return elapsed


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
    seconds = uvloop.run(run(count))
    print(json.dumps({"chunks_per_s": count / seconds, "seconds": seconds}))


if __name__ == "__main__":
    main()
