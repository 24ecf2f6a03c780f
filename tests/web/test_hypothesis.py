"""Property tests: random chunkings through ``pipe_through`` chains and through the
bridges arrive intact and in order, whatever the high-water marks."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Coroutine
from typing import Any

import uvloop
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rillet import Readable, Writable, pipeline
from rillet.web import (
    ByteLengthQueuingStrategy,
    CountQueuingStrategy,
    ReadableStream,
    TransformStream,
    WritableStream,
)

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(coroutine: Coroutine[Any, Any, Any], use_uvloop: bool) -> Any:
    """Run on a fresh loop; fail on anything that reaches the loop's handler."""
    errors: list[dict[str, Any]] = []
    factory = uvloop.new_event_loop if use_uvloop else asyncio.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.get_loop().set_exception_handler(lambda _loop, context: errors.append(context))
        result = runner.run(coroutine)
    assert errors == []
    return result


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({cut % (len(data) + 1) for cut in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points) if b > a]


class Rechunk:
    """A transformer that re-cuts the byte stream into pieces of ``size`` bytes."""

    def __init__(self, size: int, is_async: bool) -> None:
        self.size = size
        self.buffer = b""
        self.is_async = is_async

    def _emit(self, controller: Any, final: bool) -> None:
        while len(self.buffer) >= self.size or (final and self.buffer):
            piece, self.buffer = self.buffer[: self.size], self.buffer[self.size :]
            controller.enqueue(piece)

    def transform(self, chunk: bytes, controller: Any) -> Any:
        self.buffer += bytes(chunk)
        if self.is_async:
            return self._later(controller)
        self._emit(controller, False)
        return None

    async def _later(self, controller: Any) -> None:
        await asyncio.sleep(0)
        self._emit(controller, False)

    def flush(self, controller: Any) -> None:
        self._emit(controller, True)


stage = st.one_of(
    st.just(None),
    st.tuples(st.integers(1, 64), st.booleans()),
)
marks = st.integers(0, 8)


@SETTINGS
@given(
    data=st.binary(max_size=2000),
    cuts=st.lists(st.integers(0, 2000), max_size=30),
    stages=st.lists(stage, max_size=5),
    readable_marks=st.lists(marks, min_size=5, max_size=5),
    sink_mark=st.integers(1, 8),
    slow_sink=st.booleans(),
    use_uvloop=st.booleans(),
)
def test_random_chunkings_through_pipe_through_chains_arrive_intact(
    data: bytes,
    cuts: list[int],
    stages: list[Any],
    readable_marks: list[int],
    sink_mark: int,
    slow_sink: bool,
    use_uvloop: bool,
) -> None:
    async def scenario() -> bytes:
        stream = ReadableStream.from_(split(data, cuts))
        for index, spec in enumerate(stages):
            transformer = None if spec is None else Rechunk(*spec)
            readable_strategy = CountQueuingStrategy(readable_marks[index])
            stream = stream.pipe_through(TransformStream(transformer, None, readable_strategy))
        out: list[bytes] = []

        async def write(chunk: Any, _controller: Any) -> None:
            if slow_sink:
                await asyncio.sleep(0)
            out.append(bytes(chunk))

        sink = WritableStream({"write": write}, CountQueuingStrategy(sink_mark))
        await stream.pipe_to(sink)
        return b"".join(out)

    assert run(scenario(), use_uvloop) == data


@SETTINGS
@given(
    items=st.lists(st.integers(), max_size=200),
    identities=st.integers(0, 6),
    use_uvloop=st.booleans(),
)
def test_object_chunks_keep_their_order_through_identity_chains(
    items: list[int], identities: int, use_uvloop: bool
) -> None:
    async def scenario() -> list[int]:
        stream = ReadableStream.from_(items)
        for _ in range(identities):
            stream = stream.pipe_through(TransformStream())
        return [chunk async for chunk in stream]

    assert run(scenario(), use_uvloop) == items


@SETTINGS
@given(
    data=st.binary(max_size=3000),
    cuts=st.lists(st.integers(0, 3000), max_size=30),
    node_mark=st.integers(1, 512),
    web_mark=st.integers(0, 512),
    byte_stream=st.booleans(),
    use_uvloop=st.booleans(),
)
def test_round_trips_through_the_bridges_keep_bytes_and_order(
    data: bytes,
    cuts: list[int],
    node_mark: int,
    web_mark: int,
    byte_stream: bool,
    use_uvloop: bool,
) -> None:
    async def scenario() -> bytes:
        chunks = split(data, cuts)
        node = Readable.from_(chunks, object_mode=False, high_water_mark=node_mark)
        web = Readable.to_web(
            node,
            strategy=ByteLengthQueuingStrategy(web_mark),
            type="bytes" if byte_stream else None,
        )
        back = Readable.from_web(web, high_water_mark=node_mark)
        out: list[bytes] = []
        target = WritableStream({"write": lambda chunk, _c: out.append(bytes(chunk))})
        sink = Writable.from_web(target, high_water_mark=node_mark)
        await pipeline(back, sink)
        return b"".join(out)

    assert run(scenario(), use_uvloop) == data


@SETTINGS
@given(
    count=st.integers(1, 300),
    reads=st.integers(0, 20),
    node_mark=st.integers(1, 64),
    use_uvloop=st.booleans(),
)
def test_a_slow_web_reader_bounds_what_the_bridge_reads(
    count: int, reads: int, node_mark: int, use_uvloop: bool
) -> None:
    async def scenario() -> tuple[int, int]:
        pulls = 0

        def read(stream: Readable, _size: int) -> None:
            nonlocal pulls
            pulls += 1
            stream.push(b"x" if pulls <= count else None)

        node = Readable(read=read, high_water_mark=node_mark)
        reader = Readable.to_web(node).get_reader()
        done = 0
        for _ in range(reads):
            result = await reader.read()
            if result.done:
                break
            done += 1
        for _ in range(10):
            await asyncio.sleep(0)
        await reader.cancel()
        return pulls, done

    pulls, done = run(scenario(), use_uvloop)
    # What was read, plus both sides' marks (1-byte chunks), plus the end-of-stream call.
    assert pulls <= done + 2 * node_mark + 2
