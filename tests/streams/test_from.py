"""``Readable.from_(iterable)``: sync and async sources, awaitables, one-chunk strings,
None items, laziness, and closing the iterator on destroy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from _readable_helpers import ticks, until

from rillet import Readable
from rillet.errors import AbortError


async def drain(stream: Readable) -> list[Any]:
    """Collect the 'data' chunks until 'end'."""
    got: list[Any] = []
    stream.on("data", got.append)
    await until(stream, "end")
    return got


async def failure(stream: Readable) -> BaseException:
    """The error ``stream`` emits before it closes."""
    errors: list[BaseException] = []
    stream.on("error", errors.append)
    stream.resume()
    await until(stream, "close")
    assert len(errors) == 1
    return errors[0]


# -- sources ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: [1, 2, 3],
        lambda: (1, 2, 3),
        lambda: range(1, 4),
        lambda: iter([1, 2, 3]),
        lambda: (n for n in (1, 2, 3)),
    ],
    ids=["list", "tuple", "range", "iterator", "generator"],
)
async def test_sync_iterables_give_their_items_in_object_mode(make: Callable[[], Any]) -> None:
    stream = Readable.from_(make())
    assert stream.readable_object_mode is True
    assert stream.readable_high_water_mark == 1
    assert await drain(stream) == [1, 2, 3]


async def test_async_generator_and_async_iterable_objects() -> None:
    async def numbers() -> AsyncIterator[int]:
        for n in range(3):
            await asyncio.sleep(0)
            yield n

    class Countdown:
        def __aiter__(self) -> Countdown:
            self.left = 3
            return self

        async def __anext__(self) -> int:
            if self.left == 0:
                raise StopAsyncIteration
            self.left -= 1
            return self.left

    assert await drain(Readable.from_(numbers())) == [0, 1, 2]
    assert await drain(Readable.from_(Countdown())) == [2, 1, 0]


async def test_awaitables_inside_a_sync_iterable_are_awaited_in_order() -> None:
    loop = asyncio.get_running_loop()
    later: asyncio.Future[str] = loop.create_future()
    loop.call_soon(later.set_result, "future")

    async def value(text: str) -> str:
        await asyncio.sleep(0)
        return text

    source = ["plain", later, value("coroutine"), "after"]
    assert await drain(Readable.from_(source)) == ["plain", "future", "coroutine", "after"]


async def test_a_string_or_bytes_is_one_chunk() -> None:
    assert await drain(Readable.from_("hello")) == ["hello"]
    assert await drain(Readable.from_(b"bytes")) == [b"bytes"]
    text = Readable.from_("hello")
    assert text.readable_object_mode is True
    assert text.readable_high_water_mark == 16


async def test_object_mode_false_gives_bytes() -> None:
    stream = Readable.from_([b"ab", b"cd", "ef"], object_mode=False)
    assert stream.readable_object_mode is False
    assert stream.readable_high_water_mark == 1
    assert b"".join(await drain(stream)) == b"abcdef"


async def test_options_are_passed_through() -> None:
    stream = Readable.from_([1], high_water_mark=5, emit_close=False)
    assert stream.readable_high_water_mark == 5
    closes: list[str] = []
    stream.on("close", lambda: closes.append("close"))
    assert await drain(stream) == [1]
    await ticks()
    assert closes == []


def test_not_iterable_raises_err_invalid_arg_type() -> None:
    with pytest.raises(TypeError) as info:
        Readable.from_(42)
    assert getattr(info.value, "code", None) == "ERR_INVALID_ARG_TYPE"


# -- laziness --------------------------------------------------------------------------------


async def test_items_are_pulled_only_as_the_consumer_asks() -> None:
    pulled: list[int] = []

    def numbers() -> Iterator[int]:
        for n in range(10):
            pulled.append(n)
            yield n

    stream = Readable.from_(numbers())
    await ticks()
    assert pulled == [], "no consumer, no pull"
    stream.on("readable", lambda: None)
    await ticks()
    assert pulled == [0], "high-water mark 1: one item buffered"
    assert stream.read() == 0
    await ticks()
    assert pulled == [0, 1]


# -- None items ------------------------------------------------------------------------------


async def test_none_item_in_a_sync_iterable_is_err_stream_null_values() -> None:
    stream = Readable.from_([1, None, 3])
    error = await failure(stream)
    assert isinstance(error, TypeError)
    assert getattr(error, "code", None) == "ERR_STREAM_NULL_VALUES"
    assert str(error) == "May not write null values to stream"


async def test_none_from_an_async_iterable_or_an_awaitable_errors_too() -> None:
    async def with_none() -> AsyncIterator[Any]:
        yield 1
        yield None

    async def none() -> None:
        return None

    for source in (with_none(), [none()]):
        error = await failure(Readable.from_(source))
        assert getattr(error, "code", None) == "ERR_STREAM_NULL_VALUES"


async def test_an_iterator_that_raises_destroys_the_stream() -> None:
    boom = ValueError("boom")

    def broken() -> Iterator[int]:
        yield 1
        raise boom

    async def broken_async() -> AsyncIterator[int]:
        yield 1
        raise boom

    async def failing() -> int:
        raise boom

    for source in (broken(), broken_async(), [failing()]):
        assert await failure(Readable.from_(source)) is boom


# -- destroy closes the iterator ---------------------------------------------------------------


async def test_destroy_closes_a_sync_generator_before_close() -> None:
    events: list[str] = []

    def numbers() -> Iterator[int]:
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            events.append("generator closed")

    stream = Readable.from_(numbers())
    stream.on("close", lambda: events.append("close"))
    async for item in stream:
        if item == 2:
            break
    await ticks()
    assert events == ["generator closed", "close"]


async def test_destroy_with_an_error_throws_it_into_the_generator() -> None:
    boom = ValueError("boom")
    seen: list[BaseException] = []

    def numbers() -> Iterator[int]:
        try:
            yield 1
            yield 2
        except ValueError as exc:
            seen.append(exc)
            raise

    stream = Readable.from_(numbers())
    stream.on("readable", lambda: None)
    await ticks()
    errors: list[BaseException] = []
    stream.on("error", errors.append)
    stream.destroy(boom)
    await until(stream, "close")
    assert seen == [boom]
    assert errors == [boom]


async def test_destroy_closes_a_suspended_async_generator() -> None:
    events: list[str] = []
    started = asyncio.Event()

    async def forever() -> AsyncIterator[int]:
        try:
            yield 0
            started.set()
            await asyncio.Event().wait()
            yield 1
        finally:
            events.append("generator closed")

    stream = Readable.from_(forever())
    stream.on("close", lambda: events.append("close"))
    stream.on("error", lambda _e: None)
    got: list[int] = []
    stream.on("data", got.append)
    await started.wait()
    stream.destroy()
    await until(stream, "close")
    assert got == [0]
    assert events == ["generator closed", "close"]


async def test_break_from_async_for_over_an_async_generator_closes_it() -> None:
    events: list[str] = []

    async def numbers() -> AsyncIterator[int]:
        try:
            for n in range(100):
                yield n
        finally:
            events.append("generator closed")

    stream = Readable.from_(numbers())
    errors: list[BaseException] = []
    stream.on("error", errors.append)
    closed = until(stream, "close")
    async for item in stream:
        if item == 3:
            break
    await closed
    assert events == ["generator closed"]
    assert [type(e) for e in errors] == [AbortError]


async def test_destroy_waits_for_an_awaitable_item_in_flight() -> None:
    events: list[str] = []

    async def slow() -> str:
        try:
            await asyncio.Event().wait()
        finally:
            events.append("item cancelled")
        return "never"

    stream = Readable.from_(["first", slow(), "third"])
    stream.on("close", lambda: events.append("close"))
    got: list[str] = []
    stream.on("data", got.append)
    await ticks()
    stream.destroy()
    await until(stream, "close")
    assert got == ["first"]
    assert events == ["item cancelled", "close"]
