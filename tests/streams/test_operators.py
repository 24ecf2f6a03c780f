"""The Readable operators (Node's operators.js).

map, filter, flat_map, drop and take validate their arguments at the call and return an
object-mode Readable; for_each, to_array, some, every, find and reduce return a Future
that starts at once and rejects, never raises, on a bad argument.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from rillet import AbortController, AbortSignal, Readable, finished
from rillet.errors import AbortError


def code_of(err: BaseException) -> str | None:
    return getattr(err, "code", None)


async def turns(count: int = 5) -> None:
    """Let the loop run ``count`` turns: queued ticks and callbacks have run."""
    for _ in range(count):
        await asyncio.sleep(0)


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


# == the Future-returning operators ==========================================


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
