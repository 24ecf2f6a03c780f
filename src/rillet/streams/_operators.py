"""The Readable operators (Node's ``streams/operators.js``): each function here is the
``Readable`` method of its name (``map_`` and ``filter_`` are ``map`` and ``filter``),
so the stream is its first argument.

``map``, ``filter``, ``flat_map``, ``drop`` and ``take`` return an object-mode Readable
and validate their arguments at the call; ``for_each``, ``to_array``, ``some``,
``every``, ``find`` and ``reduce`` return a Future that starts at once and fails
(rather than raising) on bad arguments. The function receives only the value and
may be a plain or a coroutine function.

``map`` runs up to ``concurrency`` calls at once and yields results in input order,
holding at most ``concurrency + high_water_mark`` results.
"""

from __future__ import annotations

import asyncio
import inspect
import math
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from rillet._core import AbortSignal
from rillet.errors import AbortError, invalid_arg_type, new_error, out_of_range
from rillet.streams._end_of_stream import finished

if TYPE_CHECKING:
    from rillet.streams._readable import Readable

__all__ = [
    "drop",
    "every",
    "filter_",
    "find",
    "flat_map",
    "for_each",
    "map_",
    "reduce",
    "some",
    "take",
    "to_array",
]

# The function an operator applies to each item (plain or coroutine function).
Fn = Callable[[Any], Any]


class MapOptions(TypedDict, total=False):
    """The keywords :func:`filter_` and :func:`flat_map` pass on to :func:`map_`."""

    concurrency: int
    high_water_mark: int | None
    signal: AbortSignal | None


_EMPTY: Any = object()
_EOF: Any = object()


def _check_fn(fn: Any, name: str = "fn") -> None:
    if not callable(fn):
        raise invalid_arg_type(name, "of type function", fn)


def _check_signal(signal: Any) -> None:
    if signal is not None and not isinstance(signal, AbortSignal):
        raise invalid_arg_type("options.signal", "an instance of AbortSignal", signal)


def _integer(value: Any, name: str, minimum: int) -> int:
    try:
        number = math.floor(value)
    except (TypeError, ValueError, OverflowError):
        raise out_of_range(name, f">= {minimum} && <= 9007199254740991", value) from None
    if number < minimum:
        raise out_of_range(name, f">= {minimum} && <= 9007199254740991", value)
    return int(number)


def _abort_error(signal: AbortSignal | None) -> AbortError:
    reason = signal.reason if signal is not None else None
    return AbortError(cause=reason if isinstance(reason, BaseException) else None)


def _from(generator: AsyncIterator[Any]) -> Readable:
    from rillet.streams._readable import Readable

    return Readable.from_(generator)


def _start(coro: Coroutine[Any, Any, Any]) -> asyncio.Future[Any]:
    return asyncio.ensure_future(coro)


async def _call(fn: Callable[..., Any], *args: Any) -> Any:
    result = fn(*args)
    if inspect.isawaitable(result):
        result = await result
    return result


def _settled(fn: Fn, value: Any) -> asyncio.Future[Any]:
    """``fn(value)`` as a Future: a task for a coroutine, else already done."""
    loop = asyncio.get_running_loop()
    try:
        result = fn(value)
    except Exception as exc:
        failed: asyncio.Future[Any] = loop.create_future()
        failed.set_exception(exc)
        return failed
    if inspect.isawaitable(result):
        return asyncio.ensure_future(result)
    done: asyncio.Future[Any] = loop.create_future()
    done.set_result(result)
    return done


async def _unless_aborted(awaitable: Awaitable[Any], signal: AbortSignal | None) -> Any:
    """Await ``awaitable``; if ``signal`` aborts first, cancel it and raise ``AbortError``.

    Node's operators notice an abort only between items; a Python caller expects the
    wait itself to end, so the pending step is cancelled.
    """
    if signal is None:
        return await awaitable
    task = asyncio.ensure_future(awaitable)
    waiter = asyncio.get_running_loop().create_future()

    def wake(*_: Any) -> None:
        if not waiter.done():
            waiter.set_result(None)

    task.add_done_callback(wake)
    signal.add_event_listener("abort", wake)
    try:
        await waiter
    except asyncio.CancelledError:
        task.cancel()
        raise
    finally:
        signal.remove_event_listener("abort", wake)
        task.remove_done_callback(wake)
    if not task.done():
        task.cancel()
        raise _abort_error(signal)
    return task.result()


async def _items(stream: Any, signal: AbortSignal | None) -> AsyncIterator[Any]:
    """The items of ``stream``, failing with ``AbortError`` as soon as ``signal`` aborts."""
    iterator = stream.__aiter__()
    try:
        while True:
            if signal is not None and signal.aborted:
                raise _abort_error(signal)
            try:
                value = await _unless_aborted(iterator.__anext__(), signal)
            except StopAsyncIteration:
                return
            yield value
    finally:
        # Leaving early destroys the stream, as Node's for-await return() does.
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


def map_(
    stream: Any,
    fn: Fn,
    *,
    concurrency: int = 1,
    high_water_mark: int | None = None,
    signal: AbortSignal | None = None,
) -> Readable:
    """A Readable of ``fn(item)`` for each item, up to ``concurrency`` calls at once,
    in the input's order."""
    _check_fn(fn)
    _check_signal(signal)
    concurrency = _integer(concurrency, "options.concurrency", 1)
    hwm = concurrency - 1 if high_water_mark is None else high_water_mark
    hwm = _integer(hwm, "options.high_water_mark", 0)
    return _from(_map(stream, fn, concurrency, hwm + concurrency, signal))


async def _map(
    stream: Any, fn: Fn, concurrency: int, limit: int, signal: AbortSignal | None
) -> AsyncIterator[Any]:
    loop = asyncio.get_running_loop()
    queue: deque[asyncio.Future[Any]] = deque()
    done = False
    running = 0
    # The consumer sleeps on `waiter`: a new item, the head settling or an abort wakes it.
    waiter: asyncio.Future[None] | None = None
    resume_waiter: asyncio.Future[None] | None = None

    def wake(*_: Any) -> None:
        nonlocal waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        waiter = None

    def maybe_resume() -> None:
        nonlocal resume_waiter
        if resume_waiter is not None and not done and running < concurrency and len(queue) < limit:
            if not resume_waiter.done():
                resume_waiter.set_result(None)
            resume_waiter = None

    def after_item(finished: asyncio.Future[Any]) -> None:
        nonlocal running, done
        running -= 1
        if finished.cancelled() or finished.exception() is not None:
            done = True
        maybe_resume()

    def enqueue(future: asyncio.Future[Any]) -> None:
        nonlocal running
        running += 1
        future.add_done_callback(after_item)
        queue.append(future)
        wake()

    async def pump() -> None:
        nonlocal done, resume_waiter
        try:
            async for value in stream:
                if done:
                    return
                if signal is not None and signal.aborted:
                    raise _abort_error(signal)
                enqueue(_settled(fn, value))
                if not done and (len(queue) >= limit or running >= concurrency):
                    resume_waiter = loop.create_future()
                    await resume_waiter
            eof: asyncio.Future[Any] = loop.create_future()
            eof.set_result(_EOF)
            queue.append(eof)
        except Exception as exc:
            failed: asyncio.Future[Any] = loop.create_future()
            failed.set_exception(exc)
            enqueue(failed)
        finally:
            done = True
            wake()

    if signal is not None:
        if signal.aborted:
            raise _abort_error(signal)
        signal.add_event_listener("abort", wake, once=True)
    pumping = asyncio.ensure_future(pump())
    watched: asyncio.Future[Any] | None = None
    try:
        while True:
            if signal is not None and signal.aborted:
                # fn does not get the signal (API.md): its pending calls are cancelled below.
                raise _abort_error(signal)
            head = queue[0] if queue else None
            if head is not None and head.done():
                if head.cancelled():
                    raise AbortError()  # fn's own await was cancelled: treat it as an abort
                value = head.result()
                if value is _EOF:
                    return
                if value is not _EMPTY:
                    yield value
                queue.popleft()
                maybe_resume()
                continue
            waiter = loop.create_future()
            if head is not None and head is not watched:
                watched = head
                head.add_done_callback(wake)
            await waiter
    finally:
        done = True
        if signal is not None:
            signal.remove_event_listener("abort", wake)
        if resume_waiter is not None and not resume_waiter.done():
            resume_waiter.set_result(None)
        for pending in queue:
            pending.cancel()
        if not pumping.done():
            pumping.cancel()


def filter_(stream: Any, fn: Fn, **options: Unpack[MapOptions]) -> Readable:
    """The items for which ``fn(item)`` is truthy (keywords as for ``map``)."""
    _check_fn(fn)

    async def keep(value: Any) -> Any:
        return value if await _call(fn, value) else _EMPTY

    return map_(stream, keep, **options)


def flat_map(stream: Any, fn: Fn, **options: Unpack[MapOptions]) -> Readable:
    """The items of the iterables (or streams) that ``fn(item)`` returns, flattened
    (keywords as for ``map``)."""
    values = map_(stream, fn, **options)

    async def flatten() -> AsyncIterator[Any]:
        # Node's `yield* value`: a str or bytes is iterated too; anything else is a TypeError.
        async for value in values:
            if hasattr(value, "__aiter__"):
                async for item in value:
                    yield item
            elif hasattr(value, "__iter__") and not hasattr(value, "__await__"):
                for item in value:
                    yield item
            else:
                raise invalid_arg_type("the value fn returned", "an iterable", value)

    return _from(flatten())


def _count(limit: Any) -> float:
    try:
        number = float(limit)
    except (TypeError, ValueError):
        number = math.nan
    if math.isnan(number):
        number = 0.0
    if number < 0:
        raise out_of_range("number", ">= 0", limit)
    return number if math.isinf(number) else float(math.trunc(number))


def drop(stream: Any, limit: int, *, signal: AbortSignal | None = None) -> Readable:
    """All but the first ``limit`` items."""
    _check_signal(signal)
    remaining = _count(limit)

    async def dropping() -> AsyncIterator[Any]:
        nonlocal remaining
        if signal is not None and signal.aborted:
            raise _abort_error(signal)
        async for value in stream:
            if signal is not None and signal.aborted:
                raise _abort_error(signal)
            if remaining <= 0:
                yield value
            remaining -= 1

    return _from(dropping())


def take(stream: Any, limit: int, *, signal: AbortSignal | None = None) -> Readable:
    """The first ``limit`` items; the source is destroyed after them."""
    _check_signal(signal)
    remaining = _count(limit)

    async def taking() -> AsyncIterator[Any]:
        nonlocal remaining
        if signal is not None and signal.aborted:
            raise _abort_error(signal)
        if remaining <= 0:
            return
        async for value in stream:
            if signal is not None and signal.aborted:
                raise _abort_error(signal)
            yield value
            remaining -= 1
            if remaining <= 0:
                return

    return _from(taking())


def for_each(
    stream: Any, fn: Fn, *, concurrency: int = 1, signal: AbortSignal | None = None
) -> Awaitable[None]:
    """Call ``fn(item)`` for every item; the awaitable completes after the last."""

    async def run() -> None:
        _check_fn(fn)

        async def call(value: Any) -> Any:
            await _call(fn, value)
            return _EMPTY

        async for _ in map_(stream, call, concurrency=concurrency, signal=signal):
            pass

    return _start(run())


def to_array(stream: Any, *, signal: AbortSignal | None = None) -> Awaitable[list[Any]]:
    """Every item, in a list."""

    async def run() -> list[Any]:
        _check_signal(signal)
        return [value async for value in _items(stream, signal)]

    return _start(run())


async def _first_match(
    stream: Any,
    fn: Fn,
    concurrency: int,
    signal: AbortSignal | None,
    answer: Callable[[bool, Any], Any],
    negate: bool = False,
) -> Any:
    """``answer(True, item)`` for the first item for which ``fn(item)`` is truthy (falsy
    with ``negate``), ``answer(False, None)`` when there is none."""
    _check_fn(fn)
    test = fn
    if negate:

        async def fails(value: Any) -> bool:
            return not await _call(fn, value)

        test = fails
    async for value in filter_(stream, test, concurrency=concurrency, signal=signal):
        return answer(True, value)
    return answer(False, None)


def some(
    stream: Any, fn: Fn, *, concurrency: int = 1, signal: AbortSignal | None = None
) -> Awaitable[bool]:
    """Whether ``fn(item)`` is truthy for any item (stops at the first)."""
    return _start(_first_match(stream, fn, concurrency, signal, lambda found, _: found))


def every(
    stream: Any, fn: Fn, *, concurrency: int = 1, signal: AbortSignal | None = None
) -> Awaitable[bool]:
    """Whether ``fn(item)`` is truthy for every item (stops at the first that is not)."""
    return _start(_first_match(stream, fn, concurrency, signal, lambda found, _: not found, True))


def find(
    stream: Any, fn: Fn, *, concurrency: int = 1, signal: AbortSignal | None = None
) -> Awaitable[Any]:
    """The first item for which ``fn(item)`` is truthy, else None."""
    return _start(_first_match(stream, fn, concurrency, signal, lambda _, item: item))


def reduce(
    stream: Any,
    fn: Callable[[Any, Any], Any],
    *initial: Any,
    signal: AbortSignal | None = None,
) -> Awaitable[Any]:
    """Fold the items with ``fn(accumulator, item)``, from ``initial`` if given."""

    async def run() -> Any:
        _check_fn(fn, "reducer")
        _check_signal(signal)
        has_value = len(initial) > 0
        accumulator = initial[0] if has_value else None
        if signal is not None and signal.aborted:
            error = _abort_error(signal)
            stream.once("error", lambda *_: None)  # the error is reported here instead
            stream.destroy(error)
            await asyncio.gather(finished(stream), return_exceptions=True)
            raise error
        got_item = False
        async for value in _items(stream, signal):
            got_item = True
            if not has_value:
                accumulator = value
                has_value = True
            else:
                accumulator = await _unless_aborted(_call(fn, accumulator, value), signal)
        if not got_item and not has_value:
            empty = new_error("ERR_MISSING_ARGS", '"reducer"')
            empty.message = "Reduce of an empty stream requires an initial value"
            empty.args = (empty.message,)
            raise empty
        return accumulator

    return _start(run())
