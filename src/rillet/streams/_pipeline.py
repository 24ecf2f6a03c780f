"""``pipeline()``: connect stages, propagate errors and clean up (rules R-PL-1..7).

Stages: the first may be a stream, an iterable, an async iterable, or a function
returning one; a middle one a Duplex or an async generator function
``async def f(source)``; the last a Writable, or an async function whose return value
becomes the result (an async generator function there is drained). A function stage
whose signature has a ``signal`` parameter receives the pipeline's AbortSignal, which
aborts when the pipeline fails.

A middle or last stage that is not a stream (a web stream, a ``{'readable',
'writable'}`` dict, ...) goes through ``Duplex.from_`` and is then piped like a stream.

On the first error every unfinished stream is destroyed with it; the result is
reported once, after every destroyed stream has emitted ``'close'``. On success the
pipeline's listeners leave a readable last stage, whose later errors are the caller's.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any

from rillet._core import AbortController, AbortSignal, Event, next_tick
from rillet.errors import AbortError, RilletError, invalid_arg_type, new_error
from rillet.streams._destroy import destroyer
from rillet.streams._end_of_stream import OnCancelFuture, eos
from rillet.streams._utils import (
    is_closed,
    is_destroyed,
    is_iterable,
    is_node_stream,
    is_readable,
    is_readable_finished,
    is_readable_node_stream,
)

__all__ = ["call_stage", "pipeline", "run_pipeline"]

Callback = Callable[..., Any]
_accepts_signal_cache: dict[Any, bool] = {}


def _accepts_signal(fn: Callable[..., Any]) -> bool:
    key = getattr(fn, "__code__", fn)
    found = _accepts_signal_cache.get(key)
    if found is None:
        try:
            params = inspect.signature(fn).parameters.values()
        except (TypeError, ValueError):
            found = False
        else:
            found = any(
                p.name == "signal" or p.kind is inspect.Parameter.VAR_KEYWORD for p in params
            )
        _accepts_signal_cache[key] = found
    return found


def call_stage(fn: Callable[..., Any], args: tuple[Any, ...], signal: AbortSignal) -> Any:
    """Call a function stage, passing ``signal=`` when it takes one."""
    if _accepts_signal(fn):
        return fn(*args, signal=signal)
    return fn(*args)


def _stage_error(exc: BaseException) -> BaseException:
    """The error a failed stage reports: a cancelled wait inside it is an abort."""
    return AbortError(cause=exc) if isinstance(exc, asyncio.CancelledError) else exc


def _is_premature_close(err: BaseException | None) -> bool:
    return isinstance(err, RilletError) and err.code == "ERR_STREAM_PREMATURE_CLOSE"


async def _readable_items(stream: Any) -> AsyncIterator[Any]:
    async for chunk in stream:
        yield chunk


def _as_async_iterable(value: Any) -> Any:
    if is_iterable(value):
        return value if hasattr(value, "__aiter__") else _sync_items(value)
    if is_readable_node_stream(value):
        return _readable_items(value)
    raise invalid_arg_type("val", "a Readable, Iterable or AsyncIterable", value)


async def _sync_items(iterable: Any) -> AsyncIterator[Any]:
    for item in iterable:
        if inspect.isawaitable(item):
            item = await item
        yield item


class _Pipeline:
    """One pipeline run: the destroy functions, the pending count and the outcome."""

    def __init__(
        self,
        stages: list[Any],
        on_done: Callable[[BaseException | None, Any], None],
        outer_signal: AbortSignal | None,
        end: bool,
    ) -> None:
        self.on_done = on_done
        self.controller = AbortController()
        self.outer_signal = outer_signal
        self.error: BaseException | None = None
        self.value: Any = None
        self.destroys: list[Callable[[BaseException | None], None]] = []
        # Listeners to take off a readable last stage on success (Node's lastStreamCleanup):
        # its later errors are the caller's again.
        self.last_cleanup: list[Callable[[], None]] = []
        self.finish_count = 0
        self.streams: list[Any] = []
        self.completed = False
        self.tasks: set[asyncio.Task[Any]] = set()
        if outer_signal is not None:
            outer_signal.add_event_listener("abort", self.abort)
        try:
            self.build(stages, end)
        except BaseException:
            # Validation failed at the call (R-PL-7): nothing is destroyed, as in Node.
            if outer_signal is not None:
                outer_signal.remove_event_listener("abort", self.abort)
            raise
        if outer_signal is not None and outer_signal.aborted:
            next_tick(self.abort)

    def abort(self, _event: Event | None = None) -> None:
        reason = self.outer_signal.reason if self.outer_signal is not None else None
        self.finish_impl(
            AbortError(cause=reason if isinstance(reason, BaseException) else None), False
        )

    def finish(self, err: BaseException | None = None) -> None:
        self.finish_count -= 1
        self.finish_impl(err, self.finish_count == 0)

    def fail(self, err: BaseException) -> None:
        """Record an error without counting a part as finished (Node's finishOnlyHandleError)."""
        self.finish_impl(err, False)

    def cancel(self) -> None:
        """Abort because the caller cancelled: destroy everything, then cancel our tasks."""
        self.finish_impl(AbortError(), False)
        for task in list(self.tasks):
            task.cancel()

    def finish_impl(self, err: BaseException | None, final: bool) -> None:
        if err is not None and (self.error is None or _is_premature_close(self.error)):
            self.error = err
        if self.error is None and not final:
            return
        while self.destroys:
            self.destroys.pop(0)(self.error)
        if self.outer_signal is not None:
            self.outer_signal.remove_event_listener("abort", self.abort)
        self.controller.abort()
        if final and not self.completed:
            self.completed = True
            if self.error is None:
                for cleanup in self.last_cleanup:
                    cleanup()
            self.report_after_close()

    def report_after_close(self) -> None:
        """Report the outcome, as it stands now, once every destroyed stream has emitted
        ``'close'`` (an error arriving while they close does not change it, as in Node)."""
        error, value = self.error, self.value
        waiting = [s for s in self.streams if _close_pending(s)]
        remaining = len(waiting)
        if remaining == 0:
            next_tick(self.on_done, error, value)
            return

        def on_close(*_: Any) -> None:
            nonlocal remaining
            remaining -= 1
            if remaining == 0:
                next_tick(self.on_done, error, value)

        for stream in waiting:
            stream.once("close", on_close)

    def start(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # -- building ----------------------------------------------------------------

    def build(self, stages: list[Any], end_option: bool) -> None:
        from rillet.streams._transform import PassThrough

        _check_pipeable(stages)
        signal = self.controller.signal
        ret: Any = None
        count = len(stages)
        for i, stage in enumerate(stages):
            reading = i < count - 1
            writing = i > 0
            end = reading or end_option
            function_stage = callable(stage) and not is_node_stream(stage)
            if not function_stage and not is_node_stream(stage) and (i > 0 or _needs_duplex(stage)):
                stage = _duplexify(stage, f"streams[{i}]")
            keep_clean = not reading and is_readable(stage)
            if is_node_stream(stage):
                self.streams.append(stage)
                if end:
                    destroy, cleanup = _destroyer(stage, reading, writing)
                    self.destroys.append(destroy)
                    if keep_clean:
                        self.last_cleanup.append(cleanup)
                stage.on("error", self.on_late_error)
                if keep_clean:
                    self.last_cleanup.append(_remover(stage, "error", self.on_late_error))
            if i == 0:
                if function_stage:
                    ret = call_stage(stage, (), signal)
                    if not is_iterable(ret):
                        raise new_error(
                            "ERR_INVALID_RETURN_VALUE",
                            "Iterable, AsyncIterable or Stream",
                            "source",
                            type(ret).__name__,
                        )
                else:
                    ret = stage
            elif function_stage:
                ret = call_stage(stage, (_as_async_iterable(ret),), signal)
                if reading:
                    if not is_iterable(ret, True):
                        raise new_error(
                            "ERR_INVALID_RETURN_VALUE",
                            "AsyncIterable",
                            f"transform[{i - 1}]",
                            type(ret).__name__,
                        )
                else:
                    ret = self.destination_proxy(ret, end, PassThrough)
            else:
                if is_readable_node_stream(ret):
                    self.finish_count += 2
                    cleanup = _pipe(ret, stage, self.finish, self.fail, end)
                    if keep_clean:
                        self.last_cleanup.append(cleanup)
                elif is_iterable(ret):
                    self.finish_count += 1
                    self.start(_pump(_as_async_iterable(ret), stage, self.finish, end))
                else:
                    raise invalid_arg_type("val", "a Readable, Iterable or AsyncIterable", ret)
                ret = stage

    def destination_proxy(self, ret: Any, end: bool, passthrough: type[Any]) -> Any:
        """The PassThrough that stands for a function destination's outcome."""
        proxy = passthrough(object_mode=True)
        if inspect.isawaitable(ret):
            self.finish_count += 1

            async def settle() -> None:
                try:
                    value = await ret
                except (Exception, asyncio.CancelledError) as exc:
                    error = _stage_error(exc)
                    proxy.destroy(error)
                    next_tick(self.finish, error)
                    return
                self.value = value
                if value is not None:
                    proxy.write(value)
                if end:
                    proxy.end()
                next_tick(self.finish)

            self.start(settle())
        elif is_iterable(ret, True):
            self.finish_count += 1
            self.start(_pump(ret, proxy, self.finish, end))
        else:
            raise new_error(
                "ERR_INVALID_RETURN_VALUE",
                "AsyncIterable or awaitable",
                "destination",
                type(ret).__name__,
            )
        proxy.resume()
        self.streams.append(proxy)
        destroy, cleanup = _destroyer(proxy, False, True)
        self.destroys.append(destroy)
        self.last_cleanup.append(cleanup)
        return proxy

    def on_late_error(self, err: BaseException) -> None:
        # Errors after pipe/pump completed still fail the pipeline.
        if err is not None and not isinstance(err, AbortError) and not _is_premature_close(err):
            self.fail(err)


def _remover(stream: Any, event: str, listener: Callable[..., Any]) -> Callable[[], None]:
    return lambda: stream.remove_listener(event, listener)


def _needs_duplex(source: Any) -> bool:
    """A first stage that is neither a Readable nor an iterable of chunks."""
    if isinstance(source, dict):
        return True
    return not is_iterable(source) and not is_readable_node_stream(source)


def _duplexify(stage: Any, name: str) -> Any:
    from rillet.streams._duplexify import duplexify

    return duplexify(stage, name)


def _check_pipeable(stages: list[Any]) -> None:
    """Refuse up front to write into a stage that is already destroyed or closed."""
    for stage in stages[1:]:
        if is_node_stream(stage) and (is_destroyed(stage) or is_closed(stage)):
            raise new_error("ERR_STREAM_UNABLE_TO_PIPE")


def _close_pending(stream: Any) -> bool:
    state = getattr(stream, "_writable_state", None) or getattr(stream, "_readable_state", None)
    return bool(
        state is not None and state.destroyed and state.emit_close and not state.close_emitted
    )


def _destroyer(
    stream: Any, reading: bool, writing: bool
) -> tuple[Callable[[BaseException | None], None], Callable[[], None]]:
    """The function that destroys ``stream`` unless it finished, and one that stops
    watching it."""
    finished = False

    def on_close(*_: Any) -> None:
        nonlocal finished
        finished = True

    def on_eos(err: BaseException | None = None) -> None:
        nonlocal finished
        finished = err is None

    stream.on("close", on_close)
    cleanup = eos(stream, on_eos, readable=reading, writable=writing)

    def destroy(err: BaseException | None) -> None:
        nonlocal finished
        if finished:
            return
        finished = True
        destroyer(stream, err or new_error("ERR_STREAM_DESTROYED", "pipe"))

    return destroy, cleanup


def _pipe(src: Any, dst: Any, finish: Callback, fail: Callback, end: bool) -> Callable[[], None]:
    ended = False

    def on_dst_close(*_: Any) -> None:
        if not ended:
            # The destination closed before the source completed.
            fail(new_error("ERR_STREAM_PREMATURE_CLOSE"))

    def end_dst(*_: Any) -> None:
        nonlocal ended
        ended = True
        dst.end()

    def on_src_done(err: BaseException | None = None) -> None:
        r = getattr(src, "_readable_state", None)
        if (
            _is_premature_close(err)
            and r is not None
            and r.ended
            and r.errored is None
            and not r.error_emitted
        ):
            # 'close' before 'end' after EOF was pushed: 'end' still comes, wait for it.
            src.once("end", lambda *_: finish())
            src.once("error", finish)
        else:
            finish(err)

    dst.on("close", on_dst_close)
    src.pipe(dst, end=False)
    if not end:
        finish()
    elif is_readable_finished(src):
        next_tick(end_dst)
    else:
        src.once("end", end_dst)
    eos(src, on_src_done, readable=True, writable=False)
    return eos(dst, finish, readable=False, writable=True)


async def _pump(iterable: Any, writable: Any, finish: Callback, end: bool) -> None:
    error: BaseException | None = None
    waiter: asyncio.Future[None] | None = None

    def resume(err: BaseException | None = None) -> None:
        nonlocal error, waiter
        if err is not None:
            error = err
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        waiter = None

    async def wait() -> None:
        nonlocal waiter
        if error is not None:
            raise error
        waiter = asyncio.get_running_loop().create_future()
        await waiter
        if error is not None:
            raise error

    writable.on("drain", resume)
    cleanup = eos(writable, resume, readable=False)
    try:
        if writable.writable_need_drain:
            await wait()
        async for chunk in iterable:
            if not writable.write(chunk):
                await wait()
        if end:
            writable.end()
            await wait()
        finish()
    except (Exception, asyncio.CancelledError) as exc:
        finish(_stage_error(exc) if error is None or error is exc else error)
    finally:
        cleanup()
        writable.remove_listener("drain", resume)


def run_pipeline(
    stages: list[Any],
    on_done: Callable[[BaseException | None, Any], None],
    *,
    signal: AbortSignal | None = None,
    end: bool = True,
) -> None:
    """Start a pipeline of ``stages``; ``on_done(error, value)`` is called once."""
    _Pipeline(stages, on_done, signal, end)


def pipeline(
    *stages: Any,
    signal: AbortSignal | None = None,
    end: bool = True,
    callback: Callable[[BaseException | None, Any], Any] | None = None,
) -> asyncio.Future[Any]:
    """Connect ``stages`` (or one list of them) and start at once; see the module docstring.

    Returns a Future of the destination's value (or None), failing with the first
    error once every destroyed stream has closed. ``signal`` aborting, or cancelling the
    Future (or the task awaiting it), aborts the pipeline: every unfinished stream is
    destroyed with an ``AbortError``. ``end=False`` leaves the destination open.
    ``callback``, if given, is also called once with ``(error, value)``.

    Raised at the call, before anything is destroyed (R-PL-7): ``ERR_MISSING_ARGS`` for
    fewer than two stages, ``ERR_INVALID_ARG_TYPE`` for a bad callback, signal or stage,
    ``ERR_STREAM_UNABLE_TO_PIPE`` when a stage to write into is destroyed or closed,
    ``ERR_INVALID_RETURN_VALUE`` when a function stage returns the wrong kind of value.
    """
    if len(stages) == 1 and isinstance(stages[0], list | tuple):
        stages = tuple(stages[0])
    if len(stages) < 2:
        raise new_error("ERR_MISSING_ARGS", '"streams"')
    if callback is not None and not callable(callback):
        raise invalid_arg_type("callback", "of type function", callback)
    if signal is not None and not isinstance(signal, AbortSignal):
        raise invalid_arg_type("options.signal", "an instance of AbortSignal", signal)
    future = OnCancelFuture()

    def on_done(error: BaseException | None, value: Any) -> None:
        future.settle(error, value, reported=callback is not None)
        if callback is not None:
            callback(error, value)

    future.on_cancel = _Pipeline(list(stages), on_done, signal, end).cancel
    return future
