"""The Future-returning operators: for_each, to_array, some, every, find, reduce.

Unlike map/filter/..., they never raise at the call: a bad argument rejects the Future.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from rillet import AbortController, AbortSignal, Readable
from rillet._core import next_tick
from rillet.errors import AbortError


def code_of(err: BaseException) -> str | None:
    return getattr(err, "code", None)


def turns(count: int = 5) -> asyncio.Future[None]:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def step(left: int) -> None:
        if left == 0:
            done.set_result(None)
        else:
            next_tick(lambda: loop.call_soon(step, left - 1))

    step(count)
    return done


def numbers(limit: int) -> tuple[Readable, list[int]]:
    """A Readable of 0..limit-1 and the list of the values it has handed out."""
    pulled: list[int] = []

    def gen() -> Any:
        for i in range(limit):
            pulled.append(i)
            yield i

    return Readable.from_(gen()), pulled


# -- the Futures start at once and reject on bad arguments ------------------------------


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda s: s.for_each(1), "ERR_INVALID_ARG_TYPE"),
        (lambda s: s.some(1), "ERR_INVALID_ARG_TYPE"),
        (lambda s: s.every(1), "ERR_INVALID_ARG_TYPE"),
        (lambda s: s.find(1), "ERR_INVALID_ARG_TYPE"),
        (lambda s: s.reduce(1), "ERR_INVALID_ARG_TYPE"),
        (lambda s: s.reduce("5"), "ERR_INVALID_ARG_TYPE"),
        (lambda s: s.reduce(lambda a, b: a, 0, signal=True), "ERR_INVALID_ARG_TYPE"),
        (lambda s: s.to_array(signal=True), "ERR_INVALID_ARG_TYPE"),
        (lambda s: s.for_each(print, signal=True), "ERR_INVALID_ARG_TYPE"),
        (lambda s: s.some(bool, concurrency=0), "ERR_OUT_OF_RANGE"),
        (lambda s: s.for_each(print, concurrency="Foo"), "ERR_OUT_OF_RANGE"),
    ],
)
async def test_bad_arguments_reject_the_future_instead_of_raising(call: Any, code: str) -> None:
    stream = Readable.from_([])
    result = call(stream)  # must not raise
    assert isinstance(result, asyncio.Future)
    with pytest.raises((TypeError, ValueError)) as caught:
        await result
    assert code_of(caught.value) == code


async def test_every_operator_returns_a_future_that_already_runs() -> None:
    seen: list[int] = []
    result = Readable.from_([1, 2]).for_each(seen.append)
    await turns(10)
    assert seen == [1, 2], "the work started without anyone awaiting the Future"
    assert await result is None


# -- for_each -----------------------------------------------------------------------------


async def test_for_each_sync_and_async() -> None:
    seen: list[int] = []

    async def record(x: int) -> None:
        await asyncio.sleep(0)
        seen.append(x * 10)

    assert await Readable.from_([1, 2, 3]).for_each(seen.append) is None
    await Readable.from_([1, 2]).for_each(record)
    assert seen == [1, 2, 3, 10, 20]


async def test_for_each_with_concurrency_runs_calls_at_once() -> None:
    active = 0
    peak = 0
    gate = asyncio.Event()
    three = asyncio.Event()

    async def fn(_x: int) -> None:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        if active == 3:
            three.set()
        await gate.wait()
        active -= 1

    result = Readable.from_(range(9)).for_each(fn, concurrency=3)
    await three.wait()
    await turns()
    assert active == 3
    gate.set()
    await result
    assert peak == 3


async def test_for_each_error_rejects_and_destroys_the_source() -> None:
    src = Readable.from_([1, 2, 3])

    def fn(x: int) -> None:
        if x == 2:
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await src.for_each(fn)
    await turns()
    assert src.destroyed


async def test_for_each_signal_aborts_a_call_in_progress() -> None:
    controller = AbortController()
    started = asyncio.Event()

    async def hang(_x: int) -> None:
        started.set()
        await asyncio.get_running_loop().create_future()

    result = Readable.from_([1, 2]).for_each(hang, signal=controller.signal)
    await started.wait()
    controller.abort()
    with pytest.raises(AbortError):
        await result


# -- to_array -----------------------------------------------------------------------------


async def test_to_array_objects_and_bytes() -> None:
    assert await Readable.from_([1, "a", None or 0]).to_array() == [1, "a", 0]
    chunks = await Readable.from_([b"ab", b"c"], object_mode=False).to_array()
    assert b"".join(chunks) == b"abc"


async def test_to_array_signal_aborted_while_waiting_for_data() -> None:
    controller = AbortController()
    src = Readable(read=lambda *_: None)
    result = src.to_array(signal=controller.signal)
    src.push(b"x")
    await turns()
    controller.abort()
    with pytest.raises(AbortError):
        await result
    await turns()
    assert src.destroyed


async def test_to_array_already_aborted() -> None:
    with pytest.raises(AbortError):
        await Readable.from_([1]).to_array(signal=AbortSignal.abort())


async def test_to_array_source_error() -> None:
    async def failing() -> AsyncIterator[int]:
        yield 1
        raise ValueError("source failed")

    with pytest.raises(ValueError, match="source failed"):
        await Readable.from_(failing()).to_array()


# -- some, every, find --------------------------------------------------------------------


async def test_some_every_find_results() -> None:
    assert await Readable.from_([1, 2, 3]).some(lambda x: x > 2) is True
    assert await Readable.from_([1, 2, 3]).some(lambda x: x > 3) is False
    assert await Readable.from_([]).some(bool) is False
    assert await Readable.from_([1, 2, 3]).every(lambda x: x > 0) is True
    assert await Readable.from_([1, 2, 3]).every(lambda x: x > 1) is False
    assert await Readable.from_([]).every(lambda _x: False) is True
    assert await Readable.from_([1, 2, 3]).find(lambda x: x > 1) == 2
    assert await Readable.from_([1, 2, 3]).find(lambda x: x > 5) is None


async def test_some_every_find_accept_coroutine_functions() -> None:
    async def big(x: int) -> bool:
        await asyncio.sleep(0)
        return x > 1

    assert await Readable.from_([1, 2]).some(big) is True
    assert await Readable.from_([1, 2]).every(big) is False
    assert await Readable.from_([1, 2]).find(big) == 2


@pytest.mark.parametrize(
    ("op", "fn"),
    [("some", lambda x: x == 2), ("every", lambda x: x < 2), ("find", lambda x: x == 2)],
)
async def test_short_circuit_stops_pulling_and_destroys_the_source(op: str, fn: Any) -> None:
    src, pulled = numbers(1000)
    await getattr(src, op)(fn)
    await turns()
    assert src.destroyed
    assert len(pulled) < 10


async def test_some_with_concurrency_keeps_the_first_match_in_order() -> None:
    async def slow_true(x: int) -> bool:
        for _ in range(10 - x):
            await asyncio.sleep(0)
        return x in (3, 7)

    assert await Readable.from_(range(10)).find(slow_true, concurrency=5) == 3


async def test_some_error_rejects() -> None:
    def bad(_x: int) -> bool:
        raise ValueError("predicate failed")

    with pytest.raises(ValueError, match="predicate failed"):
        await Readable.from_([1]).some(bad)


async def test_every_signal() -> None:
    with pytest.raises(AbortError):
        await Readable.from_([1, 2]).every(bool, signal=AbortSignal.abort())


# -- reduce -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "initial"),
    [([], (0,)), ([1], (0,)), (list(range(100)), (0,)), (["a", "b", "c"], ("",)), ([1, 2], ())],
)
async def test_reduce_is_functools_reduce(values: list[Any], initial: tuple[Any, ...]) -> None:
    import functools

    expected = functools.reduce(lambda a, b: a + b, values, *initial)
    assert await Readable.from_(values).reduce(lambda a, b: a + b, *initial) == expected

    async def add(a: Any, b: Any) -> Any:
        return a + b

    assert await Readable.from_(values).map(lambda x: x).reduce(add, *initial) == expected


async def test_reduce_with_an_explicit_none_initial_value() -> None:
    assert await Readable.from_([]).reduce(lambda a, b: b, None) is None
    assert await Readable.from_([1]).reduce(lambda a, b: (a, b), None) == (None, 1)


async def test_reduce_of_an_empty_stream_without_initial_is_missing_args() -> None:
    with pytest.raises(TypeError) as caught:
        await Readable.from_([]).reduce(lambda a, b: a + b)
    assert code_of(caught.value) == "ERR_MISSING_ARGS"
    assert str(caught.value) == "Reduce of an empty stream requires an initial value"


async def test_reduce_is_lazy_and_an_error_rejects() -> None:
    mapped: list[int] = []

    def record(x: int) -> int:
        mapped.append(x)
        return x

    async def reducer(acc: int, value: int) -> int:
        if acc == 1:
            raise ValueError("boom")
        return value

    with pytest.raises(ValueError, match="boom"):
        await Readable.from_(range(1, 100)).map(record).reduce(reducer, 0)
    assert len(mapped) < 10


async def test_reduce_signal_aborted_before_destroys_the_stream() -> None:
    src = Readable.from_([1, 2, 3])
    with pytest.raises(AbortError):
        await src.reduce(lambda a, b: a + b, 0, signal=AbortSignal.abort())
    assert src.destroyed and src.closed


async def test_reduce_signal_aborted_during_a_hanging_reducer() -> None:
    controller = AbortController()
    started = asyncio.Event()

    async def reducer(acc: int, value: int) -> int:
        if value == 3:
            started.set()
            await asyncio.get_running_loop().create_future()
        return acc + value

    result = Readable.from_([1, 2, 3]).reduce(reducer, 0, signal=controller.signal)
    await started.wait()
    controller.abort()
    with pytest.raises(AbortError):
        await result


async def test_reduce_signal_aborted_synchronously_after_the_call() -> None:
    controller = AbortController()
    calls: list[int] = []
    result = Readable.from_([1, 2, 3]).reduce(
        lambda a, b: calls.append(b) or a, 0, signal=controller.signal
    )
    controller.abort()
    with pytest.raises(AbortError):
        await result
    assert calls == []
