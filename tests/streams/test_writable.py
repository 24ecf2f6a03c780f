"""Writable: write() return values, ordering, 'drain', cork/uncork and _writev, validation.

Rules R-WRITE-1, R-WRITE-2, R-DRAIN-1 and R-CORK-1 of the reference, plus the chunk and
encoding handling of ``write()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from _writable_helpers import closed, loop_turns

from rillet import Writable, once
from rillet.errors import NodeError, NodeTypeError
from rillet.streams import WriteRequest

Callback = Callable[..., Any]


class HeldWrites(Writable):
    """A Writable whose ``_write`` keeps each callback until the test releases it."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.calls: list[Any] = []
        self.held: list[Callback] = []

    def _write(self, chunk: Any, encoding: str, callback: Callback) -> None:
        self.calls.append(chunk)
        self.held.append(callback)

    def release(self, error: BaseException | None = None) -> None:
        self.held.pop(0)(error)


def sync_writable(sink: list[Any], **options: Any) -> Writable:
    """A Writable that records each chunk and calls back at once."""
    return Writable(write=lambda _s, chunk, _enc, cb: (sink.append(chunk), cb()), **options)


# -- R-WRITE-1: return values ---------------------------------------------------------


async def test_r_write_1_return_values_with_hwm_3() -> None:
    w = HeldWrites(high_water_mark=3)
    assert [w.write(c) for c in ("a", "b", "c", "d")] == [True, True, False, False]
    assert w.writable_length == 4
    assert w.writable_need_drain


async def test_r_write_1_object_mode_16th_write_is_first_false() -> None:
    w = HeldWrites(object_mode=True)
    results = [w.write({"n": n}) for n in range(17)]
    assert results == [True] * 15 + [False, False]
    assert w.writable_length == 17


async def test_r_write_1_hwm_0_every_non_empty_write_is_false() -> None:
    w = HeldWrites(high_water_mark=0)
    assert w.write(b"") is True
    assert w.write(b"x") is False
    assert w.write(b"y") is False


async def test_r_write_1_counts_bytes_not_chunks() -> None:
    w = HeldWrites(high_water_mark=10)
    assert w.write(b"12345") is True
    assert w.write(b"1234") is True
    assert w.writable_length == 9
    assert w.write(b"1") is False


async def test_r_write_1_false_when_destroyed_or_errored(loop_errors: list[Any]) -> None:
    destroyed = HeldWrites()
    destroyed.destroy()
    assert destroyed.write(b"a", lambda err=None: None) is False

    errored = HeldWrites(auto_destroy=False)
    errored.on("error", lambda err: None)
    errored.write(b"a")
    errored.release(NodeError("boom", code="EBOOM"))
    await loop_turns()
    assert errored.errored is not None
    assert errored.write(b"b") is False
    assert not loop_errors


async def test_r_write_1_sync_write_keeps_length_low() -> None:
    sink: list[Any] = []
    w = sync_writable(sink, high_water_mark=1)
    # Each _write completes before write() returns: the length is back to 0.
    assert w.write(b"a") is False  # 1 >= hwm at the time of the check
    assert w.writable_length == 0
    assert sink == [b"a"]


# -- R-WRITE-2: one _write at a time, FIFO, async callbacks ------------------------------


async def test_r_write_2_one_write_at_a_time_in_order() -> None:
    w = HeldWrites()
    done: list[str] = []
    for name in ("a", "b", "c"):
        w.write(name.encode(), lambda err=None, name=name: done.append(name))
    assert w.calls == [b"a"]
    w.release()
    assert w.calls == [b"a", b"b"]
    w.release()
    w.release()
    assert w.calls == [b"a", b"b", b"c"]
    assert done == ["a", "b", "c"]


async def test_r_write_2_callbacks_are_never_called_inside_write() -> None:
    events: list[str] = []
    w = sync_writable([])
    for name in ("a", "b"):
        w.write(name, lambda err=None, name=name: events.append(f"cb:{name}:{err}"))
        events.append(f"returned:{name}")
    await loop_turns()
    assert events == ["returned:a", "returned:b", "cb:a:None", "cb:b:None"]


async def test_r_write_2_each_callback_once() -> None:
    counts = {"a": 0, "b": 0}

    def counter(name: str) -> Callback:
        def callback(err: BaseException | None = None) -> None:
            counts[name] += 1

        return callback

    w = sync_writable([])
    w.write("a", counter("a"))
    w.write("b", counter("b"))
    w.end()
    await once(w, "close")
    assert counts == {"a": 1, "b": 1}


async def test_r_write_2_callback_gets_encoding_argument_shift() -> None:
    seen: list[tuple[Any, str]] = []
    w = Writable(write=lambda _s, chunk, enc, cb: (seen.append((chunk, enc)), cb()))
    called: list[Any] = []
    w.write("hi", lambda err=None: called.append(err))
    w.write("aGk=", "base64")
    await loop_turns()
    assert seen == [(b"hi", "buffer"), (b"hi", "buffer")]
    assert called == [None]


# -- R-DRAIN-1 ------------------------------------------------------------------------------


async def test_r_drain_1_drain_comes_before_last_write_callback() -> None:
    events: list[str] = []
    w = HeldWrites(high_water_mark=2)
    w.on("drain", lambda: events.append("drain"))
    w.write(b"a", lambda err=None: events.append("cb:a"))
    assert w.write(b"b", lambda err=None: events.append("cb:b")) is False
    w.release()
    w.release()
    assert events == ["cb:a", "drain", "cb:b"]
    assert not w.writable_need_drain


async def test_r_drain_1_sync_write_drain_then_callback_on_next_tick() -> None:
    events: list[str] = []
    w = sync_writable([], high_water_mark=1)
    w.on("drain", lambda: events.append("drain"))
    assert w.write(b"a", lambda err=None: events.append("cb")) is False
    events.append("sync")
    await once(w, "drain")
    await loop_turns()
    assert events == ["sync", "drain", "cb"]


async def test_r_drain_1_no_drain_without_a_false_write() -> None:
    drains: list[str] = []
    w = HeldWrites(high_water_mark=10)
    w.on("drain", lambda: drains.append("drain"))
    w.write(b"a")
    w.release()
    await loop_turns()
    assert drains == []


async def test_r_drain_1_one_drain_per_cycle() -> None:
    drains: list[int] = []
    w = HeldWrites(high_water_mark=1)
    w.on("drain", lambda: drains.append(w.writable_length))
    for _ in range(3):
        assert w.write(b"x") is False
    for _ in range(3):
        w.release()
    assert drains == [0]
    assert w.write(b"y") is False
    w.release()
    assert drains == [0, 0]


async def test_r_drain_1_suppressed_after_end() -> None:
    events: list[str] = []
    w = HeldWrites(high_water_mark=1)
    w.on("drain", lambda: events.append("drain"))
    w.on("finish", lambda: events.append("finish"))
    assert w.write(b"a") is False
    w.end()
    assert not w.writable_need_drain
    w.release()
    await once(w, "close")
    assert events == ["finish"]


async def test_r_drain_1_suppressed_after_destroy() -> None:
    events: list[str] = []
    w = HeldWrites(high_water_mark=1)
    w.on("drain", lambda: events.append("drain"))
    w.write(b"a")
    w.destroy()
    w.release()
    await once(w, "close")
    assert events == []


# -- R-CORK-1 and _writev --------------------------------------------------------------------


async def test_r_cork_1_buffers_until_uncork_to_zero() -> None:
    w = HeldWrites(high_water_mark=3)
    w.cork()
    w.cork()
    assert w.writable_corked == 2
    assert [w.write(c) for c in (b"a", b"b", b"c")] == [True, True, False]
    assert w.calls == []
    assert w.writable_length == 3
    w.uncork()
    assert w.calls == []
    assert w.writable_corked == 1
    w.uncork()
    assert w.writable_corked == 0
    assert w.calls == [b"a"]
    w.uncork()
    assert w.writable_corked == 0


async def test_r_cork_1_uncork_uses_one_writev_call() -> None:
    batches: list[list[WriteRequest]] = []
    done: list[str] = []
    w = Writable(
        write=lambda _s, chunk, enc, cb: pytest.fail("_write must not be used"),
        writev=lambda _s, chunks, cb: (batches.append(list(chunks)), cb()),
    )
    w.cork()
    w.write("a", lambda err=None: done.append("a"))
    w.write(b"b", lambda err=None: done.append("b"))
    w.write(bytearray(b"c"))
    w.uncork()
    assert batches == [
        [WriteRequest(b"a", "buffer"), WriteRequest(b"b", "buffer"), WriteRequest(b"c", "buffer")]
    ]
    assert w.writable_length == 0
    await loop_turns()
    assert done == ["a", "b"]


async def test_r_cork_1_writev_entries_keep_string_encodings() -> None:
    batches: list[list[WriteRequest]] = []
    w = Writable(
        decode_strings=False,
        writev=lambda _s, chunks, cb: (batches.append(list(chunks)), cb()),
    )
    w.cork()
    w.write("héllo")
    w.write("aGk=", "base64")
    w.write(b"raw")
    w.uncork()
    assert batches == [
        [
            WriteRequest("héllo", "utf8"),
            WriteRequest("aGk=", "base64"),
            WriteRequest(b"raw", "buffer"),
        ]
    ]
    assert batches[0][0].chunk == "héllo"
    assert batches[0][0].encoding == "utf8"


async def test_r_cork_1_without_writev_chunks_go_one_by_one() -> None:
    sink: list[Any] = []
    w = sync_writable(sink)
    w.cork()
    w.write(b"a")
    w.write(b"b")
    assert sink == []
    w.uncork()
    assert sink == [b"a", b"b"]


async def test_r_cork_1_single_buffered_chunk_goes_to_write_not_writev() -> None:
    calls: list[str] = []
    w = Writable(
        write=lambda _s, chunk, enc, cb: (calls.append("write"), cb()),
        writev=lambda _s, chunks, cb: (calls.append("writev"), cb()),
    )
    w.cork()
    w.write(b"a")
    w.uncork()
    assert calls == ["write"]


async def test_r_cork_1_end_uncorks_fully() -> None:
    batches: list[int] = []
    w = Writable(writev=lambda _s, chunks, cb: (batches.append(len(chunks)), cb()))
    w.cork()
    w.cork()
    w.write(b"a")
    w.write(b"b")
    w.end()
    assert w.writable_corked == 0
    await once(w, "finish")
    assert batches == [2]


async def test_r_cork_1_writev_error_fails_every_batched_callback(loop_errors: list[Any]) -> None:
    boom = NodeError("boom", code="EBOOM")
    results: list[Any] = []
    w = Writable(writev=lambda _s, chunks, cb: cb(boom))
    w.on("error", lambda err: results.append(("error", err)))
    w.cork()
    w.write(b"a", lambda err=None: results.append(("a", err)))
    w.write(b"b", lambda err=None: results.append(("b", err)))
    done = closed(w)
    w.uncork()
    await done
    assert results == [("a", boom), ("b", boom), ("error", boom)]
    assert not loop_errors


async def test_writev_only_stream_writes_single_chunks_through_writev() -> None:
    batches: list[list[WriteRequest]] = []
    w = Writable(writev=lambda _s, chunks, cb: (batches.append(list(chunks)), cb()))
    w.write(b"solo")
    assert batches == [[WriteRequest(b"solo", "buffer")]]


# -- chunk conversion and validation -----------------------------------------------------


async def test_decode_strings_converts_with_the_given_encoding() -> None:
    seen: list[tuple[Any, str]] = []
    w = Writable(write=lambda _s, chunk, enc, cb: (seen.append((chunk, enc)), cb()))
    w.write("é")
    w.write("ff00", "hex")
    w.write(memoryview(b"mv"))
    assert seen == [(b"\xc3\xa9", "buffer"), (b"\xff\x00", "buffer"), (b"mv", "buffer")]
    assert all(type(chunk) is bytes for chunk, _ in seen)


async def test_decode_strings_false_passes_the_string_and_its_encoding() -> None:
    seen: list[tuple[Any, str]] = []
    w = Writable(
        decode_strings=False, write=lambda _s, chunk, enc, cb: (seen.append((chunk, enc)), cb())
    )
    w.write("é")
    w.write("ff", "hex")
    w.write(b"b")
    assert seen == [("é", "utf8"), ("ff", "hex"), (b"b", "buffer")]
    assert w.writable_length == 0


async def test_set_default_encoding_changes_string_conversion() -> None:
    seen: list[Any] = []
    w = sync_writable(seen)
    assert w.set_default_encoding("LATIN1") is w
    w.write("é")
    assert seen == [b"\xe9"]
    with pytest.raises(NodeTypeError) as info:
        w.set_default_encoding("bogus")
    assert info.value.code == "ERR_UNKNOWN_ENCODING"


async def test_default_encoding_option() -> None:
    seen: list[Any] = []
    w = sync_writable(seen, default_encoding="hex")
    w.write("abcd")
    assert seen == [b"\xab\xcd"]
    with pytest.raises(TypeError):
        Writable(default_encoding="nope")


async def test_write_none_throws_null_values_without_error_event() -> None:
    events: list[Any] = []
    for options in ({}, {"object_mode": True}):
        w = HeldWrites(**options)
        w.on("error", events.append)
        with pytest.raises(TypeError) as info:
            w.write(None)
        assert getattr(info.value, "code", None) == "ERR_STREAM_NULL_VALUES"
        assert str(info.value) == "May not write null values to stream"
        assert w.writable_length == 0
    await loop_turns()
    assert events == []


@pytest.mark.parametrize("chunk", [123, 1.5, [b"a"], {"a": 1}, True, object()])
async def test_wrong_chunk_type_throws_invalid_arg_type(chunk: Any) -> None:
    w = HeldWrites()
    with pytest.raises(TypeError) as info:
        w.write(chunk)
    assert getattr(info.value, "code", None) == "ERR_INVALID_ARG_TYPE"
    assert w.calls == []
    assert w.writable_length == 0


async def test_object_mode_accepts_any_value_but_none() -> None:
    w = HeldWrites(object_mode=True)
    for value in (0, "", False, [], {"a": 1}):
        w.write(value)
        w.release()
    assert w.calls == [0, "", False, [], {"a": 1}]


async def test_unknown_encoding_throws() -> None:
    w = HeldWrites()
    with pytest.raises(TypeError) as info:
        w.write("a", "utf-9")
    assert getattr(info.value, "code", None) == "ERR_UNKNOWN_ENCODING"
    assert str(info.value) == "Unknown encoding: utf-9"


async def test_missing_write_throws_method_not_implemented() -> None:
    w = Writable()
    with pytest.raises(NodeError) as info:
        w.write(b"a")
    assert info.value.code == "ERR_METHOD_NOT_IMPLEMENTED"
    assert str(info.value) == "The _write() method is not implemented"


async def test_write_callback_as_second_argument() -> None:
    done: list[Any] = []
    w = sync_writable([])
    w.write(b"a", lambda err=None: done.append(err))
    await loop_turns()
    assert done == [None]


async def test_writable_buffer_shows_queued_requests() -> None:
    w = HeldWrites()
    w.write(b"a")
    w.write("b")
    assert w.writable_buffer == [WriteRequest(b"b", "buffer")]


async def test_writable_pipe_is_an_error(loop_errors: list[Any]) -> None:
    errors: list[Any] = []
    w = HeldWrites()
    w.on("error", errors.append)
    done = closed(w)
    w.pipe(HeldWrites())
    await done
    assert [e.code for e in errors] == ["ERR_STREAM_CANNOT_PIPE"]
