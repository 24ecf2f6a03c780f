"""Reference §2.3, "Writable streams: backpressure via writer.ready"."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from web_helpers import Sink, flush_async_events

from rillet.web import CountQueuingStrategy, WritableStream


async def started(sink: Sink, high_water_mark: float = 1) -> tuple[WritableStream, Any]:
    ws = WritableStream(sink, CountQueuingStrategy(high_water_mark))
    writer = ws.get_writer()
    await flush_async_events()
    return ws, writer


async def test_2_3_states_writable_erroring_errored_closed() -> None:
    sink = Sink(held=True)
    ws, writer = await started(sink)
    assert ws._state == "writable"
    writer.write("a")
    aborted = writer.abort(ValueError("stop"))
    assert ws._state == "erroring"
    sink.release()
    with pytest.raises(ValueError):
        await writer.closed
    await aborted
    assert ws._state == "errored"
    closing = WritableStream()
    await closing.close()
    assert closing._state == "closed"


async def test_2_3_desired_size_counts_the_chunk_being_written() -> None:
    sink = Sink(held=True)
    _ws, writer = await started(sink, 2)
    writer.write("a")
    await flush_async_events()
    assert sink.chunks == ["a"]
    assert writer.desired_size == 1  # still queued while its write is in flight
    sink.release()
    await flush_async_events()
    assert writer.desired_size == 2


async def test_2_3_the_close_sentinel_has_size_zero() -> None:
    sink = Sink(held=True)
    _ws, writer = await started(sink, 1)
    writer.write("a")
    writer.write("b")
    assert writer.desired_size == -1
    closed = writer.close()
    assert writer.desired_size == -1
    await flush_async_events()
    sink.release()
    await flush_async_events()
    assert writer.desired_size == 0  # "b" in flight; the sentinel adds nothing
    sink.release()
    await closed


async def test_2_3_writer_desired_size_is_none_when_erroring_or_errored() -> None:
    sink = Sink(held=True)
    ws, writer = await started(sink)
    writer.write("a")
    writer.abort("r")
    assert ws._state == "erroring"
    assert writer.desired_size is None
    sink.release()
    await flush_async_events()
    assert ws._state == "errored"
    assert writer.desired_size is None


async def test_2_3_writer_desired_size_is_zero_when_closed() -> None:
    _ws, writer = await started(Sink(), 4)
    await writer.close()
    assert writer.desired_size == 0


async def test_2_3_hwm_1_example_write_write_close() -> None:
    _ws, writer = await started(Sink(held=True), 1)
    writer.write("a")
    assert writer.desired_size == 0
    writer.write("b")
    assert writer.desired_size == -1
    writer.close()
    assert writer.desired_size == -1


async def test_2_3_backpressure_replaces_ready_with_a_pending_promise() -> None:
    sink = Sink(held=True)
    _ws, writer = await started(sink, 1)
    first_ready = writer.ready
    await first_ready
    writer.write("a")
    ready = writer.ready
    assert ready is not first_ready
    assert not ready.done()
    assert writer.ready is ready


async def test_2_3_ready_resolves_when_desired_size_becomes_positive() -> None:
    sink = Sink(held=True)
    _ws, writer = await started(sink, 1)
    writer.write("a")
    ready = writer.ready
    await flush_async_events()
    assert not ready.done()
    sink.release()
    await flush_async_events()
    assert ready.done()
    assert writer.desired_size == 1


async def test_2_3_with_hwm_0_ready_is_pending_from_the_start() -> None:
    ws = WritableStream(Sink(), CountQueuingStrategy(0))
    writer = ws.get_writer()
    await flush_async_events()
    assert not writer.ready.done()
    assert writer.desired_size == 0


async def test_2_3_close_under_backpressure_resolves_ready_at_once() -> None:
    sink = Sink(held=True)
    _ws, writer = await started(sink, 1)
    writer.write("a")
    ready = writer.ready
    writer.close()
    assert ready.done()


async def test_2_3_erroring_rejects_ready() -> None:
    sink = Sink(held=True)
    _ws, writer = await started(sink, 1)
    writer.write("a")
    pending_ready = writer.ready
    boom = ValueError("abort")
    writer.abort(boom)
    with pytest.raises(ValueError):
        await pending_ready
    ws2, writer2 = await started(Sink(), 1)
    resolved_ready = writer2.ready
    await resolved_ready
    writer2.abort(boom)
    assert writer2.ready is not resolved_ready
    with pytest.raises(ValueError):
        await writer2.ready
    assert ws2._state == "errored"


async def test_2_3_the_sink_sees_one_write_at_a_time() -> None:
    sink = Sink(held=True)
    _ws, writer = await started(sink, 10)
    writes = [writer.write(c) for c in "abc"]
    await flush_async_events()
    assert sink.chunks == ["a"]
    sink.release()
    await flush_async_events()
    assert sink.chunks == ["a", "b"]
    sink.release()
    await flush_async_events()
    sink.release()
    await asyncio.gather(*writes)
    assert sink.chunks == ["a", "b", "c"]


async def test_2_3_the_sink_never_writes_before_start_fulfils() -> None:
    loop = asyncio.get_running_loop()
    start: asyncio.Future[None] = loop.create_future()
    sink = Sink()
    ws = WritableStream({"start": lambda c: start, "write": sink.write})
    writer = ws.get_writer()
    written = writer.write("a")
    await flush_async_events()
    assert sink.chunks == []
    start.set_result(None)
    await written
    assert sink.chunks == ["a"]


async def test_2_3_the_sink_never_writes_after_close_or_abort_started() -> None:
    sink = Sink()
    _ws, writer = await started(sink, 10)
    await writer.close()
    with pytest.raises(TypeError):
        await writer.write("late")
    sink2 = Sink()
    _ws2, writer2 = await started(sink2, 10)
    await writer2.abort("r")
    with pytest.raises(Exception):  # noqa: B017 - the abort reason, wrapped
        await writer2.write("late")
    assert sink.chunks == [] and sink2.chunks == []


async def test_2_3_each_write_promise_settles_with_its_sink_write() -> None:
    sink = Sink(held=True)
    _ws, writer = await started(sink, 10)
    first, second = writer.write("a"), writer.write("b")
    await flush_async_events()
    sink.release()
    assert await first is None
    assert not second.done()
    await flush_async_events()
    sink.release(RuntimeError("b failed"))
    with pytest.raises(RuntimeError):
        await second


async def test_2_3_a_rejected_sink_write_errors_the_stream_with_its_error() -> None:
    sink = Sink(held=True)
    ws, writer = await started(sink, 10)
    first = writer.write("a")
    queued = writer.write("b")
    closing = writer.close()
    await flush_async_events()
    boom = RuntimeError("write failed")
    sink.release(boom)
    for awaitable in (first, queued, closing, writer.closed):
        with pytest.raises(RuntimeError) as caught:
            await awaitable
        assert caught.value is boom
    assert ws._state == "errored"


async def test_2_3_close_after_a_write_error_rejects_with_the_stored_error_or_type_error() -> None:
    sink = Sink(held=True)
    _ws, writer = await started(sink)
    first = writer.write("a")
    await flush_async_events()
    sink.release(RuntimeError("x"))
    with pytest.raises(RuntimeError):
        await first
    with pytest.raises(TypeError):
        await writer.close()


async def test_2_3_write_rejects_with_type_error_when_closing_or_closed() -> None:
    sink = Sink(held=True)
    _ws, writer = await started(sink)
    writer.close()
    with pytest.raises(TypeError):
        await writer.write("a")
    _ws2, writer2 = await started(Sink())
    await writer2.close()
    with pytest.raises(TypeError):
        await writer2.write("a")


async def test_2_3_write_rejects_with_the_stored_error_when_errored_or_erroring() -> None:
    sink = Sink(held=True)
    _ws, writer = await started(sink)
    writer.write("a")
    boom = ValueError("reason")
    writer.abort(boom)
    with pytest.raises(ValueError) as caught:
        await writer.write("b")
    assert caught.value is boom


async def test_2_3_write_rejects_with_the_size_function_error() -> None:
    boom = RuntimeError("size")

    def size(_chunk: Any) -> int:
        raise boom

    ws = WritableStream(Sink(), {"size": size})
    writer = ws.get_writer()
    with pytest.raises(RuntimeError) as caught:
        await writer.write("a")
    assert caught.value is boom


async def test_2_3_abort_on_a_closed_or_errored_stream_resolves() -> None:
    ws = WritableStream()
    await ws.close()
    assert await ws.abort("r") is None
    errored = WritableStream({"start": lambda c: c.error(ValueError("e"))})
    await flush_async_events()
    assert await errored.abort("r") is None


async def test_2_3_abort_signals_the_controller_signal_with_the_reason() -> None:
    sink = Sink()
    ws = WritableStream(sink)
    await flush_async_events()
    signal = sink.controller.signal
    reasons: list[Any] = []
    signal.add_event_listener("abort", lambda _e: reasons.append(signal.reason))
    reason = ValueError("why")
    await ws.abort(reason)
    assert signal.aborted and reasons == [reason]


async def test_2_3_abort_twice_returns_the_same_promise() -> None:
    sink = Sink(held=True)
    _ws, writer = await started(sink)
    writer.write("a")
    await flush_async_events()
    first = writer.abort("r")
    assert writer.abort("r2") is first
    sink.release()
    await first


async def test_2_3_abort_rejects_queued_writes_and_ready_with_the_reason() -> None:
    sink = Sink(held=True)
    _ws, writer = await started(sink, 1)
    in_flight = writer.write("a")
    queued = writer.write("b")
    ready = writer.ready
    await flush_async_events()
    reason = ValueError("reason")
    aborted = writer.abort(reason)
    with pytest.raises(ValueError) as caught:
        await ready
    assert caught.value is reason
    await flush_async_events()
    assert not queued.done()  # rejected once the write in flight has finished
    sink.release()
    assert await in_flight is None  # the write in flight finishes on its own
    with pytest.raises(ValueError) as caught:
        await queued
    assert caught.value is reason
    await aborted


async def test_2_3_abort_calls_sink_abort_after_the_write_in_flight() -> None:
    sink = Sink(held=True)
    ws, writer = await started(sink)
    writer.write("a")
    await flush_async_events()
    aborted = writer.abort("r")
    await flush_async_events()
    assert ("abort", "r") not in sink.log
    sink.release()
    assert await aborted is None
    assert sink.log == [("write", "a"), ("abort", "r")]
    assert ws._state == "errored"
    assert ws._stored_error == "r"


async def test_2_3_abort_rejects_with_the_sink_abort_error() -> None:
    boom = RuntimeError("sink abort failed")

    def abort(_reason: Any) -> None:
        raise boom

    ws = WritableStream({"abort": abort})
    await flush_async_events()
    with pytest.raises(RuntimeError) as caught:
        await ws.abort("r")
    assert caught.value is boom
    assert ws._state == "errored"


async def test_2_3_abort_during_an_in_flight_close_never_calls_sink_abort() -> None:
    loop = asyncio.get_running_loop()
    closing: asyncio.Future[None] = loop.create_future()
    sink = Sink(close_result=closing)
    ws, writer = await started(sink)
    closed = writer.close()
    await flush_async_events()
    aborted = writer.abort("r")
    closing.set_result(None)
    assert await aborted is None
    assert await closed is None
    assert ws._state == "closed"
    assert ("abort", "r") not in sink.log


async def test_2_3_abort_during_an_in_flight_close_that_fails_rejects_both() -> None:
    loop = asyncio.get_running_loop()
    closing: asyncio.Future[None] = loop.create_future()
    sink = Sink(close_result=closing)
    _ws, writer = await started(sink)
    closed = writer.close()
    await flush_async_events()
    aborted = writer.abort("r")
    boom = RuntimeError("close failed")
    closing.set_exception(boom)
    for awaitable in (aborted, closed):
        with pytest.raises(RuntimeError) as caught:
            await awaitable
        assert caught.value is boom


async def test_2_3_close_then_abort_before_the_close_starts_aborts() -> None:
    sink = Sink(held=True)
    _ws, writer = await started(sink)
    writer.write("a")
    await flush_async_events()
    closed = writer.close()
    reason = ValueError("abort")
    aborted = writer.abort(reason)
    sink.release()
    for awaitable in (closed, writer.closed):
        with pytest.raises(ValueError) as caught:
            await awaitable
        assert caught.value is reason
    await aborted
    assert sink.log == [("write", "a"), ("abort", reason)]


async def test_2_3_sink_close_runs_after_every_queued_write() -> None:
    sink = Sink(held=True)
    _ws, writer = await started(sink, 10)
    writer.write("a")
    writer.write("b")
    closed = writer.close()
    await flush_async_events()
    sink.release()
    await flush_async_events()
    assert ("close", None) not in sink.log
    sink.release()
    await closed
    assert sink.log == [("write", "a"), ("write", "b"), ("close", None)]


async def test_2_3_a_rejected_sink_close_errors_the_stream() -> None:
    boom = RuntimeError("close failed")

    async def close() -> None:
        raise boom

    ws = WritableStream({"close": close})
    writer = ws.get_writer()
    with pytest.raises(RuntimeError):
        await writer.close()
    assert ws._state == "errored"
    with pytest.raises(RuntimeError):
        await writer.closed


async def test_2_3_controller_error_during_an_in_flight_close_is_ignored() -> None:
    loop = asyncio.get_running_loop()
    closing: asyncio.Future[None] = loop.create_future()
    sink = Sink(close_result=closing)
    ws, writer = await started(sink)
    closed = writer.close()
    await flush_async_events()
    sink.controller.error(RuntimeError("too late"))
    closing.set_result(None)
    assert await closed is None
    assert ws._state == "closed"


async def test_2_3_close_does_not_reject_while_a_sink_method_is_in_flight() -> None:
    sink = Sink(held=True)
    _ws, writer = await started(sink)
    writer.write("a")
    closed = writer.close()
    await flush_async_events()
    sink.controller.error(RuntimeError("x"))
    await flush_async_events()
    assert not closed.done()
    sink.release()
    with pytest.raises(RuntimeError):
        await closed


async def test_2_3_the_close_promise_settles_before_writer_closed() -> None:
    _ws, writer = await started(Sink())
    order: list[str] = []
    closed = writer.close()
    closed.add_done_callback(lambda _f: order.append("close()"))
    writer.closed.add_done_callback(lambda _f: order.append("closed"))
    await writer.closed
    await flush_async_events()
    assert order == ["close()", "closed"]
