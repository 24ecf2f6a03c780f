"""``serve_static(root, **options)``: the request handler behind ``rillet serve``.

It answers GET and HEAD for files and directories under ROOT; OPTIONS (and CORS
preflight, which needs no credentials); PUT and DELETE with ``upload``; anything else
405 with ``Allow``. Every response carries ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Awaitable
from typing import Any
from urllib.parse import quote

from rillet.static._auth import BasicAuth
from rillet.static._file_response import FileResponse
from rillet.static._listing import read_entries, render_html, render_json
from rillet.static._negotiation import add_vary
from rillet.static._options import ServeOptions
from rillet.static._paths import Resolution, Verdict, resolve
from rillet.static._stats import TransferRegistry
from rillet.static._upload import delete_file, put_file
from rillet.static._validators import Precondition, evaluate_preconditions

__all__ = ["StaticHandler", "serve_static"]

_REASON_TEXT = {
    400: "400 Bad Request",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
}
_EXPOSED = "Content-Length, Content-Range, Content-Encoding, Accept-Ranges, ETag, Last-Modified"


class StaticHandler:
    """A ``(req, res)`` handler serving ``root`` with ``options`` (see serve_static)."""

    def __init__(
        self, root: str, options: ServeOptions, stats: TransferRegistry | None = None
    ) -> None:
        self.root = os.path.realpath(root)
        if not os.path.isdir(self.root):
            raise NotADirectoryError(f"not a directory: {root}")
        self.options = options
        self.stats = stats if stats is not None else TransferRegistry()
        self.auth = BasicAuth(options.auth) if options.auth else None
        methods = ["GET", "HEAD", "OPTIONS"] + (["PUT", "DELETE"] if options.upload else [])
        self.allow = ", ".join(methods)

    def __call__(self, req: Any, res: Any) -> Awaitable[None] | None:
        """Answer ``req``; what can be answered at once is (a small cached file needs no
        task), else the awaitable that finishes the answer is returned."""
        res.set_header("X-Content-Type-Options", "nosniff")
        cors = self.options.cors
        if cors is not None:
            res.set_header("Access-Control-Allow-Origin", cors)
            res.set_header("Access-Control-Expose-Headers", _EXPOSED)
            if cors != "*":
                res.set_header("Vary", "Origin")
        method = req.method
        if method == "OPTIONS":
            self._options(req, res)
            return None
        if self.auth is not None and not self.auth.allows(req.headers.get("authorization")):
            res.set_header("WWW-Authenticate", self.auth.challenge)
            self._error(res, 401)
            return None
        if method not in ("GET", "HEAD") and not (
            self.options.upload and method in ("PUT", "DELETE")
        ):
            res.set_header("Allow", self.allow)
            self._error(res, 405)
            return None
        found = resolve(self.root, req.url, self.options.dotfiles)
        if found.verdict is not Verdict.OK:
            self._error(res, _STATUS[found.verdict])
            return None
        if method == "PUT":
            return put_file(req, res, found.path, self.options.max_upload)
        if method == "DELETE":
            delete_file(res, found.path)
            return None
        return self._get(req, res, found)

    def _options(self, req: Any, res: Any) -> None:
        requested = req.headers.get("access-control-request-method")
        if self.options.cors is not None and requested is not None:
            res.set_header("Access-Control-Allow-Methods", self.allow)
            wanted = req.headers.get("access-control-request-headers")
            if wanted:
                res.set_header("Access-Control-Allow-Headers", wanted)
            res.set_header("Access-Control-Max-Age", "600")
        res.set_header("Allow", self.allow)
        res.status_code = 204
        res.end()

    def _get(self, req: Any, res: Any, found: Resolution) -> Awaitable[None] | None:
        info = found.info
        if info is None:
            try:
                info = os.stat(found.path)
            except OSError:
                return self._missing(req, res)
        if stat.S_ISDIR(info.st_mode):
            return self._directory(req, res, found)
        if stat.S_ISREG(info.st_mode) and not found.trailing_slash:
            # "/file.txt/" names a directory that does not exist (nginx and the OS agree).
            return FileResponse(self.options, self.stats, self.root, found.path, info).respond(
                req, res
            )
        self._error(res, 404)
        return None

    def _missing(self, req: Any, res: Any) -> Awaitable[None] | None:
        fallback = self.options.fallback
        if fallback is not None:
            target = resolve(self.root, "/" + quote(fallback.lstrip("/")), "allow")
            info = _regular_file(target.path, target.info) if target.verdict is Verdict.OK else None
            if info is not None:
                return FileResponse(self.options, self.stats, self.root, target.path, info).respond(
                    req, res
                )
        self._error(res, 404)
        return None

    def _directory(self, req: Any, res: Any, found: Resolution) -> Awaitable[None] | None:
        if not found.trailing_slash:
            # From the normalized path, not the raw target: "//host" would redirect off-site.
            _, _, query = req.url.partition("?")
            location = quote(found.url_path.rstrip("/")) + "/" + ("?" + query if query else "")
            res.status_code = 301
            res.set_header("Location", location)
            res.set_header("Cache-Control", "no-store")  # the directory may become a file
            res.set_header("Content-Type", "text/plain; charset=utf-8")
            res.end("301 Moved Permanently\n")
            return None
        index = os.path.join(found.path, "index.html")
        info = _regular_file(index)
        if info is not None:
            return FileResponse(self.options, self.stats, self.root, index, info).respond(req, res)
        if not self.options.listing:
            self._error(res, 403)
            return None
        entries = read_entries(found.path, show_dotfiles=self.options.dotfiles == "allow")
        if "application/json" in req.headers.get("accept", ""):
            body = render_json(entries).encode("utf-8")
            res.set_header("Content-Type", "application/json")
        else:
            body = render_html(found.url_path.rstrip("/") + "/", entries).encode("utf-8")
            res.set_header("Content-Type", "text/html; charset=utf-8")
        # A listing changes with its files' sizes and dates, not only with the directory's
        # mtime: its validator is a digest of the body.
        etag = f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
        res.set_header("ETag", etag)
        res.set_header("Cache-Control", "no-cache")
        add_vary(res, "Accept")
        headers = req.headers
        outcome = evaluate_preconditions(
            req.method, headers.get("if-match"), headers.get("if-none-match"), None, None, etag, 0
        )
        if outcome is not Precondition.PASS:
            res.remove_header("Content-Type")
            res.status_code = outcome.value
            res.end()
            return None
        res.set_header("Content-Length", str(len(body)))
        res.end(b"" if req.method == "HEAD" else body)
        return None

    def _error(self, res: Any, status: int) -> None:
        text = _REASON_TEXT[status] + "\n"
        res.status_code = status
        res.set_header("Content-Type", "text/plain; charset=utf-8")
        res.set_header("Content-Length", str(len(text)))
        res.end(text)


def _regular_file(path: str, known: os.stat_result | None = None) -> os.stat_result | None:
    """The ``stat`` of ``path`` (``known`` if given) when it is a regular file, else None:
    one system call at most."""
    try:
        info = known if known is not None else os.stat(path)
    except OSError:
        return None
    return info if stat.S_ISREG(info.st_mode) else None


_STATUS = {Verdict.NOT_FOUND: 404, Verdict.FORBIDDEN: 403, Verdict.BAD_REQUEST: 400}


def serve_static(root: str, **options: Any) -> StaticHandler:
    """A request handler for ``http.create_server`` that serves the files under ``root``.

    ``options`` are the long options of ``rillet serve`` in snake_case, with the same
    defaults (see API.md, "Command line"); unknown ones raise TypeError.
    """
    return StaticHandler(root, ServeOptions.from_keywords(**options))
