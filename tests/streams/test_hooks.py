"""Implementer hooks as keywords and as coroutine functions; ``async with`` on a Writable."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from _writable_helpers import closed

from rillet import Duplex, PassThrough, Readable, Transform, Writable, once, pipeline
from rillet.errors import AbortError, NodeError
from rillet.streams import WriteRequest

Callback = Callable[..., Any]


def errors_of(stream: Any) -> list[Any]:
    errors: list[Any] = []
    stream.on("error", errors.append)
    return errors


# -- keyword hooks ------------------------------------------------------------------------------


async def test_keyword_hooks_are_called_with_the_stream_first() -> None:
    calls: list[tuple[str, Any]] = []

    def write(stream: Any, chunk: Any, encoding: str, cb: Callback) -> None:
        calls.append(("write", stream))
        cb()

    def final(stream: Any, cb: Callback) -> None:
        calls.append(("final", stream))
        cb()

    def destroy(stream: Any, error: Any, cb: Callback) -> None:
        calls.append(("destroy", stream))
        cb(error)

    w = Writable(write=write, final=final, destroy=destroy)
    w.end(b"x")
    await closed(w)
    assert calls == [("write", w), ("final", w), ("destroy", w)]


async def test_keyword_writev_and_construct() -> None:
    log: list[Any] = []
    w = Writable(
        construct=lambda stream, cb: (log.append(("construct", stream)), cb()),
        writev=lambda stream, chunks, cb: (log.append(("writev", list(chunks))), cb()),
    )
    w.cork()
    w.write(b"a")
    w.write(b"b")
    w.end()
    await closed(w)
    assert log == [
        ("construct", w),
        ("writev", [WriteRequest(b"a", "buffer"), WriteRequest(b"b", "buffer")]),
    ]


async def test_keyword_transform_and_flush() -> None:
    t = Transform(
        transform=lambda stream, chunk, enc, cb: cb(None, chunk[::-1]),
        flush=lambda stream, cb: cb(None, b"!"),
    )
    chunks: list[bytes] = []
    t.on("data", chunks.append)
    t.end(b"abc")
    await once(t, "end")
    assert chunks == [b"cba", b"!"]


async def test_keyword_hooks_override_subclass_methods() -> None:
    class Loud(Writable):
        def _write(self, chunk: Any, encoding: str, callback: Callback) -> None:
            raise AssertionError("the keyword wins")

    seen: list[bytes] = []
    w = Loud(write=lambda _s, chunk, _e, cb: (seen.append(chunk), cb()))  # type: ignore[misc]
    w.write(b"x")
    assert seen == [b"x"]


# -- coroutine hooks -------------------------------------------------------------------------------


async def test_async_write_and_final() -> None:
    log: list[str] = []

    async def write(_s: Any, chunk: bytes, _enc: str) -> None:
        await asyncio.sleep(0)
        log.append(f"write:{chunk.decode()}")

    async def final(_s: Any) -> None:
        await asyncio.sleep(0)
        log.append("final")

    w = Writable(write=write, final=final, high_water_mark=2)
    w.on("finish", lambda: log.append("finish"))
    w.write(b"a", lambda e=None: log.append(f"cb:a:{e}"))
    w.write(b"b")
    w.end(b"c")
    await closed(w)
    assert log == ["write:a", "cb:a:None", "write:b", "write:c", "final", "finish"]


async def test_async_write_exception_is_the_error() -> None:
    async def write(_s: Any, _chunk: bytes, _enc: str) -> None:
        raise NodeError("disk full", code="ENOSPC")

    w = Writable(write=write)
    errors = errors_of(w)
    results: list[Any] = []
    w.write(b"a", lambda e=None: results.append(e))
    await closed(w)
    assert [e.code for e in errors] == ["ENOSPC"]
    assert results == errors


async def test_async_final_exception_is_the_error() -> None:
    async def final(_s: Any) -> None:
        raise ValueError("cannot finish")

    w = Writable(write=lambda _s, _c, _e, cb: cb(), final=final)
    errors = errors_of(w)
    finished: list[str] = []
    w.on("finish", lambda: finished.append("finish"))
    w.end()
    await closed(w)
    assert [str(e) for e in errors] == ["cannot finish"]
    assert finished == []


async def test_async_writev() -> None:
    batches: list[list[WriteRequest]] = []

    async def writev(_s: Any, chunks: list[WriteRequest]) -> None:
        batches.append(list(chunks))

    w = Writable(writev=writev)
    w.cork()
    w.write(b"a")
    w.write(b"b")
    w.uncork()
    w.end()
    await closed(w)
    assert batches == [[WriteRequest(b"a", "buffer"), WriteRequest(b"b", "buffer")]]


async def test_async_transform_returning_data_and_async_flush() -> None:
    async def transform(_s: Any, chunk: bytes, _enc: str) -> bytes | None:
        await asyncio.sleep(0)
        return None if chunk == b"skip" else chunk.upper()

    async def flush(_s: Any) -> bytes:
        return b"END"

    t = Transform(transform=transform, flush=flush)
    chunks: list[bytes] = []
    t.on("data", chunks.append)
    for chunk in (b"a", b"skip", b"b"):
        t.write(chunk)
    t.end()
    await once(t, "end")
    assert chunks == [b"A", b"B", b"END"]


async def test_async_transform_exception_is_the_error() -> None:
    async def transform(_s: Any, _chunk: bytes, _enc: str) -> bytes:
        raise NodeError("bad input", code="EBADINPUT")

    t = Transform(transform=transform)
    errors = errors_of(t)
    t.write(b"x")
    await closed(t)
    assert [e.code for e in errors] == ["EBADINPUT"]


async def test_async_flush_exception_is_the_error() -> None:
    async def flush(_s: Any) -> None:
        raise NodeError("flush failed", code="EFLUSH")

    t = PassThrough(flush=flush)
    errors = errors_of(t)
    t.resume()
    t.end(b"x")
    await closed(t)
    assert [e.code for e in errors] == ["EFLUSH"]


async def test_async_subclass_methods() -> None:
    log: list[str] = []

    class Sink(Writable):
        async def _construct(self) -> None:  # type: ignore[override]
            await asyncio.sleep(0)
            log.append("construct")

        async def _write(self, chunk: Any, encoding: str) -> None:  # type: ignore[override]
            log.append(f"write:{chunk.decode()}")

        async def _final(self) -> None:
            log.append("final")

        async def _destroy(self, error: BaseException | None) -> None:  # type: ignore[override]
            log.append(f"destroy:{error}")

    s = Sink()
    s.write(b"a")
    s.end()
    await closed(s)
    assert log == ["construct", "write:a", "final", "destroy:None"]


async def test_async_transform_subclass() -> None:
    class Counter(Transform):
        def __init__(self) -> None:
            super().__init__(object_mode=True)
            self.count = 0

        async def _transform(self, chunk: Any, encoding: str) -> Any:  # type: ignore[override]
            self.count += 1
            return (self.count, chunk)

        async def _flush(self) -> Any:  # type: ignore[override]
            return ("total", self.count)

    items = [item async for item in Readable.from_(["a", "b"]).pipe(Counter())]
    assert items == [(1, "a"), (2, "b"), ("total", 2)]


async def test_async_construct_exception_is_the_error() -> None:
    async def construct(_s: Any) -> None:
        raise OSError("cannot open")

    w = Writable(construct=construct, write=lambda _s, _c, _e, cb: cb())
    errors = errors_of(w)
    await closed(w)
    assert [str(e) for e in errors] == ["cannot open"]


async def test_async_construct_delays_writes() -> None:
    log: list[str] = []
    gate = asyncio.get_running_loop().create_future()

    async def construct(_s: Any) -> None:
        await gate
        log.append("constructed")

    w = Writable(construct=construct, write=lambda _s, c, _e, cb: (log.append("write"), cb()))
    w.write(b"a")
    await asyncio.sleep(0)
    assert log == []
    gate.set_result(None)
    w.end()
    await closed(w)
    assert log == ["constructed", "write"]


async def test_async_destroy_keeps_the_error_unless_it_raises() -> None:
    async def quiet(_s: Any, _error: BaseException | None) -> None:
        await asyncio.sleep(0)

    async def loud(_s: Any, _error: BaseException | None) -> None:
        raise NodeError("cleanup failed", code="ECLEANUP")

    err = NodeError("original", code="EORIGINAL")
    a = Writable(destroy=quiet)
    a_errors = errors_of(a)
    a.destroy(err)
    b = Writable(destroy=loud)
    b_errors = errors_of(b)
    b.destroy()
    await asyncio.gather(closed(a), closed(b))
    assert a_errors == [err]
    assert [e.code for e in b_errors] == ["ECLEANUP"]


async def test_async_read() -> None:
    items = iter([b"a", b"b"])

    async def read(stream: Any, _size: int) -> None:
        await asyncio.sleep(0)
        stream.push(next(items, None))

    r = Readable(read=read)
    assert [chunk async for chunk in r] == [b"a", b"b"]


async def test_async_duplex_hooks() -> None:
    written: list[bytes] = []

    async def write(_s: Any, chunk: bytes, _enc: str) -> None:
        written.append(chunk)

    d = Duplex(write=write, read=lambda _s, _n: None)
    d.end(b"x")
    await once(d, "finish")
    assert written == [b"x"]


async def test_coroutine_hooks_in_a_pipeline() -> None:
    async def transform(_s: Any, chunk: bytes, _enc: str) -> bytes:
        await asyncio.sleep(0)
        return chunk * 2

    received: list[bytes] = []

    async def write(_s: Any, chunk: bytes, _enc: str) -> None:
        received.append(chunk)

    await pipeline(
        Readable.from_([b"a", b"b"], object_mode=False),
        Transform(transform=transform),
        Writable(write=write),
    )
    assert received == [b"aa", b"bb"]


# -- async with --------------------------------------------------------------------------------


async def test_async_with_finished_writable_closes_quietly() -> None:
    received: list[bytes] = []
    async with Writable(write=lambda _s, c, _e, cb: (received.append(c), cb())) as w:
        w.end(b"done")
        await once(w, "finish")
    assert w.destroyed and w.closed
    assert received == [b"done"]


async def test_async_with_unfinished_writable_is_aborted() -> None:
    held: list[Callback] = []
    results: list[Any] = []
    errors: list[Any] = []
    async with Writable(write=lambda _s, _c, _e, cb: held.append(cb)) as w:
        w.on("error", errors.append)
        w.write(b"a")
        w.write(b"b", lambda e=None: results.append(e))
    assert w.destroyed
    assert [type(e) for e in errors] == [AbortError]
    # The write in progress completes; the queued one then fails with the stream's error.
    held.pop()()
    assert results == errors


async def test_async_with_raises_the_stream_error() -> None:
    boom = NodeError("boom", code="EBOOM")
    with pytest.raises(NodeError) as info:
        async with Writable(write=lambda _s, _c, _e, cb: cb(boom)) as w:
            w.on("error", lambda _e: None)
            w.write(b"a")
            await closed(w)
    assert info.value is boom


async def test_async_with_keeps_the_body_exception() -> None:
    with pytest.raises(KeyError):
        async with Writable(write=lambda _s, _c, _e, cb: cb()) as w:
            w.on("error", lambda _e: None)
            raise KeyError("body")
    assert w.destroyed
