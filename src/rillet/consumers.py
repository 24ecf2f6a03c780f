"""Read a whole stream (or async iterable) into one value (Node's ``stream/consumers``).

Each function returns a Future that starts at once. They hold the whole body in
memory: use them for bodies whose size you bound.
"""

from __future__ import annotations

import asyncio
import json as _json
from typing import Any

from rillet.streams._encoding import encode

__all__ = ["array_buffer", "buffer", "bytes_", "json", "text"]


async def _collect(stream: Any) -> bytes:
    parts: list[bytes] = []
    async for chunk in stream:
        parts.append(encode(chunk) if isinstance(chunk, str) else bytes(chunk))
    return b"".join(parts)


def buffer(stream: Any) -> asyncio.Future[bytes]:
    """All the bytes of ``stream`` (``str`` chunks are UTF-8 encoded)."""
    return asyncio.ensure_future(_collect(stream))


array_buffer = buffer
bytes_ = buffer


async def _text(stream: Any) -> str:
    return (await _collect(stream)).decode("utf-8", "replace")


def text(stream: Any) -> asyncio.Future[str]:
    """The stream's bytes decoded as UTF-8."""
    return asyncio.ensure_future(_text(stream))


async def _json_value(stream: Any) -> Any:
    return _json.loads(await _text(stream))


def json(stream: Any) -> asyncio.Future[Any]:
    """The stream's text parsed as JSON."""
    return asyncio.ensure_future(_json_value(stream))
