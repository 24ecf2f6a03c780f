"""Duplex: per-side options, allow_half_open, readable/writable=False (R-DUP-1, R-DUP-2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from _writable_helpers import closed, loop_turns, record

from rillet import Duplex, Readable, Writable, get_default_high_water_mark
from rillet.errors import NodeError

Callback = Callable[..., Any]


def echo_duplex(**options: Any) -> Duplex:
    """A Duplex whose readable side is fed by the test and whose writes are acknowledged."""
    return Duplex(read=lambda _s, _n: None, write=lambda _s, _c, _e, cb: cb(), **options)


# -- per-side options -----------------------------------------------------------------------


async def test_duplex_per_side_high_water_marks() -> None:
    d = echo_duplex(readable_high_water_mark=10, writable_high_water_mark=20)
    assert d.readable_high_water_mark == 10
    assert d.writable_high_water_mark == 20


async def test_duplex_high_water_mark_overrides_both_sides() -> None:
    d = echo_duplex(high_water_mark=7, readable_high_water_mark=10, writable_high_water_mark=20)
    assert d.readable_high_water_mark == 7
    assert d.writable_high_water_mark == 7


async def test_duplex_defaults_per_side_object_mode() -> None:
    d = echo_duplex(readable_object_mode=True)
    assert d.readable_object_mode and not d.writable_object_mode
    assert d.readable_high_water_mark == get_default_high_water_mark(True)
    assert d.writable_high_water_mark == get_default_high_water_mark(False)
    e = echo_duplex(writable_object_mode=True)
    assert e.writable_object_mode and not e.readable_object_mode
    assert e.writable_high_water_mark == 16


async def test_duplex_object_mode_sets_both_sides() -> None:
    d = echo_duplex(object_mode=True)
    assert d.readable_object_mode and d.writable_object_mode
    d.write({"any": "object"})
    d.push({"out": 1})
    assert d.read() == {"out": 1}


async def test_writable_object_mode_only_accepts_objects_on_the_write_side() -> None:
    seen: list[Any] = []
    d = Duplex(
        writable_object_mode=True,
        read=lambda _s, _n: None,
        write=lambda _s, chunk, _e, cb: (seen.append(chunk), cb()),
    )
    d.write(42)
    assert seen == [42]
    errors: list[Any] = []
    d.on("error", errors.append)
    d.push(42)  # the readable side is in byte mode: an 'error', not a throw
    await closed(d)
    assert [e.code for e in errors] == ["ERR_INVALID_ARG_TYPE"]


async def test_plain_streams_ignore_the_side_options() -> None:
    r = Readable(read=lambda _s, _n: None, readable_high_water_mark=3)  # type: ignore[call-arg]
    w = Writable(writable_high_water_mark=3)  # type: ignore[call-arg]
    assert r.readable_high_water_mark == get_default_high_water_mark(False)
    assert w.writable_high_water_mark == get_default_high_water_mark(False)


async def test_duplex_invalid_side_high_water_mark_names_the_option() -> None:
    with pytest.raises(TypeError) as info:
        echo_duplex(readable_high_water_mark=-1)
    assert getattr(info.value, "code", None) == "ERR_INVALID_ARG_VALUE"
    assert "readable_high_water_mark" in str(info.value)


async def test_duplex_sides_are_independent() -> None:
    received: list[bytes] = []
    d = Duplex(
        read=lambda _s, _n: None,
        write=lambda _s, chunk, _e, cb: (received.append(chunk), cb()),
    )
    d.write(b"in")
    d.push(b"out")
    assert received == [b"in"]
    assert d.read() == b"out"
    assert d.readable and d.writable


async def test_duplex_is_an_instance_of_both() -> None:
    d = echo_duplex()
    assert isinstance(d, Readable)
    assert isinstance(d, Writable)


async def test_duplex_destroyed_needs_both_sides() -> None:
    d = echo_duplex()
    d._readable_state.destroyed = True
    assert not d.destroyed
    d._writable_state.destroyed = True
    assert d.destroyed


async def test_duplex_destroy_fails_pending_writes() -> None:
    held: list[Callback] = []
    d = Duplex(read=lambda _s, _n: None, write=lambda _s, _c, _e, cb: held.append(cb))
    results: list[Any] = []
    d.write(b"a")
    d.write(b"b", lambda e=None: results.append(getattr(e, "code", e)))
    d.destroy()
    held.pop()()
    await closed(d)
    assert results == ["ERR_STREAM_DESTROYED"]
    assert d.destroyed


# -- R-DUP-1: allow_half_open ------------------------------------------------------------------


async def test_r_dup_1_half_open_readable_end_leaves_writable_side_open() -> None:
    d = echo_duplex()
    events = record(d, "end", "finish", "close")
    d.push(None)
    d.resume()
    await loop_turns()
    assert events == ["end"]
    assert d.writable
    assert not d.destroyed
    d.write(b"still writable")
    d.end()
    await closed(d)
    assert events == ["end", "finish", "close"]


async def test_r_dup_1_allow_half_open_false_ends_writable_on_next_tick() -> None:
    d = echo_duplex(allow_half_open=False)
    assert d.allow_half_open is False
    events = record(d, "end", "prefinish", "finish", "close")
    d.on("end", lambda: events.append(f"writable_ended={d.writable_ended}"))
    d.push(None)
    d.resume()
    await closed(d)
    assert events == ["end", "writable_ended=False", "prefinish", "finish", "close"]


async def test_r_dup_1_allow_half_open_false_waits_for_pending_writes() -> None:
    held: list[Callback] = []
    d = Duplex(
        allow_half_open=False,
        read=lambda _s, _n: None,
        write=lambda _s, _c, _e, cb: held.append(cb),
    )
    events = record(d, "end", "finish", "close")
    d.write(b"slow")
    d.push(None)
    d.resume()
    await loop_turns()
    assert events == ["end"]
    assert d.writable_ended
    held.pop()()
    await closed(d)
    assert events == ["end", "finish", "close"]


async def test_r_dup_1_allow_half_open_default_is_true() -> None:
    assert echo_duplex().allow_half_open is True


# -- R-DUP-2: readable=False / writable=False --------------------------------------------------


async def test_r_dup_2_readable_false() -> None:
    d = Duplex(readable=False, write=lambda _s, _c, _e, cb: cb())
    assert d.readable is False
    assert d.readable_ended
    errors: list[Any] = []
    d.on("error", errors.append)
    assert d.push(b"x") is False
    await closed(d)
    assert [e.code for e in errors] == ["ERR_STREAM_PUSH_AFTER_EOF"]


async def test_r_dup_2_readable_false_iterates_to_nothing() -> None:
    d = Duplex(readable=False, write=lambda _s, _c, _e, cb: cb())
    chunks = [chunk async for chunk in d]
    assert chunks == []


async def test_r_dup_2_readable_false_closes_after_finish() -> None:
    d = Duplex(readable=False, write=lambda _s, _c, _e, cb: cb())
    events = record(d, "end", "finish", "close")
    d.end(b"x")
    await closed(d)
    assert events == ["finish", "close"]


async def test_r_dup_2_writable_false(loop_errors: list[Any]) -> None:
    d = Duplex(writable=False, read=lambda _s, _n: None)
    assert d.writable is False
    assert d.writable_ended
    events = record(d, "error", "finish", "close")
    results: list[Any] = []
    assert d.write(b"x", lambda e=None: results.append(getattr(e, "code", e))) is False
    await closed(d)
    assert results == ["ERR_STREAM_WRITE_AFTER_END"]
    assert events == ["error:ERR_STREAM_WRITE_AFTER_END", "close"]
    assert not loop_errors


async def test_r_dup_2_writable_false_closes_after_end() -> None:
    d = Duplex(writable=False, read=lambda _s, _n: None)
    events = record(d, "end", "finish", "close")
    d.push(b"data")
    d.push(None)
    d.resume()
    await closed(d)
    assert events == ["end", "close"]


async def test_duplex_write_error_reaches_both_sides() -> None:
    held: list[Callback] = []
    d = Duplex(read=lambda _s, _n: None, write=lambda _s, _c, _e, cb: held.append(cb))
    errors: list[Any] = []
    d.on("error", errors.append)
    d.write(b"a")
    err = NodeError("bad", code="EBAD")
    held.pop()(err)
    await closed(d)
    assert errors == [err]
    assert d.errored is err
    assert d.readable is False
