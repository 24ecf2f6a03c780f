"""``Duplex``: a Readable and a Writable in one object (Node's ``streams/duplex.js``).

Each side keeps its own state and options (``readable_high_water_mark``,
``writable_object_mode``...; ``high_water_mark`` sets both). With
``allow_half_open=False`` the writable side ends on the tick after the readable side
emits ``'end'``. ``destroyed`` is True only when both sides are; ``destroy()`` also
fails queued writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Unpack

from rillet.streams._hooks import set_up_stream
from rillet.streams._legacy import Stream
from rillet.streams._readable import Readable, ReadableOptions, ReadableState
from rillet.streams._writable import Writable, WritableOptions, WritableState

if TYPE_CHECKING:
    from rillet.web import ReadableStream, WritableStream

__all__ = ["Duplex", "DuplexOptions"]

_DUPLEX_HOOKS = ("read", "write", "writev", "final", "destroy", "construct")


class DuplexOptions(ReadableOptions, WritableOptions, total=False):
    """Constructor keywords of :class:`Duplex`: both sides' options, plus these."""

    allow_half_open: bool
    readable: bool
    writable: bool
    readable_object_mode: bool
    writable_object_mode: bool
    readable_high_water_mark: int | None
    writable_high_water_mark: int | None


class Duplex(Readable, Writable):
    """Both a Readable and a Writable; the two sides are independent.

    Implement ``_read`` and ``_write`` (or pass ``read=``/``write=``).
    """

    _hook_names: tuple[str, ...] = _DUPLEX_HOOKS
    allow_half_open: bool

    def __init__(self, **options: Unpack[DuplexOptions]) -> None:
        self._init_duplex(options)

    def _init_duplex(self, options: Mapping[str, Any]) -> None:
        Stream.__init__(self)
        self._readable_state = ReadableState(options, True)
        self._writable_state = WritableState(options, self, True)
        self.allow_half_open = options.get("allow_half_open", True) is not False
        if options.get("readable") is False:
            r = self._readable_state
            r.readable = False
            r.ended = True
            r.end_emitted = True
        if options.get("writable") is False:
            w = self._writable_state
            w.writable = False
            w.ending = True
            w.ended = True
            w.finished = True
        set_up_stream(self, options, self._hook_names, self._after_duplex_constructed)

    def _after_duplex_constructed(self) -> None:
        self._after_readable_constructed()
        self._after_writable_constructed()

    destroy = Writable.destroy  # type: ignore[assignment]

    @property
    def destroyed(self) -> bool:
        """True when both sides are destroyed."""
        return self._readable_state.destroyed and self._writable_state.destroyed

    @destroyed.setter
    def destroyed(self, value: bool) -> None:
        self._readable_state.destroyed = value
        self._writable_state.destroyed = value

    @staticmethod
    def from_(source: Any) -> Duplex:  # type: ignore[override]
        """A Duplex made from a stream, an (async) iterable, an async generator function
        (a transform), an async function (a sink), a ``{'readable', 'writable'}`` pair,
        an awaitable, or web streams (Node's ``Duplex.from``)."""
        from rillet.streams._duplexify import duplexify

        return duplexify(source, "body")

    @staticmethod
    def from_web(pair: Any, **options: Any) -> Duplex:  # type: ignore[override]
        """A Duplex over a ``{'readable': ReadableStream, 'writable': WritableStream}`` pair."""
        from rillet.web._bridges import duplex_from_web

        return duplex_from_web(pair, **options)

    @staticmethod
    def to_web(duplex: Duplex) -> dict[str, ReadableStream | WritableStream]:  # type: ignore[override]
        """``{'readable': ReadableStream, 'writable': WritableStream}`` over ``duplex``."""
        from rillet.web._bridges import duplex_to_web

        return duplex_to_web(duplex)
