"""PUT and DELETE under ROOT (``--upload``).

Guarantees of a PUT:

* the body streams (with backpressure) into a temporary dotfile in the target's own
  directory, which is fsynced and renamed over the target only once the whole body has
  arrived: readers see the old file or the new one, never a part;
* an interrupted or refused upload removes the temporary file and leaves nothing;
* 201 when the file is new, 204 when it replaced one, 409 when the parent directory is
  missing or the target is a directory, 413 beyond ``max_upload`` (checked against
  Content-Length first, then while streaming), with ``Connection: close``;
* a refused body is read to its end and dropped, when it ends within 16 MiB past the
  limit, before the 413 goes out: a client that sends the whole body before reading
  (``http.client``, curl) then reads the 413 instead of a connection reset. A longer
  body gets its 413 once those 16 MiB have come, and the connection is closed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from typing import Any

from rillet import fs
from rillet.streams import Transform, pipeline

__all__ = ["delete_file", "put_file"]


# Bytes past the limit read and dropped, so that a client still sending sees the 413.
_SLACK = 16 * 1024**2


class _SizeLimit(Transform):
    """Passes bytes through while at most ``keep`` have come and drops the ones after;
    calls ``give_up`` once, when more than ``most`` have come.

    It never fails: an error would destroy the request and, with it, the connection
    before a 413 could be sent."""

    def __init__(self, keep: int, most: int, give_up: Callable[[], None]) -> None:
        super().__init__()
        self.keep = keep
        self.most = most
        self.give_up = give_up
        self.seen = 0

    def _transform(self, chunk: Any, encoding: str, callback: Callable[..., Any]) -> None:
        before = self.seen
        self.seen += len(chunk)
        if self.seen > self.most >= before:
            self.give_up()
        callback(None, chunk if self.seen <= self.keep else None)


def _answer(res: Any, status: int, text: str = "", *, close: bool = False) -> None:
    if res.headers_sent or res.destroyed:
        return
    res.status_code = status
    if close:
        res.set_header("Connection", "close")
    if text:
        res.set_header("Content-Type", "text/plain; charset=utf-8")
        res.end(text + "\n")
    else:
        res.end()


async def put_file(req: Any, res: Any, path: str, max_upload: int) -> None:
    """Store the request body at ``path`` (see the module guarantees)."""
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        _answer(res, 409, "409 Conflict: the parent directory does not exist")
        return
    if os.path.isdir(path):
        _answer(res, 409, "409 Conflict: a directory is in the way")
        return
    declared = req.headers.get("content-length")
    too_large = declared is not None and declared.isdigit() and int(declared) > max_upload
    if too_large and int(declared) > max_upload + _SLACK:
        _too_large(res)
        return
    existed = os.path.exists(path)
    temporary = os.path.join(
        parent, f".{os.path.basename(path)}.{secrets.token_hex(6)}.rillet-upload"
    )

    def give_up() -> None:
        _too_large(res)
        # The connection closes after the 413 while the body is still coming: end the
        # request then, or the pipeline would wait for a body end that never comes.
        req.socket.once("close", lambda *_: req.destroy())

    limit = _SizeLimit(0 if too_large else max_upload, max_upload + _SLACK, give_up)
    sink = fs.create_write_stream(temporary, flags="wx", flush=True)
    stored = False
    with contextlib.suppress(Exception):  # judged below: refused, failed, or the client left
        await pipeline(req, limit, sink)
        if limit.seen <= max_upload:
            os.replace(temporary, path)
            stored = True
    if not stored:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if limit.seen > max_upload:
            _too_large(res)
        elif not req.destroyed and req.complete:
            _answer(res, 500, "500 Internal Server Error")
        else:
            res.destroy()
        return
    _fsync_directory(parent)
    _answer(res, 204 if existed else 201)


def _too_large(res: Any) -> None:
    _answer(res, 413, "413 Content Too Large", close=True)


def _fsync_directory(directory: str) -> None:
    # The rename is durable only once the directory entry is on disk.
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def delete_file(res: Any, path: str) -> None:
    """Remove the file at ``path``: 204, 404 when missing, 409 for a directory."""
    if os.path.isdir(path):
        _answer(res, 409, "409 Conflict: will not delete a directory")
        return
    try:
        os.unlink(path)
    except FileNotFoundError:
        _answer(res, 404, "404 Not Found")
        return
    except OSError:
        _answer(res, 403, "403 Forbidden")
        return
    _answer(res, 204)
