"""Readable beyond the flowing rules: object mode, ``_construct``, ``destroy()`` event
order, the ``readable_*`` properties, ``wrap()`` and ``async with``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from _readable_helpers import OldStream, noop, recorder, ticks, until

from rillet import Readable, once
from rillet.errors import AbortError

# -- object mode ------------------------------------------------------------------------


async def test_object_mode_counts_items_against_the_mark() -> None:
    stream = Readable(read=noop, object_mode=True)
    results = [stream.push({"n": i}) for i in range(17)]
    assert results == [True] * 15 + [False, False]
    assert stream.readable_length == 17
    assert stream.readable_object_mode is True


async def test_object_mode_delivers_items_unchanged_in_order() -> None:
    items: list[Any] = [{"a": 1}, [1, 2], "text", b"bytes", 3.5, object()]
    stream = Readable(read=noop, object_mode=True)
    got: list[Any] = []
    stream.on("data", got.append)
    for item in items:
        stream.push(item)
    stream.push(None)
    await once(stream, "end")
    assert got == items
    assert all(a is b for a, b in zip(got, items, strict=True))


def test_object_mode_with_an_encoding_decodes_each_push_separately() -> None:
    stream = Readable(read=noop, object_mode=True, encoding="utf16le")
    stream.push("abc".encode("utf-16-le"))
    stream.push("def".encode("utf-16-le"))
    stream.push(None)
    assert [stream.read(), stream.read(), stream.read()] == ["abc", "def", None]


def test_object_mode_with_an_encoding_passes_strings_through() -> None:
    stream = Readable(read=noop, object_mode=True, encoding="utf8")
    stream.push("text")
    stream.push("é".encode())
    assert [stream.read(), stream.read()] == ["text", "é"]


# -- _construct -------------------------------------------------------------------------


async def test_construct_runs_on_the_next_tick_and_holds_back_read() -> None:
    events: list[Any] = []
    finish: list[Callable[..., Any]] = []

    class Source(Readable):
        def _construct(self, callback: Callable[..., Any]) -> None:
            events.append("construct")
            finish.append(callback)

        def _read(self, size: int) -> None:
            events.append("read")
            self.push(b"x")
            self.push(None)

    source = Source()
    events.append("sync")
    assert source.read(0) is None
    await ticks()
    assert events == ["sync", "construct"]
    source.on("data", lambda chunk: events.append(("data", chunk)))
    await ticks()
    assert events == ["sync", "construct"]
    finish[0]()
    await until(source, "close")
    assert events == ["sync", "construct", "read", ("data", b"x")]


async def test_construct_as_keyword_and_data_listener_before_it_completes() -> None:
    events = []

    def construct(stream: Readable, callback: Callable[..., Any]) -> None:
        events.append("construct")
        asyncio.get_running_loop().call_soon(callback)

    stream = Readable(construct=construct, read=lambda s, _n: s.push(None))
    stream.on("end", lambda: events.append("end"))
    stream.on("close", lambda: events.append("close"))
    stream.resume()
    await until(stream, "close")
    assert events == ["construct", "end", "close"]


async def test_construct_coroutine_is_awaited_before_read() -> None:
    events: list[str] = []

    class Source(Readable):
        async def _construct(self) -> None:  # type: ignore[override]
            await asyncio.sleep(0)
            events.append("constructed")

        def _read(self, size: int) -> None:
            events.append("read")
            self.push(None)

    source = Source()
    source.resume()
    await once(source, "end")
    assert events == ["constructed", "read"]


async def test_construct_error_is_emitted_then_close_and_read_never_runs() -> None:
    boom = ValueError("boom")
    reads: list[int] = []
    stream = Readable(construct=lambda _s, cb: cb(boom), read=lambda _s, n: reads.append(n))
    events = recorder(stream, "error", "close")
    stream.resume()
    await until(stream, "close")
    assert events == [("error", boom), "close"]
    assert reads == []
    assert stream.errored is boom


async def test_construct_that_raises_is_an_error() -> None:
    boom = ValueError("boom")

    def construct(_stream: Readable, _callback: Callable[..., Any]) -> None:
        raise boom

    stream = Readable(construct=construct, read=noop)
    events = recorder(stream, "error", "close")
    await until(stream, "close")
    assert events == [("error", boom), "close"]


async def test_construct_callback_twice_is_err_multiple_callback() -> None:
    def construct(_stream: Readable, callback: Callable[..., Any]) -> None:
        callback()
        callback()

    stream = Readable(construct=construct, read=noop)
    events = recorder(stream, "error", "close")
    await until(stream, "close")
    assert [getattr(e[1], "code", None) for e in events if e != "close"] == [
        "ERR_MULTIPLE_CALLBACK"
    ]


async def test_destroy_during_construct_waits_for_it() -> None:
    events: list[str] = []

    class Source(Readable):
        def _construct(self, callback: Callable[..., Any]) -> None:
            events.append("construct")

            def done() -> None:
                events.append("constructed")
                callback()

            asyncio.get_running_loop().call_soon(done)

        def _destroy(self, error: BaseException | None, callback: Callable[..., Any]) -> None:
            events.append("_destroy")
            callback(error)

    source = Source(read=noop)
    source.on("close", lambda: events.append("close"))
    source.destroy()
    assert source.destroyed is True
    events.append("destroy returned")
    await until(source, "close")
    assert events == ["destroy returned", "construct", "constructed", "_destroy", "close"]


# -- destroy() ----------------------------------------------------------------------------


async def test_destroy_with_error_emits_error_then_close_on_a_later_tick() -> None:
    boom = ValueError("boom")
    stream = Readable(read=noop)
    events = recorder(stream, "error", "close", "end", "data")
    stream.push(b"a")
    stream.push(None)
    assert stream.destroy(boom) is stream
    assert stream.destroyed is True
    assert stream.closed is True
    assert stream.errored is boom
    events.append("sync")
    await ticks()
    # As in Node, data buffered before destroy() still flows out on the resume tick
    # queued by the 'data' listener, ahead of 'error'; 'end' never comes.
    assert events == ["sync", ("data", b"a"), ("error", boom), "close"]
    assert stream.readable is False
    assert stream.readable_aborted is True
    assert stream.readable_ended is False


async def test_destroy_without_error_emits_only_close() -> None:
    stream = Readable(read=noop)
    events = recorder(stream, "error", "close", "end")
    stream.destroy()
    await ticks()
    assert events == ["close"]
    assert stream.errored is None
    assert stream.readable_aborted is True


async def test_only_the_first_destroy_counts_but_every_callback_runs() -> None:
    first, second = ValueError("first"), ValueError("second")
    calls: list[Any] = []
    stream = Readable(read=noop)
    events = recorder(stream, "error", "close")
    stream.destroy(first, lambda *args: calls.append(("first", *args)))
    stream.destroy(second, lambda *args: calls.append(("second", *args)))
    await ticks()
    assert calls == [("first", first), ("second",)]
    assert events == [("error", first), "close"]


async def test_custom_destroy_can_swallow_or_replace_the_error() -> None:
    swallow = Readable(read=noop, destroy=lambda _s, _e, cb: cb())
    swallowed = recorder(swallow, "error", "close")
    swallow.destroy(ValueError("gone"))
    other = KeyError("other")
    replace = Readable(read=noop, destroy=lambda _s, _e, cb: cb(other))
    replaced = recorder(replace, "error", "close")
    replace.destroy(ValueError("first"))
    await ticks()
    assert swallowed == ["close"]
    assert replaced == [("error", other), "close"]


async def test_async_destroy_hook_closes_after_it_returns() -> None:
    events: list[str] = []

    async def destroy(_stream: Readable, _error: BaseException | None) -> None:
        await asyncio.sleep(0)
        events.append("cleaned up")

    stream = Readable(read=noop, destroy=destroy)
    stream.on("close", lambda: events.append("close"))
    stream.destroy()
    assert stream.closed is False
    await until(stream, "close")
    assert events == ["cleaned up", "close"]
    assert stream.closed is True


@pytest.mark.parametrize(
    ("options", "expected", "destroyed"),
    [
        ({}, ["end", "close"], True),
        ({"emit_close": False}, ["end"], True),
        ({"auto_destroy": False}, ["end"], False),
    ],
    ids=["auto-destroy", "no-emit-close", "no-auto-destroy"],
)
async def test_auto_destroy_and_emit_close_after_end(
    options: dict[str, bool], expected: list[str], destroyed: bool
) -> None:
    stream = Readable(read=noop, **options)  # type: ignore[arg-type]
    events = recorder(stream, "end", "close")
    stream.push(None)
    stream.resume()
    await ticks()
    assert events == expected
    assert stream.destroyed is destroyed
    assert stream.readable_aborted is False


async def test_read_that_raises_destroys_the_stream() -> None:
    boom = RuntimeError("boom")

    def read(_stream: Readable, _size: int) -> None:
        raise boom

    stream = Readable(read=read)
    events = recorder(stream, "error", "close")
    stream.resume()
    await until(stream, "close")
    assert events == [("error", boom), "close"]


async def test_missing_read_is_err_method_not_implemented() -> None:
    stream = Readable()
    events = recorder(stream, "error", "close")
    stream.resume()
    await until(stream, "close")
    error = events[0][1]
    assert error.code == "ERR_METHOD_NOT_IMPLEMENTED"
    assert str(error) == "The _read() method is not implemented"


async def test_abort_signal_destroys_with_abort_error() -> None:
    from rillet import AbortController

    controller = AbortController()
    stream = Readable(read=noop, signal=controller.signal)
    events = recorder(stream, "error", "close")
    controller.abort()
    await until(stream, "close")
    assert isinstance(events[0][1], AbortError)
    assert events[0][1].code == "ABORT_ERR"
    assert events[1:] == ["close"]


# -- properties --------------------------------------------------------------------------


async def test_readable_properties_through_a_lifetime() -> None:
    stream = Readable(read=noop, high_water_mark=10, encoding="UTF-8")
    assert stream.readable is True
    assert stream.readable_flowing is None
    assert stream.readable_length == 0
    assert stream.readable_high_water_mark == 10
    assert stream.readable_object_mode is False
    assert stream.readable_encoding == "utf8"
    assert stream.readable_ended is False
    assert stream.readable_did_read is False
    assert stream.readable_aborted is False
    assert stream.destroyed is False
    assert stream.closed is False
    assert stream.errored is None
    assert Readable.is_disturbed(stream) is False
    stream.push(b"ab")
    assert stream.readable_length == 2
    assert list(stream.readable_buffer) == ["ab"]
    stream.on("data", lambda _chunk: None)
    assert stream.readable_flowing is True
    stream.push(None)
    assert stream.readable_ended is False, "set when 'end' is emitted, not by push(None)"
    closed = until(stream, "close")
    await once(stream, "end")
    assert stream.readable_did_read is True
    assert Readable.is_disturbed(stream) is True
    assert stream.readable_ended is True
    assert stream.readable is False
    await closed
    assert stream.closed is True
    assert stream.readable_aborted is False


def test_readable_legacy_setters() -> None:
    stream = Readable(read=noop)
    stream.readable = False
    assert stream.readable is False
    stream.readable = True
    assert stream.readable is True
    stream.readable_flowing = False
    assert stream.readable_flowing is False
    assert stream.is_paused()
    stream.destroyed = True
    assert stream.destroyed is True


def test_readable_encoding_defaults_to_none_and_byte_mode() -> None:
    stream = Readable(read=noop)
    assert stream.readable_encoding is None
    stream.push(b"x")
    assert isinstance(stream.read(), bytes)


# -- wrap() ---------------------------------------------------------------------------------


async def test_wrap_pauses_the_old_stream_on_backpressure_and_resumes_on_read() -> None:
    old = OldStream()
    stream = Readable(high_water_mark=2)
    assert stream.wrap(old) is stream
    old.emit("data", b"a")
    assert old.calls == []
    old.emit("data", b"bc")
    assert old.calls == ["pause"]
    assert stream.read() == b"abc"
    assert old.calls == ["pause", "resume"]
    old.emit("end")
    events = recorder(stream, "end", "close")
    stream.resume()
    await ticks()
    assert events == ["end", "close"]


async def test_wrap_forwards_errors_and_close() -> None:
    boom = ValueError("boom")
    old = OldStream()
    stream = Readable().wrap(old)
    events = recorder(stream, "error", "close")
    old.emit("error", boom)
    await ticks()
    assert events == [("error", boom), "close"]
    closed = Readable().wrap(other := OldStream())
    closed_events = recorder(closed, "error", "close")
    other.emit("close")
    await ticks()
    assert closed_events == ["close"]
    assert closed.destroyed
    destroyed = Readable().wrap(legacy := OldStream())
    legacy.emit("destroy")
    assert destroyed.destroyed


async def test_wrap_object_mode_passes_items_through() -> None:
    old = OldStream()
    stream = Readable(object_mode=True).wrap(old)
    got: list[Any] = []
    stream.on("data", got.append)
    await ticks()
    old.emit("data", {"k": 1})
    old.emit("data", 2)
    old.emit("end")
    await once(stream, "end")
    assert got == [{"k": 1}, 2]


# -- async with -----------------------------------------------------------------------------


async def test_async_with_destroys_an_unfinished_stream_without_raising() -> None:
    stream = Readable(read=noop)
    events = recorder(stream, "error", "close")
    async with stream as entered:
        assert entered is stream
    assert stream.destroyed and stream.closed
    assert [e if isinstance(e, str) else type(e[1]) for e in events] == [AbortError, "close"]


async def test_async_with_after_end_closes_without_error() -> None:
    stream = Readable(read=noop, auto_destroy=False)
    events = recorder(stream, "error", "close", "end")
    async with stream:
        stream.push(None)
        stream.resume()
        await once(stream, "end")
    assert events == ["end", "close"]


async def test_async_with_raises_a_different_destroy_error() -> None:
    other = KeyError("other")
    stream = Readable(read=noop, destroy=lambda _s, _e, cb: cb(other))
    stream.on("error", lambda _e: None)
    with pytest.raises(KeyError):
        async with stream:
            pass


async def test_async_with_keeps_the_body_exception() -> None:
    stream = Readable(read=noop)
    stream.on("error", lambda _e: None)
    with pytest.raises(RuntimeError, match="body"):
        async with stream:
            raise RuntimeError("body")
    assert stream.destroyed
