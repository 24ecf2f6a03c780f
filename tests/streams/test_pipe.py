"""``Readable.pipe``/``unpipe`` with backpressure (R-PIPE-1..5), and the legacy
``Stream.pipe`` of classic streams (reference §1.5.1)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from _readable_helpers import OldStream, noop, recorder, ticks, until

from rillet import PassThrough, Readable, Writable, once


def collector(into: list[Any]) -> Writable:
    """A Writable that appends each chunk to ``into`` and calls back at once."""
    return Writable(write=lambda _s, chunk, _e, cb: (into.append(chunk), cb()))


class Sink(Writable):
    """A Writable whose writes complete only when the test says so."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.written: list[Any] = []
        self.pending: list[Callable[..., Any]] = []

    def _write(self, chunk: Any, encoding: str, callback: Callable[..., Any]) -> None:
        self.written.append(chunk)
        self.pending.append(callback)

    def complete(self) -> None:
        """Call back every write waiting so far."""
        pending, self.pending = self.pending, []
        for callback in pending:
            callback()


LISTENED = {"source": ("end", "data"), "dest": ("close", "finish", "drain", "error", "unpipe")}


def listener_counts(source: Readable, dest: Writable) -> dict[str, int]:
    counts = {f"source:{name}": source.listener_count(name) for name in LISTENED["source"]}
    counts.update({f"dest:{name}": dest.listener_count(name) for name in LISTENED["dest"]})
    return counts


# -- R-PIPE-1 ------------------------------------------------------------------------------


async def test_r_pipe_1_emits_pipe_synchronously_returns_dest_and_resumes() -> None:
    source = Readable(read=noop)
    written: list[bytes] = []
    sink = collector(written)
    events = recorder(sink, "pipe")
    assert source.pipe(sink) is sink
    assert events == [("pipe", source)]
    assert source.readable_flowing is True
    source.push(b"a")
    source.push(b"b")
    await ticks()
    assert written == [b"a", b"b"]


async def test_r_pipe_1_write_false_pauses_until_drain() -> None:
    source = Readable(read=noop)
    sink = Sink(high_water_mark=2)
    events = recorder(source, "pause", "resume")
    source.pipe(sink)
    await ticks()
    assert events == ["resume"]
    source.push(b"ab")
    assert events == ["resume", "pause"]
    assert source.is_paused()
    source.push(b"cd")
    await ticks()
    assert sink.written == [b"ab"]
    assert source.readable_length == 2
    sink.complete()
    await ticks()
    assert events == ["resume", "pause", "resume", "pause"]
    assert sink.written == [b"ab", b"cd"]
    sink.complete()
    await ticks()
    assert events[-1] == "resume"
    assert not source.is_paused()


async def test_r_pipe_1_several_destinations_resume_only_when_all_drained() -> None:
    source = Readable(read=noop)
    slow_a, slow_b, fast = Sink(high_water_mark=1), Sink(high_water_mark=1), PassThrough()
    fast_got: list[bytes] = []
    fast.on("data", fast_got.append)
    events = recorder(source, "pause", "resume")
    for dest in (slow_a, slow_b, fast):
        source.pipe(dest)
    await ticks()
    source.push(b"1")
    source.push(b"2")
    await ticks()
    assert slow_a.written == slow_b.written == [b"1"]
    assert fast_got == [b"1"]
    assert source.is_paused()
    slow_a.complete()
    await ticks()
    assert source.is_paused(), "slow_b has not drained yet"
    assert slow_a.written == [b"1"]
    slow_b.complete()
    await ticks()
    assert slow_a.written == slow_b.written == [b"1", b"2"]
    assert fast_got == [b"1", b"2"]
    # One pause per backpressured chunk, one resume per full drain.
    assert events == ["resume", "pause", "resume", "pause"]


async def test_r_pipe_1_moves_every_chunk_in_order_under_backpressure() -> None:
    chunks = [bytes([i]) * 100 for i in range(50)]
    source = Readable.from_(chunks, object_mode=False)
    got: list[bytes] = []

    def write(_s: Writable, chunk: bytes, _e: str, callback: Callable[..., Any]) -> None:
        got.append(chunk)
        asyncio.get_running_loop().call_soon(callback)

    sink = Writable(write=write, high_water_mark=150)
    source.pipe(sink)
    await once(sink, "finish")
    assert b"".join(got) == b"".join(chunks)


# -- R-PIPE-2 ------------------------------------------------------------------------------


async def test_r_pipe_2_source_end_ends_the_destination() -> None:
    source = Readable(read=noop)
    sink = Writable(write=lambda _s, _c, _e, cb: cb())
    events = recorder(sink, "finish", "close")
    source.pipe(sink)
    source.push(b"x")
    source.push(None)
    await once(sink, "close")
    assert events == ["finish", "close"]


async def test_r_pipe_2_end_false_leaves_the_destination_open() -> None:
    source = Readable(read=noop)
    sink = Writable(write=lambda _s, _c, _e, cb: cb())
    source.pipe(sink, end=False)
    source.push(b"x")
    source.push(None)
    await once(source, "end")
    await ticks()
    assert sink.writable_ended is False
    assert source._readable_state.pipes == [], "unpiped after 'end'"
    sink.end()
    await once(sink, "finish")


async def test_r_pipe_2_piping_an_ended_source_ends_dest_on_the_next_tick() -> None:
    source = Readable(read=noop, auto_destroy=False)
    source.push(None)
    source.resume()
    await once(source, "end")
    sink = Writable(write=lambda _s, _c, _e, cb: cb())
    source.pipe(sink)
    assert sink.writable_ended is False
    await ticks()
    assert sink.writable_ended is True


# -- R-PIPE-3 ------------------------------------------------------------------------------


async def test_r_pipe_3_destination_needing_drain_pauses_the_source_first() -> None:
    def write(_s: Writable, _chunk: Any, _e: str, callback: Callable[..., Any]) -> None:
        asyncio.get_running_loop().call_soon(callback)

    sink = Writable(write=write, high_water_mark=1)
    while sink.write(b"asd"):
        pass
    assert sink.writable_need_drain is True
    produced = [b"asd", None]
    source = Readable(read=lambda s, _n: s.push(produced.pop(0)))
    events = recorder(source, "pause", "end", "data")
    source.pipe(sink)
    assert source.readable_flowing is False
    assert events == ["pause"]
    await once(source, "end")
    assert events[:2] == ["pause", ("data", b"asd")]
    assert events[-1] == "end"


# -- R-PIPE-4 ------------------------------------------------------------------------------


async def test_r_pipe_4_destination_error_unpipes_and_leaves_the_source() -> None:
    boom = ValueError("boom")
    source = Readable(read=noop)
    sink = Sink()
    before = listener_counts(source, sink)
    errors: list[BaseException] = []
    sink.on("error", errors.append)
    events = recorder(sink, "unpipe")
    source.pipe(sink)
    sink.destroy(boom)
    await ticks()
    assert errors == [boom]
    assert events == [("unpipe", source)]
    assert source.destroyed is False
    assert source._readable_state.pipes == []
    assert source.readable_flowing is False
    counts = listener_counts(source, sink)
    counts["dest:error"] -= 1
    counts["dest:unpipe"] -= 1
    assert counts == before


async def test_r_pipe_4_unhandled_destination_error_is_rethrown(
    loop_errors: list[dict[str, Any]],
) -> None:
    boom = ValueError("boom")
    source = Readable(read=noop)
    sink = Sink()
    source.pipe(sink)
    sink.destroy(boom)
    await ticks()
    assert [context.get("exception") for context in loop_errors] == [boom]
    assert source.destroyed is False
    assert source._readable_state.pipes == []


async def test_r_pipe_4_error_emitted_by_hand_goes_through_error_or_destroy() -> None:
    boom = ValueError("boom")
    source = Readable(read=noop)
    sink = Sink()
    source.pipe(sink)
    sink.emit("error", boom)  # a user emitting 'error' directly, with only pipe listening
    errors: list[BaseException] = []
    sink.on("error", errors.append)
    await ticks()
    assert errors == [boom]
    assert sink.destroyed


@pytest.mark.parametrize("event", ["finish", "close"])
async def test_r_pipe_4_destination_finish_or_close_unpipes(event: str) -> None:
    source = Readable(read=noop)
    sink = Writable(write=lambda _s, _c, _e, cb: cb())
    events = recorder(sink, "unpipe")
    source.pipe(sink)
    if event == "finish":
        sink.end()
    else:
        sink.destroy()
    await once(sink, event)
    assert events == [("unpipe", source)]
    assert source._readable_state.pipes == []


async def test_r_pipe_4_a_throwing_write_destroys_the_destination() -> None:
    source = Readable.from_([{"hello": "hello"}, {"world": "world"}])
    sink = Writable(write=lambda _s, _c, _e, cb: cb())
    errors: list[BaseException] = []
    sink.on("error", errors.append)
    source.pipe(sink)
    await until(sink, "close")
    assert [getattr(e, "code", None) for e in errors] == ["ERR_INVALID_ARG_TYPE"]
    assert source.errored is None, "the source is not failed by its destination"


async def test_r_pipe_4_a_write_hook_that_raises_errors_the_destination() -> None:
    def write(_s: Writable, _c: Any, _e: str, _cb: Callable[..., Any]) -> None:
        raise RuntimeError("something went wrong")

    source = Readable(read=lambda s, _n: (s.push(b"data"), s.push(None)))
    sink = Writable(write=write)
    errors: list[BaseException] = []
    sink.on("error", errors.append)
    source.pipe(sink)
    await until(sink, "close")
    assert [str(e) for e in errors] == ["something went wrong"]


# -- R-PIPE-5 ------------------------------------------------------------------------------


async def test_r_pipe_5_unpipe_removes_every_listener_and_pauses() -> None:
    source = Readable(read=noop)
    sink = Sink()
    before = listener_counts(source, sink)
    events: list[Any] = []
    sink.on("unpipe", lambda src, *info: events.append(("unpipe", src, *info)))
    source.pipe(sink)
    assert source.unpipe(sink) is source
    assert len(events) == 1
    assert events[0][1] is source
    assert source.readable_flowing is False
    counts = listener_counts(source, sink)
    counts["dest:unpipe"] -= 1
    assert counts == before
    source.push(b"late")
    await ticks()
    assert sink.written == []


async def test_r_pipe_5_unpipe_without_argument_detaches_all() -> None:
    source = Readable(read=noop)
    sinks = [Sink(), Sink()]
    events = [recorder(sink, "unpipe") for sink in sinks]
    for sink in sinks:
        source.pipe(sink)
    source.unpipe()
    assert events == [[("unpipe", source)], [("unpipe", source)]]
    assert source.readable_flowing is False
    assert all(sink.listener_count("drain") == 0 for sink in sinks)
    assert source.listener_count("data") == 0


async def test_r_pipe_5_unpiping_one_of_two_keeps_flowing() -> None:
    source = Readable(read=noop)
    first, second = Sink(), Sink()
    source.pipe(first)
    source.pipe(second)
    source.unpipe(first)
    assert source.readable_flowing is True
    source.push(b"x")
    await ticks()
    assert first.written == []
    assert second.written == [b"x"]


async def test_r_pipe_5_unpiping_a_stranger_does_nothing() -> None:
    source = Readable(read=noop)
    piped, stranger = Sink(), Sink()
    events = recorder(stranger, "unpipe")
    assert source.unpipe(stranger) is source
    source.pipe(piped)
    source.unpipe(stranger)
    assert events == []
    assert source.readable_flowing is True


async def test_r_pipe_5_unpipe_while_awaiting_drain_does_not_stall_other_pipes() -> None:
    source = Readable(read=noop)
    written: list[bytes] = []
    slow, other = Sink(high_water_mark=1), collector(written)
    source.pipe(slow)
    source.pipe(other)
    await ticks()
    source.push(b"1")
    assert source.is_paused()
    source.unpipe(slow)
    await ticks()
    assert not source.is_paused(), "the drain it waited for is given up with the pipe"
    source.push(b"2")
    await ticks()
    assert written == [b"1", b"2"]


# -- legacy Stream.pipe ----------------------------------------------------------------------


async def test_legacy_pipe_pumps_with_drain_backpressure_and_ends() -> None:
    source = OldStream()
    sink = Sink(high_water_mark=1)
    events = recorder(sink, "pipe", "finish")
    assert source.pipe(sink) is sink
    assert events == [("pipe", source)]
    source.emit("data", b"a")
    assert source.calls == ["pause"]
    sink.complete()
    await ticks()
    assert source.calls == ["pause", "resume"]
    source.emit("end")
    await ticks()
    assert sink.writable_ended
    assert events[-1] == "finish"
    assert source.listener_count("data") == 0


async def test_legacy_pipe_close_destroys_the_destination() -> None:
    source = OldStream()
    sink = Sink()
    source.pipe(sink)
    source.emit("close")
    assert sink.destroyed
    source.emit("end")
    assert sink.writable_ended is False


async def test_legacy_pipe_end_false() -> None:
    source = OldStream()
    sink = Sink()
    source.pipe(sink, end=False)
    source.emit("end")
    source.emit("close")
    assert not sink.writable_ended and not sink.destroyed


def test_legacy_pipe_rethrows_an_error_nobody_else_handles() -> None:
    boom = ValueError("boom")
    source = OldStream()
    sink = Sink()
    source.pipe(sink)
    with pytest.raises(ValueError, match="boom"):
        source.emit("error", boom)
    assert source.listener_count("data") == 0, "cleaned up first"


def test_legacy_pipe_rethrows_only_where_nobody_else_listens() -> None:
    boom = ValueError("boom")
    source = OldStream()
    seen: list[BaseException] = []
    source.on("error", seen.append)
    source.pipe(Sink())
    source.emit("error", boom)  # the source's own listener handles it: no rethrow
    assert seen == [boom]
    sink = Sink()
    source.pipe(sink)
    with pytest.raises(ValueError, match="boom"):
        sink.emit("error", boom)  # rethrown on the sink, which failed
    assert seen == [boom], "the source's listener is not involved"
