"""``async for chunk in readable`` (Node's ``for await``), rules R-ITER-1..4."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from _readable_helpers import noop, recorder, ticks

from rillet import Readable
from rillet.errors import AbortError


def items(*values: Any, **options: Any) -> Readable:
    """An object-mode Readable with ``values`` buffered and EOF pushed."""
    stream = Readable(read=noop, object_mode=True, **options)
    for value in values:
        stream.push(value)
    stream.push(None)
    return stream


def iterator_listeners(stream: Readable) -> dict[str, int]:
    return {name: stream.listener_count(name) for name in ("readable", "error", "end", "close")}


# -- R-ITER-1 ------------------------------------------------------------------------------


async def test_r_iter_1_yields_every_chunk_then_stops_after_end() -> None:
    stream = items(1, 2, 3)
    events = recorder(stream, "end", "close")
    got = [item async for item in stream]
    assert got == [1, 2, 3]
    assert events[0] == "end"


async def test_r_iter_1_waits_for_data_pushed_later() -> None:
    stream = Readable(read=noop)

    async def produce() -> None:
        for chunk in (b"a", b"b", None):
            await asyncio.sleep(0)
            stream.push(chunk)

    producer = asyncio.ensure_future(produce())
    got = [chunk async for chunk in stream]
    await producer
    assert b"".join(got) == b"ab"


async def test_r_iter_1_byte_stream_yields_what_read_returns() -> None:
    stream = Readable(read=noop)
    stream.push(b"ab")
    stream.push(b"cd")
    stream.push(None)
    assert [chunk async for chunk in stream] == [b"abcd"]


async def test_r_iter_1_throws_after_the_chunks_buffered_before_the_error() -> None:
    boom = ValueError("boom")
    calls = 0

    def read(stream: Readable, _size: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            stream.push(1)
            stream.push(2)
        else:
            stream.destroy(boom)

    stream = Readable(read=read, object_mode=True)
    stream.on("error", lambda _e: None)
    got: list[Any] = []
    with pytest.raises(ValueError, match="boom") as info:
        async for item in stream:
            got.append(item)
    assert info.value is boom
    assert got == [1, 2]


async def test_r_iter_1_error_while_waiting_is_raised() -> None:
    boom = ValueError("boom")
    stream = Readable(read=noop)
    asyncio.get_running_loop().call_soon(stream.destroy, boom)
    with pytest.raises(ValueError, match="boom"):
        async for _chunk in stream:
            pass


# -- R-ITER-2 ------------------------------------------------------------------------------


async def test_r_iter_2_break_destroys_with_abort_error() -> None:
    stream = items(1, 2, 3)
    events = recorder(stream, "error", "close")
    async for item in stream:
        if item == 2:
            break
    assert stream.destroyed
    await ticks()
    assert len(events) == 2
    assert isinstance(events[0][1], AbortError)
    assert events[0][1].code == "ABORT_ERR"
    assert events[1] == "close"


async def test_r_iter_2_exception_in_the_body_destroys_the_stream() -> None:
    stream = items(1, 2, 3)
    errors = recorder(stream, "error")
    with pytest.raises(RuntimeError):
        async for _item in stream:
            raise RuntimeError("body")
    assert stream.destroyed
    await ticks()
    assert [type(e[1]) for e in errors] == [AbortError]


async def test_r_iter_2_aclose_on_a_held_iterator_destroys() -> None:
    stream = items(1, 2, 3)
    stream.on("error", lambda _e: None)
    async with contextlib.aclosing(stream.iterator()) as iterator:
        async for item in iterator:
            assert item == 1
            break
        assert not stream.destroyed, "a held iterator closes when it is closed"
    assert stream.destroyed


async def test_r_iter_2_destroy_on_return_false_leaves_the_stream_open() -> None:
    stream = items(1, 2, 3, 4)
    before = iterator_listeners(stream)
    events = recorder(stream, "error", "close")
    async for item in stream.iterator(destroy_on_return=False):
        assert item == 1
        break
    assert not stream.destroyed
    assert iterator_listeners(stream) == {
        name: count + (1 if name in ("error", "close") else 0) for name, count in before.items()
    }
    rest = [item async for item in stream]
    assert rest == [2, 3, 4]
    await ticks()
    assert events == ["close"]


async def test_r_iter_2_destroy_on_return_false_with_aclose() -> None:
    stream = items("a", "b", "c")
    iterator = stream.iterator(destroy_on_return=False)
    assert await iterator.__anext__() == "a"
    await iterator.aclose()  # type: ignore[attr-defined]
    assert not stream.destroyed
    assert stream.listener_count("readable") == 0
    with pytest.raises(StopAsyncIteration):
        await iterator.__anext__()
    second = stream.iterator(destroy_on_return=False)
    assert await second.__anext__() == "b"
    assert await second.__anext__() == "c"
    with pytest.raises(StopAsyncIteration):
        await second.__anext__()


# -- R-ITER-3 ------------------------------------------------------------------------------


async def test_r_iter_3_a_completed_loop_leaves_destruction_to_auto_destroy() -> None:
    stream = items(1, 2)
    events = recorder(stream, "error", "end", "close")
    assert [item async for item in stream] == [1, 2]
    await ticks()
    assert events == ["end", "close"]


async def test_r_iter_3_without_auto_destroy_a_completed_loop_keeps_the_stream() -> None:
    stream = items(1, 2, auto_destroy=False)
    events = recorder(stream, "error", "end", "close")
    assert [item async for item in stream] == [1, 2]
    await ticks()
    assert events == ["end"]
    assert stream.destroyed is False
    assert stream.listener_count("readable") == 0


async def test_r_iter_3_without_auto_destroy_break_still_destroys() -> None:
    stream = items(1, 2, auto_destroy=False)
    errors = recorder(stream, "error")
    async for _item in stream:
        break
    assert stream.destroyed is True
    await ticks()
    assert [type(e[1]) for e in errors] == [AbortError]


# -- R-ITER-4 ------------------------------------------------------------------------------


async def test_r_iter_4_destroyed_before_iteration_is_premature_close() -> None:
    stream = items(1, 2)
    stream.destroy()
    with pytest.raises(Exception) as info:
        async for _item in stream:
            pass
    assert getattr(info.value, "code", None) == "ERR_STREAM_PREMATURE_CLOSE"


async def test_r_iter_4_destroyed_mid_iteration_is_premature_close() -> None:
    stream = Readable(read=noop, object_mode=True)
    stream.push(1)
    got: list[Any] = []
    with pytest.raises(Exception) as info:
        async for item in stream:
            got.append(item)
            asyncio.get_running_loop().call_soon(stream.destroy)
    assert got == [1]
    assert getattr(info.value, "code", None) == "ERR_STREAM_PREMATURE_CLOSE"
    assert str(info.value) == "Premature close"


async def test_r_iter_4_destroyed_with_an_error_raises_it() -> None:
    boom = KeyError("boom")
    stream = items(1)
    stream.on("error", lambda _e: None)
    stream.destroy(boom)
    with pytest.raises(KeyError) as info:
        async for _item in stream:
            pass
    assert info.value is boom


async def test_r_iter_4_an_ended_stream_iterates_to_nothing() -> None:
    stream = items(auto_destroy=False)
    stream.resume()
    await ticks()
    assert stream.readable_ended
    assert [item async for item in stream] == []


# -- Python specifics ----------------------------------------------------------------------


async def test_an_iterator_touches_nothing_before_its_first_step() -> None:
    stream = items(1, 2)
    before = iterator_listeners(stream)
    iterator = stream.iterator()
    assert stream.readable_flowing is None
    assert iterator_listeners(stream) == before
    del iterator
    await ticks()
    assert not stream.destroyed
    unused = stream.iterator()
    await unused.aclose()  # type: ignore[attr-defined]
    assert not stream.destroyed
    assert [item async for item in stream] == [1, 2]


async def test_leaving_after_the_end_was_seen_follows_auto_destroy() -> None:
    stream = items(1, auto_destroy=False)
    iterator = stream.iterator()
    assert await iterator.__anext__() == 1
    await ticks()
    await iterator.aclose()  # type: ignore[attr-defined]
    assert stream.readable_ended
    assert stream.destroyed is False, "it ended: nothing to abort, and no autoDestroy"


async def test_anext_after_the_end_keeps_raising_stop() -> None:
    stream = items(1)
    iterator = stream.iterator()
    assert await iterator.__anext__() == 1
    for _ in range(2):
        with pytest.raises(StopAsyncIteration):
            await iterator.__anext__()
