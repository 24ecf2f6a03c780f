"""PUT and DELETE under ROOT (``--upload``).

Guarantees of a PUT:

* the body streams (with backpressure) into a temporary dotfile in the target's own
  directory, which is fsynced and renamed over the target only once the whole body has
  arrived: readers see the old file or the new one, never a part;
* an interrupted or refused upload removes the temporary file and leaves nothing;
* 201 when the file is new, 204 when it replaced one, 409 when the parent directory is
  missing or the target is a directory, 413 beyond ``max_upload`` (checked against
  Content-Length first, then while streaming).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from typing import Any

from rillet import fs
from rillet.errors import new_error
from rillet.streams import Transform, pipeline

__all__ = ["delete_file", "put_file"]


class _SizeLimit(Transform):
    """Passes bytes through until more than ``limit`` have come, then fails."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.seen = 0

    def _transform(self, chunk: Any, encoding: str, callback: Callable[..., Any]) -> None:
        self.seen += len(chunk)
        if self.seen > self.limit:
            callback(new_error("ERR_OUT_OF_RANGE", "body size", f"<= {self.limit}", self.seen))
            return
        callback(None, chunk)


def _answer(res: Any, status: int, text: str = "") -> None:
    if res.headers_sent or res.destroyed:
        return
    res.status_code = status
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
    if declared is not None and declared.isdigit() and int(declared) > max_upload:
        res.set_header("Connection", "close")
        _answer(res, 413, "413 Content Too Large")
        return
    existed = os.path.exists(path)
    temporary = os.path.join(
        parent, f".{os.path.basename(path)}.{secrets.token_hex(6)}.rillet-upload"
    )
    limit = _SizeLimit(max_upload)
    sink = fs.create_write_stream(temporary, flags="wx", flush=True)
    try:
        await pipeline(req, limit, sink)
        os.replace(temporary, path)
    except Exception:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if limit.seen > max_upload:
            res.set_header("Connection", "close")
            _answer(res, 413, "413 Content Too Large")
        elif not req.destroyed and req.complete:
            _answer(res, 500, "500 Internal Server Error")
        else:
            res.destroy()
        return
    _fsync_directory(parent)
    _answer(res, 204 if existed else 201)


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
