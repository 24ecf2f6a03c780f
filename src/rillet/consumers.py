"""Read a whole stream (or async iterable) into one value (Node's ``stream/consumers``).

Each function returns a Future that starts at once and takes a Readable, an async
iterable or, as ``for await`` allows in Node, a plain iterable. Chunks may be bytes-like
or ``str`` (UTF-8 encoded); anything else fails with ``ERR_INVALID_ARG_TYPE``. Text is
decoded as UTF-8 with U+FFFD for invalid bytes, as Node's ``TextDecoder`` does.
They hold the whole body in memory: use them for bodies whose size you bound.
"""

from __future__ import annotations

import asyncio
import json as _json
from collections.abc import AsyncIterator
from typing import Any

from rillet.errors import invalid_arg_type
from rillet.streams._encoding import encode

__all__ = ["array_buffer", "buffer", "bytes_", "json", "text"]


async def _chunks(stream: Any) -> AsyncIterator[Any]:
    if hasattr(stream, "__aiter__"):
        async for chunk in stream:
            yield chunk
    elif hasattr(stream, "__iter__") and not isinstance(stream, str | bytes | bytearray):
        for chunk in stream:
            yield chunk
    else:
        raise invalid_arg_type("stream", "a Readable, AsyncIterable or Iterable", stream)


async def _collect(stream: Any) -> bytes:
    parts: list[bytes] = []
    async for chunk in _chunks(stream):
        if isinstance(chunk, str):
            parts.append(encode(chunk))
        elif isinstance(chunk, bytes | bytearray | memoryview):
            parts.append(bytes(chunk))
        else:
            raise invalid_arg_type("chunk", "a str, bytes, bytearray or memoryview", chunk)
    return b"".join(parts)


def buffer(stream: Any) -> asyncio.Future[bytes]:
    """All the bytes of ``stream``, joined (Node's ``buffer()``)."""
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
    """The stream's text parsed as JSON (``json.JSONDecodeError`` if it is not JSON)."""
    return asyncio.ensure_future(_json_value(stream))
