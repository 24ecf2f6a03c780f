"""Reference §2.4, "pipeTo / pipeThrough"."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from web_helpers import Sink, Source, flush_async_events

from rillet import AbortController
from rillet.errors import AbortError
from rillet.web import CountQueuingStrategy, ReadableStream, TransformStream, WritableStream


async def test_2_4_the_pipe_locks_both_streams_and_disturbs_the_source() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    ws = WritableStream(Sink())
    piping = rs.pipe_to(ws)
    assert rs.locked and ws.locked and rs._disturbed
    source.controller.close()
    await piping
    assert not rs.locked and not ws.locked


async def test_2_4_the_pipe_does_not_read_while_the_destination_has_backpressure() -> None:
    source = Source(list(range(10)))
    rs = ReadableStream(source, CountQueuingStrategy(0))
    sink = Sink(held=True)
    ws = WritableStream(sink, CountQueuingStrategy(2))
    piping = rs.pipe_to(ws)
    await flush_async_events()
    # One chunk in the sink, one more queued: desired size 0, so no further read.
    assert sink.chunks == [0]
    assert source.pulls == 2
    while sink.pending:
        sink.release()
        await flush_async_events()
    await piping
    assert sink.chunks == list(range(10))


async def test_2_4_the_pipe_does_not_wait_for_each_write_before_reading_the_next() -> None:
    source = Source(list(range(5)))
    rs = ReadableStream(source, CountQueuingStrategy(0))
    sink = Sink(held=True)
    ws = WritableStream(sink, CountQueuingStrategy(4))
    writer = ws.get_writer()
    writer.release_lock()
    rs.pipe_to(ws)
    await flush_async_events()
    assert sink.chunks == [0]
    assert ws._controller._queue_total_size == 4  # the queue filled up to the mark
    while sink.pending:
        sink.release()
        await flush_async_events()


async def test_2_4_a_destination_with_hwm_0_never_gets_a_chunk() -> None:
    source = Source(["a"])
    rs = ReadableStream(source, CountQueuingStrategy(0))
    sink = Sink()
    ws = WritableStream(sink, CountQueuingStrategy(0))
    controller = AbortController()
    piping = rs.pipe_to(ws, signal=controller.signal)
    await flush_async_events()
    assert sink.chunks == [] and source.pulls == 0
    controller.abort()
    with pytest.raises(AbortError):
        await piping


async def test_2_4_source_error_aborts_the_destination_and_rejects_the_pipe() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    sink = Sink()
    ws = WritableStream(sink)
    piping = rs.pipe_to(ws)
    boom = RuntimeError("source")
    source.controller.error(boom)
    with pytest.raises(RuntimeError) as caught:
        await piping
    assert caught.value is boom
    assert sink.log == [("abort", boom)]


async def test_2_4_source_error_with_prevent_abort_leaves_the_destination() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    sink = Sink()
    ws = WritableStream(sink)
    piping = rs.pipe_to(ws, prevent_abort=True)
    source.controller.error(RuntimeError("source"))
    with pytest.raises(RuntimeError):
        await piping
    assert sink.log == [] and ws._state == "writable"


async def test_2_4_source_error_rejects_with_the_abort_error_when_abort_fails() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    abort_error = RuntimeError("abort failed")

    def abort(_reason: Any) -> None:
        raise abort_error

    piping = rs.pipe_to(WritableStream({"abort": abort}))
    source.controller.error(RuntimeError("source"))
    with pytest.raises(RuntimeError) as caught:
        await piping
    assert caught.value is abort_error


async def test_2_4_destination_error_cancels_the_source_and_rejects_the_pipe() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    sink = Sink()
    ws = WritableStream(sink)
    piping = rs.pipe_to(ws)
    await flush_async_events()
    boom = RuntimeError("dest")
    sink.controller.error(boom)
    with pytest.raises(RuntimeError) as caught:
        await piping
    assert caught.value is boom
    assert source.cancels == [boom]


async def test_2_4_destination_error_with_prevent_cancel_leaves_the_source() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    sink = Sink()
    piping = rs.pipe_to(WritableStream(sink), prevent_cancel=True)
    await flush_async_events()
    sink.controller.error(RuntimeError("dest"))
    with pytest.raises(RuntimeError):
        await piping
    assert source.cancels == [] and rs._state == "readable"


async def test_2_4_destination_error_rejects_with_the_cancel_error_when_cancel_fails() -> None:
    cancel_error = RuntimeError("cancel failed")

    def cancel(_reason: Any) -> None:
        raise cancel_error

    rs = ReadableStream({"cancel": cancel})
    sink = Sink()
    piping = rs.pipe_to(WritableStream(sink))
    await flush_async_events()
    sink.controller.error(RuntimeError("dest"))
    with pytest.raises(RuntimeError) as caught:
        await piping
    assert caught.value is cancel_error


async def test_2_4_source_close_closes_the_destination_and_fulfils() -> None:
    sink = Sink()
    assert await ReadableStream(Source(["a", "b"])).pipe_to(WritableStream(sink)) is None
    assert sink.log == [("write", "a"), ("write", "b"), ("close", None)]


async def test_2_4_source_close_with_prevent_close_leaves_the_destination_open() -> None:
    sink = Sink()
    ws = WritableStream(sink)
    await ReadableStream(Source(["a"])).pipe_to(ws, prevent_close=True)
    assert sink.log == [("write", "a")]
    assert ws._state == "writable" and not ws.locked


async def test_2_4_source_close_rejects_with_the_close_error() -> None:
    boom = RuntimeError("close failed")

    async def close() -> None:
        raise boom

    with pytest.raises(RuntimeError) as caught:
        await ReadableStream(Source(["a"])).pipe_to(WritableStream({"close": close}))
    assert caught.value is boom


async def test_2_4_a_closing_destination_cancels_the_source_with_type_error() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    ws = WritableStream()
    await ws.close()
    with pytest.raises(TypeError):
        await rs.pipe_to(ws)
    assert len(source.cancels) == 1 and isinstance(source.cancels[0], TypeError)


async def test_2_4_a_closing_destination_with_prevent_cancel_rejects_without_cancel() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    ws = WritableStream()
    ws.close()
    with pytest.raises(TypeError):
        await rs.pipe_to(ws, prevent_cancel=True)
    assert source.cancels == []


async def test_2_4_propagation_checks_source_error_before_destination_error() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    source_error = RuntimeError("source")
    source.controller.error(source_error)
    ws = WritableStream({"start": lambda c: c.error(RuntimeError("dest"))})
    await flush_async_events()
    with pytest.raises(RuntimeError) as caught:
        await rs.pipe_to(ws)
    assert caught.value is source_error


async def test_2_4_shutdown_makes_no_new_reads() -> None:
    source = Source(list(range(100)))
    rs = ReadableStream(source, CountQueuingStrategy(0))
    sink = Sink(held=True)
    ws = WritableStream(sink)
    piping = rs.pipe_to(ws)
    await flush_async_events()
    sink.controller.error(RuntimeError("dest"))
    sink.release()
    with pytest.raises(RuntimeError):
        await piping
    pulls = source.pulls
    await flush_async_events()
    assert source.pulls == pulls < 5


async def test_2_4_shutdown_writes_every_chunk_read_before_the_action() -> None:
    loop = asyncio.get_running_loop()
    source = Source(manual=True)
    rs = ReadableStream(source, CountQueuingStrategy(0))
    sink = Sink(held=True)
    ws = WritableStream(sink, CountQueuingStrategy(3))
    controller = AbortController()
    piping = rs.pipe_to(ws, signal=controller.signal, prevent_cancel=True)
    await flush_async_events()
    for chunk in "abc":
        source.controller.enqueue(chunk)
    await flush_async_events()
    controller.abort(ValueError("stop"))
    # The abort waits for the chunks already read to be written.
    await flush_async_events()
    assert ("abort", controller.signal.reason) not in sink.log
    while sink.pending:
        sink.release()
        await flush_async_events()
    with pytest.raises(ValueError):
        await piping
    assert sink.chunks == ["a", "b", "c"]
    assert sink.log[-1][0] == "abort"
    assert loop.is_running()


async def test_2_4_finalize_releases_both_locks_before_settling() -> None:
    rs = ReadableStream(Source(["a"]))
    ws = WritableStream()
    seen: list[bool] = []
    piping = rs.pipe_to(ws)
    piping.add_done_callback(lambda _f: seen.append(rs.locked or ws.locked))
    await piping
    await flush_async_events()
    assert seen == [False]


async def test_2_4_signal_abort_aborts_the_destination_and_cancels_the_source() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    sink = Sink()
    ws = WritableStream(sink)
    controller = AbortController()
    piping = rs.pipe_to(ws, signal=controller.signal)
    await flush_async_events()
    reason = ValueError("why")
    controller.abort(reason)
    with pytest.raises(ValueError) as caught:
        await piping
    assert caught.value is reason
    assert sink.log == [("abort", reason)]
    assert source.cancels == [reason]


async def test_2_4_signal_abort_without_a_reason_rejects_with_abort_error() -> None:
    controller = AbortController()
    piping = ReadableStream(Source(manual=True)).pipe_to(WritableStream(), signal=controller.signal)
    controller.abort()
    with pytest.raises(AbortError):
        await piping


@pytest.mark.parametrize(("prevent_abort", "prevent_cancel"), [(True, False), (False, True)])
async def test_2_4_signal_abort_honours_prevent_abort_and_prevent_cancel(
    prevent_abort: bool, prevent_cancel: bool
) -> None:
    source = Source(manual=True)
    sink = Sink()
    controller = AbortController()
    piping = ReadableStream(source).pipe_to(
        WritableStream(sink),
        signal=controller.signal,
        prevent_abort=prevent_abort,
        prevent_cancel=prevent_cancel,
    )
    await flush_async_events()
    controller.abort("r")
    with pytest.raises(Exception):  # noqa: B017 - the wrapped reason
        await piping
    assert (sink.log == []) == prevent_abort
    assert (source.cancels == []) == prevent_cancel


async def test_2_4_signal_abort_prefers_the_abort_rejection() -> None:
    abort_error = RuntimeError("abort")
    cancel_error = RuntimeError("cancel")

    def abort(_reason: Any) -> None:
        raise abort_error

    def cancel(_reason: Any) -> None:
        raise cancel_error

    controller = AbortController()
    piping = ReadableStream({"cancel": cancel}).pipe_to(
        WritableStream({"abort": abort}), signal=controller.signal
    )
    await flush_async_events()
    controller.abort("r")
    with pytest.raises(RuntimeError) as caught:
        await piping
    assert caught.value is abort_error


async def test_2_4_an_aborted_signal_wins_over_a_closed_source() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    source.controller.close()
    controller = AbortController()
    reason = ValueError("first")
    controller.abort(reason)
    with pytest.raises(ValueError) as caught:
        await rs.pipe_to(WritableStream(), signal=controller.signal)
    assert caught.value is reason


async def test_2_4_aborting_after_the_pipe_finished_does_nothing() -> None:
    sink = Sink()
    controller = AbortController()
    await ReadableStream(Source(["a"])).pipe_to(WritableStream(sink), signal=controller.signal)
    controller.abort()
    await flush_async_events()
    assert sink.log == [("write", "a"), ("close", None)]


async def test_2_4_an_invalid_signal_rejects_and_touches_neither_stream() -> None:
    rs = ReadableStream(Source(manual=True))
    ws = WritableStream()
    with pytest.raises(TypeError):
        await rs.pipe_to(ws, signal="not a signal")  # type: ignore[arg-type]
    assert not rs.locked and not ws.locked


async def test_2_4_pipe_through_returns_the_readable_side_and_handles_its_promise() -> None:
    ts = TransformStream({"transform": lambda chunk, c: c.enqueue(chunk * 2)})
    out = ReadableStream(Source([1, 2])).pipe_through(ts)
    assert out is ts.readable
    assert [chunk async for chunk in out] == [2, 4]
    # An erroring pipe through a transform reports nothing to the loop (handled).
    failing = Source(manual=True)
    ReadableStream(failing).pipe_through(TransformStream())
    failing.controller.error(RuntimeError("ignored"))
    await flush_async_events()


async def test_2_4_pipe_to_a_non_writable_stream_rejects() -> None:
    with pytest.raises(TypeError):
        await ReadableStream().pipe_to("nope")  # type: ignore[arg-type]


async def test_2_4_a_pipe_chain_allocates_no_promise_per_chunk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rillet.web import _promise

    made = 0
    original = _promise.Deferred.__init__

    def counting(self: _promise.Deferred) -> None:
        nonlocal made
        made += 1
        original(self)

    monkeypatch.setattr(_promise.Deferred, "__init__", counting)
    loop = asyncio.get_running_loop()
    tasks = 0
    default_factory = loop.get_task_factory()

    def factory(task_loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Any:
        nonlocal tasks
        tasks += 1
        if default_factory is not None:
            return default_factory(task_loop, coro, **kwargs)
        return asyncio.Task(coro, loop=task_loop, **kwargs)

    loop.set_task_factory(factory)
    try:
        got: list[int] = []
        stream = ReadableStream(Source(list(range(2000))))
        for _ in range(3):
            stream = stream.pipe_through(TransformStream())
        await stream.pipe_to(WritableStream({"write": lambda chunk, _c: got.append(chunk)}))
    finally:
        loop.set_task_factory(default_factory)
    assert got == list(range(2000))
    assert made < 60 and tasks == 0, (made, tasks)
