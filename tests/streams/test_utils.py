"""The stream predicates (Node's streams/utils.js): what a stream is and where it stands."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from rillet import Duplex, EventEmitter, PassThrough, Readable, Writable, finished
from rillet.streams import is_destroyed, is_disturbed, is_errored, is_readable, is_writable
from rillet.streams._utils import (
    is_closed,
    is_finished,
    is_iterable,
    is_node_stream,
    is_readable_node_stream,
    is_writable_node_stream,
    will_emit_close,
)


def readable(**options: Any) -> Readable:
    return Readable(read=lambda *_: None, **options)


def writable(**options: Any) -> Writable:
    return Writable(write=lambda _s, _c, _e, cb: cb(), **options)


async def ended(stream: Readable) -> None:
    stream.push(None)
    stream.resume()
    await finished(stream)


# -- is_iterable --------------------------------------------------------------------------


async def test_is_iterable() -> None:
    async def agen() -> AsyncIterator[int]:
        yield 1

    def gen() -> Any:
        yield 1

    assert is_iterable([1]) and is_iterable(gen()) and is_iterable({"a": 1})
    assert is_iterable(agen()) and is_iterable(readable())
    assert is_iterable(agen(), True) and not is_iterable([1], True)
    assert is_iterable([1], False) and not is_iterable(agen(), False)
    for value in (None, 1, "str", b"bytes", bytearray(b"x"), memoryview(b"x")):
        assert not is_iterable(value), value


async def test_a_future_is_not_an_iterable() -> None:
    future = asyncio.get_running_loop().create_future()
    assert not is_iterable(future)
    future.cancel()


# -- kinds --------------------------------------------------------------------------------


async def test_node_stream_kinds() -> None:
    r, w, d = readable(), writable(), PassThrough()
    assert is_node_stream(r) and is_node_stream(w) and is_node_stream(d)
    assert is_readable_node_stream(r) and not is_writable_node_stream(r)
    assert is_writable_node_stream(w) and not is_readable_node_stream(w)
    assert is_readable_node_stream(d) and is_writable_node_stream(d)
    for other in (None, 1, [1], EventEmitter()):
        assert not is_node_stream(other)


async def test_one_sided_duplexes() -> None:
    read_only = Duplex(writable=False, read=lambda *_: None)
    write_only = Duplex(readable=False, write=lambda _s, _c, _e, cb: cb())
    assert is_readable_node_stream(read_only) and not is_writable_node_stream(read_only)
    assert is_writable_node_stream(write_only) and not is_readable_node_stream(write_only)


async def test_duck_typed_legacy_streams() -> None:
    class Legacy(EventEmitter):
        def pipe(self, dest: Any) -> Any:
            return dest

    class Sink(EventEmitter):
        def write(self, chunk: Any) -> bool:
            return True

    assert is_node_stream(Legacy()) and is_readable_node_stream(Legacy())
    assert is_node_stream(Sink()) and is_writable_node_stream(Sink())
    # Not a stream: the predicates that ask about one answer None.
    assert is_destroyed(object()) is None
    assert is_readable(object()) is None and is_writable(object()) is None


# -- where a stream stands ----------------------------------------------------------------


async def test_is_readable_through_a_readable_life() -> None:
    r = readable()
    assert is_readable(r) is True
    await ended(r)
    assert is_readable(r) is False


async def test_is_readable_is_false_once_destroyed() -> None:
    r = readable()
    r.destroy()
    assert is_readable(r) is False
    assert is_destroyed(r) is True


async def test_is_writable_through_a_writable_life() -> None:
    w = writable()
    assert is_writable(w) is True
    w.end()
    assert is_writable(w) is False, "false as soon as end() is called"
    assert is_destroyed(w) is False
    await finished(w)
    assert is_destroyed(w) is True and is_closed(w) is True


async def test_is_errored() -> None:
    r = readable()
    assert is_errored(r) is False
    r.on("error", lambda _e: None)
    r.destroy(ValueError("x"))
    assert is_errored(r) is True
    w = writable()
    w.destroy()
    assert is_errored(w) is False


async def test_is_disturbed_follows_node() -> None:
    fresh = readable()
    assert is_disturbed(fresh) is False
    read = Readable.from_([1])
    await read.to_array()
    assert is_disturbed(read) is True, "data was read"
    aborted = readable()
    aborted.destroy()
    assert is_disturbed(aborted) is True, "destroyed before 'end'"
    empty = readable()
    await ended(empty)
    assert empty.destroyed
    assert is_disturbed(empty) is False, "ended cleanly without data: not disturbed"
    assert Readable.is_disturbed(read) is True


async def test_is_finished() -> None:
    r = readable()
    assert is_finished(r) is False
    await ended(r)
    assert is_finished(r) is True
    d = PassThrough()
    d.end(b"unread")
    assert is_finished(d, readable=False) is True
    assert is_finished(d) is False, "the readable side still holds data"


@pytest.mark.parametrize(
    ("options", "expected"),
    [({}, True), ({"auto_destroy": False}, False), ({"emit_close": False}, False)],
)
async def test_will_emit_close(options: dict[str, Any], expected: bool) -> None:
    assert will_emit_close(readable(**options)) is expected
    assert will_emit_close(object()) is None
