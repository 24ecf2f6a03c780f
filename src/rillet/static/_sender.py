"""How a response body leaves: one write, sendfile, or a stream pipeline.

* A body of at most one chunk whose bytes the kernel has cached is read on the loop
  and sent with the head in a single write (no stream, no extra system call).
* A larger file body that nothing transforms (no throttle, no compression, not TLS)
  goes with ``os.sendfile`` (``ServerResponse.send_file``): zero copies, and memory
  per connection near zero whatever the file size or the client's speed.
* Otherwise the body flows file stream → (throttle) → (compressor) → response with
  ``pipeline``, so backpressure holds end to end and memory stays bounded by the
  high-water marks; a client that leaves destroys the pipeline and closes the file.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable
from typing import Any

from rillet import fs
from rillet.fs._io import open_cached_nowait
from rillet.static._options import ServeOptions
from rillet.static._stats import TransferRegistry
from rillet.static._throttle import Throttle
from rillet.streams import Readable, Transform, pipeline

__all__ = ["read_small_nowait", "send_file_body", "send_stream_body"]

_RWF_NOWAIT = getattr(os, "RWF_NOWAIT", 0)


def read_small_nowait(path: str, start: int, length: int) -> bytes | None:
    """``length`` bytes of ``path`` from ``start`` if the kernel can give them without
    waiting for a disk; None otherwise (the caller then streams the body)."""
    if not _RWF_NOWAIT:
        return None
    fd = open_cached_nowait(path)
    if fd is None:
        return None
    try:
        buffer = bytearray(length)
        try:
            got = os.preadv(fd, [buffer], start, _RWF_NOWAIT)
        except OSError:
            return None
        return bytes(buffer) if got == length else None
    finally:
        os.close(fd)


async def _sendfile(
    req: Any, res: Any, stats: TransferRegistry, path: str, start: int, length: int
) -> bool:
    """Send the body with sendfile if the response allows it; False if it does not."""
    send_file = getattr(res, "send_file", None)
    if send_file is None:
        return False
    handle = await fs.open(path)
    transfer = stats.start(req.method, req.url, _client(req), length, res)
    try:
        if not await send_file(handle.fd, start, length):
            return False
        res.end()
        return True
    except Exception:
        return True  # the connection failed: the response is destroyed, nothing to add
    finally:
        stats.finish(transfer)
        await handle.close()


def _client(req: Any) -> str:
    socket = getattr(req, "socket", None)
    return str(getattr(socket, "remote_address", "") or "")


def _paced(options: ServeOptions) -> bool:
    return options.rate is not None or options.delay > 0


async def send_stream_body(
    req: Any,
    res: Any,
    stats: TransferRegistry,
    source: Readable,
    total: int | None,
    options: ServeOptions,
    compressor: Transform | None,
) -> None:
    """Pipe ``source`` into ``res`` through the throttle and compressor, if any."""
    stages: list[Any] = [source]
    if _paced(options):
        stages.append(
            Throttle(
                rate=options.rate,
                rate_after=options.rate_after,
                delay_ms=options.delay,
                high_water_mark=options.chunk_size,
            )
        )
    if compressor is not None:
        stages.append(compressor)
    stages.append(res)
    transfer = stats.start(req.method, req.url, _client(req), total, res)
    try:
        await pipeline(*stages)
    except Exception:
        # The client went away or the file failed: pipeline destroyed every stage, the
        # file is closed and the connection ends; the access log records the outcome.
        pass
    finally:
        stats.finish(transfer)


def send_file_body(
    req: Any,
    res: Any,
    stats: TransferRegistry,
    path: str,
    start: int,
    length: int,
    options: ServeOptions,
) -> Awaitable[None] | None:
    """Send ``length`` bytes of ``path`` from ``start`` as the whole body of ``res``: at
    once for a small cached body, else return what sends it (sendfile or a stream)."""
    paced = _paced(options)
    if not paced and length <= options.chunk_size:
        data = read_small_nowait(path, start, length)
        if data is not None:
            res.end(data)
            return None
    return _send_large(req, res, stats, path, start, length, options, paced)


async def _send_large(
    req: Any,
    res: Any,
    stats: TransferRegistry,
    path: str,
    start: int,
    length: int,
    options: ServeOptions,
    paced: bool,
) -> None:
    if not paced and await _sendfile(req, res, stats, path, start, length):
        return
    source = fs.create_read_stream(
        path, start=start, end=start + length - 1, high_water_mark=options.chunk_size
    )
    await send_stream_body(req, res, stats, source, length, options, None)
