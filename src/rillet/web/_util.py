"""Small helpers shared by the rillet.web modules: errors, callbacks, bytes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from rillet.errors import NodeRangeError, NodeTypeError

__all__ = [
    "byte_view",
    "illegal_constructor",
    "invalid_state",
    "method_of",
    "range_error",
    "to_number",
    "type_error",
]


def invalid_state(message: str) -> NodeTypeError:
    """JavaScript's TypeError for a stream in the wrong state (Node's
    ``ERR_INVALID_STATE.TypeError``): code ``ERR_INVALID_STATE``."""
    return NodeTypeError(f"Invalid state: {message}", code="ERR_INVALID_STATE")


def type_error(message: str) -> NodeTypeError:
    """JavaScript's TypeError for a bad argument (code ``ERR_INVALID_ARG_TYPE``)."""
    return NodeTypeError(message, code="ERR_INVALID_ARG_TYPE")


def range_error(message: str) -> NodeRangeError:
    """JavaScript's RangeError (a ``ValueError``; code ``ERR_OUT_OF_RANGE``)."""
    return NodeRangeError(message, code="ERR_OUT_OF_RANGE")


def illegal_constructor() -> NodeTypeError:
    """What constructing a controller or request by hand raises."""
    return NodeTypeError("Illegal constructor", code="ERR_ILLEGAL_CONSTRUCTOR")


def method_of(obj: Any, name: str) -> Callable[..., Any] | None:
    """The spec's "if ``name`` exists in the dictionary": a key of a mapping or an
    attribute of an object; ``None`` when absent. Present but not callable is a
    TypeError, as WebIDL's callback conversion says."""
    if obj is None:
        return None
    found = obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)
    if found is None:
        return None
    if not callable(found):
        raise type_error(f"The '{name}' member must be a function, got {type(found).__name__}")
    method: Callable[..., Any] = found
    return method


def member_of(obj: Any, name: str) -> Any:
    """A non-function member of a mapping or an object (``None`` when absent)."""
    if obj is None:
        return None
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def bind(fn: Callable[..., Any] | None, *args: Any) -> Callable[..., Any] | None:
    """``fn`` with its first arguments bound, or ``None``."""
    return None if fn is None else partial(fn, *args)


def to_number(value: Any, what: str) -> float:
    """WebIDL ``unrestricted double`` conversion: a number, or a TypeError."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        raise type_error(f"{what} must be a number, got {type(value).__name__}") from None


def byte_view(chunk: Any) -> memoryview:
    """A ``memoryview`` of format ``'B'`` over ``chunk`` (a Uint8Array, in the spec's
    words). ``bytes``, ``bytearray`` and any buffer are accepted; anything else is a
    TypeError."""
    if type(chunk) is memoryview and chunk.format == "B" and chunk.ndim == 1:
        return chunk
    try:
        view = memoryview(chunk)
    except TypeError:
        raise type_error(
            f"The chunk must be bytes, bytearray or a memoryview, got {type(chunk).__name__}"
        ) from None
    if view.format != "B" or view.ndim != 1:
        view = view.cast("B")
    return view
