"""What kind of stream an object is, and where it stands (Node's ``streams/utils.js``).

These predicates duck-type, as Node's do: anything with ``pipe`` and ``on`` reads like
a Node Readable, anything with ``write`` and ``on`` like a Writable; web streams are
recognised by their methods (``get_reader``, ``get_writer``, ``readable``+``writable``).
They return None where the question does not apply.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "is_closed",
    "is_destroyed",
    "is_disturbed",
    "is_errored",
    "is_finished",
    "is_iterable",
    "is_node_stream",
    "is_readable",
    "is_readable_errored",
    "is_readable_finished",
    "is_readable_node_stream",
    "is_readable_stream",
    "is_transform_stream",
    "is_web_stream",
    "is_writable",
    "is_writable_errored",
    "is_writable_finished",
    "is_writable_node_stream",
    "is_writable_stream",
    "will_emit_close",
]


def _has(obj: Any, name: str) -> bool:
    return callable(getattr(obj, name, None))


def is_readable_node_stream(obj: Any, strict: bool = False) -> bool:
    """A Node-style Readable (or the readable side of a Duplex that has one)."""
    if obj is None or not (_has(obj, "pipe") and _has(obj, "on")):
        return False
    if strict and not (_has(obj, "pause") and _has(obj, "resume")):
        return False
    w = getattr(obj, "_writable_state", None)
    if w is not None:
        r = getattr(obj, "_readable_state", None)
        return r is not None and r.readable is not False
    return True


def is_writable_node_stream(obj: Any) -> bool:
    """A Node-style Writable (or the writable side of a Duplex that has one)."""
    if obj is None or not (_has(obj, "write") and _has(obj, "on")):
        return False
    r = getattr(obj, "_readable_state", None)
    if r is not None:
        w = getattr(obj, "_writable_state", None)
        return w is None or w.writable is not False
    return True


def is_node_stream(obj: Any) -> bool:
    """Any Node-style stream."""
    if obj is None:
        return False
    if getattr(obj, "_readable_state", None) is not None:
        return True
    if getattr(obj, "_writable_state", None) is not None:
        return True
    return _has(obj, "on") and (_has(obj, "write") or _has(obj, "pipe"))


def is_readable_stream(obj: Any) -> bool:
    """A WHATWG ReadableStream."""
    return obj is not None and _has(obj, "get_reader") and _has(obj, "pipe_through")


def is_writable_stream(obj: Any) -> bool:
    """A WHATWG WritableStream."""
    return obj is not None and _has(obj, "get_writer") and _has(obj, "abort")


def is_transform_stream(obj: Any) -> bool:
    """A WHATWG TransformStream (or any ``{readable, writable}`` pair of web streams)."""
    return (
        obj is not None
        and not is_node_stream(obj)
        and is_readable_stream(getattr(obj, "readable", None))
        and is_writable_stream(getattr(obj, "writable", None))
    )


def is_web_stream(obj: Any) -> bool:
    """Any WHATWG stream."""
    return is_readable_stream(obj) or is_writable_stream(obj) or is_transform_stream(obj)


def is_iterable(obj: Any, is_async: bool | None = None) -> bool:
    """An iterable (sync or async), optionally of one kind. ``str`` and bytes do not count,
    nor do awaitables (an ``asyncio.Future`` has ``__iter__`` for ``yield from``)."""
    if obj is None or isinstance(obj, str | bytes | bytearray | memoryview):
        return False
    if hasattr(obj, "__await__"):
        return False
    if is_async is True:
        return hasattr(obj, "__aiter__")
    if is_async is False:
        return hasattr(obj, "__iter__")
    return hasattr(obj, "__aiter__") or hasattr(obj, "__iter__")


def is_destroyed(stream: Any) -> bool | None:
    """True once ``destroy()`` was called."""
    if not is_node_stream(stream):
        return None
    state = getattr(stream, "_writable_state", None) or getattr(stream, "_readable_state", None)
    return bool(getattr(stream, "destroyed", False) or (state is not None and state.destroyed))


def is_writable_ended(stream: Any) -> bool | None:
    """``end()`` was called on the writable side."""
    if not is_writable_node_stream(stream):
        return None
    if getattr(stream, "writable_ended", None) is True:
        return True
    w = getattr(stream, "_writable_state", None)
    if w is None or w.errored is not None:
        return False
    return bool(w.ended)


def is_writable_finished(stream: Any, strict: bool = False) -> bool | None:
    """The writable side emitted ``'finish'`` (or, not strict, has ended with nothing left)."""
    if not is_writable_node_stream(stream):
        return None
    if getattr(stream, "writable_finished", None) is True:
        return True
    w = getattr(stream, "_writable_state", None)
    if w is None:
        return None
    if w.errored is not None:
        return False
    return bool(w.finished or (not strict and w.ended and w.length == 0))


def is_readable_finished(stream: Any, strict: bool = False) -> bool | None:
    """The readable side emitted ``'end'`` (or, not strict, has ended with nothing left)."""
    if not is_readable_node_stream(stream):
        return None
    r = getattr(stream, "_readable_state", None)
    if r is None:
        return None
    if r.errored is not None:
        return False
    return bool(r.end_emitted or (not strict and r.ended and r.length == 0))


def is_readable(stream: Any) -> bool | None:
    """Data may still be read from it."""
    if not isinstance(getattr(stream, "readable", None), bool):
        return None
    if is_destroyed(stream):
        return False
    return is_readable_node_stream(stream) and stream.readable and not is_readable_finished(stream)


def is_writable(stream: Any) -> bool | None:
    """Data may still be written to it."""
    if not isinstance(getattr(stream, "writable", None), bool):
        return None
    if is_destroyed(stream):
        return False
    return is_writable_node_stream(stream) and stream.writable and not is_writable_ended(stream)


def is_finished(
    stream: Any, readable: bool | None = None, writable: bool | None = None
) -> bool | None:
    """Every side asked about (default: every side it has) has finished cleanly."""
    if not is_node_stream(stream):
        return None
    if is_destroyed(stream):
        return True
    if readable is not False and is_readable(stream):
        return False
    return not (writable is not False and is_writable(stream))


def is_writable_errored(stream: Any) -> BaseException | None:
    """The writable side's error, if any."""
    w = getattr(stream, "_writable_state", None)
    return w.errored if w is not None else None


def is_readable_errored(stream: Any) -> BaseException | None:
    """The readable side's error, if any."""
    r = getattr(stream, "_readable_state", None)
    return r.errored if r is not None else None


def is_closed(stream: Any) -> bool | None:
    """``_destroy`` has called back (``'close'`` is due or was emitted)."""
    if not is_node_stream(stream):
        return None
    w = getattr(stream, "_writable_state", None)
    r = getattr(stream, "_readable_state", None)
    if w is None and r is None:
        return None
    return bool((w is not None and w.closed) or (r is not None and r.closed))


def will_emit_close(stream: Any) -> bool | None:
    """The stream will emit ``'close'`` by itself once it is done."""
    if not is_node_stream(stream):
        return None
    state = getattr(stream, "_writable_state", None) or getattr(stream, "_readable_state", None)
    return bool(state is not None and state.auto_destroy and state.emit_close and not state.closed)


def is_disturbed(stream: Any) -> bool:
    """Data was read from it, or it was destroyed or errored before ``'end'``
    (Node's ``Readable.isDisturbed``: ``readableDidRead || readableAborted``)."""
    r = getattr(stream, "_readable_state", None)
    if r is not None:
        aborted = (
            r.readable is not False and (r.destroyed or r.errored is not None) and not r.end_emitted
        )
        return bool(r.data_emitted or aborted)
    return bool(getattr(stream, "disturbed", False))


def is_errored(stream: Any) -> bool:
    """The stream has an error (Node's ``stream.isErrored``)."""
    return bool(is_readable_errored(stream) or is_writable_errored(stream))
