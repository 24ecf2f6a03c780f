"""Writable: end(), _final, 'prefinish'/'finish' (rules R-END-1..4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from _writable_helpers import closed, loop_turns, record

from rillet import Writable, once
from rillet.errors import NodeError

Callback = Callable[..., Any]


def logging_writable(events: list[str], **options: Any) -> Writable:
    def write(_s: Any, chunk: Any, _enc: str, cb: Callback) -> None:
        events.append(f"write:{chunk.decode()}")
        cb()

    def final(_s: Any, cb: Callback) -> None:
        events.append("final")
        cb()

    return Writable(write=write, final=final, **options)


# -- R-END-1 ----------------------------------------------------------------------------------


async def test_r_end_1_full_event_order() -> None:
    events: list[str] = []
    w = logging_writable(events)
    record(w, "prefinish", "finish", "close", into=events)
    w.write(b"a", lambda err=None: events.append("write-cb a"))
    w.end(b"b", lambda err=None: events.append("end-cb"))
    events.append("sync-end")
    await closed(w)
    assert events == [
        "write:a",
        "write:b",
        "final",
        "prefinish",
        "sync-end",
        "write-cb a",
        "end-cb",
        "finish",
        "close",
    ]


async def test_r_end_1_state_changes_synchronously() -> None:
    w = Writable(write=lambda _s, _c, _e, cb: None)
    w.write(b"a")
    assert w.writable and not w.writable_ended
    w.end()
    assert w.writable_ended
    assert not w.writable
    assert not w.writable_finished


async def test_r_end_1_finish_waits_for_pending_async_write() -> None:
    events: list[str] = []
    held: list[Callback] = []
    w = Writable(write=lambda _s, _c, _e, cb: held.append(cb))
    record(w, "prefinish", "finish", "close", into=events)
    w.write(b"a", lambda err=None: events.append("cb:a"))
    w.end()
    await loop_turns()
    assert events == []
    held.pop()()
    await closed(w)
    assert events == ["cb:a", "prefinish", "finish", "close"]
    assert w.writable_finished


async def test_r_end_1_final_called_once_and_can_be_async() -> None:
    finals: list[Callback] = []
    events: list[str] = []
    w = Writable(write=lambda _s, _c, _e, cb: cb(), final=lambda _s, cb: finals.append(cb))
    record(w, "prefinish", "finish", "close", into=events)
    w.end(b"x")
    w.end()
    await loop_turns()
    assert len(finals) == 1
    assert events == []
    finals[0]()
    assert events == ["prefinish"]
    await closed(w)
    assert events == ["prefinish", "finish", "close"]


async def test_r_end_1_finish_is_on_a_later_tick_than_end_without_final() -> None:
    events: list[str] = []
    w = Writable(write=lambda _s, _c, _e, cb: cb())
    record(w, "prefinish", "finish", into=events)
    w.end()
    events.append("sync")
    await once(w, "finish")
    assert events == ["prefinish", "sync", "finish"]


async def test_end_with_a_callable_first_argument() -> None:
    results: list[Any] = []
    w = Writable(write=lambda _s, _c, _e, cb: cb())
    w.end(lambda err=None: results.append(err))
    await once(w, "finish")
    await loop_turns()
    assert results == [None]


async def test_end_with_chunk_encoding_and_callback() -> None:
    seen: list[Any] = []
    results: list[Any] = []
    w = Writable(write=lambda _s, chunk, _e, cb: (seen.append(chunk), cb()))
    w.end("ff", "hex", lambda err=None: results.append(err))
    await once(w, "finish")
    assert seen == [b"\xff"]
    assert results == [None]


async def test_end_chunk_and_callback() -> None:
    seen: list[Any] = []
    results: list[Any] = []
    w = Writable(write=lambda _s, chunk, _e, cb: (seen.append(chunk), cb()))
    w.end("last", lambda err=None: results.append(err))
    await closed(w)
    assert seen == [b"last"]
    assert results == [None]


# -- R-END-2 ----------------------------------------------------------------------------------


async def test_r_end_2_finish_after_every_write_callback() -> None:
    events: list[str] = []
    held: list[Callback] = []
    w = Writable(write=lambda _s, _c, _e, cb: held.append(cb), high_water_mark=1)
    record(w, "finish", into=events)
    for name in "abc":
        w.write(name, lambda err=None, name=name: events.append(f"cb:{name}"))
    w.end()
    finished = closed(w, "finish")
    while held:
        held.pop(0)()
        await loop_turns(1)
    await finished
    assert events == ["cb:a", "cb:b", "cb:c", "finish"]


async def test_r_end_2_no_finish_after_error(loop_errors: list[Any]) -> None:
    events: list[str] = []
    held: list[Callback] = []
    w = Writable(write=lambda _s, _c, _e, cb: held.append(cb))
    record(w, "error", "prefinish", "finish", "close", into=events)
    w.write(b"a")
    w.end()
    held.pop()(NodeError("bad", code="EBAD"))
    await closed(w)
    assert events == ["error:EBAD", "close"]
    assert not w.writable_finished
    assert not loop_errors


async def test_r_end_2_no_finish_after_error_without_auto_destroy() -> None:
    events: list[str] = []
    held: list[Callback] = []
    w = Writable(write=lambda _s, _c, _e, cb: held.append(cb), auto_destroy=False)
    record(w, "error", "prefinish", "finish", "close", into=events)
    w.write(b"a")
    w.end()
    held.pop()(NodeError("bad", code="EBAD"))
    await loop_turns()
    assert events == ["error:EBAD"]
    assert not w.destroyed


# -- R-END-3 ----------------------------------------------------------------------------------


async def test_r_end_3_end_twice_before_finish_calls_both_callbacks() -> None:
    events: list[str] = []
    held: list[Callback] = []
    w = Writable(write=lambda _s, _c, _e, cb: held.append(cb))
    record(w, "finish", into=events)
    w.write(b"a")
    w.end(lambda err=None: events.append(f"end1:{err}"))
    w.end(lambda err=None: events.append(f"end2:{err}"))
    held.pop()()
    await closed(w)
    assert events == ["end1:None", "end2:None", "finish"]


async def test_r_end_3_end_after_finish_gets_already_finished() -> None:
    results: list[Any] = []
    w = Writable(write=lambda _s, _c, _e, cb: cb())
    w.end()
    await once(w, "finish")
    w.end(lambda err=None: results.append(err))
    assert results == []
    await loop_turns()
    assert [e.code for e in results] == ["ERR_STREAM_ALREADY_FINISHED"]
    assert str(results[0]) == "Cannot call end after a stream was finished"


async def test_r_end_3_end_after_errored_destroy_gets_destroyed_error() -> None:
    results: list[Any] = []
    w = Writable(write=lambda _s, _c, _e, cb: cb())
    w.on("error", lambda err: None)
    w.destroy(NodeError("x", code="EX"))
    w.end(lambda err=None: results.append(err))
    await closed(w)
    assert [e.code for e in results] == ["ERR_STREAM_DESTROYED"]


async def test_r_end_3_end_on_errored_stream_without_auto_destroy_gets_the_error() -> None:
    boom = NodeError("boom", code="EBOOM")
    results: list[Any] = []
    held: list[Callback] = []
    w = Writable(write=lambda _s, _c, _e, cb: held.append(cb), auto_destroy=False)
    w.on("error", lambda err: None)
    w.write(b"a")
    held.pop()(boom)
    await loop_turns()
    w.end(lambda err=None: results.append(err))
    assert results == []
    await loop_turns()
    assert results == [boom]
    assert not w.destroyed


async def test_r_end_3_end_then_destroy_fails_the_end_callback() -> None:
    results: list[Any] = []
    w = Writable(write=lambda _s, _c, _e, cb: cb(), final=lambda _s, cb: None)
    w.end(lambda err=None: results.append(getattr(err, "code", err)))
    w.destroy()
    w.destroy()
    await closed(w)
    assert results == ["ERR_STREAM_DESTROYED"]


async def test_r_end_3_end_pending_callback_failed_by_write_error(loop_errors: list[Any]) -> None:
    boom = NodeError("kaboom", code="EBOOM")
    results: list[Any] = []
    held: list[Callback] = []
    w = Writable(write=lambda _s, _c, _e, cb: held.append(cb))
    w.on("error", lambda err: results.append(("error", err)))
    w.write(b"asd")
    w.end(lambda err=None: results.append(("end1", err)))
    w.end(lambda err=None: results.append(("end2", err)))
    held.pop()(boom)
    await closed(w)
    assert results == [("end1", boom), ("end2", boom), ("error", boom)]
    assert not loop_errors


async def test_r_end_3_end_chunk_after_end_is_write_after_end(loop_errors: list[Any]) -> None:
    events: list[str] = []
    results: list[Any] = []
    held: list[Callback] = []
    w = Writable(write=lambda _s, _c, _e, cb: held.append(cb))
    record(w, "error", "finish", "close", into=events)
    w.end(b"first", lambda err=None: results.append(("cb1", err)))
    assert not w.destroyed
    w.end(b"again", lambda err=None: results.append(("cb2", err)))
    assert w.destroyed
    await loop_turns()
    assert events == ["error:ERR_STREAM_WRITE_AFTER_END", "close"]
    held.pop()()
    codes = [(name, getattr(err, "code", None)) for name, err in results]
    # cb1 waited for the write in progress, then got the stream's error.
    assert codes == [("cb2", "ERR_STREAM_WRITE_AFTER_END"), ("cb1", "ERR_STREAM_WRITE_AFTER_END")]
    assert events == ["error:ERR_STREAM_WRITE_AFTER_END", "close"]
    assert not loop_errors


async def test_end_invalid_chunk_throws() -> None:
    w = Writable(write=lambda _s, _c, _e, cb: cb())
    with pytest.raises(TypeError):
        w.end(42)
    assert not w.writable_ended


# -- R-END-4 ----------------------------------------------------------------------------------


async def test_r_end_4_final_error_via_callback(loop_errors: list[Any]) -> None:
    events: list[str] = []
    results: list[Any] = []
    w = Writable(
        write=lambda _s, _c, _e, cb: cb(),
        final=lambda _s, cb: cb(NodeError("final failed", code="EFINAL")),
    )
    record(w, "error", "prefinish", "finish", "close", into=events)
    w.end(lambda err=None: results.append(getattr(err, "code", err)))
    await closed(w)
    assert events == ["error:EFINAL", "close"]
    assert results == ["EFINAL"]
    assert not loop_errors


async def test_r_end_4_final_error_async_callback() -> None:
    events: list[str] = []
    finals: list[Callback] = []
    w = Writable(write=lambda _s, _c, _e, cb: cb(), final=lambda _s, cb: finals.append(cb))
    record(w, "error", "prefinish", "finish", "close", into=events)
    w.end()
    await loop_turns()
    finals[0](NodeError("late", code="ELATE"))
    assert events == []
    await closed(w)
    assert events == ["error:ELATE", "close"]


async def test_r_end_4_final_that_raises() -> None:
    events: list[str] = []

    def final(_s: Any, cb: Callback) -> None:
        raise ValueError("thrown in final")

    w = Writable(write=lambda _s, _c, _e, cb: cb(), final=final)
    record(w, "error", "prefinish", "finish", "close", into=events)
    errors: list[Any] = []
    w.on("error", errors.append)
    w.end()
    await closed(w)
    assert events == ["error:thrown in final", "close"]
    assert isinstance(errors[0], ValueError)
    assert w.errored is errors[0]


async def test_r_end_4_final_callback_twice_is_multiple_callback(loop_errors: list[Any]) -> None:
    events: list[str] = []

    def final(_s: Any, cb: Callback) -> None:
        cb()
        cb()

    w = Writable(write=lambda _s, _c, _e, cb: cb(), final=final)
    record(w, "error", "close", into=events)
    w.end()
    await closed(w)
    assert "error:ERR_MULTIPLE_CALLBACK" in events
    assert events[-1] == "close"
    assert not loop_errors


async def test_r_end_4_final_not_called_after_destroy() -> None:
    finals: list[str] = []
    held: list[Callback] = []
    w = Writable(
        write=lambda _s, _c, _e, cb: held.append(cb),
        final=lambda _s, cb: (finals.append("final"), cb()),
    )
    w.write(b"a")
    w.end()
    w.destroy()
    held.pop()()
    await closed(w)
    assert finals == []
