"""What the readable and the writable side's states share (:class:`StreamState`) and
what Readable and Writable read from them alike (:class:`StatefulStream`); the default
high-water marks and the validation of ``high_water_mark`` options."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Self

from rillet.errors import invalid_arg_value
from rillet.streams._encoding import checked_encoding
from rillet.streams._legacy import Stream

__all__ = [
    "StatefulStream",
    "StreamState",
    "get_default_high_water_mark",
    "high_water_mark_from",
    "set_default_high_water_mark",
]

_default_bytes = 65536
_default_objects = 16


def get_default_high_water_mark(object_mode: bool) -> int:
    """The high-water mark new streams get: 65536 bytes, or 16 objects in object mode."""
    return _default_objects if object_mode else _default_bytes


def _validated(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_arg_value(name, value, kind="property")
    if isinstance(value, float):
        if math.isnan(value) or value < 0 or not value.is_integer():
            raise invalid_arg_value(name, value, kind="property")
        value = int(value)
    if value < 0:
        raise invalid_arg_value(name, value, kind="property")
    return value


def set_default_high_water_mark(object_mode: bool, value: int) -> None:
    """Change the default for streams created afterwards (process-wide)."""
    global _default_bytes, _default_objects
    checked = _validated(value, "value")
    if object_mode:
        _default_objects = checked
    else:
        _default_bytes = checked


def high_water_mark_from(
    options: Mapping[str, Any], side_key: str | None, object_mode: bool, is_duplex: bool
) -> int:
    """The HWM in effect: ``high_water_mark``, else (for a Duplex side) ``side_key``,
    else the default. None means "use the default"; invalid values raise
    ``ERR_INVALID_ARG_VALUE`` naming the option (for a Duplex, the side's option).
    """
    value = options.get("high_water_mark")
    name = "options.high_water_mark"
    if is_duplex and side_key is not None:
        # As Node, a Duplex's error names the side's option, whichever was given.
        name = f"options.{side_key}"
        if value is None:
            value = options.get(side_key)
    if value is None:
        return _default_objects if object_mode else _default_bytes
    return _validated(value, name)


class StreamState:
    """The flags both sides' states have (Node keeps them in ``ReadableState`` and
    ``WritableState`` alike): the side's mode, high-water mark and buffered length, and
    the life cycle that ``_destroy`` reads and sets on every side a stream has.

    Raises ``ERR_INVALID_ARG_VALUE`` for a bad high-water mark and
    ``ERR_UNKNOWN_ENCODING`` for a bad ``default_encoding``, in that order.
    """

    __slots__ = (
        "after_construct_destroy",
        "auto_destroy",
        "close_emitted",
        "closed",
        "constructed",
        "default_encoding",
        "destroyed",
        "emit_close",
        "error_emitted",
        "errored",
        "high_water_mark",
        "length",
        "object_mode",
    )

    # A Duplex's options for this side (``readable_object_mode``...).
    object_mode_key: ClassVar[str]
    high_water_mark_key: ClassVar[str]

    def __init__(self, options: Mapping[str, Any], is_duplex: bool) -> None:
        object_mode = bool(options.get("object_mode"))
        if is_duplex:
            object_mode = object_mode or bool(options.get(self.object_mode_key))
        self.object_mode = object_mode
        self.high_water_mark = high_water_mark_from(
            options, self.high_water_mark_key, object_mode, is_duplex
        )
        self.length = 0
        default_encoding = options.get("default_encoding") or "utf8"
        self.default_encoding = checked_encoding(default_encoding)
        self.constructed = True
        self.destroyed = False
        self.errored: BaseException | None = None
        self.error_emitted = False
        self.closed = False
        self.close_emitted = False
        self.emit_close = options.get("emit_close", True) is not False
        self.auto_destroy = options.get("auto_destroy", True) is not False
        self.after_construct_destroy: Callable[[BaseException | None], None] | None = None


class StatefulStream(Stream):
    """The base of Readable and Writable (so of Duplex): the life-cycle properties, read
    from the readable side's state when there is one (as a Duplex's are, in Node), else
    from the writable side's."""

    @property
    def destroyed(self) -> bool:
        """True as soon as ``destroy()`` was called."""
        state: StreamState = self._readable_state or self._writable_state
        return state.destroyed

    @destroyed.setter
    def destroyed(self, value: bool) -> None:
        state: StreamState = self._readable_state or self._writable_state
        state.destroyed = value

    @property
    def closed(self) -> bool:
        """True once ``_destroy`` has called back."""
        state: StreamState = self._readable_state or self._writable_state
        return state.closed

    @property
    def errored(self) -> BaseException | None:
        """The error the stream failed with, else None."""
        state: StreamState = self._readable_state or self._writable_state
        return state.errored

    async def __aenter__(self) -> Self:
        return self
