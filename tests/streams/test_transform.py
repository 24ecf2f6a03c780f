"""Transform and PassThrough (R-TR-1, R-TR-2, backpressure, flush, final, HWM 0)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from _writable_helpers import closed, loop_turns, record

from rillet import PassThrough, Readable, Transform, Writable, once, pipeline
from rillet._core import next_tick
from rillet.errors import NodeError

Callback = Callable[..., Any]


def upper(_s: Any, chunk: bytes, _enc: str, cb: Callback) -> None:
    cb(None, chunk.upper())


# -- R-TR-1 ------------------------------------------------------------------------------------


async def test_r_tr_1_outputs_then_flush_then_end() -> None:
    def flush(stream: Any, cb: Callback) -> None:
        stream.push(b"flush-1")
        cb(None, b"flush-2")

    t = Transform(transform=upper, flush=flush)
    events = record(t, "data", "end", "close")
    t.write(b"a")
    t.write(b"b")
    t.end(b"c")
    await closed(t)
    assert events == [
        "data:A",
        "data:B",
        "data:C",
        "data:flush-1",
        "data:flush-2",
        "end",
        "close",
    ]


async def test_r_tr_1_flush_runs_after_every_write_is_transformed() -> None:
    log: list[str] = []
    pending: list[Callback] = []

    def transform(_s: Any, chunk: bytes, _e: str, cb: Callback) -> None:
        log.append(f"transform:{chunk.decode()}")
        pending.append(lambda: cb(None, chunk))

    def flush(_s: Any, cb: Callback) -> None:
        log.append("flush")
        cb()

    t = Transform(transform=transform, flush=flush)
    t.resume()
    t.write(b"a")
    t.end(b"b")
    await loop_turns()
    assert log == ["transform:a"]
    pending.pop(0)()
    assert log == ["transform:a", "transform:b"]
    pending.pop(0)()
    assert log == ["transform:a", "transform:b", "flush"]
    await closed(t)


async def test_r_tr_1_finish_waits_for_flush_callback() -> None:
    pending: list[Callback] = []
    t = Transform(transform=upper, flush=lambda _s, cb: pending.append(cb))
    events = record(t, "prefinish", "finish", "end")
    t.resume()
    t.end(b"x")
    await loop_turns()
    assert events == []
    pending[0]()
    await closed(t)
    assert "finish" in events and "end" in events
    assert events.index("prefinish") < events.index("finish")


async def test_r_tr_1_unconsumed_transform_finishes_but_never_ends() -> None:
    t = PassThrough()
    events = record(t, "finish", "end", "close")
    t.end(b"small")
    await once(t, "finish")
    await loop_turns()
    assert events == ["finish"]
    assert t.readable_length == 5
    assert not t.destroyed


async def test_r_tr_1_flush_error() -> None:
    t = Transform(transform=upper, flush=lambda _s, cb: cb(NodeError("flush", code="EFLUSH")))
    events = record(t, "error", "finish", "end", "close")
    t.resume()
    t.end(b"x")
    await closed(t)
    assert events == ["error:EFLUSH", "close"]


async def test_r_tr_1_transform_error() -> None:
    t = Transform(transform=lambda _s, _c, _e, cb: cb(NodeError("bad", code="EBAD")))
    events = record(t, "error", "finish", "end", "close")
    results: list[Any] = []
    t.write(b"x", lambda e=None: results.append(getattr(e, "code", e)))
    await closed(t)
    assert results == ["EBAD"]
    assert events == ["error:EBAD", "close"]


async def test_r_tr_1_missing_transform_throws() -> None:
    t = Transform()
    with pytest.raises(Exception) as info:
        t.end(b"blerg")
    assert getattr(info.value, "code", None) == "ERR_METHOD_NOT_IMPLEMENTED"
    assert str(info.value) == "The _transform() method is not implemented"


async def test_r_tr_1_transform_may_push_many_times() -> None:
    def split(stream: Any, chunk: bytes, _e: str, cb: Callback) -> None:
        for byte in chunk:
            stream.push(bytes([byte]))
        cb()

    t = Transform(transform=split)
    events = record(t, "data", "end")
    t.end(b"abc")
    await once(t, "end")
    assert events == ["data:a", "data:b", "data:c", "end"]


async def test_r_tr_1_none_data_pushes_nothing() -> None:
    t = Transform(transform=lambda _s, _c, _e, cb: cb(None, None), object_mode=True)
    items: list[Any] = []
    t.on("data", items.append)
    t.write("a")
    t.end("b")
    await once(t, "end")
    assert items == []


async def test_r_tr_1_transform_ending_the_readable_side_early() -> None:
    def transform(stream: Any, chunk: bytes, _e: str, cb: Callback) -> None:
        stream.push(chunk)
        stream.push(None)
        cb()

    t = Transform(transform=transform)
    events = record(t, "data", "end", "finish")
    done: list[Any] = []
    t.write(b"only", lambda e=None: done.append(e))
    assert done == []
    await once(t, "end")
    assert events == ["data:only", "end"]
    assert done == [None]


# -- R-TR-2 ------------------------------------------------------------------------------------


async def test_r_tr_2_close_after_both_end_and_finish() -> None:
    t = PassThrough()
    events = record(t, "end", "finish", "close")
    t.resume()
    t.end(b"x")
    await closed(t)
    assert sorted(events[:2]) == ["end", "finish"]
    assert events[2:] == ["close"]


async def test_r_tr_2_close_after_both_with_a_data_consumer() -> None:
    t = Transform(transform=upper)
    events = record(t, "data", "prefinish", "end", "finish", "close")
    t.write(b"a")
    t.end()
    await closed(t)
    assert events[0] == "data:A"
    assert events[-1] == "close"
    assert events.index("prefinish") < events.index("finish")
    assert {"end", "finish"} <= set(events)


# -- backpressure -------------------------------------------------------------------------------


async def test_transform_holds_the_write_callback_while_readable_side_is_full() -> None:
    t = PassThrough(high_water_mark=4)
    done: list[str] = []
    assert t.write(b"aaaa", lambda e=None: done.append("a")) is False
    t.write(b"bb", lambda e=None: done.append("b"))
    await loop_turns()
    assert done == []
    assert t.readable_length == 4
    assert t.writable_length == 6
    assert t.read(4) == b"aaaa"  # _read releases the held callback
    await loop_turns()
    assert done == ["a", "b"]
    assert t.readable_length == 2
    assert t.writable_length == 0


async def test_transform_backpressure_reaches_the_writer() -> None:
    t = Transform(transform=upper, high_water_mark=2, object_mode=True)
    writes = [t.write(b"x") for _ in range(6)]
    assert writes[:1] == [True]
    assert False in writes
    await loop_turns()
    assert t.readable_length == 2
    assert t.writable_length == 5  # one held in _write plus four buffered
    drained = asyncio.get_running_loop().create_future()
    t.once("drain", lambda: drained.set_result(None))
    items = []
    while len(items) < 6:
        item = t.read()
        if item is None:
            await once(t, "readable")
        else:
            items.append(item)
    await drained
    assert items == [b"X"] * 6


async def test_transform_readable_hwm_0_sets_writable_hwm_0() -> None:
    t = Transform(transform=upper, readable_high_water_mark=0)
    assert t.readable_high_water_mark == 0
    assert t.writable_high_water_mark == 0
    u = Transform(transform=upper, readable_high_water_mark=0, writable_high_water_mark=3)
    assert u.writable_high_water_mark == 3


async def test_transform_high_water_mark_beats_readable_hwm_0() -> None:
    t = Transform(transform=upper, high_water_mark=5, readable_high_water_mark=0)
    assert t.readable_high_water_mark == 5
    assert t.writable_high_water_mark == 5
    z = Transform(transform=upper, high_water_mark=0)
    assert (z.readable_high_water_mark, z.writable_high_water_mark) == (0, 0)


async def test_transform_with_hwm_0_still_moves_data() -> None:
    t = Transform(transform=upper, readable_high_water_mark=0)
    received: list[bytes] = []
    sink = Writable(write=lambda _s, chunk, _e, cb: (received.append(chunk), cb()))
    await pipeline(Readable.from_([b"a", b"b", b"c"], object_mode=False), t, sink)
    assert received == [b"A", b"B", b"C"]


# -- _final and _flush ---------------------------------------------------------------------------


async def test_transform_with_user_final_runs_flush_on_prefinish() -> None:
    log: list[str] = []

    def final(_s: Any, cb: Callback) -> None:
        log.append("final")
        cb()

    def flush(stream: Any, cb: Callback) -> None:
        log.append("flush")
        cb(None, b"tail")

    t = Transform(transform=upper, final=final, flush=flush)
    t.on("prefinish", lambda: log.append("prefinish"))
    t.on("data", lambda chunk: log.append(f"data:{chunk.decode()}"))
    t.on("end", lambda: log.append("end"))
    t.end(b"x")
    await closed(t)
    assert log[:1] == ["data:X"]
    assert log.index("final") < log.index("flush") < log.index("prefinish")
    assert log.index("data:tail") < log.index("end")


async def test_transform_subclass_overriding_final() -> None:
    log: list[str] = []

    class Framed(Transform):
        def _transform(self, chunk: Any, encoding: str, callback: Callback) -> None:
            callback(None, chunk)

        def _final(self, callback: Callback) -> None:
            log.append("final")
            callback()

        def _flush(self, callback: Callback) -> None:
            log.append("flush")
            callback(None, b"]")

    t = Framed()
    chunks: list[bytes] = []
    t.on("data", chunks.append)
    t.end(b"[x")
    await once(t, "end")
    assert log == ["final", "flush"]
    assert chunks == [b"[x", b"]"]


async def test_transform_flush_not_called_after_destroy() -> None:
    log: list[str] = []
    pending: list[Callback] = []
    t = Transform(
        transform=lambda _s, _c, _e, cb: pending.append(cb),
        flush=lambda _s, cb: (log.append("flush"), cb()),
    )
    t.end(b"x")
    t.destroy()
    pending.pop()()
    await closed(t)
    assert log == []


async def test_transform_without_flush_ends_after_writes() -> None:
    t = Transform(transform=upper)
    events = record(t, "data", "end")
    t.end(b"z")
    await once(t, "end")
    assert events == ["data:Z", "end"]


# -- PassThrough ------------------------------------------------------------------------------


async def test_passthrough_passes_chunks_unchanged() -> None:
    p = PassThrough()
    events = record(p, "data", "end", "finish", "close")
    p.write(b"one")
    p.write("two")
    p.end(b"three")
    await closed(p)
    assert events[:3] == ["data:one", "data:two", "data:three"]
    assert events[-1] == "close"


async def test_passthrough_object_mode_and_encoding() -> None:
    p = PassThrough(object_mode=True)
    p.write({"a": 1})
    p.end([2])
    assert p.read() == {"a": 1}
    assert p.read() == [2]
    q = PassThrough(encoding="utf8")
    q.end("é".encode())
    assert q.read() == "é"


async def test_passthrough_subclass_with_transform_is_used() -> None:
    class Doubler(PassThrough):
        def _transform(self, chunk: Any, encoding: str, callback: Callback) -> None:
            callback(None, chunk * 2)

    d = Doubler()
    d.end(b"ab")
    assert d.read() == b"abab"
    k = PassThrough(transform=upper)
    k.end(b"ab")
    assert k.read() == b"AB"


async def test_passthrough_chain_in_pipeline() -> None:
    received: list[bytes] = []
    sink = Writable(write=lambda _s, chunk, _e, cb: (received.append(chunk), cb()))
    source = Readable.from_([b"x" * 1000] * 50, object_mode=False)
    await pipeline(source, PassThrough(), PassThrough(high_water_mark=16), sink)
    assert b"".join(received) == b"x" * 50000


async def test_transform_full_order_with_async_final_and_flush() -> None:
    loop = asyncio.get_running_loop()
    log: list[str] = []

    def transform(stream: Any, chunk: int, _e: str, cb: Callback) -> None:
        log.append(f"transform:{chunk}")
        stream.push(chunk)
        next_tick(cb)

    def final(_s: Any, cb: Callback) -> None:
        log.append("final")
        loop.call_soon(lambda: (log.append("final done"), cb()))

    def flush(_s: Any, cb: Callback) -> None:
        log.append("flush")
        next_tick(lambda: (log.append("flush done"), cb()))

    t = Transform(object_mode=True, transform=transform, final=final, flush=flush)
    t.on("data", lambda d: log.append(f"data:{d}"))
    t.on("finish", lambda: log.append("finish"))
    t.on("end", lambda: log.append("end"))
    t.write(1)
    t.write(4)
    t.end(7, lambda err=None: log.append("end-cb"))
    await closed(t)
    assert log == [
        "transform:1",
        "data:1",
        "transform:4",
        "data:4",
        "transform:7",
        "data:7",
        "final",
        "final done",
        "flush",
        "flush done",
        "end-cb",
        "finish",
        "end",
    ]
