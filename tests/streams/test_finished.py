"""finished() and eos(): rules R-EOS-1 and R-EOS-2 of reference/node-streams.md."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from rillet import (
    AbortController,
    AbortSignal,
    Duplex,
    EventEmitter,
    PassThrough,
    Readable,
    Transform,
    Writable,
    finished,
)
from rillet._core import next_tick
from rillet.errors import AbortError
from rillet.streams._end_of_stream import eos


def writable(**options: Any) -> Writable:
    return Writable(write=lambda _s, _c, _e, cb: cb(), **options)


def readable(**options: Any) -> Readable:
    return Readable(read=lambda _s, _n: None, **options)


def ticks(count: int = 3) -> asyncio.Future[None]:
    """Done once ``count`` rounds of ticks and loop callbacks have run."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def step(left: int) -> None:
        if left == 0:
            done.set_result(None)
        else:
            next_tick(lambda: loop.call_soon(step, left - 1))

    step(count)
    return done


def code_of(err: BaseException | None) -> str | None:
    return getattr(err, "code", None)


# -- R-EOS-1 ---------------------------------------------------------------------------


async def test_r_eos_1_readable_is_done_after_end() -> None:
    rs = readable()
    log: list[str] = []
    rs.on("end", lambda: log.append("end"))
    done = finished(rs)
    rs.push(None)
    rs.resume()
    assert await done is None
    assert log == ["end"]


async def test_r_eos_1_writable_is_done_after_finish() -> None:
    ws = writable()
    log: list[str] = []
    ws.on("finish", lambda: log.append("finish"))
    done = finished(ws)
    ws.end(b"x")
    await done
    assert log == ["finish"]


async def test_r_eos_1_duplex_waits_for_both_sides() -> None:
    tr = Transform(transform=lambda _s, _c, _e, cb: cb())
    log: list[str] = []
    tr.on("end", lambda: log.append("end"))
    tr.on("finish", lambda: log.append("finish"))
    done = finished(tr, callback=lambda err: log.append(f"callback {err}"))
    tr.end()
    tr.resume()
    await done
    assert sorted(log[:2]) == ["end", "finish"]
    assert log[2] == "callback None"


async def test_r_eos_1_duplex_with_only_the_writable_side_finished_is_not_done() -> None:
    d = Duplex(read=lambda _s, _n: None, write=lambda _s, _c, _e, cb: cb())
    done = finished(d)
    d.end()
    await ticks()
    assert d.writable_finished
    assert not done.done()
    d.push(None)
    d.resume()
    await done


async def test_r_eos_1_error_calls_back_with_the_error() -> None:
    boom = ValueError("boom")
    rs = readable()
    calls: list[Any] = []
    done = finished(rs, callback=calls.append)
    rs.destroy(boom)
    with pytest.raises(ValueError) as caught:
        await done
    assert caught.value is boom
    assert calls == [boom]


async def test_r_eos_1_close_before_end_is_a_premature_close() -> None:
    rs = readable()
    done = finished(rs)
    rs.emit("close")
    with pytest.raises(Exception) as caught:
        await done
    assert code_of(caught.value) == "ERR_STREAM_PREMATURE_CLOSE"


async def test_r_eos_1_close_after_eof_was_pushed_is_not_an_error() -> None:
    rs = readable()
    done = finished(rs)
    rs.push(None)
    rs.emit("close")
    rs.resume()
    await done


async def test_r_eos_1_destroy_after_end_without_reading_is_a_premature_close() -> None:
    rs = readable()
    done = finished(rs)
    rs.push(b"asd")
    rs.push(None)
    rs.destroy()
    with pytest.raises(Exception) as caught:
        await done
    assert code_of(caught.value) == "ERR_STREAM_PREMATURE_CLOSE"


async def test_r_eos_1_writable_destroyed_with_a_pending_write_is_a_premature_close() -> None:
    ws = Writable(write=lambda _s, _c, _e, _cb: None)  # the write never completes
    done = finished(ws)
    ws.end(b"asd")
    ws.destroy()
    with pytest.raises(Exception) as caught:
        await done
    assert code_of(caught.value) == "ERR_STREAM_PREMATURE_CLOSE"


async def test_r_eos_1_unused_passthrough_that_ended_never_finishes() -> None:
    p = PassThrough()
    p.end()
    done = finished(p)
    await ticks()
    assert not done.done()
    done.cancel()


@pytest.mark.parametrize("kind", ["readable", "writable"])
async def test_r_eos_1_already_destroyed_calls_back_on_the_next_tick(kind: str) -> None:
    stream = readable() if kind == "readable" else Writable(write=lambda *_: None)
    stream.destroy()
    calls: list[Any] = []
    done = finished(stream, callback=calls.append)
    assert calls == [], "never synchronously"
    with pytest.raises(Exception) as caught:
        await done
    # Closed before it ended: Node reports a premature close.
    assert code_of(caught.value) == "ERR_STREAM_PREMATURE_CLOSE"
    assert calls == [caught.value]


async def test_r_eos_1_already_ended_and_closed_calls_back_without_error() -> None:
    rs = readable()
    rs.push(None)
    rs.resume()
    await finished(rs)
    assert rs.closed
    calls: list[Any] = []
    done = finished(rs, callback=calls.append)
    assert calls == []
    assert await done is None
    assert calls == [None]


async def test_r_eos_1_already_destroyed_and_cancelled_at_once_never_calls_back() -> None:
    rs = readable()
    rs.destroy()
    calls: list[Any] = []
    done = finished(rs, callback=calls.append)
    done.cancel()
    await ticks()
    assert calls == []


async def test_r_eos_1_waits_until_a_slow_destroy_completes() -> None:
    release: list[Callable[[], None]] = []

    def destroy(_s: Readable, err: BaseException | None, cb: Callable[..., None]) -> None:
        release.append(lambda: cb(err))

    rs = readable(destroy=destroy)
    rs.destroy()
    done = finished(rs)
    await ticks()
    assert not done.done()
    release[0]()
    with pytest.raises(Exception) as caught:
        await done
    assert code_of(caught.value) == "ERR_STREAM_PREMATURE_CLOSE"


async def test_r_eos_1_calls_back_when_close_is_not_emitted() -> None:
    calls: list[Any] = []

    def destroy(stream: Readable, _err: BaseException | None, cb: Callable[..., None]) -> None:
        cb()
        finished(stream, callback=calls.append)

    rs = readable(emit_close=False, destroy=destroy)
    rs.destroy()
    await ticks()
    assert [code_of(e) for e in calls] == ["ERR_STREAM_PREMATURE_CLOSE"]


async def test_r_eos_1_finished_after_end_with_auto_destroy_off_resolves() -> None:
    ws = writable(auto_destroy=False)
    ws.end(b"asd")
    await ticks()
    assert ws.writable_finished and not ws.destroyed
    await finished(ws)


async def test_r_eos_1_finished_on_an_errored_writable_without_auto_destroy() -> None:
    ws = Writable(write=lambda _s, _c, _e, cb: cb(ValueError("x")), auto_destroy=False)
    results: list[Any] = []
    errored = asyncio.get_running_loop().create_future()
    ws.on("error", lambda err: errored.set_result(err))
    ws.write(b"asd")
    await errored
    finished(ws, callback=results.append)
    await ticks()
    # Node calls back (with no new error) once the error was emitted.
    assert len(results) == 1


async def test_r_eos_1_readable_false_ignores_the_readable_side() -> None:
    d = Duplex(read=lambda s, _n: s.push(None), final=lambda _s, _cb: None)
    ended = asyncio.get_running_loop().create_future()
    d.on("end", lambda: ended.set_result(None))
    done = finished(d, readable=True, writable=False)
    d.end()
    d.resume()
    await ended
    await done


async def test_r_eos_1_writable_false_ignores_the_writable_side() -> None:
    d = Duplex(read=lambda _s, _n: None, write=lambda _s, _c, _e, cb: cb())
    done = finished(d, readable=False)
    d.end()
    await done
    assert not d.readable_ended


async def test_r_eos_1_error_false_ignores_error_events() -> None:
    ws = writable(auto_destroy=False)
    ws.on("error", lambda _e: None)
    done = finished(ws, error=False)
    ws.emit("error", ValueError("ignored"))
    await ticks()
    assert not done.done()
    ws.end()
    await done


async def test_r_eos_1_signal_abort_rejects_with_abort_error() -> None:
    controller = AbortController()
    rs = readable()
    calls: list[Any] = []
    done = finished(rs, signal=controller.signal, callback=calls.append)
    controller.abort()
    with pytest.raises(AbortError) as caught:
        await done
    assert caught.value.code == "ABORT_ERR"
    assert len(calls) == 1 and isinstance(calls[0], AbortError)
    assert rs.destroyed is False, "aborting the wait does not destroy the stream"
    rs.push(None)
    rs.resume()
    await ticks()
    assert len(calls) == 1


async def test_r_eos_1_already_aborted_signal_rejects_on_the_next_tick() -> None:
    rs = readable()
    calls: list[Any] = []
    done = finished(rs, signal=AbortSignal.abort(), callback=calls.append)
    assert calls == []
    with pytest.raises(AbortError):
        await done


async def test_r_eos_1_cancelling_the_future_removes_the_listeners() -> None:
    ws = writable()
    calls: list[Any] = []
    before = {e: ws.listener_count(e) for e in ("end", "finish", "error", "close")}
    done = finished(ws, callback=calls.append)
    done.cancel()
    after = {e: ws.listener_count(e) for e in ("end", "finish", "error", "close")}
    assert after == before
    ws.end()
    await ticks()
    assert calls == []


async def test_r_eos_1_cancelling_removes_the_signal_listener() -> None:
    controller = AbortController()
    calls: list[Any] = []
    done = finished(readable(), signal=controller.signal, callback=calls.append)
    done.cancel()
    controller.abort()
    await ticks()
    assert calls == []


async def test_r_eos_1_the_callback_form_runs_once_without_a_loop_future() -> None:
    calls: list[Any] = []
    rs = readable()
    cleanup = eos(rs, calls.append)
    rs.push(None)
    rs.resume()
    await ticks()
    rs.emit("close")
    await ticks()
    assert calls == [None]
    cleanup()


async def test_r_eos_1_legacy_stream_like_emitter() -> None:
    like = EventEmitter()
    like.readable_ended = True  # type: ignore[attr-defined]
    like.readable = True  # type: ignore[attr-defined]
    like.pipe = lambda *_: None  # type: ignore[attr-defined]
    calls: list[Any] = []
    eos(like, calls.append)
    like.emit("close")
    await ticks()
    assert calls == [None]


@pytest.mark.parametrize(
    "call",
    [
        lambda: finished(object()),
        lambda: finished(readable(), signal=True),
        lambda: finished(readable(), callback="foo"),
    ],
)
async def test_r_eos_1_bad_arguments_are_type_errors_at_the_call(call: Any) -> None:
    with pytest.raises(TypeError) as caught:
        call()
    assert code_of(caught.value) == "ERR_INVALID_ARG_TYPE"


# -- R-EOS-2 ---------------------------------------------------------------------------


async def test_r_eos_2_waits_for_close_after_end_with_auto_destroy() -> None:
    release: list[Callable[[], None]] = []

    def destroy(_s: Readable, err: BaseException | None, cb: Callable[..., None]) -> None:
        release.append(lambda: cb(err))

    rs = readable(destroy=destroy)
    log: list[str] = []
    rs.on("end", lambda: log.append("end"))
    rs.on("close", lambda: log.append("close"))
    done = finished(rs, callback=lambda _e: log.append("finished"))
    rs.push(None)
    rs.resume()
    await ticks()
    assert log == ["end"]
    assert not done.done()
    release[0]()
    await done
    assert log == ["end", "close", "finished"]


async def test_r_eos_2_writable_waits_for_close_after_finish() -> None:
    ws = writable()
    log: list[str] = []
    ws.on("finish", lambda: log.append("finish"))
    ws.on("close", lambda: log.append("close"))
    await finished(ws, callback=lambda _e: log.append("finished")) if ws.end() else None
    assert log == ["finish", "close", "finished"]


async def test_r_eos_2_without_auto_destroy_end_is_enough() -> None:
    rs = readable(auto_destroy=False)
    log: list[str] = []
    rs.on("close", lambda: log.append("close"))
    done = finished(rs, callback=lambda _e: log.append("finished"))
    rs.push(None)
    rs.resume()
    await done
    assert log == ["finished"]
    assert not rs.destroyed


async def test_r_eos_2_without_emit_close_end_is_enough() -> None:
    rs = readable(emit_close=False)
    log: list[str] = []
    rs.on("end", lambda: log.append("end"))
    done = finished(rs, callback=lambda _e: log.append("finished"))
    rs.push(None)
    rs.resume()
    await done
    assert log == ["end", "finished"]
