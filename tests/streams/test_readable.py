"""Readable's state machine, rule by rule: flowing (R-FLOW-*), ``read(n)`` (R-READ-*),
``'readable'`` (R-READY-*), ``push`` (R-PUSH-*) and ``unshift`` (R-UNSHIFT-1)."""

from __future__ import annotations

from typing import Any

import pytest
from _readable_helpers import noop, record, ticks

from rillet import Readable
from rillet._core import next_tick

# -- R-FLOW: the flowing state machine ------------------------------------------------


async def test_r_flow_1_starts_null_and_reads_nothing_without_a_consumer() -> None:
    calls: list[int] = []
    stream = Readable(read=lambda _s, size: calls.append(size))
    assert stream.readable_flowing is None
    await ticks()
    assert calls == []
    assert stream.readable_flowing is None


async def test_r_flow_2_data_listener_resumes_on_next_tick() -> None:
    events: list[Any] = []
    stream = Readable(read=noop)
    stream.push(b"a")
    record(stream, events, "resume", "data")
    assert stream.readable_flowing is True
    next_tick(events.append, "tick")
    events.append("sync")
    await ticks()
    assert events == ["sync", "resume", ("data", b"a"), "tick"]


async def test_r_flow_2_data_listener_on_explicitly_paused_stream_does_not_resume() -> None:
    events: list[Any] = []
    stream = Readable(read=noop)
    stream.readable_flowing = False
    record(stream, events, "resume", "data")
    stream.push(b"a")
    await ticks()
    assert events == []
    assert stream.readable_flowing is False


async def test_r_flow_3_pause_sets_false_and_a_later_data_listener_stays_paused() -> None:
    events: list[Any] = []
    stream = Readable(read=noop)
    record(stream, events, "pause", "resume")
    assert stream.pause() is stream
    assert events == ["pause"]
    assert stream.readable_flowing is False
    stream.pause()
    assert events == ["pause"], "'pause' is emitted only when the state changes"
    record(stream, events, "data")
    stream.push(b"x")
    await ticks()
    assert events == ["pause"]
    assert stream.readable_length == 1
    stream.resume()
    await ticks()
    assert events == ["pause", "resume", ("data", b"x")]


async def test_r_flow_4_readable_listener_takes_over_from_data() -> None:
    events: list[Any] = []
    stream = Readable(read=noop)
    record(stream, events, "data", "pause")
    stream.on("readable", lambda: events.append("readable"))
    assert stream.readable_flowing is False
    stream.resume()
    assert stream.readable_flowing is False
    stream.pause()
    assert "pause" not in events
    stream.push(b"a")
    await ticks()
    assert events == ["readable"]
    chunk = stream.read()
    events.append("read returned")
    assert chunk == b"a"
    assert events == ["readable", ("data", b"a"), "read returned"]


async def test_r_flow_5_removing_readable_resumes_when_data_listener_exists() -> None:
    events: list[Any] = []
    stream = Readable(read=noop)
    record(stream, events, "data")

    def on_readable() -> None:
        events.append("readable")

    stream.on("readable", on_readable)
    stream.push(b"a")
    await ticks()
    assert events == ["readable"]
    stream.remove_listener("readable", on_readable)
    assert stream.readable_flowing is False, "handled on the next tick"
    await ticks()
    assert stream.readable_flowing is True
    assert events == ["readable", ("data", b"a")]


async def test_r_flow_5_removing_the_last_readable_listener_goes_back_to_null() -> None:
    stream = Readable(read=noop)

    def on_readable() -> None:
        pass

    stream.on("readable", on_readable)
    assert stream.readable_flowing is False
    stream.off("readable", on_readable)
    assert stream.readable_flowing is False
    await ticks()
    assert stream.readable_flowing is None


async def test_r_flow_5_remove_all_listeners_is_handled_on_the_next_tick() -> None:
    stream = Readable(read=noop)
    stream.on("readable", lambda: None)
    stream.remove_all_listeners()
    assert stream.readable_flowing is False
    await ticks()
    assert stream.readable_flowing is None


async def test_r_flow_6_removing_every_data_listener_keeps_flowing_and_drops_data() -> None:
    got: list[bytes] = []
    stream = Readable(read=noop)
    stream.on("data", got.append)
    await ticks()
    stream.push(b"a")
    stream.remove_listener("data", got.append)
    stream.push(b"b")
    await ticks()
    assert stream.readable_flowing is True
    assert not stream.is_paused()
    assert got == [b"a"]
    assert stream.readable_length == 0


async def test_r_flow_7_pipe_resumes_the_source() -> None:
    from rillet import PassThrough

    source = Readable(read=noop)
    assert source.readable_flowing is None
    source.pipe(PassThrough())
    assert source.readable_flowing is True


async def test_r_flow_8_data_is_emitted_inside_push_when_flowing_and_empty() -> None:
    events: list[Any] = []
    stream = Readable(read=noop)
    record(stream, events, "data")
    await ticks()
    assert stream.push(b"a") is True
    events.append("after push")
    assert events == [("data", b"a"), "after push"]
    assert stream.readable_length == 0


async def test_r_flow_8_before_the_first_read_push_buffers() -> None:
    events: list[Any] = []
    stream = Readable(read=noop)
    record(stream, events, "data")
    stream.push(b"a")
    events.append("after push")
    assert stream.readable_length == 1
    await ticks()
    assert events == ["after push", ("data", b"a")]


async def test_r_flow_8_push_inside_a_synchronous_read_buffers() -> None:
    events: list[Any] = []
    left = [b"x"]

    def read(stream: Readable, _size: int) -> None:
        events.append("_read")
        stream.push(left.pop() if left else None)
        events.append("pushed")

    stream = Readable(read=read)
    record(stream, events, "data", "end")
    await ticks()
    # resume's read(0) pulls "x" into the buffer; flow()'s read() calls _read again
    # (EOF) before it returns the buffered "x", and never inside push().
    assert events == ["_read", "pushed", "_read", "pushed", ("data", b"x"), "end"]


async def test_r_flow_8_buffered_data_goes_first_then_flow_drains_in_order() -> None:
    events: list[Any] = []
    stream = Readable(read=noop)
    stream.pause()
    stream.push(b"a")
    stream.push(b"b")
    record(stream, events, "data")
    stream.resume()
    stream.push(b"c")
    await ticks()
    assert events == [("data", b"a"), ("data", b"b"), ("data", b"c")]


async def test_r_flow_9_is_paused() -> None:
    stream = Readable(read=noop)
    assert stream.is_paused() is False
    stream.pause()
    assert stream.is_paused() is True
    stream.resume()
    assert stream.is_paused() is False
    other = Readable(read=noop)
    other.on("readable", lambda: None)
    assert other.readable_flowing is False
    assert other.is_paused() is True


# -- R-READ: read(n) ----------------------------------------------------------------


def test_r_read_1_paused_read_returns_everything_concatenated() -> None:
    stream = Readable(read=noop)
    for chunk in (b"a", b"bc", b"d"):
        stream.push(chunk)
    assert stream.read() == b"abcd"
    assert stream.readable_length == 0


def test_r_read_1_flowing_read_returns_one_chunk() -> None:
    stream = Readable(read=noop)
    stream.push(b"a")
    stream.push(b"bc")
    stream.readable_flowing = True
    assert stream.read() == b"a"
    assert stream.read() == b"bc"


def test_r_read_1_object_mode_returns_one_item_and_ignores_n() -> None:
    stream = Readable(read=noop, object_mode=True)
    for item in ({"a": 1}, [2], "three", 0):
        stream.push(item)
    assert stream.read() == {"a": 1}
    assert stream.read(100) == [2]
    assert stream.read(1) == "three"
    assert stream.read() == 0
    assert stream.read() is None


def test_r_read_2_read_n_splits_chunks() -> None:
    stream = Readable(read=noop)
    stream.push(b"abc")
    stream.push(b"defgh")
    assert stream.read(2) == b"ab"
    assert stream.read(3) == b"cde"
    assert stream.read(3) == b"fgh"
    assert stream.read(1) is None


def test_r_read_2_more_than_buffered_is_null_until_the_end() -> None:
    stream = Readable(read=noop)
    stream.push(b"abc")
    assert stream.read(5) is None
    assert stream.readable_length == 3
    stream.push(None)
    assert stream.read(5) == b"abc"
    assert stream.read(5) is None


def test_r_read_3_read_0_calls_read_with_the_high_water_mark() -> None:
    sizes: list[int] = []
    stream = Readable(read=lambda _s, size: sizes.append(size), high_water_mark=4)
    assert stream.read(0) is None
    assert sizes == [4]


async def test_r_read_3_read_0_over_the_mark_schedules_readable_not_read() -> None:
    sizes: list[int] = []
    events: list[str] = []
    stream = Readable(read=lambda _s, size: sizes.append(size), high_water_mark=2)
    stream.on("readable", lambda: events.append("readable"))
    await ticks()
    assert sizes == [2]
    stream.push(b"ab")
    await ticks()
    assert events == ["readable"]
    calls = len(sizes)
    assert stream.read(0) is None
    assert len(sizes) == calls
    await ticks()
    assert events == ["readable", "readable"]
    assert len(sizes) == calls


async def test_r_read_3_read_0_at_the_end_schedules_end() -> None:
    events: list[str] = []
    stream = Readable(read=noop)
    stream.on("end", lambda: events.append("end"))
    stream.push(None)
    stream.read(0)
    await ticks()
    assert events == ["end"]


def test_r_read_4_read_above_the_mark_raises_it_to_a_power_of_two() -> None:
    stream = Readable(read=noop, high_water_mark=16)
    stream.read(100)
    assert stream.readable_high_water_mark == 128
    stream.read(128)
    assert stream.readable_high_water_mark == 128
    stream.read(129)
    assert stream.readable_high_water_mark == 256
    stream.read(2**30)
    assert stream.readable_high_water_mark == 2**30


def test_r_read_4_more_than_1_gib_is_out_of_range() -> None:
    stream = Readable(read=noop)
    with pytest.raises(ValueError) as info:
        stream.read(2**30 + 1)
    assert getattr(info.value, "code", None) == "ERR_OUT_OF_RANGE"
    assert "It must be <= 1GiB" in str(info.value)


def test_r_read_4_non_integer_sizes_are_parsed_as_base_10() -> None:
    stream = Readable(read=noop)
    stream.push(b"abcdef")
    assert stream.read("1") == b"a"  # type: ignore[arg-type]
    assert stream.read("1.0") == b"b"
    assert stream.read(2.7) == b"cd"  # type: ignore[arg-type]
    assert stream.read("x") == b"ef", "unparsable means no size: read everything"


def test_r_read_4_a_negative_size_reads_nothing() -> None:
    stream = Readable(read=noop)
    stream.push(b"abc")
    assert stream.read(-1) is None
    assert stream.readable_length == 3


def test_r_read_5_read_is_not_called_again_until_a_push() -> None:
    sizes: list[int] = []
    stream = Readable(read=lambda _s, size: sizes.append(size))
    stream.read(0)
    stream.read(0)
    stream.read()
    assert len(sizes) == 1
    stream.push(b"a")
    stream.read(0)
    assert len(sizes) == 2


def test_r_read_5_read_is_not_called_at_or_above_the_mark() -> None:
    sizes: list[int] = []
    stream = Readable(read=lambda _s, size: sizes.append(size), high_water_mark=3)
    stream.push(b"abc")
    stream.read(0)
    assert sizes == []
    assert stream.read(1) == b"a"  # 3 - 1 < 3: _read runs before the data is returned
    assert sizes == [3]


def test_r_read_5_read_is_not_called_after_end_destroy_or_error() -> None:
    sizes: list[int] = []
    ended = Readable(read=lambda _s, size: sizes.append(size))
    ended.push(None)
    ended.read(0)
    destroyed = Readable(read=lambda _s, size: sizes.append(size))
    destroyed.destroy()
    destroyed.read(0)
    errored = Readable(read=lambda _s, size: sizes.append(size), auto_destroy=False)
    errored.on("error", lambda _e: None)
    errored.push(42)
    errored.read(0)
    assert sizes == []


def test_r_read_5_a_synchronous_push_from_read_is_returned_at_once() -> None:
    stream = Readable(read=lambda s, _size: s.push(b"xy"))
    assert stream.read(2) == b"xy"
    assert stream.read() == b"xy"


async def test_r_read_6_every_non_null_read_emits_data_synchronously() -> None:
    events: list[Any] = []
    stream = Readable(read=noop)
    stream.pause()
    record(stream, events, "data")
    stream.push(b"ab")
    stream.push(b"c")
    assert stream.read(1) == b"a"
    events.append("between")
    assert stream.read() == b"bc"
    assert stream.read() is None
    assert events == [("data", b"a"), "between", ("data", b"bc")]
    assert stream.readable_did_read is True


async def test_r_read_6_read_after_end_returns_null_without_error() -> None:
    events: list[Any] = []
    stream = Readable(read=noop, auto_destroy=False)
    record(stream, events, "end", "error", "data")
    stream.push(b"a")
    stream.push(None)
    stream.resume()
    await ticks()
    assert events == [("data", b"a"), "end"]
    assert stream.read() is None
    assert stream.read(5) is None
    await ticks()
    assert events == [("data", b"a"), "end"]


async def test_r_read_6_no_data_event_after_error_was_emitted() -> None:
    events: list[Any] = []
    stream = Readable(read=noop, auto_destroy=False)
    stream.pause()
    record(stream, events, "data", "error")
    stream.push(b"a")
    stream.push(42)  # not a valid chunk: 'error' is emitted at once (no autoDestroy)
    assert [name for name, _ in events] == ["error"]
    assert stream.read() == b"a"
    assert [name for name, _ in events] == ["error"]


# -- R-READY: the 'readable' event --------------------------------------------------


async def test_r_ready_1_several_pushes_in_one_tick_give_one_readable() -> None:
    events: list[Any] = []
    stream = Readable(read=noop)
    stream.on("readable", lambda: events.append("readable"))
    await ticks()
    stream.push(b"a")
    stream.push(b"b")
    events.append("sync")
    await ticks()
    assert events == ["sync", "readable"]
    assert stream.read() == b"ab"


async def test_r_ready_1_no_new_readable_over_the_mark_until_read_returns_null() -> None:
    count = 0

    def on_readable() -> None:
        nonlocal count
        count += 1

    stream = Readable(read=noop, high_water_mark=1)
    stream.on("readable", on_readable)
    stream.push(b"ab")
    await ticks()
    assert count == 1
    stream.push(b"c")
    await ticks()
    assert count == 1
    assert stream.read() == b"abc"
    assert stream.read() is None
    stream.push(b"d")
    await ticks()
    assert count == 2


async def test_r_ready_2_eof_readable_is_synchronous_outside_the_sync_state() -> None:
    events: list[Any] = []
    stream = Readable(read=noop)

    def on_readable() -> None:
        events.append("readable")
        events.append(("read", stream.read()))

    stream.on("readable", on_readable)
    stream.on("end", lambda: events.append("end"))
    await ticks()
    stream.push(None)
    events.append("after push")
    assert events == ["readable", ("read", None), "after push"]
    await ticks()
    assert events[-1] == "end"


async def test_r_ready_2_eof_readable_is_deferred_in_the_sync_state() -> None:
    events: list[Any] = []
    stream = Readable(read=noop)
    stream.on("readable", lambda: events.append(("readable", stream.read())))
    stream.on("end", lambda: events.append("end"))
    stream.push(b"a")
    stream.push(None)
    events.append("after push")
    await ticks()
    assert events == ["after push", ("readable", b"a"), "end"]


async def test_r_ready_2_eof_inside_read_is_deferred() -> None:
    events: list[Any] = []

    def read(stream: Readable, _size: int) -> None:
        stream.push(None)
        events.append("pushed eof")

    stream = Readable(read=read)
    stream.on("readable", lambda: events.append(("readable", stream.read())))
    stream.on("end", lambda: events.append("end"))
    await ticks()
    assert events == ["pushed eof", ("readable", None), "end"]


async def test_r_ready_2_end_waits_for_the_buffer_to_drain() -> None:
    events: list[Any] = []
    stream = Readable(read=noop, high_water_mark=1)
    stream.on("readable", lambda: events.append("readable"))
    stream.on("end", lambda: events.append("end"))
    stream.push(b"ab")
    stream.push(None)
    await ticks()
    assert events == ["readable"]
    assert stream.read(1) == b"a"
    await ticks()
    assert "end" not in events
    assert stream.read(1) == b"b"
    assert stream.read() is None
    await ticks()
    assert events[-1] == "end"


async def test_r_ready_3_late_readable_listener_gets_readable_without_a_read() -> None:
    sizes: list[int] = []
    events: list[str] = []
    stream = Readable(read=lambda _s, size: sizes.append(size), high_water_mark=2)
    stream.push(b"abc")
    await ticks()
    stream.on("readable", lambda: events.append("readable"))
    assert events == []
    await ticks()
    assert events == ["readable"]
    assert sizes == []


# -- R-PUSH ---------------------------------------------------------------------------


def test_r_push_1_return_value_follows_the_mark() -> None:
    stream = Readable(read=noop, high_water_mark=2)
    assert [stream.push("a"), stream.push("b"), stream.push("c")] == [True, False, False]
    zero = Readable(read=noop, high_water_mark=0)
    assert zero.push("") is True
    assert zero.push(b"") is True
    assert zero.push("a") is False
    ended = Readable(read=noop)
    assert ended.push(None) is False
    assert ended.push(None) is False


async def test_r_push_2_empty_chunk_adds_nothing_and_reads_again() -> None:
    sizes: list[int] = []
    stream = Readable(read=lambda _s, size: sizes.append(size))
    stream.read(0)
    assert len(sizes) == 1
    assert stream.push(b"") is True
    assert stream.readable_length == 0
    await ticks()
    assert len(sizes) == 2


async def test_r_push_2_object_mode_delivers_empty_and_falsy_values() -> None:
    got: list[Any] = []
    stream = Readable(read=noop, object_mode=True)
    stream.on("data", got.append)
    for item in ("", b"", 0, False, []):
        stream.push(item)
    stream.push(None)
    await once_end(stream)
    assert got == ["", b"", 0, False, []]


async def once_end(stream: Readable) -> None:
    from rillet import once

    await once(stream, "end")


async def test_r_push_3_second_eof_is_ignored() -> None:
    events: list[Any] = []
    stream = Readable(read=noop)
    record(stream, events, "error", "end")
    stream.push(None)
    stream.push(None)
    stream.resume()
    await ticks()
    assert events == ["end"]


async def test_r_push_3_push_after_eof_errors_once() -> None:
    events: list[Any] = []
    stream = Readable(read=noop)
    record(stream, events, "error", "close")
    stream.push(None)
    assert stream.push(b"a") is False
    assert stream.push(b"b") is False
    await ticks()
    assert [e if isinstance(e, str) else (e[0], e[1].code) for e in events] == [
        ("error", "ERR_STREAM_PUSH_AFTER_EOF"),
        "close",
    ]
    assert str(events[0][1]) == "stream.push() after EOF"


async def test_r_push_3_push_after_eof_without_auto_destroy_errors_once() -> None:
    errors: list[BaseException] = []
    stream = Readable(read=noop, auto_destroy=False)
    stream.on("error", errors.append)
    stream.push(None)
    stream.push(b"a")
    stream.push(b"b")
    await ticks()
    assert [getattr(e, "code", None) for e in errors] == ["ERR_STREAM_PUSH_AFTER_EOF"]
    assert stream.destroyed is False


async def test_r_push_3_push_on_destroyed_or_errored_stream_is_ignored() -> None:
    destroyed = Readable(read=noop)
    destroyed.destroy()
    assert destroyed.push(b"a") is False
    assert destroyed.readable_length == 0
    errored = Readable(read=noop, auto_destroy=False)
    errored.on("error", lambda _e: None)
    errored.push(1)
    assert errored.errored is not None
    assert errored.push(b"a") is False
    assert errored.readable_length == 0
    await ticks()


@pytest.mark.parametrize("chunk", [[], {}, 0, 1.5, object()])
async def test_r_push_4_wrong_chunk_type_emits_err_invalid_arg_type(chunk: Any) -> None:
    errors: list[BaseException] = []
    stream = Readable(read=noop)
    stream.on("error", errors.append)
    assert stream.push(chunk) is False
    await ticks()
    assert len(errors) == 1
    assert isinstance(errors[0], TypeError)
    assert getattr(errors[0], "code", None) == "ERR_INVALID_ARG_TYPE"
    assert stream.destroyed


def test_r_push_4_strings_use_the_encoding_or_the_default_encoding() -> None:
    stream = Readable(read=noop)
    stream.push("ff00", "hex")
    stream.push("é")
    stream.push(bytearray(b"ba"))
    stream.push(memoryview(b"mv"))
    assert stream.read() == b"\xff\x00\xc3\xa9bamv"
    latin = Readable(read=noop, default_encoding="latin1")
    latin.push("é")
    assert latin.read() == b"\xe9"


def test_r_push_4_unknown_default_encoding_raises() -> None:
    with pytest.raises(TypeError) as info:
        Readable(default_encoding="nope")
    assert getattr(info.value, "code", None) == "ERR_UNKNOWN_ENCODING"


# -- R-UNSHIFT-1 --------------------------------------------------------------------------


def test_r_unshift_1_puts_the_chunk_at_the_head() -> None:
    stream = Readable(read=noop, high_water_mark=4)
    stream.push(b"cd")
    assert stream.unshift(b"ab") is False
    assert stream.readable_length == 4
    assert stream.read() == b"abcd"
    assert stream.unshift(b"x") is True


def test_r_unshift_1_object_mode_unshifts_come_out_reversed() -> None:
    stream = Readable(read=noop, object_mode=True)
    stream.push("last")
    for item in (1, 2, 3):
        stream.unshift(item)
    assert [stream.read() for _ in range(4)] == [3, 2, 1, "last"]


def test_r_unshift_1_a_string_is_re_encoded_to_the_stream_encoding() -> None:
    stream = Readable(read=noop)
    stream.set_encoding("hex")
    stream.push(b"\x01")
    stream.unshift("ab", "utf8")
    assert stream.readable_length == 6
    assert stream.read() == "616201"


def test_r_unshift_1_bytes_unshifted_into_a_decoding_stream_are_decoded() -> None:
    stream = Readable(read=noop, encoding="utf8")
    stream.push(b"cd")
    stream.unshift("é".encode() + b"b")
    assert stream.readable_length == 4
    assert stream.read() == "ébcd"


async def test_r_unshift_1_unshift_none_is_eof() -> None:
    events: list[Any] = []
    stream = Readable(read=noop)
    record(stream, events, "end")
    stream.push(b"a")
    assert stream.unshift(None) is False
    stream.resume()
    await ticks()
    assert events == ["end"]


async def test_r_unshift_1_unshift_after_end_errors() -> None:
    errors: list[BaseException] = []
    stream = Readable(read=noop, auto_destroy=False)
    stream.on("error", errors.append)
    stream.push(None)
    stream.resume()
    await once_end(stream)
    stream.unshift(b"late")
    assert [getattr(e, "code", None) for e in errors] == ["ERR_STREAM_UNSHIFT_AFTER_END_EVENT"]
    assert str(errors[0]) == "stream.unshift() after end event"


async def test_r_unshift_1_unshift_after_eof_but_before_end_is_read() -> None:
    got: list[bytes] = []
    stream = Readable(read=noop)
    stream.push(b"b")
    stream.push(None)
    stream.unshift(b"a")
    stream.on("data", got.append)
    await once_end(stream)
    assert got == [b"a", b"b"]
