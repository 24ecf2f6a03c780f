"""What every stream constructor does once its states exist (:func:`set_up_stream`):
implementer hooks given as constructor keywords, coroutine functions as hooks, the
``signal`` keyword and the ``_construct`` hook.

A keyword hook (``Readable(read=fn)``) is bound to the stream like a method, so it is
called with the stream first. A hook that is a coroutine function, as a keyword or a
subclass method, is called without the callback: its coroutine runs as a task, an
exception is the error, and for ``transform``/``flush`` a non-None return value is
pushed. A coroutine ``destroy`` that returns normally keeps the error ``destroy()``
was called with (as the default ``_destroy`` does); one that raises replaces it.
Node's callback-style hooks are unchanged.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Mapping
from types import MethodType
from typing import Any, Final

from rillet.errors import AbortError
from rillet.streams import _destroy
from rillet.streams._add_abort_signal import add_abort_signal

__all__ = ["set_up_stream", "spawn"]

# Hook name → whether the coroutine's return value is passed on as data.
_CALLBACK_HOOKS: Final = {
    "write": False,
    "writev": False,
    "final": False,
    "destroy": False,
    "construct": False,
    "transform": True,
    "flush": True,
}
_tasks: set[asyncio.Task[Any]] = set()
_async_methods: dict[type, tuple[str, ...]] = {}


def spawn(coro: Any, callback: Callable[..., Any], with_value: bool) -> None:
    """Run ``coro`` as a task and report its outcome Node-style to ``callback``."""
    task = asyncio.ensure_future(coro)
    _tasks.add(task)

    def done(finished: asyncio.Task[Any]) -> None:
        _tasks.discard(finished)
        if finished.cancelled():
            callback(AbortError())
            return
        error = finished.exception()
        if error is not None:
            callback(error)
        elif with_value:
            callback(None, finished.result())
        else:
            callback(None)

    task.add_done_callback(done)


def _adapt(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    """Wrap coroutine function ``fn(stream, *args)`` as a callback-style hook."""
    if name == "read":

        def read_hook(stream: Any, size: int) -> None:
            def on_done(error: BaseException | None = None) -> None:
                if error is not None:
                    stream.destroy(error)

            spawn(fn(stream, size), on_done, False)

        return read_hook

    if name == "destroy":

        def destroy_hook(stream: Any, error: BaseException | None, callback: Any) -> None:
            # Returning normally keeps the error destroy() was given; raising replaces it.
            def on_done(raised: BaseException | None = None) -> None:
                callback(error if raised is None else raised)

            spawn(fn(stream, error), on_done, False)

        return destroy_hook

    with_value = _CALLBACK_HOOKS[name]

    def hook(stream: Any, *args: Any) -> None:
        *head, callback = args
        spawn(fn(stream, *head), callback, with_value)

    return hook


def _class_async_hooks(cls: type, names: tuple[str, ...]) -> tuple[str, ...]:
    found = _async_methods.get(cls)
    if found is None:
        found = tuple(
            name for name in names if inspect.iscoroutinefunction(getattr(cls, "_" + name, None))
        )
        _async_methods[cls] = found
    return found


def set_up_stream(
    stream: Any,
    options: Mapping[str, Any],
    names: tuple[str, ...],
    on_constructed: Callable[[], None],
) -> None:
    """The tail of the Readable, Writable and Duplex constructors: bind the keyword hooks
    in ``options`` and adapt coroutine hooks, for ``names``; tie ``options['signal']``
    to the stream (``add_abort_signal``); if the stream has a ``_construct``, run it
    next, with ``on_constructed`` after it succeeds."""
    cls = type(stream)
    for name in _class_async_hooks(cls, names):
        setattr(stream, "_" + name, MethodType(_adapt(getattr(cls, "_" + name), name), stream))
    if options:
        for name in names:
            fn = options.get(name)
            if fn is None:
                continue
            if inspect.iscoroutinefunction(fn):
                fn = _adapt(fn, name)
            setattr(stream, "_" + name, MethodType(fn, stream))
        signal = options.get("signal")
        if signal is not None:
            add_abort_signal(signal, stream)
    if getattr(stream, "_construct", None) is not None:
        _destroy.construct(stream, on_constructed)
