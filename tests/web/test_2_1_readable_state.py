"""Reference §2.1, "State and queues (readable)": one test per rule, named after it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from web_helpers import Source, flush_async_events

from rillet.web import (
    CountQueuingStrategy,
    ReadableStream,
    ReadResult,
    WritableStream,
)


async def test_2_1_states_readable_closed_errored_with_stored_error() -> None:
    closing = Source(manual=True)
    rs = ReadableStream(closing)
    reader = rs.get_reader()
    closing.controller.close()
    assert await reader.read() == ReadResult(None, True)
    boom = RuntimeError("boom")
    erroring = Source(manual=True)
    errored = ReadableStream(erroring)
    erroring.controller.error(boom)
    with pytest.raises(RuntimeError) as caught:
        await errored.get_reader().read()
    assert caught.value is boom


@pytest.mark.parametrize("operation", ["read", "cancel", "pipe_to", "tee_read"])
async def test_2_1_disturbed_set_by_read_cancel_pipe_to_and_tee_reads(operation: str) -> None:
    rs = ReadableStream(Source(["a"]))
    assert rs._disturbed is False
    if operation == "read":
        await rs.get_reader().read()
    elif operation == "cancel":
        await rs.cancel()
    elif operation == "pipe_to":
        await rs.pipe_to(WritableStream())
    else:
        branch, _other = rs.tee()
        await branch.get_reader().read()
    assert rs._disturbed is True


async def test_2_1_desired_size_is_high_water_mark_minus_queue_total() -> None:
    source = Source(manual=True)
    ReadableStream(source, CountQueuingStrategy(3))
    controller = source.controller
    assert controller.desired_size == 3
    controller.enqueue("a")
    controller.enqueue("b")
    assert controller.desired_size == 1
    controller.enqueue("c")
    controller.enqueue("d")
    assert controller.desired_size == -1


async def test_2_1_desired_size_is_none_when_errored() -> None:
    source = Source(manual=True)
    ReadableStream(source)
    source.controller.error(ValueError("x"))
    assert source.controller.desired_size is None


async def test_2_1_desired_size_is_zero_when_closed() -> None:
    source = Source(manual=True)
    ReadableStream(source, CountQueuingStrategy(5))
    source.controller.close()
    assert source.controller.desired_size == 0


async def test_2_1_queue_total_size_sums_size_results_and_clamps_at_zero() -> None:
    source = Source(manual=True)
    sizes = {"a": 0.1, "b": 0.2}
    rs = ReadableStream(source, {"high_water_mark": 1, "size": lambda chunk: sizes[chunk]})
    controller = source.controller
    controller.enqueue("a")
    controller.enqueue("b")
    assert controller.desired_size == pytest.approx(0.7)
    reader = rs.get_reader()
    await reader.read()
    await reader.read()
    # 0.1 + 0.2 - 0.1 - 0.2 is a tiny negative number in floating point: clamped.
    assert controller.desired_size == 1


async def test_2_1_byte_controller_counts_bytes_and_has_no_size() -> None:
    source = Source(manual=True)
    source.type = "bytes"  # type: ignore[attr-defined]
    ReadableStream(source, {"high_water_mark": 10})
    source.controller.enqueue(b"abcd")
    assert source.controller.desired_size == 6
    with pytest.raises(ValueError):
        ReadableStream({"type": "bytes"}, {"high_water_mark": 1, "size": len})


async def test_2_1_enqueue_with_a_pending_read_skips_the_queue_and_size() -> None:
    calls: list[Any] = []
    source = Source(manual=True)
    rs = ReadableStream(source, {"high_water_mark": 1, "size": lambda c: calls.append(c) or 1})
    await flush_async_events()
    reader = rs.get_reader()
    pending = reader.read()
    source.controller.enqueue("direct")
    assert calls == []
    assert source.controller.desired_size == 1
    assert (await pending).value == "direct"


async def test_2_1_pull_is_never_called_before_start_settles() -> None:
    loop = asyncio.get_running_loop()
    started: asyncio.Future[None] = loop.create_future()
    source = Source(manual=True, start_result=started)
    rs = ReadableStream(source)
    reader = rs.get_reader()
    read = reader.read()
    await flush_async_events()
    assert source.pulls == 0
    started.set_result(None)
    await flush_async_events()
    assert source.pulls == 1
    source.controller.enqueue("x")
    assert (await read).value == "x"


async def test_2_1_pull_is_not_called_once_close_is_requested() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source, CountQueuingStrategy(10))
    await flush_async_events()
    source.controller.enqueue("a")
    source.controller.close()
    await flush_async_events()
    pulls = source.pulls
    assert (await rs.get_reader().read()).value == "a"
    await flush_async_events()
    assert source.pulls == pulls


async def test_2_1_pull_is_called_for_a_pending_read_even_at_zero_desired_size() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source, CountQueuingStrategy(0))
    await flush_async_events()
    assert source.pulls == 0
    rs.get_reader().read()
    assert source.pulls == 1
    source.controller.enqueue("x")


async def test_2_1_pull_is_called_while_desired_size_is_positive() -> None:
    source = Source(["a", "b", "c", "d"])
    ReadableStream(source, CountQueuingStrategy(3))
    await flush_async_events()
    assert source.pulls == 3
    assert source.controller.desired_size == 0


async def test_2_1_byte_stream_pulls_for_a_pending_byob_read() -> None:
    source = Source(manual=True)
    source.type = "bytes"  # type: ignore[attr-defined]
    rs = ReadableStream(source)
    await flush_async_events()
    assert source.pulls == 0
    reader = rs.get_reader(mode="byob")
    read = reader.read(memoryview(bytearray(4)))
    assert source.pulls == 1
    source.controller.enqueue(b"ab")
    assert bytes((await read).value) == b"ab"


async def test_2_1_call_pull_if_needed_runs_after_start_fulfils() -> None:
    source = Source(["a"])
    ReadableStream(source)
    assert source.pulls == 0
    await flush_async_events()
    assert source.pulls == 1


async def test_2_1_call_pull_if_needed_runs_after_every_enqueue() -> None:
    source = Source(manual=True)
    ReadableStream(source, CountQueuingStrategy(3))
    await flush_async_events()
    assert source.pulls == 1
    source.controller.enqueue("outside pull")
    await flush_async_events()
    assert source.pulls == 2


async def test_2_1_call_pull_if_needed_runs_after_a_dequeue() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source, CountQueuingStrategy(1))
    await flush_async_events()
    source.controller.enqueue("a")
    await flush_async_events()
    pulls = source.pulls
    reader = rs.get_reader()
    assert (await reader.read()).value == "a"
    assert source.pulls == pulls + 1


async def test_2_1_pull_again_runs_once_the_pull_in_flight_settles() -> None:
    loop = asyncio.get_running_loop()
    pending: list[asyncio.Future[None]] = []

    def pull(controller: Any) -> asyncio.Future[None]:
        future: asyncio.Future[None] = loop.create_future()
        pending.append(future)
        return future

    source = Source(manual=True)
    rs = ReadableStream({"start": source.start, "pull": pull}, CountQueuingStrategy(2))
    await flush_async_events()
    assert len(pending) == 1
    source.controller.enqueue("a")  # would pull again, but one is in flight
    await flush_async_events()
    assert len(pending) == 1
    pending[0].set_result(None)
    await flush_async_events()
    assert len(pending) == 2
    assert rs.locked is False


async def test_2_1_a_pull_that_does_nothing_is_called_once() -> None:
    source = Source(manual=True)
    ReadableStream(source, CountQueuingStrategy(1))
    await flush_async_events()
    await flush_async_events()
    assert source.pulls == 1


async def test_2_1_a_rejected_pull_errors_the_stream() -> None:
    boom = RuntimeError("pull failed")

    def pull(_controller: Any) -> None:
        raise boom

    rs = ReadableStream({"pull": pull})
    with pytest.raises(RuntimeError) as caught:
        await rs.get_reader().read()
    assert caught.value is boom


async def test_2_1_pull_is_called_synchronously_inside_read() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source, CountQueuingStrategy(0))
    await flush_async_events()
    reader = rs.get_reader()
    reader.read()
    assert source.pulls == 1
    source.controller.close()


async def test_2_1_close_with_queued_chunks_drains_then_closes_without_a_pull() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source, CountQueuingStrategy(5))
    await flush_async_events()
    source.controller.enqueue("a")
    source.controller.enqueue("b")
    source.controller.close()
    await flush_async_events()
    pulls = source.pulls
    reader = rs.get_reader()
    closed = reader.closed
    assert (await reader.read()).value == "a"
    assert not closed.done()
    assert (await reader.read()).value == "b"
    assert rs._state == "closed"
    await closed
    assert source.pulls == pulls
    assert await reader.read() == ReadResult(None, True)


async def test_2_1_close_with_an_empty_queue_resolves_pending_reads_at_once() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    await flush_async_events()
    reader = rs.get_reader()
    first, second = reader.read(), reader.read()
    source.controller.close()
    assert first.done() and second.done()
    assert first.result() == ReadResult(None, True)
    assert second.result() == ReadResult(None, True)
    await reader.closed


async def test_2_1_controller_error_discards_the_queue() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source, CountQueuingStrategy(5))
    source.controller.enqueue("lost")
    source.controller.error(ValueError("x"))
    with pytest.raises(ValueError):
        await rs.get_reader().read()


async def test_2_1_error_rejects_pending_reads_closed_and_later_reads() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    reader = rs.get_reader()
    pending = reader.read()
    boom = RuntimeError("boom")
    source.controller.error(boom)
    for awaitable in (pending, reader.closed, reader.read()):
        with pytest.raises(RuntimeError) as caught:
            await awaitable
        assert caught.value is boom


async def test_2_1_erroring_does_not_release_the_lock() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    rs.get_reader()
    source.controller.error(ValueError("x"))
    assert rs.locked


async def test_2_1_cancel_on_a_closed_stream_resolves_without_source_cancel() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    source.controller.close()
    assert await rs.cancel("why") is None
    assert source.cancels == []


async def test_2_1_cancel_on_an_errored_stream_rejects_with_the_stored_error() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    boom = RuntimeError("stored")
    source.controller.error(boom)
    with pytest.raises(RuntimeError) as caught:
        await rs.cancel("why")
    assert caught.value is boom
    assert source.cancels == []


async def test_2_1_cancel_closes_resets_the_queue_and_calls_source_cancel() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source, CountQueuingStrategy(5))
    source.controller.enqueue("queued")
    assert await rs.cancel("reason") is None
    assert source.cancels == ["reason"]
    reader = rs.get_reader()
    assert await reader.read() == ReadResult(None, True)


async def test_2_1_cancel_resolves_pending_reads_as_done() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    reader = rs.get_reader()
    pending = reader.read()
    cancelled = reader.cancel("r")
    assert (await pending) == ReadResult(None, True)
    assert await cancelled is None


async def test_2_1_cancel_rejects_with_the_source_cancel_error() -> None:
    boom = RuntimeError("cancel failed")

    def cancel(_reason: Any) -> None:
        raise boom

    rs = ReadableStream({"cancel": cancel})
    with pytest.raises(RuntimeError) as caught:
        await rs.cancel()
    assert caught.value is boom


async def test_2_1_a_failed_source_cancel_leaves_the_stream_closed_not_errored() -> None:
    async def failing(_reason: Any) -> None:
        raise RuntimeError("no")

    rs = ReadableStream({"cancel": failing})
    with pytest.raises(RuntimeError):
        await rs.cancel()
    assert rs._state == "closed"
    assert await rs.get_reader().read() == ReadResult(None, True)


async def test_2_1_cancel_before_start_finishes_means_pull_is_never_called() -> None:
    loop = asyncio.get_running_loop()
    started: asyncio.Future[None] = loop.create_future()
    source = Source(manual=True, start_result=started)
    rs = ReadableStream(source)
    cancelled = rs.cancel()
    started.set_result(None)
    await cancelled
    await flush_async_events()
    assert source.pulls == 0
