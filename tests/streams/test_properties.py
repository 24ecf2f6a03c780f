"""Property tests of the stream core (hypothesis).

(a) Bytes cut into any chunks and sent through any chain of PassThroughs and Transforms
    arrive intact and in order.
(b) A producer that respects ``write()``'s return value never makes a writable's
    buffered length exceed its high-water mark plus one chunk.
(c) Whatever is done to a stream, it emits ``'close'`` at most once and nothing after
    it, and ``'error'`` at most once, before ``'close'``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from itertools import pairwise
from typing import Any

import uvloop
from hypothesis import given, settings
from hypothesis import strategies as st

from rillet import Duplex, PassThrough, Readable, Transform, Writable, pipeline
from rillet.errors import NodeError

Callback = Callable[..., Any]
LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": uvloop.new_event_loop,
}
PROPERTY_SETTINGS = settings(max_examples=50, deadline=None)


def run(loop_kind: str, main: Callable[[], Awaitable[None]]) -> None:
    """Run ``main()`` on a fresh loop; fail if anything reaches the exception handler."""
    errors: list[dict[str, Any]] = []
    with asyncio.Runner(loop_factory=LOOPS[loop_kind]) as runner:
        runner.get_loop().set_exception_handler(lambda _loop, context: errors.append(context))
        runner.run(asyncio.wait_for(main(), 10))
    assert not errors, errors


async def loop_turns(count: int = 5) -> None:
    """Let the loop run ``count`` turns, so every queued tick has run."""
    for _ in range(count):
        await asyncio.sleep(0)


def cut(data: bytes, points: list[int]) -> list[bytes]:
    """``data`` split at ``points`` (positions are taken modulo the length)."""
    if not data:
        return []
    edges = sorted({0, len(data), *(p % len(data) for p in points)})
    return [data[a:b] for a, b in pairwise(edges)]


# -- (a) data integrity through chains -----------------------------------------------------------


def make_stage(kind: str, hwm: int) -> Duplex:
    if kind == "pass":
        return PassThrough(high_water_mark=hwm)
    if kind == "upper":
        return Transform(
            transform=lambda _s, chunk, _e, cb: cb(None, chunk.upper()), high_water_mark=hwm
        )
    if kind == "async_upper":

        async def transform(_s: Any, chunk: bytes, _enc: str) -> bytes:
            await asyncio.sleep(0)
            return chunk.upper()

        return Transform(transform=transform, high_water_mark=hwm)
    if kind == "split":
        # One output chunk per input byte, pushed from _transform.
        def split(stream: Any, chunk: bytes, _e: str, cb: Callback) -> None:
            for index in range(len(chunk)):
                stream.push(chunk[index : index + 1])
            cb()

        return Transform(transform=split, high_water_mark=hwm)
    # "rechunk": fixed-size output chunks; the remainder comes out of _flush.
    size = hwm + 1
    pending = bytearray()

    def rechunk(stream: Any, chunk: bytes, _e: str, cb: Callback) -> None:
        pending.extend(chunk)
        while len(pending) >= size:
            stream.push(bytes(pending[:size]))
            del pending[:size]
        cb()

    def flush(_s: Any, cb: Callback) -> None:
        cb(None, bytes(pending) if pending else None)

    return Transform(transform=rechunk, flush=flush, high_water_mark=hwm)


STAGE_KINDS = st.sampled_from(["pass", "upper", "async_upper", "split", "rechunk"])


@PROPERTY_SETTINGS
@given(
    data=st.binary(max_size=600),
    points=st.lists(st.integers(min_value=0, max_value=10_000), max_size=20),
    stages=st.lists(st.tuples(STAGE_KINDS, st.integers(min_value=0, max_value=64)), max_size=4),
    sink_hwm=st.integers(min_value=0, max_value=64),
    loop_kind=st.sampled_from(sorted(LOOPS)),
)
def test_property_chains_deliver_bytes_intact_and_in_order(
    data: bytes,
    points: list[int],
    stages: list[tuple[str, int]],
    sink_hwm: int,
    loop_kind: str,
) -> None:
    chunks = cut(data, points)
    expected = data.upper() if any("upper" in kind for kind, _ in stages) else data

    async def main() -> None:
        received = bytearray()

        async def write(_s: Any, chunk: bytes, _enc: str) -> None:
            received.extend(chunk)

        source = Readable.from_(chunks, object_mode=False)
        chain = [make_stage(kind, hwm) for kind, hwm in stages]
        await pipeline(source, *chain, Writable(write=write, high_water_mark=sink_hwm))
        assert bytes(received) == expected

    run(loop_kind, main)


@PROPERTY_SETTINGS
@given(
    data=st.binary(max_size=400),
    points=st.lists(st.integers(min_value=0, max_value=10_000), max_size=20),
    hwms=st.lists(st.integers(min_value=0, max_value=32), min_size=1, max_size=4),
    loop_kind=st.sampled_from(sorted(LOOPS)),
)
def test_property_piped_passthroughs_deliver_bytes_intact(
    data: bytes, points: list[int], hwms: list[int], loop_kind: str
) -> None:
    chunks = cut(data, points)

    async def main() -> None:
        stages = [PassThrough(high_water_mark=hwm) for hwm in hwms]
        for upstream, downstream in pairwise(stages):
            upstream.pipe(downstream)
        received = bytearray()
        last = stages[-1]
        last.on("data", received.extend)
        ended = asyncio.get_running_loop().create_future()
        last.on("end", lambda: ended.set_result(None))
        first = stages[0]
        for chunk in chunks:
            if not first.write(chunk):
                drained = asyncio.get_running_loop().create_future()
                first.once("drain", lambda drained=drained: drained.set_result(None))
                await drained
        first.end()
        await ended
        assert bytes(received) == data

    run(loop_kind, main)


# -- (b) backpressure bounds the buffer ----------------------------------------------------------


@PROPERTY_SETTINGS
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=60),
    hwm=st.integers(min_value=0, max_value=100),
    delays=st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=10),
    through_passthrough=st.booleans(),
    loop_kind=st.sampled_from(sorted(LOOPS)),
)
def test_property_respecting_write_bounds_writable_length(
    sizes: list[int],
    hwm: int,
    delays: list[int],
    through_passthrough: bool,
    loop_kind: str,
) -> None:
    max_chunk = max(sizes)

    async def main() -> None:
        received = bytearray()
        calls = 0

        async def slow_write(_s: Any, chunk: bytes, _enc: str) -> None:
            nonlocal calls
            # A slower consumer: each write takes a few loop turns.
            for _ in range(delays[calls % len(delays)]):
                await asyncio.sleep(0)
            calls += 1
            received.extend(chunk)

        sink = Writable(write=slow_write, high_water_mark=hwm)
        watched: list[Writable] = [sink]
        target: Writable = sink
        if through_passthrough:
            middle = PassThrough(high_water_mark=hwm)
            middle.pipe(sink)
            watched.insert(0, middle)
            target = middle
        peak = 0
        finished = asyncio.get_running_loop().create_future()
        sink.on("finish", lambda: finished.set_result(None))
        for index, size in enumerate(sizes):
            ok = target.write(bytes([index % 256]) * size)
            peak = max(peak, target.writable_length)
            if not ok:
                drained = asyncio.get_running_loop().create_future()
                target.once("drain", lambda drained=drained: drained.set_result(None))
                while not drained.done():
                    for stream in watched:
                        peak = max(peak, stream.writable_length)
                    await asyncio.sleep(0)
        target.end()
        await finished
        assert peak <= hwm + max_chunk
        assert len(received) == sum(sizes)

    run(loop_kind, main)


# -- (c) 'close' and 'error' at most once, in that order ---------------------------------------

EVENTS = ("close", "error", "end", "finish", "prefinish", "drain", "data")
ACTIONS = st.sampled_from(
    [
        "write",
        "write_cb",
        "end",
        "end_chunk",
        "destroy",
        "destroy_error",
        "push",
        "push_eof",
        "resume",
        "release",
        "release_error",
        "cork",
        "uncork",
        "turn",
    ]
)


class Probe:
    """A stream under random operations, with every event it emits recorded."""

    def __init__(self, kind: str, auto_destroy: bool) -> None:
        self.held: list[Callback] = []
        self.events: list[str] = []

        def write(_s: Any, _chunk: Any, _e: str, cb: Callback) -> None:
            self.held.append(cb)

        def transform(_s: Any, chunk: Any, _e: str, cb: Callback) -> None:
            self.held.append(lambda err=None: cb(err, chunk))

        read = lambda _s, _n: None  # noqa: E731
        options: dict[str, Any] = {"auto_destroy": auto_destroy}
        self.stream: Any
        if kind == "writable":
            self.stream = Writable(write=write, **options)
        elif kind == "readable":
            self.stream = Readable(read=read, **options)
        elif kind == "duplex":
            self.stream = Duplex(read=read, write=write, **options)
        else:
            self.stream = Transform(transform=transform, **options)
        for name in EVENTS:
            self.stream.on(name, lambda *_a, name=name: self.events.append(name))

    async def apply(self, action: str) -> None:
        s = self.stream
        can_write = s._writable_state is not None
        can_read = s._readable_state is not None
        if action == "write" and can_write:
            s.write(b"w")
        elif action == "write_cb" and can_write:
            s.write(b"w", lambda err=None: None)
        elif action == "end" and can_write:
            s.end()
        elif action == "end_chunk" and can_write:
            s.end(b"e")
        elif action == "destroy":
            s.destroy()
        elif action == "destroy_error":
            s.destroy(NodeError("boom", code="EBOOM"))
        elif action == "push" and can_read and not isinstance(s, Transform):
            s.push(b"p")
        elif action == "push_eof" and can_read and not isinstance(s, Transform):
            s.push(None)
        elif action == "resume" and can_read:
            s.resume()
        elif action in ("release", "release_error") and self.held:
            error = NodeError("write failed", code="EWRITE") if action == "release_error" else None
            self.held.pop(0)(error)
        elif action == "cork" and can_write:
            s.cork()
        elif action == "uncork" and can_write:
            s.uncork()
        elif action == "turn":
            await asyncio.sleep(0)

    async def settle(self) -> None:
        # Complete every write still held, then let the ticks run out.
        for _ in range(20):
            await loop_turns(3)
            if not self.held:
                break
            while self.held:
                self.held.pop(0)()
        await loop_turns(5)


@PROPERTY_SETTINGS
@given(
    kind=st.sampled_from(["writable", "readable", "duplex", "transform"]),
    auto_destroy=st.booleans(),
    actions=st.lists(ACTIONS, max_size=25),
    loop_kind=st.sampled_from(sorted(LOOPS)),
)
def test_property_close_and_error_at_most_once_and_in_order(
    kind: str, auto_destroy: bool, actions: list[str], loop_kind: str
) -> None:
    async def main() -> None:
        probe = Probe(kind, auto_destroy)
        for action in actions:
            await probe.apply(action)
        await probe.settle()
        events = probe.events
        assert events.count("close") <= 1, events
        assert events.count("error") <= 1, events
        if "close" in events:
            assert events[-1] == "close", events
        if "error" in events and "close" in events:
            assert events.index("error") < events.index("close"), events
        if "error" in events:
            assert "finish" not in events[events.index("error") :], events
            assert "end" not in events[events.index("error") :], events
        # Once destroyed and settled, a stream that emits 'close' has emitted it.
        if probe.stream.destroyed and probe.stream._readable_state is None:
            assert probe.stream.closed

    run(loop_kind, main)
