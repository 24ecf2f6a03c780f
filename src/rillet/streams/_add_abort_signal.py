"""``add_abort_signal``: destroy a stream when an AbortSignal aborts."""

from __future__ import annotations

from typing import Any, TypeVar

from rillet._core import AbortSignal, Event
from rillet.errors import AbortError, invalid_arg_type
from rillet.streams._end_of_stream import eos
from rillet.streams._utils import is_node_stream, is_web_stream

__all__ = ["add_abort_signal"]

S = TypeVar("S")


def add_abort_signal(signal: AbortSignal, stream: S) -> S:
    """Destroy ``stream`` with an ``AbortError`` (caused by the signal's reason) when
    ``signal`` aborts; at once if it already has. Returns ``stream``.

    Raises ``ERR_INVALID_ARG_TYPE`` for anything but an AbortSignal and a stream.
    """
    if not isinstance(signal, AbortSignal):
        raise invalid_arg_type("signal", "an instance of AbortSignal", signal)
    if not (is_node_stream(stream) or is_web_stream(stream)):
        raise invalid_arg_type("stream", "a stream", stream)
    target: Any = stream

    def on_abort(_event: Event | None = None) -> None:
        reason = signal.reason
        error = AbortError(cause=reason if isinstance(reason, BaseException) else None)
        if is_node_stream(target):
            target.destroy(error)
        elif callable(getattr(target, "cancel", None)):
            target.cancel(error)
        else:
            target.abort(error)

    if signal.aborted:
        on_abort()
    else:
        signal.add_event_listener("abort", on_abort)
        if is_node_stream(target):
            eos(target, lambda *_: signal.remove_event_listener("abort", on_abort))
    return stream
