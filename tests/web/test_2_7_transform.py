"""Reference §2.7, "TransformStream"."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from web_helpers import Source, flush_async_events

from rillet.web import CountQueuingStrategy, ReadableStream, ReadResult, TransformStream


class Transformer:
    """A transformer that records its calls; ``transform`` doubles the chunk."""

    def __init__(self, *, held: bool = False) -> None:
        self.held = held
        self.log: list[tuple[str, Any]] = []
        self.pending: list[asyncio.Future[None]] = []

    def transform(self, chunk: Any, controller: Any) -> Any:
        self.log.append(("transform", chunk))
        controller.enqueue(chunk * 2)
        if self.held:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self.pending.append(future)
            return future
        return None

    def flush(self, _controller: Any) -> None:
        self.log.append(("flush", None))

    def cancel(self, reason: Any) -> None:
        self.log.append(("cancel", reason))


async def test_2_7_transform_waits_until_the_readable_side_is_pulled() -> None:
    transformer = Transformer()
    ts = TransformStream(transformer)
    writer = ts.writable.get_writer()
    written = writer.write(1)
    await flush_async_events()
    assert transformer.log == []
    reader = ts.readable.get_reader()
    assert (await reader.read()).value == 2
    await written


async def test_2_7_readable_hwm_1_lets_exactly_one_transform_run() -> None:
    transformer = Transformer()
    ts = TransformStream(transformer, None, CountQueuingStrategy(1))
    writer = ts.writable.get_writer()
    writer.write(1)
    writer.write(2)
    await flush_async_events()
    assert transformer.log == [("transform", 1)]


async def test_2_7_writable_hwm_1_desired_size_returns_when_transform_resolves() -> None:
    transformer = Transformer(held=True)
    ts = TransformStream(transformer)
    reader = ts.readable.get_reader()
    writer = ts.writable.get_writer()
    await flush_async_events()
    reader.read()
    written = writer.write(1)
    assert writer.desired_size == 0
    await flush_async_events()
    assert writer.desired_size == 0
    transformer.pending[0].set_result(None)
    await written
    assert writer.desired_size == 1


async def test_2_7_transforms_are_serialized_and_each_write_waits_for_its_transform() -> None:
    transformer = Transformer(held=True)
    ts = TransformStream(transformer, CountQueuingStrategy(4), CountQueuingStrategy(4))
    writer = ts.writable.get_writer()
    first, second = writer.write(1), writer.write(2)
    await flush_async_events()
    assert transformer.log == [("transform", 1)]
    transformer.pending[0].set_result(None)
    await first
    assert not second.done()
    await flush_async_events()
    assert transformer.log == [("transform", 1), ("transform", 2)]
    transformer.pending[1].set_result(None)
    await second


@pytest.mark.parametrize("where", ["transform", "flush"])
async def test_2_7_a_failing_transform_or_flush_errors_both_sides(where: str) -> None:
    boom = RuntimeError(where)
    transformer = Transformer()

    def fail(*_args: Any) -> None:
        raise boom

    setattr(transformer, where, fail)
    ts = TransformStream(transformer)
    writer = ts.writable.get_writer()
    reader = ts.readable.get_reader()
    pending_read = reader.read()
    operation = writer.write(1) if where == "transform" else writer.close()
    for awaitable in (operation, pending_read, reader.closed, writer.closed):
        with pytest.raises(RuntimeError) as caught:
            await awaitable
        assert caught.value is boom
    assert ("cancel", boom) not in transformer.log


async def test_2_7_terminate_closes_the_readable_and_errors_the_writable() -> None:
    controller: Any = None

    def start(c: Any) -> None:
        nonlocal controller
        controller = c

    ts = TransformStream({"start": start}, None, CountQueuingStrategy(2))
    controller.enqueue("kept")
    controller.terminate()
    reader = ts.readable.get_reader()
    assert (await reader.read()).value == "kept"
    assert await reader.read() == ReadResult(None, True)
    with pytest.raises(TypeError):
        await ts.writable.get_writer().closed
    with pytest.raises(TypeError):
        controller.enqueue("after")


async def test_2_7_a_pipe_into_a_terminated_transform_rejects_with_type_error() -> None:
    ts = TransformStream({"start": lambda c: c.terminate()})
    with pytest.raises(TypeError):
        await ReadableStream(Source(["a"])).pipe_to(ts.writable)


async def test_2_7_terminate_inside_flush_does_not_fail_close() -> None:
    ts = TransformStream({"flush": lambda c: c.terminate()})
    reader = ts.readable.get_reader()
    assert await ts.writable.get_writer().close() is None
    assert await reader.read() == ReadResult(None, True)


async def test_2_7_readable_cancel_calls_transformer_cancel_and_errors_the_writable() -> None:
    transformer = Transformer()
    ts = TransformStream(transformer)
    writer = ts.writable.get_writer()
    assert await ts.readable.cancel("why") is None
    assert transformer.log == [("cancel", "why")]
    with pytest.raises(Exception) as caught:
        await writer.closed
    assert getattr(caught.value, "reason", None) == "why"


async def test_2_7_a_rejected_transformer_cancel_rejects_readable_cancel() -> None:
    boom = RuntimeError("cancel failed")

    async def cancel(_reason: Any) -> None:
        raise boom

    ts = TransformStream({"cancel": cancel})
    writer = ts.writable.get_writer()
    for awaitable in (ts.readable.cancel("why"), writer.closed):
        with pytest.raises(RuntimeError) as caught:
            await awaitable
        assert caught.value is boom


async def test_2_7_writable_abort_calls_cancel_not_flush_and_errors_the_readable() -> None:
    transformer = Transformer()
    ts = TransformStream(transformer)
    reader = ts.readable.get_reader()
    reason = ValueError("abort")
    assert await ts.writable.abort(reason) is None
    assert transformer.log == [("cancel", reason)]
    with pytest.raises(ValueError) as caught:
        await reader.read()
    assert caught.value is reason


async def test_2_7_writable_abort_rejects_with_a_failing_cancel_error() -> None:
    boom = RuntimeError("cancel failed")

    def cancel(_reason: Any) -> None:
        raise boom

    ts = TransformStream({"cancel": cancel})
    reader = ts.readable.get_reader()
    for awaitable in (ts.writable.abort("r"), reader.closed):
        with pytest.raises(RuntimeError) as caught:
            await awaitable
        assert caught.value is boom


async def test_2_7_cancel_abort_and_close_share_one_finish_promise() -> None:
    loop = asyncio.get_running_loop()
    finishing: asyncio.Future[None] = loop.create_future()
    calls: list[Any] = []

    def cancel(reason: Any) -> asyncio.Future[None]:
        calls.append(reason)
        return finishing

    ts = TransformStream({"cancel": cancel})
    first = ts._sink_abort("a")
    second = ts._source_cancel("b")
    assert first is second
    finishing.set_result(None)
    await first.future()
    assert calls == ["a"]


async def test_2_7_a_start_that_raises_makes_the_constructor_raise() -> None:
    boom = RuntimeError("start")

    def start(_controller: Any) -> None:
        raise boom

    with pytest.raises(RuntimeError) as caught:
        TransformStream({"start": start})
    assert caught.value is boom


async def test_2_7_a_start_that_rejects_errors_both_sides() -> None:
    boom = RuntimeError("start")

    async def start(_controller: Any) -> None:
        raise boom

    ts = TransformStream({"start": start})
    with pytest.raises(RuntimeError):
        await ts.readable.get_reader().read()
    with pytest.raises(RuntimeError):
        await ts.writable.get_writer().write("x")


async def test_2_7_controller_error_in_start_wins_over_the_start_rejection() -> None:
    first = RuntimeError("E")

    async def start(controller: Any) -> None:
        controller.error(first)
        raise RuntimeError("other")

    ts = TransformStream({"start": start})
    reader = ts.readable.get_reader()
    writer = ts.writable.get_writer()
    for awaitable in (reader.closed, writer.closed):
        with pytest.raises(RuntimeError) as caught:
            await awaitable
        assert caught.value is first


async def test_2_7_without_transform_chunks_pass_unchanged() -> None:
    ts = TransformStream()
    chunk = object()
    writer = ts.writable.get_writer()
    reader = ts.readable.get_reader()
    writer.write(chunk)
    assert (await reader.read()).value is chunk


async def test_2_7_readable_and_writable_types_are_value_errors() -> None:
    with pytest.raises(ValueError):
        TransformStream({"readable_type": "bytes"})
    with pytest.raises(ValueError):
        TransformStream({"writable_type": "bytes"})
