"""The stream-returning operators: map, filter, flat_map, drop, take (Node's operators.js).

They validate their arguments at the call and return an object-mode Readable.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from rillet import AbortController, AbortSignal, Readable, finished
from rillet._core import next_tick
from rillet.errors import AbortError


def code_of(err: BaseException) -> str | None:
    return getattr(err, "code", None)


def turns(count: int = 5) -> asyncio.Future[None]:
    """Done after ``count`` rounds of ticks and loop callbacks."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def step(left: int) -> None:
        if left == 0:
            done.set_result(None)
        else:
            next_tick(lambda: loop.call_soon(step, left - 1))

    step(count)
    return done


# -- map --------------------------------------------------------------------------------


async def test_map_sync_function() -> None:
    stream = Readable.from_([1, 2, 3, 4, 5]).map(lambda x: x + x)
    assert stream.readable is True
    assert await stream.to_array() == [2, 4, 6, 8, 10]


async def test_map_coroutine_function_chained() -> None:
    async def double(x: int) -> int:
        await asyncio.sleep(0)
        return x + x

    stream = Readable.from_([1, 2, 3]).map(double).map(lambda x: x + 1)
    assert await stream.to_array() == [3, 5, 7]


async def test_map_on_a_byte_stream_gets_the_chunks() -> None:
    def read(stream: Readable, _n: int) -> None:
        stream.push(bytes([1]))
        stream.push(bytes([2]))
        stream.push(None)

    src = Readable(read=read)
    # The iterator's read() takes everything buffered at once, as Node's does.
    assert await src.map(lambda chunk: list(chunk)).to_array() == [[1, 2]]


async def test_map_with_concurrency_4_runs_four_calls_at_once_in_input_order() -> None:
    gates = [asyncio.Event() for _ in range(10)]
    four_running = asyncio.Event()
    active = 0
    peak = 0

    async def slow(x: int) -> int:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        if active == 4:
            four_running.set()
        await gates[x].wait()
        active -= 1
        return x * 10

    mapped = Readable.from_(range(10)).map(slow, concurrency=4)
    result = asyncio.ensure_future(mapped.to_array())
    await four_running.wait()
    await turns()
    assert active == 4, "exactly four calls run at once"
    # Release in reverse order: later items finish first, output keeps input order.
    for gate in reversed(gates):
        gate.set()
        await turns(1)
    assert await result == [x * 10 for x in range(10)]
    assert peak == 4


async def test_map_with_default_concurrency_runs_one_call_at_a_time() -> None:
    active = 0
    peak = 0

    async def fn(x: int) -> int:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0)
        active -= 1
        return x

    assert await Readable.from_(range(5)).map(fn).to_array() == list(range(5))
    assert peak == 1


async def test_map_high_water_mark_bounds_results_held_ahead() -> None:
    calls: list[int] = []

    def fn(x: int) -> int:
        calls.append(x)
        return x

    mapped = Readable.from_(range(100)).map(fn, concurrency=2, high_water_mark=3)
    it = mapped.iterator()
    assert await it.__anext__() == 0
    await turns(10)
    # One item taken, at most concurrency + high_water_mark ahead, plus the
    # Readable.from_ buffer of one and the item in hand.
    assert len(calls) <= 1 + 2 + 3 + 2
    await it.aclose()


async def test_map_on_an_infinite_stream_stops_when_the_consumer_does() -> None:
    calls = 0

    async def forever() -> AsyncIterator[int]:
        while True:
            yield 1

    async def double(x: int) -> int:
        nonlocal calls
        calls += 1
        return x + x

    src = Readable.from_(forever())
    mapped = src.map(double)
    n = 0
    async for item in mapped:
        assert item == 2
        n += 1
        if n == 4:
            break
    await asyncio.gather(finished(mapped), return_exceptions=True)
    assert mapped.destroyed
    assert calls <= 8


async def test_map_sync_error_fails_the_stream() -> None:
    def fn(x: int) -> int:
        if x == 3:
            raise ValueError("boom")
        return x

    with pytest.raises(ValueError, match="boom"):
        await Readable.from_([1, 2, 3, 4]).map(fn).map(lambda x: x).to_array()


async def test_map_async_error_fails_the_stream_and_destroys_the_source() -> None:
    async def fn(x: int) -> int:
        if x == 3:
            raise ValueError("boom")
        return x

    src = Readable.from_([1, 2, 3, 4, 5])
    with pytest.raises(ValueError, match="boom"):
        await src.map(fn).to_array()
    await turns()
    assert src.destroyed


async def test_map_source_error_reaches_the_result() -> None:
    src = Readable(read=lambda *_: None)
    result = asyncio.ensure_future(src.map(lambda x: x).to_array())
    await turns()
    src.destroy(ValueError("source failed"))
    with pytest.raises(ValueError, match="source failed"):
        await result


async def test_map_error_emitted_on_the_source_during_map() -> None:
    src = Readable.from_([1, 2, 3, 4, 5])

    def fn(x: int) -> int:
        if x == 3:
            src.emit("error", ValueError("boom"))
        return x

    with pytest.raises(ValueError, match="boom"):
        await src.map(fn).map(lambda x: x).to_array()


async def test_map_signal_abort_with_concurrency_rejects_with_abort_error() -> None:
    controller = AbortController()
    started = 0
    two_started = asyncio.Event()

    async def wait_forever(_x: int) -> int:
        nonlocal started
        started += 1
        if started == 2:
            two_started.set()
        await asyncio.get_running_loop().create_future()
        raise AssertionError("unreachable")  # pragma: no cover

    stream = Readable.from_([1, 2, 3, 4, 5]).map(
        wait_forever, concurrency=2, signal=controller.signal
    )
    got: list[Any] = []

    async def consume() -> None:
        async for item in stream:
            got.append(item)

    task = asyncio.ensure_future(consume())
    await two_started.wait()
    controller.abort()
    with pytest.raises(AbortError):
        await task
    assert got == [] and started == 2


async def test_map_already_aborted_signal_fails_at_first_read() -> None:
    stream = Readable.from_([1, 2]).map(lambda x: x, signal=AbortSignal.abort())
    with pytest.raises(AbortError):
        await stream.to_array()


async def test_map_destroying_the_result_cancels_pending_calls() -> None:
    cancelled = asyncio.Event()
    started = asyncio.Event()

    async def fn(_x: int) -> int:
        started.set()
        try:
            await asyncio.get_running_loop().create_future()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return 0  # pragma: no cover

    src = Readable.from_([1, 2, 3])
    mapped = src.map(fn)
    mapped.resume()
    await started.wait()
    mapped.destroy()
    await cancelled.wait()
    await turns()
    assert src.destroyed


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"concurrency": "Foo"}, "ERR_OUT_OF_RANGE"),
        ({"concurrency": -1}, "ERR_OUT_OF_RANGE"),
        ({"concurrency": 0}, "ERR_OUT_OF_RANGE"),
        ({"concurrency": float("inf")}, "ERR_OUT_OF_RANGE"),
        ({"high_water_mark": -1}, "ERR_OUT_OF_RANGE"),
        ({"signal": True}, "ERR_INVALID_ARG_TYPE"),
    ],
)
async def test_map_bad_options_raise_at_the_call(kwargs: dict[str, Any], code: str) -> None:
    src = Readable.from_([1])
    with pytest.raises((TypeError, ValueError)) as caught:
        src.map(lambda x: x, **kwargs)
    assert code_of(caught.value) == code
    src.destroy()


async def test_map_fractional_concurrency_is_floored() -> None:
    assert await Readable.from_([1, 2]).map(lambda x: x, concurrency=2.7).to_array() == [1, 2]


@pytest.mark.parametrize("op", ["map", "filter", "flat_map"])
async def test_a_function_that_is_not_callable_raises_at_the_call(op: str) -> None:
    src = Readable.from_([1])
    with pytest.raises(TypeError) as caught:
        getattr(src, op)(1)
    assert code_of(caught.value) == "ERR_INVALID_ARG_TYPE"
    src.destroy()


# -- filter -------------------------------------------------------------------------------


async def test_filter_sync_and_async_predicates() -> None:
    async def odd(x: int) -> bool:
        await asyncio.sleep(0)
        return x % 2 == 1

    assert await Readable.from_(range(6)).filter(lambda x: x > 2).to_array() == [3, 4, 5]
    assert await Readable.from_(range(6)).filter(odd).to_array() == [1, 3, 5]


async def test_filter_keeps_falsy_items_whose_predicate_is_truthy() -> None:
    assert await Readable.from_([0, "", 1]).filter(lambda _x: True).to_array() == [0, "", 1]


async def test_filter_with_concurrency_keeps_order() -> None:
    async def keep(x: int) -> bool:
        for _ in range(5 - x % 5):
            await asyncio.sleep(0)
        return x % 3 != 0

    result = await Readable.from_(range(12)).filter(keep, concurrency=4).to_array()
    assert result == [x for x in range(12) if x % 3 != 0]


async def test_filter_error_fails_the_stream() -> None:
    def bad(x: int) -> bool:
        raise ValueError("filter failed")

    with pytest.raises(ValueError, match="filter failed"):
        await Readable.from_([1]).filter(bad).to_array()


async def test_filter_signal() -> None:
    controller = AbortController()
    src = Readable.from_(range(100))

    def predicate(x: int) -> bool:
        if x == 3:
            controller.abort()
        return True

    with pytest.raises(AbortError):
        await src.filter(predicate, signal=controller.signal).to_array()


# -- flat_map -----------------------------------------------------------------------------


async def test_flat_map_flattens_lists_async_iterables_and_streams() -> None:
    async def agen(x: int) -> AsyncIterator[int]:
        yield x
        yield x

    def expand(x: int) -> Any:
        if x == 1:
            return [1, 1]
        if x == 2:
            return agen(2)
        return Readable.from_([3, 3])

    assert await Readable.from_([1, 2, 3]).flat_map(expand).to_array() == [1, 1, 2, 2, 3, 3]


async def test_flat_map_coroutine_function_returning_a_list() -> None:
    async def pair(x: int) -> list[int]:
        return [x, x * 10]

    assert await Readable.from_([1, 2]).flat_map(pair).to_array() == [1, 10, 2, 20]


async def test_flat_map_iterates_a_string_as_node_does() -> None:
    assert await Readable.from_(["ab"]).flat_map(lambda s: s).to_array() == ["a", "b"]


async def test_flat_map_of_a_value_that_is_not_iterable_fails() -> None:
    with pytest.raises(TypeError):
        await Readable.from_([1]).flat_map(lambda x: x).to_array()


async def test_flat_map_with_concurrency_keeps_order() -> None:
    async def expand(x: int) -> list[int]:
        for _ in range(4 - x):
            await asyncio.sleep(0)
        return [x] * x

    result = await Readable.from_([1, 2, 3]).flat_map(expand, concurrency=3).to_array()
    assert result == [1, 2, 2, 3, 3, 3]


# -- drop and take ------------------------------------------------------------------------


async def test_drop_and_take() -> None:
    assert await Readable.from_([1, 2, 3, 4]).drop(2).to_array() == [3, 4]
    assert await Readable.from_([1, 2, 3, 4]).take(2).to_array() == [1, 2]
    assert await Readable.from_([1, 2]).drop(5).to_array() == []
    assert await Readable.from_([1, 2]).take(5).to_array() == [1, 2]
    assert await Readable.from_([1, 2]).take(0).to_array() == []
    assert await Readable.from_([1, 2, 3]).drop(1).take(1).to_array() == [2]


async def test_drop_and_take_coerce_the_count_as_node_does() -> None:
    assert await Readable.from_([1, 2, 3]).drop("1").to_array() == [2, 3]  # type: ignore[arg-type]
    assert await Readable.from_([1, 2, 3]).take(1.9).to_array() == [1]  # type: ignore[arg-type]
    # NaN counts as 0.
    assert await Readable.from_([1, 2]).drop("x").to_array() == [1, 2]  # type: ignore[arg-type]
    assert await Readable.from_([1, 2]).take(float("nan")).to_array() == []
    assert await Readable.from_([1, 2]).take(float("inf")).to_array() == [1, 2]


async def test_take_stops_pulling_and_destroys_the_source() -> None:
    pulled = 0

    def numbers() -> Any:
        nonlocal pulled
        for i in range(1000):
            pulled += 1
            yield i

    src = Readable.from_(numbers())
    assert await src.take(3).to_array() == [0, 1, 2]
    await turns()
    assert src.destroyed
    assert pulled < 10


@pytest.mark.parametrize("op", ["drop", "take"])
async def test_negative_counts_raise_out_of_range_at_the_call(op: str) -> None:
    src = Readable.from_([1])
    with pytest.raises(ValueError) as caught:
        getattr(src, op)(-1)
    assert code_of(caught.value) == "ERR_OUT_OF_RANGE"
    with pytest.raises(TypeError) as bad_signal:
        getattr(src, op)(1, signal=True)
    assert code_of(bad_signal.value) == "ERR_INVALID_ARG_TYPE"
    src.destroy()


@pytest.mark.parametrize("op", ["drop", "take"])
async def test_drop_and_take_with_an_aborted_signal(op: str) -> None:
    stream = getattr(Readable.from_([1, 2]), op)(1, signal=AbortSignal.abort())
    with pytest.raises(AbortError):
        await stream.to_array()


async def test_take_signal_aborted_during_iteration() -> None:
    controller = AbortController()
    stream = Readable.from_(range(10)).take(8, signal=controller.signal)
    got: list[int] = []
    with pytest.raises(AbortError):
        async for item in stream:
            got.append(item)
            if item == 2:
                controller.abort()
    assert got[:3] == [0, 1, 2] and len(got) <= 4


async def test_operators_return_object_mode_readables() -> None:
    src = Readable.from_([b"a"], object_mode=False)
    for stream in (
        src.map(lambda x: x),
        Readable.from_([1]).filter(bool),
        Readable.from_([[1]]).flat_map(lambda x: x),
        Readable.from_([1]).drop(0),
        Readable.from_([1]).take(1),
    ):
        assert stream.readable_object_mode is True
        await stream.to_array()
