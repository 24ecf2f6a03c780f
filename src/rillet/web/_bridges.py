"""Bridges between Node-style streams and web streams (placeholder until rillet.web lands)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rillet.streams import Duplex, Readable, Writable

ReadableStream = Any
WritableStream = Any


def _missing() -> NotImplementedError:
    return NotImplementedError("rillet.web is not implemented yet")


def readable_from_web(readable_stream: Any, **options: Any) -> Readable:
    raise _missing()


def readable_to_web(readable: Any, **options: Any) -> Any:
    raise _missing()


def writable_from_web(writable_stream: Any, **options: Any) -> Writable:
    raise _missing()


def writable_to_web(writable: Any) -> Any:
    raise _missing()


def duplex_from_web(pair: Any, **options: Any) -> Duplex:
    raise _missing()


def duplex_to_web(duplex: Any) -> dict[str, Any]:
    raise _missing()


def eos_web(stream: Any, callback: Callable[..., Any], *, signal: Any = None) -> Callable[[], None]:
    raise _missing()
