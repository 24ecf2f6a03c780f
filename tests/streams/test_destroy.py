"""destroy(), autoDestroy and error delivery (R-DESTROY-1..3, R-AUTO-1, R-ERR-1..4)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from _writable_helpers import closed, loop_turns, record

from rillet import AbortController, Duplex, Readable, Transform, Writable
from rillet.errors import NodeError
from rillet.streams import destroy as destroy_any

Callback = Callable[..., Any]


def boom(code: str = "EBOOM") -> NodeError:
    return NodeError(code.lower(), code=code)


def held_writable(**options: Any) -> tuple[Writable, list[Callback]]:
    held: list[Callback] = []
    return Writable(write=lambda _s, _c, _e, cb: held.append(cb), **options), held


ALL_EVENTS = ("error", "end", "finish", "prefinish", "close")


# -- R-DESTROY-1 -----------------------------------------------------------------------


async def test_r_destroy_1_writable_order_and_flags() -> None:
    w = Writable(write=lambda _s, _c, _e, cb: cb())
    events = record(w, *ALL_EVENTS)
    err = boom()
    w.destroy(err)
    assert w.destroyed
    assert w.closed  # the default _destroy calls back synchronously
    assert w.errored is err
    assert events == []
    await closed(w)
    assert events == ["error:EBOOM", "close"]


async def test_r_destroy_1_destroy_gets_none_and_the_error() -> None:
    seen: list[Any] = []

    def _destroy(_s: Any, error: BaseException | None, cb: Callback) -> None:
        seen.append(error)
        cb(error)

    a = Writable(destroy=_destroy)
    a.destroy()
    err = boom()
    b = Readable(read=lambda _s, _n: None, destroy=_destroy)
    b.on("error", lambda _e: None)
    b.destroy(err)
    await asyncio.gather(closed(a), closed(b))
    assert seen == [None, err]


async def test_r_destroy_1_closed_is_set_when_destroy_calls_back() -> None:
    pending: list[Callback] = []
    w = Writable(destroy=lambda _s, _e, cb: pending.append(cb))
    events = record(w, "close")
    w.destroy()
    assert w.destroyed and not w.closed
    await loop_turns()
    assert events == []
    pending[0]()
    assert w.closed
    assert events == []
    await closed(w)
    assert events == ["close"]


async def test_r_destroy_1_readable_no_end_after_destroy() -> None:
    r = Readable(read=lambda _s, _n: None)
    r.push(b"a")
    r.push(None)
    r.destroy()
    events = record(r, "end", "error", "close")
    r.resume()
    await closed(r)
    await loop_turns()
    assert events == ["close"]


async def test_r_destroy_1_writable_no_finish_after_destroy() -> None:
    w, held = held_writable()
    events = record(w, *ALL_EVENTS)
    w.write(b"a")
    w.end()
    w.destroy()
    held.pop()()
    await closed(w)
    await loop_turns()
    assert events == ["close"]


async def test_r_destroy_1_destroy_callback_gets_the_error() -> None:
    results: list[Any] = []
    err = boom()
    w = Writable()
    w.on("error", lambda _e: None)
    w.destroy(err, lambda e=None: results.append(e))
    assert results == [err]


async def test_r_destroy_1_module_destroy_helper() -> None:
    w = Writable(write=lambda _s, _c, _e, cb: cb())
    events = record(w, "error", "close")
    destroy_any(w, None)
    await closed(w)
    assert events == ["error:ABORT_ERR", "close"]


# -- R-DESTROY-2 -----------------------------------------------------------------------


async def test_r_destroy_2_only_the_first_destroy_counts() -> None:
    first, second = boom("EFIRST"), boom("ESECOND")
    w = Writable()
    events = record(w, "error", "close")
    results: list[Any] = []
    w.destroy(first)
    w.destroy(second, lambda e=None: results.append(e))
    assert results == [None]
    assert w.errored is first
    await closed(w)
    await loop_turns()
    assert events == ["error:EFIRST", "close"]


async def test_r_destroy_2_second_destroy_before_async_destroy_callback() -> None:
    pending: list[Callback] = []
    w = Writable(destroy=lambda _s, _e, cb: pending.append(cb))
    events = record(w, "error", "close")
    w.destroy()
    w.destroy(boom("ELATER"))
    assert w.errored is None
    assert len(pending) == 1
    pending[0](boom("EDESTROY"))
    await closed(w)
    assert events == ["error:EDESTROY", "close"]


async def test_r_destroy_2_custom_destroy_can_swallow_the_error() -> None:
    w = Writable(destroy=lambda _s, _e, cb: cb())
    events = record(w, "error", "close")
    w.destroy(boom())
    await closed(w)
    assert events == ["close"]


async def test_r_destroy_2_custom_destroy_can_replace_the_error() -> None:
    w = Writable(destroy=lambda _s, _e, cb: cb(boom("EOTHER")))
    events = record(w, "error", "close")
    w.destroy()
    await closed(w)
    assert events == ["error:EOTHER", "close"]


async def test_r_destroy_2_destroy_that_raises_is_the_error() -> None:
    def _destroy(_s: Any, _e: Any, _cb: Callback) -> None:
        raise ValueError("destroy failed")

    w = Writable(destroy=_destroy)
    errors: list[Any] = []
    w.on("error", errors.append)
    w.destroy()
    await closed(w)
    assert [str(e) for e in errors] == ["destroy failed"]


async def test_r_destroy_2_destroyed_setter_skips_the_machinery() -> None:
    w = Writable()
    events = record(w, "close")
    w.destroyed = True
    w.destroy()
    await loop_turns()
    assert events == []


# -- R-DESTROY-3 -----------------------------------------------------------------------


async def test_r_destroy_3_buffered_write_callbacks_get_destroyed() -> None:
    w, held = held_writable()
    results: list[str] = []
    w.write(b"a", lambda e=None: results.append(f"a:{getattr(e, 'code', e)}"))
    w.write(b"b", lambda e=None: results.append(f"b:{getattr(e, 'code', e)}"))
    w.write(b"c", lambda e=None: results.append(f"c:{getattr(e, 'code', e)}"))
    w.destroy()
    assert results == []
    held.pop()()
    await closed(w)
    assert results == ["a:None", "b:ERR_STREAM_DESTROYED", "c:ERR_STREAM_DESTROYED"]
    assert w.writable_length == 0


async def test_r_destroy_3_corked_writes_fail_on_next_tick() -> None:
    w = Writable(write=lambda _s, _c, _e, cb: cb())
    results: list[Any] = []
    w.cork()
    w.write(b"a", lambda e=None: results.append(getattr(e, "code", e)))
    w.destroy()
    assert results == []
    await loop_turns()
    assert results == ["ERR_STREAM_DESTROYED"]


async def test_r_destroy_3_buffered_callbacks_get_the_stream_error() -> None:
    w, held = held_writable()
    err = boom()
    w.on("error", lambda _e: None)
    results: list[Any] = []
    w.write(b"a")
    w.write(b"b", lambda e=None: results.append(e))
    w.destroy(err)
    held.pop()()
    await closed(w)
    assert results == [err]


async def test_r_destroy_3_write_after_destroy_calls_back_without_error_event() -> None:
    w = Writable(write=lambda _s, _c, _e, cb: cb())
    events = record(w, "error", "close")
    w.destroy()
    results: list[Any] = []
    assert w.write(b"a", lambda e=None: results.append(e)) is False
    assert results == []
    await closed(w)
    await loop_turns()
    assert [e.code for e in results] == ["ERR_STREAM_DESTROYED"]
    assert str(results[0]) == "Cannot call write after a stream was destroyed"
    assert events == ["close"]


# -- R-AUTO-1 ----------------------------------------------------------------------------


async def test_r_auto_1_writable_closes_after_finish() -> None:
    w = Writable(write=lambda _s, _c, _e, cb: cb())
    events = record(w, *ALL_EVENTS)
    w.end(b"x")
    await closed(w)
    assert events == ["prefinish", "finish", "close"]
    assert w.destroyed


async def test_r_auto_1_readable_closes_after_end() -> None:
    r = Readable(read=lambda _s, _n: None)
    events = record(r, "end", "close")
    r.push(b"a")
    r.push(None)
    r.resume()
    await closed(r)
    assert events == ["end", "close"]
    assert r.destroyed


async def test_r_auto_1_duplex_closes_only_after_both_sides() -> None:
    d = Duplex(read=lambda _s, _n: None, write=lambda _s, _c, _e, cb: cb())
    events = record(d, "end", "finish", "close")
    d.push(None)
    d.resume()
    await loop_turns()
    assert events == ["end"]
    assert not d.destroyed
    d.end()
    await closed(d)
    assert events == ["end", "finish", "close"]


async def test_r_auto_1_duplex_writable_first_then_readable() -> None:
    d = Duplex(read=lambda _s, _n: None, write=lambda _s, _c, _e, cb: cb())
    events = record(d, "end", "finish", "close")
    d.end()
    await loop_turns()
    assert events == ["finish"]
    d.push(None)
    d.resume()
    await closed(d)
    assert events == ["finish", "end", "close"]


async def test_r_auto_1_error_destroys() -> None:
    w, held = held_writable()
    events = record(w, "error", "close")
    w.write(b"a")
    held.pop()(boom())
    assert w.destroyed
    await closed(w)
    assert events == ["error:EBOOM", "close"]


async def test_r_auto_1_without_auto_destroy_errors_do_not_close() -> None:
    w, held = held_writable(auto_destroy=False)
    events = record(w, "error", "finish", "close")
    w.write(b"a")
    held.pop()(boom())
    await loop_turns()
    assert events == ["error:EBOOM"]
    assert not w.destroyed and not w.closed
    assert w.errored is not None


async def test_r_auto_1_without_auto_destroy_finish_does_not_close() -> None:
    w = Writable(write=lambda _s, _c, _e, cb: cb(), auto_destroy=False)
    events = record(w, "finish", "close")
    w.end()
    await loop_turns()
    assert events == ["finish"]
    assert not w.destroyed
    w.destroy()
    await closed(w)
    assert events == ["finish", "close"]


async def test_r_auto_1_emit_close_false() -> None:
    w = Writable(write=lambda _s, _c, _e, cb: cb(), emit_close=False)
    events = record(w, "finish", "close")
    w.end()
    await loop_turns(5)
    assert events == ["finish"]
    assert w.destroyed and w.closed


async def test_r_auto_1_readable_without_auto_destroy_stays_open() -> None:
    r = Readable(read=lambda _s, _n: None, auto_destroy=False)
    events = record(r, "end", "close")
    r.push(None)
    r.resume()
    await loop_turns()
    assert events == ["end"]
    assert not r.destroyed


# -- R-ERR-1 ----------------------------------------------------------------------------


async def test_r_err_1_write_after_end_order(loop_errors: list[Any]) -> None:
    w = Writable(write=lambda _s, _c, _e, cb: cb())
    events = record(w, "error", "finish", "close")
    w.end()
    result = w.write(b"late", lambda e=None: events.append(f"cb:{getattr(e, 'code', e)}"))
    assert result is False
    events.append("sync")
    await closed(w)
    assert events == [
        "sync",
        "cb:ERR_STREAM_WRITE_AFTER_END",
        "error:ERR_STREAM_WRITE_AFTER_END",
        "close",
    ]
    assert not loop_errors


async def test_r_err_1_write_after_end_message() -> None:
    w = Writable(write=lambda _s, _c, _e, cb: cb())
    errors: list[Any] = []
    w.on("error", errors.append)
    w.end()
    w.write(b"x")
    await closed(w)
    assert str(errors[0]) == "write after end"
    assert type(errors[0]).__mro__[1:3] != (TypeError,)


async def test_r_err_1_write_after_end_without_listener_reaches_the_loop(
    loop_errors: list[Any],
) -> None:
    w = Writable(write=lambda _s, _c, _e, cb: cb())
    w.end()
    w.write(b"x")
    # 'close' still follows an 'error' that nobody listened to.
    await closed(w)
    assert [c["exception"].code for c in loop_errors] == ["ERR_STREAM_WRITE_AFTER_END"]


async def test_r_err_1_validation_errors_are_thrown_not_emitted() -> None:
    w = Writable(write=lambda _s, _c, _e, cb: cb())
    events = record(w, "error", "close")
    with pytest.raises(TypeError):
        w.write(None)
    with pytest.raises(TypeError):
        w.write(3)
    with pytest.raises(TypeError):
        w.write("x", "nope")
    await loop_turns()
    assert events == []
    assert not w.destroyed


# -- R-ERR-2 -------------------------------------------------------------------------------


def double_callback_writable(mode: str, **options: Any) -> Writable:
    loop = asyncio.get_running_loop()

    def write(_s: Any, _c: Any, _e: str, cb: Callback) -> None:
        if mode == "sync/sync":
            cb()
            cb()
        elif mode == "sync/async":
            cb()
            loop.call_soon(cb)
        else:
            loop.call_soon(cb)
            loop.call_soon(cb)

    return Writable(write=write, **options)


@pytest.mark.parametrize("mode", ["sync/sync", "sync/async", "async/async"])
async def test_r_err_2_write_callback_twice(mode: str) -> None:
    w = double_callback_writable(mode)
    errors: list[Any] = []
    w.on("error", errors.append)
    w.write(b"a")
    await closed(w)
    assert [e.code for e in errors] == ["ERR_MULTIPLE_CALLBACK"]
    assert str(errors[0]) == "Callback called multiple times"


async def test_r_err_2_write_callback_twice_without_auto_destroy() -> None:
    w = double_callback_writable("sync/sync", auto_destroy=False)
    errors: list[Any] = []
    w.on("error", errors.append)
    w.write(b"a")
    await loop_turns()
    assert [e.code for e in errors] == ["ERR_MULTIPLE_CALLBACK"]
    assert w.errored is errors[0]


@pytest.mark.parametrize("mode", ["sync/sync", "sync/async", "async/async"])
async def test_r_err_2_transform_callback_twice(mode: str) -> None:
    loop = asyncio.get_running_loop()

    def transform(_s: Any, chunk: Any, _e: str, cb: Callback) -> None:
        if mode == "sync/sync":
            cb(None, chunk)
            cb(None, chunk)
        elif mode == "sync/async":
            cb(None, chunk)
            loop.call_soon(cb)
        else:
            loop.call_soon(cb)
            loop.call_soon(cb)

    t = Transform(transform=transform)
    errors: list[Any] = []
    t.on("error", errors.append)
    t.resume()
    t.write(b"a")
    await closed(t)
    assert [e.code for e in errors] == ["ERR_MULTIPLE_CALLBACK"]


# -- R-ERR-3 -------------------------------------------------------------------------------


async def test_r_err_3_sync_write_error_order() -> None:
    w = Writable(write=lambda _s, _c, _e, cb: cb(boom("EBAD")))
    events = record(w, "error", "close")
    w.write(b"a", lambda e=None: events.append(f"wcb:{getattr(e, 'code', e)}"))
    events.append("sync")
    await closed(w)
    assert events == ["sync", "wcb:EBAD", "error:EBAD", "close"]


async def test_r_err_3_async_write_error_fails_buffered_callbacks_first() -> None:
    w, held = held_writable()
    events = record(w, "error", "close")
    for name in "abc":
        w.write(name, lambda e=None, name=name: events.append(f"{name}:{getattr(e, 'code', e)}"))
    held.pop()(boom("EBAD"))
    await closed(w)
    assert events == ["a:EBAD", "b:EBAD", "c:EBAD", "error:EBAD", "close"]
    assert w.writable_length == 0


async def test_r_err_3_duplex_write_error_marks_the_readable_side() -> None:
    held: list[Callback] = []
    d = Duplex(read=lambda _s, _n: None, write=lambda _s, _c, _e, cb: held.append(cb))
    events = record(d, "error", "close")
    d.write(b"a")
    err = boom()
    held.pop()(err)
    assert d._readable_state.errored is err
    await closed(d)
    assert events == ["error:EBOOM", "close"]


# -- R-ERR-4 -------------------------------------------------------------------------------


async def test_r_err_4_only_one_error_without_auto_destroy() -> None:
    w = Writable(write=lambda _s, _c, _e, cb: cb(boom("EBAD")), auto_destroy=False)
    events = record(w, "error", "close")
    w.write(b"a")
    w.write(b"b")
    await loop_turns()
    assert events == ["error:EBAD"]


async def test_r_err_4_nothing_but_close_after_error() -> None:
    d = Duplex(read=lambda _s, _n: None, write=lambda _s, _c, _e, cb: cb())
    events = record(d, "data", "end", "finish", "drain", "error", "close")
    d.destroy(boom())
    d.push(b"x")
    d.push(None)
    d.resume()
    d.end()
    d.destroy(boom("EAGAIN2"))
    await closed(d)
    await loop_turns()
    assert events == ["error:EBOOM", "close"]


async def test_r_err_4_error_event_emitted_once_for_readable() -> None:
    r = Readable(read=lambda _s, _n: None)
    events = record(r, "error", "close")
    r.push(None)
    r.push(b"after eof")
    r.push(b"again")
    await closed(r)
    assert events == ["error:ERR_STREAM_PUSH_AFTER_EOF", "close"]


async def test_abort_signal_option_destroys_with_abort_error() -> None:
    controller = AbortController()
    w = Writable(write=lambda _s, _c, _e, cb: cb(), signal=controller.signal)
    events = record(w, "error", "close")
    w.write(b"a")
    controller.abort()
    assert w.destroyed
    await closed(w)
    assert events == ["error:ABORT_ERR", "close"]
