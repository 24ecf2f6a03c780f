"""``Duplex.from_()``: a Duplex from anything stream-like (Node's ``duplexify.js``).

Also home of :func:`wrap_ends`, the one place where a Duplex is made to write into
one stream and read out of another; ``compose()`` uses it too.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any

from rillet._core import AbortController, next_tick
from rillet.errors import AbortError, invalid_arg_type, new_error
from rillet.streams._destroy import destroyer
from rillet.streams._duplex import Duplex
from rillet.streams._end_of_stream import eos
from rillet.streams._from import readable_from
from rillet.streams._utils import (
    is_iterable,
    is_node_stream,
    is_readable,
    is_readable_node_stream,
    is_readable_stream,
    is_transform_stream,
    is_writable,
    is_writable_node_stream,
    is_writable_stream,
)

__all__ = ["duplexify", "wrap_ends"]

Callback = Callable[..., Any]
_UNSET: Any = object()


class _Ends:
    """Forwards a Duplex's writes into ``head`` and its reads out of ``tail``.

    ``onclose`` is _UNSET while the ends run; None once they have all finished;
    a callback while ``_destroy`` waits for them.
    """

    def __init__(self, duplex: Duplex, head: Any, tail: Any) -> None:
        self.duplex = duplex
        self.head = head
        self.tail = tail
        self.ondrain: Callback | None = None
        self.onfinish: Callback | None = None
        self.onreadable: Callback | None = None
        self.onclose: Any = _UNSET

    # writable side -----------------------------------------------------------------

    def write(self, chunk: Any, encoding: str, callback: Callback) -> None:
        if self.head.write(chunk, encoding):
            callback()
        else:
            self.ondrain = callback

    def final(self, callback: Callback) -> None:
        self.head.end()
        self.onfinish = callback

    def on_head_drain(self, *_: Any) -> None:
        callback, self.ondrain = self.ondrain, None
        if callback is not None:
            callback()

    def on_writes_finished(self, *_: Any) -> None:
        callback, self.onfinish = self.onfinish, None
        if callback is not None:
            callback()

    # readable side -----------------------------------------------------------------

    def read(self, _size: int = 0) -> None:
        while True:
            chunk = self.tail.read()
            if chunk is None:
                self.onreadable = self.read
                return
            if not self.duplex.push(chunk):
                return

    def on_tail_readable(self, *_: Any) -> None:
        callback, self.onreadable = self.onreadable, None
        if callback is not None:
            callback()

    # both ----------------------------------------------------------------------------

    def on_finished(self, err: BaseException | None, still_open: bool) -> None:
        callback, self.onclose = self.onclose, None
        if callback is not _UNSET and callback is not None:
            callback(err)
        elif err is not None:
            self.duplex.destroy(err)
        elif not still_open:
            state = self.duplex._readable_state
            if state.ended and not state.end_emitted and not state.destroyed:
                # Unlike Node, chunks the inner readable gave us are not dropped: a consumer
                # that reads on a later loop turn still gets them, then 'end', then 'close'.
                self.duplex.once("end", lambda *_: self.duplex.destroy())
            else:
                self.duplex.destroy()

    def destroy(self, err: BaseException | None, callback: Callback) -> None:
        if err is None and self.onclose is not None:
            err = AbortError()
        self.onreadable = self.ondrain = self.onfinish = None
        if self.onclose is None:
            callback(err)
        else:
            self.onclose = callback
            if is_node_stream(self.head):
                destroyer(self.head, err)
            if self.tail is not self.head and is_node_stream(self.tail):
                destroyer(self.tail, err)


def wrap_ends(head: Any, tail: Any, *, writes_finished_by: str = "head") -> tuple[Duplex, _Ends]:
    """A Duplex that writes into ``head`` and reads from ``tail`` (either may be None).

    ``writes_finished_by`` says which stream's ``'finish'`` completes the Duplex's
    ``end()``: the head's (two independent ends) or the tail's (a pipeline between).
    """
    writable = bool(head is not None and is_writable(head))
    readable = bool(tail is not None and is_readable(tail))
    duplex = Duplex(
        readable_object_mode=bool(getattr(tail, "readable_object_mode", False)),
        writable_object_mode=bool(getattr(head, "writable_object_mode", False)),
        readable=readable,
        writable=writable,
    )
    ends = _Ends(duplex, head, tail)
    if writable:
        setattr(duplex, "_write", ends.write)  # noqa: B010 - instance hooks
        setattr(duplex, "_final", ends.final)  # noqa: B010
        head.on("drain", ends.on_head_drain)
        finisher = head if writes_finished_by == "head" else tail
        if is_writable_node_stream(finisher):
            finisher.on("finish", ends.on_writes_finished)
        else:
            eos(finisher, ends.on_writes_finished)
    if readable:
        tail.on("readable", ends.on_tail_readable)
        tail.on("end", lambda *_: duplex.push(None))
        setattr(duplex, "_read", ends.read)  # noqa: B010
    setattr(duplex, "_destroy", ends.destroy)  # noqa: B010
    return duplex, ends


def _duplex_of_pair(readable: Any, writable: Any) -> Duplex:
    duplex, ends = wrap_ends(writable, readable)
    state = {"readable": duplex.readable, "writable": duplex.writable}

    def track(side: str, other: Any) -> Callback:
        def on_done(err: BaseException | None = None) -> None:
            state[side] = False
            if err is not None:
                destroyer(other, err)
            ends.on_finished(err, state["readable"] or state["writable"])

        return on_done

    if state["writable"]:
        eos(writable, track("writable", readable))
    if state["readable"]:
        eos(readable, track("readable", readable))
    return duplex


class _Handoff:
    """One written chunk at a time, from ``_write`` to the generator reading them."""

    def __init__(self) -> None:
        self.item: tuple[Any, bool, Callback] | None = None
        self.waiter: asyncio.Future[tuple[Any, bool, Callback]] | None = None

    def put(self, item: tuple[Any, bool, Callback]) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(item)
        else:
            self.item = item

    async def take(self) -> tuple[Any, bool, Callback]:
        item, self.item = self.item, None
        if item is not None:
            return item
        self.waiter = asyncio.get_running_loop().create_future()
        return await self.waiter


def _from_async_function(fn: Callable[..., Any], name: str) -> Duplex:
    from rillet.streams._pipeline import call_stage

    handoff = _Handoff()
    controller = AbortController()
    signal = controller.signal

    async def written() -> AsyncIterator[Any]:
        while True:
            chunk, done, callback = await handoff.take()
            next_tick(callback)
            if done:
                return
            if signal.aborted:
                raise AbortError()
            yield chunk

    def write(_stream: Any, chunk: Any, _encoding: str, callback: Callback) -> None:
        handoff.put((chunk, False, callback))

    def final(_stream: Any, callback: Callback) -> None:
        handoff.put((None, True, callback))

    def destroy(_stream: Any, err: BaseException | None, callback: Callback) -> None:
        controller.abort()
        callback(err)

    value = call_stage(fn, (written(),), signal)
    if is_iterable(value):
        transform = readable_from(
            Duplex, value, {"object_mode": True, "write": write, "final": final}
        )
        close_iterator = transform._destroy

        def abort_then_close(err: BaseException | None, callback: Callback) -> None:
            # Node passes its abort-the-signal destroy here but from() overrides it; the
            # function's signal is meant to abort, so abort it, then close the iterator.
            controller.abort()
            close_iterator(err, callback)

        setattr(transform, "_destroy", abort_then_close)  # noqa: B010 - instance hook
        return transform
    if inspect.isawaitable(value):
        task = asyncio.ensure_future(value)
        duplex: Duplex

        def settled(done: asyncio.Future[Any]) -> None:
            if done.cancelled():
                destroyer(duplex, AbortError())
            elif done.exception() is not None:
                destroyer(duplex, done.exception())
            elif done.result() is not None:
                destroyer(
                    duplex,
                    new_error(
                        "ERR_INVALID_RETURN_VALUE", "None", name, type(done.result()).__name__
                    ),
                )

        def final_after_task(_stream: Any, callback: Callback) -> None:
            def after(done: asyncio.Future[Any]) -> None:
                error = None if done.cancelled() else done.exception()
                next_tick(callback, error)

            final(_stream, lambda *_: task.add_done_callback(after))

        duplex = Duplex(
            object_mode=True, readable=False, write=write, final=final_after_task, destroy=destroy
        )
        task.add_done_callback(settled)
        return duplex
    raise new_error(
        "ERR_INVALID_RETURN_VALUE",
        "Iterable, AsyncIterable or AsyncFunction",
        name,
        type(value).__name__,
    )


def _from_awaitable(awaitable: Any) -> Duplex:
    task = asyncio.ensure_future(awaitable)
    duplex = Duplex(object_mode=True, writable=False, read=lambda *_: None)

    def settled(done: asyncio.Future[Any]) -> None:
        if done.cancelled():
            destroyer(duplex, AbortError())
        elif done.exception() is not None:
            destroyer(duplex, done.exception())
        else:
            if done.result() is not None:
                duplex.push(done.result())
            duplex.push(None)

    task.add_done_callback(settled)
    return duplex


def _pair_parts(body: Any) -> tuple[Any, Any] | None:
    if isinstance(body, dict):
        if "readable" in body or "writable" in body:
            return body.get("readable"), body.get("writable")
        return None
    readable = getattr(body, "readable", None)
    writable = getattr(body, "writable", None)
    if is_node_stream(readable) or is_node_stream(writable):
        return readable, writable
    return None


def duplexify(body: Any, name: str) -> Duplex:
    """Turn ``body`` into a Duplex (see ``Duplex.from_``); ``name`` is for error messages."""
    if isinstance(body, Duplex):
        return body
    if is_readable_node_stream(body):
        return _duplex_of_pair(body, None)
    if is_writable_node_stream(body):
        return _duplex_of_pair(None, body)
    if is_node_stream(body):
        return Duplex(readable=False, writable=False)
    if is_transform_stream(body) or (
        isinstance(body, dict)
        and is_readable_stream(body.get("readable"))
        and is_writable_stream(body.get("writable"))
    ):
        return Duplex.from_web(body)
    if is_readable_stream(body):
        from rillet.streams._readable import Readable

        return _duplex_of_pair(Readable.from_web(body), None)
    if is_writable_stream(body):
        from rillet.streams._writable import Writable

        return _duplex_of_pair(None, Writable.from_web(body))
    if callable(body):
        return _from_async_function(body, name)
    # A {'readable': ..., 'writable': ...} dict is iterable too: look for the pair first.
    pair = _pair_parts(body)
    if pair is not None:
        readable, writable = pair
        if readable is not None and not is_readable_node_stream(readable):
            readable = duplexify(readable, name)
        if writable is not None and not is_writable_node_stream(writable):
            writable = duplexify(writable, name)
        return _duplex_of_pair(readable, writable)
    if isinstance(body, str | bytes | bytearray | memoryview) or is_iterable(body):
        return readable_from(Duplex, body, {"object_mode": True, "writable": False})
    if inspect.isawaitable(body):
        return _from_awaitable(body)
    raise invalid_arg_type(
        name,
        "a Stream, Iterable, AsyncIterable, function, {readable, writable} pair or awaitable",
        body,
    )
