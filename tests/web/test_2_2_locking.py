"""Reference §2.2, "Locking and the errors it produces"."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from web_helpers import Sink, Source, flush_async_events

from rillet.web import (
    ReadableStream,
    ReadableStreamBYOBReader,
    ReadableStreamDefaultReader,
    ReadResult,
    TransformStream,
    WritableStream,
    WritableStreamDefaultWriter,
)

LOCKING_CALLS: dict[str, Callable[[ReadableStream], Any]] = {
    "get_reader": lambda rs: rs.get_reader(),
    "get_reader_byob": lambda rs: rs.get_reader(mode="byob"),
    "default_reader_constructor": ReadableStreamDefaultReader,
    "byob_reader_constructor": ReadableStreamBYOBReader,
    "values": lambda rs: rs.values(),
    "tee": lambda rs: rs.tee(),
    "pipe_through": lambda rs: rs.pipe_through(TransformStream()),
}


@pytest.mark.parametrize("call", list(LOCKING_CALLS))
async def test_2_2_a_locked_readable_stream_refuses_another_lock(call: str) -> None:
    rs = ReadableStream({"type": "bytes"})
    rs.get_reader()
    with pytest.raises(TypeError):
        LOCKING_CALLS[call](rs)


@pytest.mark.parametrize("call", ["get_writer", "writer_constructor"])
async def test_2_2_a_locked_writable_stream_refuses_another_writer(call: str) -> None:
    ws = WritableStream()
    ws.get_writer()
    with pytest.raises(TypeError):
        ws.get_writer() if call == "get_writer" else WritableStreamDefaultWriter(ws)


async def test_2_2_pipe_through_into_a_locked_writable_side_raises() -> None:
    ts = TransformStream()
    ts.writable.get_writer()
    with pytest.raises(TypeError):
        ReadableStream().pipe_through(ts)


@pytest.mark.parametrize("method", ["rs_cancel", "ws_abort", "ws_close", "pipe_to_locked_source"])
async def test_2_2_promise_methods_on_a_locked_stream_reject_with_type_error(method: str) -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    sink = Sink()
    ws = WritableStream(sink)
    if method == "rs_cancel":
        rs.get_reader()
        result = rs.cancel()
    elif method == "ws_abort":
        ws.get_writer()
        result = ws.abort()
    elif method == "ws_close":
        ws.get_writer()
        result = ws.close()
    else:
        rs.get_reader()
        result = rs.pipe_to(ws)
    assert isinstance(result, asyncio.Future)
    with pytest.raises(TypeError):
        await result
    await flush_async_events()
    assert source.cancels == []
    assert sink.log == []


async def test_2_2_pipe_to_a_locked_destination_rejects_with_type_error() -> None:
    ws = WritableStream()
    ws.get_writer()
    rs = ReadableStream()
    with pytest.raises(TypeError):
        await rs.pipe_to(ws)
    assert not rs.locked


async def test_2_2_reader_cancel_cancels_and_keeps_the_lock() -> None:
    seen: list[bool] = []
    rs: ReadableStream

    def cancel(_reason: Any) -> None:
        seen.append(rs.locked)

    rs = ReadableStream({"cancel": cancel})
    reader = rs.get_reader()
    await reader.cancel("r")
    assert seen == [True]
    assert rs.locked


async def test_2_2_release_lock_rejects_pending_reads_with_type_error() -> None:
    rs = ReadableStream(Source(manual=True))
    reader = rs.get_reader()
    pending = reader.read()
    reader.release_lock()
    with pytest.raises(TypeError):
        await pending
    assert not rs.locked


async def test_2_2_release_lock_rejects_the_existing_closed_promise_while_readable() -> None:
    rs = ReadableStream(Source(manual=True))
    reader = rs.get_reader()
    closed = reader.closed
    reader.release_lock()
    assert reader.closed is closed
    with pytest.raises(TypeError):
        await closed


async def test_2_2_release_lock_replaces_a_settled_closed_promise() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    reader = rs.get_reader()
    source.controller.close()
    closed = reader.closed
    await closed
    reader.release_lock()
    assert reader.closed is not closed
    with pytest.raises(TypeError):
        await reader.closed


async def test_2_2_release_lock_twice_is_a_no_op() -> None:
    rs = ReadableStream()
    reader = rs.get_reader()
    reader.release_lock()
    reader.release_lock()
    assert not rs.locked


async def test_2_2_a_released_reader_rejects_read_and_cancel() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    reader = rs.get_reader()
    reader.release_lock()
    with pytest.raises(TypeError):
        await reader.read()
    with pytest.raises(TypeError):
        await reader.cancel()
    assert source.cancels == []


async def test_2_2_queued_chunks_stay_for_the_next_reader() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source, {"high_water_mark": 5})
    source.controller.enqueue("a")
    source.controller.enqueue("b")
    first = rs.get_reader()
    assert (await first.read()).value == "a"
    first.release_lock()
    assert (await rs.get_reader().read()).value == "b"


async def test_2_2_writer_release_lock_rejects_ready_and_closed() -> None:
    ws = WritableStream()
    writer = ws.get_writer()
    ready = writer.ready
    await ready
    closed = writer.closed
    writer.release_lock()
    assert writer.ready is not ready
    assert writer.closed is closed
    with pytest.raises(TypeError):
        await writer.ready
    with pytest.raises(TypeError):
        await writer.closed


async def test_2_2_writer_release_lock_lets_writes_in_flight_carry_on() -> None:
    sink = Sink(held=True)
    ws = WritableStream(sink)
    writer = ws.get_writer()
    await flush_async_events()
    written = writer.write("a")
    await flush_async_events()
    writer.release_lock()
    sink.release()
    assert await written is None
    assert sink.chunks == ["a"]


async def test_2_2_desired_size_on_a_released_writer_raises_type_error() -> None:
    ws = WritableStream()
    writer = ws.get_writer()
    writer.release_lock()
    with pytest.raises(TypeError):
        _ = writer.desired_size


@pytest.mark.parametrize("method", ["write", "close", "abort"])
async def test_2_2_a_released_writer_rejects_write_close_and_abort(method: str) -> None:
    sink = Sink()
    ws = WritableStream(sink)
    writer = ws.get_writer()
    writer.release_lock()
    call = getattr(writer, method)
    with pytest.raises(TypeError):
        await (call("x") if method == "write" else call())
    assert sink.log == []


async def test_2_2_a_closed_stream_can_be_locked_with_closed_resolved() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    source.controller.close()
    reader = rs.get_reader()
    assert await reader.closed is None
    assert await reader.read() == ReadResult(None, True)


async def test_2_2_an_errored_stream_can_be_locked_with_closed_rejected() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    boom = RuntimeError("x")
    source.controller.error(boom)
    reader = rs.get_reader()
    with pytest.raises(RuntimeError) as caught:
        await reader.closed
    assert caught.value is boom


async def test_2_2_a_closed_or_errored_writable_can_be_locked() -> None:
    closed_ws = WritableStream()
    await closed_ws.close()
    assert await closed_ws.get_writer().closed is None
    errored_ws = WritableStream({"start": lambda c: c.error(ValueError("e"))})
    await flush_async_events()
    with pytest.raises(ValueError):
        await errored_ws.get_writer().closed


async def test_2_2_an_invalid_source_type_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        ReadableStream({"type": "potato"})


async def test_2_2_an_invalid_reader_mode_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        ReadableStream({"type": "bytes"}).get_reader(mode="potato")


async def test_2_2_a_byob_reader_needs_a_byte_stream() -> None:
    with pytest.raises(TypeError):
        ReadableStream().get_reader(mode="byob")
