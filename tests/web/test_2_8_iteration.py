"""Reference §2.8, "Async iteration and from"."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from web_helpers import Source, flush_async_events

from rillet.web import ReadableStream, ReadResult


async def test_2_8_values_locks_the_stream() -> None:
    rs = ReadableStream(Source(["a"]))
    iterator = rs.values()
    assert rs.locked
    await iterator.aclose()


async def test_2_8_next_reads_one_chunk() -> None:
    source = Source(["a", "b"], manual=False)
    rs = ReadableStream(source)
    iterator = rs.values()
    assert await iterator.__anext__() == "a"
    assert rs.locked
    await iterator.aclose()


async def test_2_8_closing_ends_the_iteration_and_releases_the_lock() -> None:
    rs = ReadableStream(Source(["a"]))
    assert [chunk async for chunk in rs] == ["a"]
    assert not rs.locked


async def test_2_8_an_error_is_raised_and_releases_the_lock() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    iterator = rs.values()
    boom = RuntimeError("boom")
    source.controller.error(boom)
    with pytest.raises(RuntimeError) as caught:
        await iterator.__anext__()
    assert caught.value is boom
    assert not rs.locked


async def test_2_8_after_an_error_next_ends_the_iteration() -> None:
    source = Source(manual=True)
    iterator = ReadableStream(source).values()
    source.controller.error(RuntimeError("boom"))
    with pytest.raises(RuntimeError):
        await iterator.__anext__()
    with pytest.raises(StopAsyncIteration):
        await iterator.__anext__()


async def test_2_8_return_cancels_and_releases_the_lock() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    iterator = rs.values()
    await iterator.aclose()
    assert source.cancels == [None]
    assert not rs.locked
    assert rs._state == "closed"


async def test_2_8_break_cancels_the_stream() -> None:
    source = Source(["a", "b", "c"])
    rs = ReadableStream(source)
    async for chunk in rs:
        assert chunk == "a"
        break
    gc.collect()
    await flush_async_events()
    assert source.cancels == [None]
    assert not rs.locked


async def test_2_8_return_with_prevent_cancel_only_releases_the_lock() -> None:
    source = Source(["a", "b"])
    rs = ReadableStream(source)
    iterator = rs.values(prevent_cancel=True)
    assert await iterator.__anext__() == "a"
    await iterator.aclose()
    assert source.cancels == [] and not rs.locked
    assert (await rs.get_reader().read()).value == "b"


async def test_2_8_return_rejects_when_the_stream_already_errored() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source)
    iterator = rs.values()
    boom = RuntimeError("unseen")
    source.controller.error(boom)
    with pytest.raises(RuntimeError) as caught:
        await iterator.aclose()
    assert caught.value is boom


async def test_2_8_from_does_not_call_next_before_the_first_read() -> None:
    calls: list[int] = []

    def numbers() -> Iterator[int]:
        calls.append(0)
        yield 1

    rs = ReadableStream.from_(numbers())
    await flush_async_events()
    assert calls == []
    assert (await rs.get_reader().read()).value == 1
    assert calls == [0]


async def test_2_8_from_errors_the_stream_when_next_rejects() -> None:
    boom = RuntimeError("next")

    async def failing() -> AsyncIterator[int]:
        yield 1
        raise boom

    reader = ReadableStream.from_(failing()).get_reader()
    assert (await reader.read()).value == 1
    with pytest.raises(RuntimeError) as caught:
        await reader.read()
    assert caught.value is boom


async def test_2_8_from_stalls_on_a_next_that_never_settles() -> None:
    never: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    class Stuck:
        def __aiter__(self) -> Stuck:
            return self

        def __anext__(self) -> asyncio.Future[Any]:
            return never

    read = ReadableStream.from_(Stuck()).get_reader().read()
    await flush_async_events()
    assert not read.done()
    never.cancel()
    with pytest.raises(asyncio.CancelledError):
        await read


async def test_2_8_from_does_not_close_the_iterator_on_normal_completion() -> None:
    closes: list[str] = []

    class Items:
        def __init__(self) -> None:
            self.items = [1, 2]

        def __iter__(self) -> Items:
            return self

        def __next__(self) -> int:
            if not self.items:
                raise StopIteration
            return self.items.pop(0)

        def close(self) -> None:
            closes.append("close")

    assert [chunk async for chunk in ReadableStream.from_(Items())] == [1, 2]
    assert closes == []


async def test_2_8_from_cancel_closes_the_iterator_and_waits_for_it() -> None:
    events: list[str] = []

    async def generator() -> AsyncIterator[int]:
        try:
            yield 1
            yield 2
        finally:
            await asyncio.sleep(0)
            events.append("closed")

    rs = ReadableStream.from_(generator())
    reader = rs.get_reader()
    assert (await reader.read()).value == 1
    await reader.cancel("stop")
    assert events == ["closed"]
    assert await reader.read() == ReadResult(None, True)


async def test_2_8_from_prefers_the_async_iterator() -> None:
    class Both:
        def __iter__(self) -> Iterator[str]:
            return iter(["sync"])

        async def _gen(self) -> AsyncIterator[str]:
            yield "async"

        def __aiter__(self) -> AsyncIterator[str]:
            return self._gen()

    assert [chunk async for chunk in ReadableStream.from_(Both())] == ["async"]


async def test_2_8_from_raises_errors_getting_the_iterator_at_once() -> None:
    class Broken:
        def __iter__(self) -> Iterator[int]:
            raise KeyError("no iterator")

    with pytest.raises(KeyError):
        ReadableStream.from_(Broken())
    with pytest.raises(TypeError):
        ReadableStream.from_(42)
