"""Reference §2.9, "Timing model": what happens inside a call, and handled promises."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

from web_helpers import Sink, Source, flush_async_events

from rillet.web import CountQueuingStrategy, ReadableStream, TransformStream, WritableStream


async def test_2_9_pull_is_invoked_inside_read() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source, CountQueuingStrategy(0))
    await flush_async_events()
    rs.get_reader().read()
    assert source.pulls == 1
    source.controller.close()


async def test_2_9_desired_size_and_backpressure_update_inside_write() -> None:
    ws = WritableStream(Sink(held=True), CountQueuingStrategy(1))
    writer = ws.get_writer()
    writer.write("a")
    assert writer.desired_size == 0
    assert not writer.ready.done()


async def test_2_9_desired_size_updates_inside_enqueue() -> None:
    source = Source(manual=True)
    ReadableStream(source, CountQueuingStrategy(2))
    source.controller.enqueue("a")
    assert source.controller.desired_size == 1


async def test_2_9_ready_resolves_inside_close() -> None:
    ws = WritableStream(Sink(held=True), CountQueuingStrategy(1))
    writer = ws.get_writer()
    writer.write("a")
    ready = writer.ready
    writer.close()
    assert ready.done()


async def test_2_9_a_sink_write_has_been_called_when_write_returns() -> None:
    sink = Sink()
    ws = WritableStream(sink)
    await flush_async_events()
    ws.get_writer().write("now")
    assert sink.chunks == ["now"]


async def test_2_9_promises_are_asyncio_futures_on_the_running_loop() -> None:
    loop = asyncio.get_running_loop()
    rs = ReadableStream(Source(["a"]))
    reader = rs.get_reader()
    ws = WritableStream()
    writer = ws.get_writer()
    futures = [reader.read(), reader.closed, writer.ready, writer.closed, writer.write("x")]
    for future in futures:
        assert isinstance(future, asyncio.Future)
        assert future.get_loop() is loop
    await writer.close()
    await asyncio.gather(*futures)


async def test_2_9_handled_promises_never_report_to_the_loop(
    loop_errors: list[dict[str, Any]],
) -> None:
    # reader.closed on error and on release, ready/closed rejections, pipe_through.
    source = Source(manual=True)
    rs = ReadableStream(source)
    reader = rs.get_reader()
    _ = reader.closed
    source.controller.error(RuntimeError("reader closed"))
    released = ReadableStream().get_reader()
    _ = released.closed
    released.release_lock()
    ws = WritableStream()
    writer = ws.get_writer()
    _ = writer.ready, writer.closed
    await ws_abort(writer)
    failing = Source(manual=True)
    ReadableStream(failing).pipe_through(TransformStream())
    failing.controller.error(RuntimeError("pipe through"))
    await flush_async_events()
    del reader, released, writer
    gc.collect()
    await flush_async_events()
    assert loop_errors == []


async def ws_abort(writer: Any) -> None:
    await writer.abort(RuntimeError("abort"))


async def test_2_9_an_ignored_rejected_write_is_reported_like_an_unhandled_rejection(
    loop_errors: list[dict[str, Any]],
) -> None:
    ws = WritableStream({"start": lambda c: c.error(RuntimeError("errored"))})
    await flush_async_events()
    ws.get_writer().write("ignored")
    gc.collect()
    await flush_async_events()
    assert any(isinstance(c.get("exception"), RuntimeError) for c in loop_errors)
