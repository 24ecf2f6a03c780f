"""The bridges: ``to_web``/``from_web`` on Readable, Writable and Duplex, ``finished()``
on web streams, and web streams in ``pipeline()``: bytes, order, backpressure (counted
pulls), and errors and cancellation in both directions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from web_helpers import Sink, Source, flush_async_events

from rillet import (
    AbortController,
    Duplex,
    PassThrough,
    Readable,
    Writable,
    finished,
    once,
    pipeline,
)
from rillet.errors import AbortError
from rillet.web import (
    CountQueuingStrategy,
    ReadableStream,
    TransformStream,
    WritableStream,
)

Callback = Callable[..., Any]


class CountingReadable(Readable):
    """Pushes ``count`` chunks of ``size`` bytes, one per ``_read``, counting calls."""

    def __init__(self, count: int, size: int = 10, **options: Any) -> None:
        super().__init__(**options)
        self.count = count
        self.size = size
        self.reads = 0

    def _read(self, size: int) -> None:
        self.reads += 1
        if self.reads > self.count:
            self.push(None)
        else:
            self.push(bytes([self.reads % 256]) * self.size)


class HeldWritable(Writable):
    """Keeps each write callback until the test releases it."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.chunks: list[Any] = []
        self.callbacks: list[Callback] = []

    def _write(self, chunk: Any, encoding: str, callback: Callback) -> None:
        self.chunks.append(chunk)
        self.callbacks.append(callback)

    def release_all(self) -> None:
        while self.callbacks:
            self.callbacks.pop(0)()


def closed(stream: Any) -> asyncio.Future[None]:
    """A Future resolved on the stream's ``'close'`` (errors are the test's business)."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    stream.on("close", lambda *_: future.done() or future.set_result(None))
    return future


def expected_bytes(count: int, size: int = 10) -> bytes:
    return b"".join(bytes([n % 256]) * size for n in range(1, count + 1))


# -- Readable.to_web ------------------------------------------------------------------


async def test_readable_to_web_keeps_bytes_and_order_as_memoryviews() -> None:
    rs = Readable.to_web(CountingReadable(50))
    chunks = [chunk async for chunk in rs]
    assert all(isinstance(chunk, memoryview) for chunk in chunks)
    assert b"".join(bytes(chunk) for chunk in chunks) == expected_bytes(50)


async def test_readable_to_web_passes_objects_in_object_mode() -> None:
    items = [{"n": 1}, {"n": 2}]
    rs = Readable.to_web(Readable.from_(items))
    assert [chunk async for chunk in rs] == items


async def test_readable_to_web_does_not_read_ahead_of_a_slow_consumer() -> None:
    node = CountingReadable(10_000, size=100, high_water_mark=1000)
    rs = Readable.to_web(node)
    reader = rs.get_reader()
    for _ in range(5):
        await reader.read()
        await flush_async_events()
    # At most the Readable's mark plus the web queue's mark (both 1000 bytes).
    assert node.reads * 100 <= 5 * 100 + 2 * 1000 + 200
    await reader.cancel()


async def test_readable_to_web_byte_stream_serves_byob_reads() -> None:
    rs = Readable.to_web(Readable.from_([b"hello ", b"world"], object_mode=False), type="bytes")
    reader = rs.get_reader(mode="byob")
    buffer = bytearray(64)
    got = b""
    while True:
        result = await reader.read(memoryview(buffer)[len(got) :])
        if result.done:
            break
        got += bytes(result.value)
    assert got == b"hello world"


async def test_readable_to_web_node_error_errors_the_web_stream() -> None:
    node = Readable(read=lambda stream, size: None)
    rs = Readable.to_web(node)
    reader = rs.get_reader()
    pending = reader.read()
    boom = RuntimeError("node failed")
    node.destroy(boom)
    with pytest.raises(RuntimeError) as caught:
        await pending
    assert caught.value is boom


async def test_readable_to_web_premature_close_is_an_abort_error() -> None:
    node = Readable(read=lambda stream, size: None)
    rs = Readable.to_web(node)
    node.destroy()
    with pytest.raises(AbortError):
        await rs.get_reader().read()


async def test_readable_to_web_cancel_destroys_the_readable() -> None:
    node = CountingReadable(100)
    rs = Readable.to_web(node)
    reason = ValueError("enough")
    done = closed(node)
    errors: list[BaseException] = []
    node.on("error", errors.append)
    await rs.cancel(reason)
    await done
    assert node.destroyed and errors == [reason]


async def test_readable_to_web_of_a_destroyed_readable_is_closed() -> None:
    node = CountingReadable(1)
    node.destroy()
    rs = Readable.to_web(node)
    assert [chunk async for chunk in rs] == []


# -- Readable.from_web ----------------------------------------------------------------


async def test_readable_from_web_keeps_bytes_and_order() -> None:
    data = [bytes([n]) * 7 for n in range(40)]
    node = Readable.from_web(ReadableStream.from_(data))
    assert b"".join([chunk async for chunk in node]) == b"".join(data)


async def test_readable_from_web_locks_the_web_stream() -> None:
    rs = ReadableStream.from_([b"a"])
    Readable.from_web(rs)
    assert rs.locked
    with pytest.raises(TypeError):
        Readable.from_web(rs)


async def test_readable_from_web_pulls_only_what_the_readable_wants() -> None:
    source = Source([b"x" * 100] * 1000)
    rs = ReadableStream(source, CountQueuingStrategy(1))
    node = Readable.from_web(rs, high_water_mark=300)
    await flush_async_events()
    node.read(100)
    await flush_async_events()
    # The Readable buffers up to its mark (3 chunks) and the web queue holds one more.
    assert source.pulls <= 3 + 1 + 2
    node.destroy()


async def test_readable_from_web_web_error_destroys_the_readable() -> None:
    source = Source(manual=True)
    node = Readable.from_web(ReadableStream(source))
    node.resume()
    errored = once(node, "error")
    boom = RuntimeError("web failed")
    source.controller.error(boom)
    assert (await errored)[0] is boom


async def test_readable_from_web_destroy_cancels_the_web_stream() -> None:
    source = Source(manual=True)
    node = Readable.from_web(ReadableStream(source))
    boom = RuntimeError("stop")
    node.on("error", lambda _e: None)
    node.destroy(boom)
    await closed(node)
    assert source.cancels == [boom]


# -- Writable.to_web ------------------------------------------------------------------


async def test_writable_to_web_writes_reach_the_writable_in_order() -> None:
    got: list[bytes] = []
    node = Writable(write=lambda stream, chunk, encoding, callback: (got.append(chunk), callback()))
    ws = Writable.to_web(node)
    writer = ws.get_writer()
    for n in range(20):
        await writer.write(bytes([n]))
    await writer.close()
    assert got == [bytes([n]) for n in range(20)]
    assert node.writable_finished


async def test_writable_to_web_waits_for_drain() -> None:
    node = HeldWritable(high_water_mark=4)
    ws = Writable.to_web(node)
    writer = ws.get_writer()
    writes = [writer.write(b"ab") for _ in range(10)]
    await flush_async_events()
    # The Writable took two chunks before backpressure; the web queue holds the rest.
    assert len(node.chunks) == 1 and node.writable_length <= 4
    assert writer.desired_size is not None and writer.desired_size <= 0
    for _ in range(20):
        node.release_all()
        await flush_async_events()
    await asyncio.gather(*writes)
    assert b"".join(node.chunks) == b"ab" * 10


async def test_writable_to_web_counts_bytes_against_the_byte_high_water_mark() -> None:
    # Node counts chunks against the byte mark here; rillet counts bytes.
    node = HeldWritable(high_water_mark=16)
    writer = Writable.to_web(node).get_writer()
    assert writer.desired_size == 16
    writer.write(b"abcd")
    assert writer.desired_size == 12
    node.release_all()


async def test_writable_to_web_abort_destroys_the_writable() -> None:
    node = HeldWritable()
    errors: list[BaseException] = []
    node.on("error", errors.append)
    ws = Writable.to_web(node)
    reason = ValueError("abort")
    await ws.abort(reason)
    await flush_async_events()
    assert node.destroyed and errors == [reason]


async def test_writable_to_web_node_error_errors_the_web_stream() -> None:
    node = HeldWritable()
    node.on("error", lambda _e: None)
    ws = Writable.to_web(node)
    writer = ws.get_writer()
    boom = RuntimeError("node failed")
    node.destroy(boom)
    with pytest.raises(RuntimeError) as caught:
        await writer.closed
    assert caught.value is boom


async def test_writable_to_web_a_refused_chunk_fails_both_sides() -> None:
    node = HeldWritable()
    errors: list[BaseException] = []
    node.on("error", errors.append)
    writer = Writable.to_web(node).get_writer()
    with pytest.raises(TypeError):
        await writer.write([1, 2])  # has a length, but is not bytes
    await flush_async_events()
    assert node.destroyed and isinstance(errors[0], TypeError)
    with pytest.raises(TypeError):
        await writer.closed


async def test_writable_to_web_of_an_ended_writable_is_closed() -> None:
    node = Writable(write=lambda stream, chunk, encoding, callback: callback())
    node.end()
    ws = Writable.to_web(node)
    await flush_async_events()
    assert ws._state == "closed"


# -- Writable.from_web ----------------------------------------------------------------


async def test_writable_from_web_writes_reach_the_sink_and_end_closes_it() -> None:
    sink = Sink()
    node = Writable.from_web(WritableStream(sink))
    for n in range(5):
        node.write(bytes([n]))
    node.end("!")
    await finished(node)
    assert [bytes(c) for c in sink.chunks] == [bytes([n]) for n in range(5)] + [b"!"]
    assert sink.log[-1] == ("close", None)


async def test_writable_from_web_backpressure_comes_from_the_web_sink() -> None:
    sink = Sink(held=True)
    node = Writable.from_web(WritableStream(sink), high_water_mark=3)
    results = [node.write(b"a") for _ in range(5)]
    assert results[:2] == [True, True] and results[-1] is False
    await flush_async_events()
    assert len(sink.chunks) == 1  # one web write at a time
    for _ in range(10):
        while sink.pending:
            sink.release()
        await flush_async_events()
    assert len(sink.chunks) == 5
    node.end()
    await finished(node)


async def test_writable_from_web_destroy_aborts_the_web_stream() -> None:
    sink = Sink()
    node = Writable.from_web(WritableStream(sink))
    node.on("error", lambda _e: None)
    boom = RuntimeError("destroy")
    node.destroy(boom)
    await closed(node)
    assert sink.log == [("abort", boom)]


async def test_writable_from_web_web_error_destroys_the_writable() -> None:
    sink = Sink()
    node = Writable.from_web(WritableStream(sink))
    errored = once(node, "error")
    await flush_async_events()
    boom = RuntimeError("sink failed")
    sink.controller.error(boom)
    assert (await errored)[0] is boom


async def test_writable_from_web_a_failed_web_write_fails_the_write_callback() -> None:
    boom = RuntimeError("write failed")

    def write(_chunk: Any, _controller: Any) -> None:
        raise boom

    node = Writable.from_web(WritableStream({"write": write}))
    node.on("error", lambda _e: None)
    done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    node.write(b"x", callback=done.set_result)
    assert await done is boom


# -- Duplex ---------------------------------------------------------------------------


async def test_duplex_from_web_transform_stream_round_trip() -> None:
    ts = TransformStream({"transform": lambda chunk, c: c.enqueue(bytes(chunk).upper())})
    duplex = Duplex.from_web(ts)
    duplex.write(b"abc")
    duplex.end(b"def")
    assert b"".join([chunk async for chunk in duplex]) == b"ABCDEF"


async def test_duplex_from_web_destroy_aborts_and_cancels_both_sides() -> None:
    source = Source(manual=True)
    sink = Sink()
    duplex = Duplex.from_web({"readable": ReadableStream(source), "writable": WritableStream(sink)})
    duplex.on("error", lambda _e: None)
    boom = RuntimeError("both")
    duplex.destroy(boom)
    await closed(duplex)
    assert source.cancels == [boom]
    assert sink.log == [("abort", boom)]


async def test_duplex_to_web_round_trip() -> None:
    pair = Duplex.to_web(PassThrough())
    writer = pair["writable"].get_writer()
    reader = pair["readable"].get_reader()
    writer.write(b"one")
    writer.close()
    got = b""
    while not (result := await reader.read()).done:
        got += bytes(result.value)
    assert got == b"one"


# -- finished() on web streams --------------------------------------------------------


async def test_finished_resolves_when_a_readable_stream_closes_without_locking_it() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    done = finished(rs)
    assert not rs.locked
    source.controller.close()
    assert await done is None


async def test_finished_rejects_when_a_web_stream_errors() -> None:
    sink = Sink()
    ws = WritableStream(sink)
    done = finished(ws)
    await flush_async_events()
    boom = RuntimeError("sink")
    sink.controller.error(boom)
    with pytest.raises(RuntimeError) as caught:
        await done
    assert caught.value is boom


async def test_finished_on_a_transform_stream_waits_for_both_sides() -> None:
    ts = TransformStream(None, None, CountQueuingStrategy(1))
    done = finished(ts)
    writer = ts.writable.get_writer()
    writer.write("queued")
    await writer.close()
    await flush_async_events()
    assert not done.done()  # the readable side still holds a chunk
    reader = ts.readable.get_reader()
    assert (await reader.read()).value == "queued"
    assert await done is None


async def test_finished_on_a_web_stream_honours_the_signal() -> None:
    controller = AbortController()
    done = finished(ReadableStream(Source(manual=True)), signal=controller.signal)
    controller.abort()
    with pytest.raises(AbortError):
        await done


# -- pipeline() with web streams ------------------------------------------------------


async def test_pipeline_readable_stream_transform_stream_writable() -> None:
    got: list[bytes] = []
    sink = Writable(write=lambda stream, chunk, encoding, callback: (got.append(chunk), callback()))
    await pipeline(
        ReadableStream.from_([b"a", b"b", b"c"]),
        TransformStream({"transform": lambda chunk, c: c.enqueue(bytes(chunk) * 2)}),
        sink,
    )
    assert b"".join(got) == b"aabbcc"


async def test_pipeline_readable_into_writable_stream() -> None:
    sink = Sink()
    await pipeline(Readable.from_([b"x", b"y"]), WritableStream(sink))
    assert [bytes(c) for c in sink.chunks] == [b"x", b"y"]
    assert sink.log[-1] == ("close", None)


async def test_pipeline_rejects_with_a_web_stage_error() -> None:
    boom = RuntimeError("transform failed")

    def transform(_chunk: Any, _controller: Any) -> None:
        raise boom

    with pytest.raises(RuntimeError) as caught:
        await pipeline(
            Readable.from_([b"a"]),
            TransformStream({"transform": transform}),
            Writable(write=lambda stream, chunk, encoding, callback: callback()),
        )
    assert caught.value is boom


async def test_pipeline_error_aborts_the_web_destination() -> None:
    sink = Sink()
    boom = RuntimeError("source failed")

    async def failing() -> Any:
        yield b"a"
        raise boom

    with pytest.raises(RuntimeError):
        await pipeline(failing(), WritableStream(sink))
    await flush_async_events()
    assert sink.log[0] == ("write", b"a") and sink.log[-1][0] == "abort"


async def test_round_trip_node_to_web_to_node_keeps_bytes_and_errors() -> None:
    node = CountingReadable(200, size=33)
    back = Readable.from_web(Readable.to_web(node))
    assert b"".join([chunk async for chunk in back]) == expected_bytes(200, 33)
    failing = Readable(read=lambda stream, size: None)
    back = Readable.from_web(Readable.to_web(failing))
    errored = once(back, "error")
    back.resume()
    boom = RuntimeError("deep")
    failing.destroy(boom)
    assert (await errored)[0] is boom
