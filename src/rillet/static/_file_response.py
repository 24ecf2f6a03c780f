"""One regular file as an HTTP response: representation choice, validators,
preconditions, ranges, and the body.

The representation is the file itself, a precompressed sibling (``.br``, ``.zst``,
``.gz``: preferred to on-the-fly compression at equal q-values, with its own ETag,
and ranges apply to its bytes), or the file compressed on the fly (own ETag, chunked,
Range ignored and Accept-Ranges omitted, as nginx does). Vary: Accept-Encoding
accompanies every response of a resource that could be compressed, 304 and 206 included.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import Any

from rillet import fs, zlib
from rillet.static._mime import content_type, is_compressible
from rillet.static._negotiation import add_vary, choose_coding
from rillet.static._options import ServeOptions
from rillet.static._ranges import ByteRange, parse_range
from rillet.static._sender import send_file_body, send_stream_body
from rillet.static._stats import TransferRegistry
from rillet.static._validators import (
    Precondition,
    etag_for,
    evaluate_preconditions,
    http_date,
    if_range_allows,
)
from rillet.streams import Readable, Transform

__all__ = ["FileResponse"]

_SIBLINGS = (("br", ".br"), ("zstd", ".zst"), ("gzip", ".gz"))
_MIN_COMPRESS = 256  # below this, compression costs more than it saves


@dataclass(frozen=True, slots=True)
class _Representation:
    path: str
    size: int
    mtime_ns: int
    coding: str  # 'identity', or the coding of a sibling or of on-the-fly compression
    on_the_fly: bool


def _sibling(path: str, suffix: str, root_real: str) -> os.stat_result | None:
    candidate = path + suffix
    try:
        info = os.stat(candidate)
    except OSError:
        return None
    real = os.path.realpath(candidate)
    if not stat.S_ISREG(info.st_mode) or not real.startswith(root_real.rstrip(os.sep) + os.sep):
        return None
    return info


def _compressor(coding: str, paced: bool) -> Transform:
    # A paced body (--rate, --delay) is flushed after every chunk, so the client gets the
    # bytes as they are paced out instead of when the encoder's block is full.
    constants = zlib.constants
    if coding == "br":
        return zlib.create_brotli_compress(
            params={constants.BROTLI_PARAM_QUALITY: 4},
            flush=constants.BROTLI_OPERATION_FLUSH if paced else constants.BROTLI_OPERATION_PROCESS,
        )
    if coding == "zstd":
        return zlib.create_zstd_compress(
            params={constants.ZSTD_c_compressionLevel: 3},
            flush=constants.ZSTD_e_flush if paced else constants.ZSTD_e_continue,
        )
    return zlib.create_gzip(
        level=5, flush=constants.Z_SYNC_FLUSH if paced else constants.Z_NO_FLUSH
    )


class FileResponse:
    """Answers one request for the regular file at ``path`` (already stat'ed)."""

    def __init__(
        self,
        options: ServeOptions,
        stats: TransferRegistry,
        root_real: str,
        path: str,
        info: os.stat_result,
    ) -> None:
        self.options = options
        self.stats = stats
        self.root_real = root_real
        self.path = path
        self.info = info
        self.kind = content_type(path)

    def _choose(self, accept_encoding: str | None) -> tuple[_Representation, bool]:
        """The representation to send, and whether the resource varies by coding."""
        info = self.info
        identity = _Representation(self.path, info.st_size, info.st_mtime_ns, "identity", False)
        if not self.options.compress:
            return identity, False
        fly = is_compressible(self.kind) and info.st_size >= _MIN_COMPRESS
        if not accept_encoding:
            # Nothing but identity can go to a client that accepts no coding: spare the
            # three sibling lookups (a stat each); Vary is owed when the file is
            # compressible (the answer would differ for a client that accepts one).
            return identity, fly
        siblings = {
            coding: found
            for coding, suffix in _SIBLINGS
            if (found := _sibling(self.path, suffix, self.root_real)) is not None
        }
        varies = fly or bool(siblings)
        if not varies:
            return identity, False
        available = set(siblings) | ({"br", "zstd", "gzip"} if fly else set())
        coding = choose_coding(accept_encoding, available, preferred=siblings)
        if coding == "identity":
            return identity, True
        sibling = siblings.get(coding)
        if sibling is not None:
            suffix = dict(_SIBLINGS)[coding]
            return (
                _Representation(
                    self.path + suffix, sibling.st_size, sibling.st_mtime_ns, coding, False
                ),
                True,
            )
        return _Representation(self.path, info.st_size, info.st_mtime_ns, coding, True), True

    def _common_headers(self, res: Any, rep: _Representation, varies: bool) -> str:
        etag = etag_for(rep.mtime_ns, rep.size, rep.coding)
        res.set_header("ETag", etag)
        res.set_header("Last-Modified", http_date(rep.mtime_ns / 1e9))
        res.set_header("Cache-Control", self.options.cache_control)
        if varies:
            add_vary(res, "Accept-Encoding")
        if not rep.on_the_fly:
            res.set_header("Accept-Ranges", "bytes")
        return etag

    def respond(self, req: Any, res: Any) -> Awaitable[None] | None:
        """Send the response (status, headers and, unless HEAD, the body): at once when it
        can (conditionals, errors, a small cached file), else return what finishes it."""
        headers = req.headers
        rep, varies = self._choose(headers.get("accept-encoding"))
        etag = self._common_headers(res, rep, varies)
        last_modified = rep.mtime_ns // 10**9
        outcome = evaluate_preconditions(
            req.method,
            headers.get("if-match"),
            headers.get("if-none-match"),
            headers.get("if-modified-since"),
            headers.get("if-unmodified-since"),
            etag,
            last_modified,
        )
        if outcome is Precondition.NOT_MODIFIED:
            res.status_code = 304
            res.end()
            return None
        if outcome is Precondition.FAILED:
            res.status_code = 412
            res.set_header("Content-Type", "text/plain; charset=utf-8")
            res.end("412 Precondition Failed\n")
            return None
        res.set_header("Content-Type", self.kind)
        if rep.coding != "identity":
            res.set_header("Content-Encoding", rep.coding)
        head_only = req.method == "HEAD"
        if rep.on_the_fly:
            return self._send_compressed(req, res, rep, head_only)
        ranges = None
        if req.method == "GET" and if_range_allows(headers.get("if-range"), etag, last_modified):
            request = parse_range(headers.get("range"), rep.size)
            if request.unsatisfiable:
                res.status_code = 416
                res.set_header("Content-Range", f"bytes */{rep.size}")
                res.set_header("Content-Type", "text/plain; charset=utf-8")
                res.end("416 Range Not Satisfiable\n")
                return None
            ranges = request.ranges
            if ranges is not None and len(ranges) > 1 and rep.coding != "identity":
                ranges = None  # parts of an encoded body: send it whole instead
        if ranges is None:
            res.set_header("Content-Length", str(rep.size))
            return self._send(req, res, rep, 0, rep.size, head_only)
        if len(ranges) == 1:
            only = ranges[0]
            res.status_code = 206
            res.set_header("Content-Range", only.content_range(rep.size))
            res.set_header("Content-Length", str(only.length))
            self.stats.note_range(f"{req.url}: {only.content_range(rep.size)}")
            return self._send(req, res, rep, only.start, only.length, head_only)
        return self._send_multipart(req, res, rep, ranges, head_only)

    def _send(
        self, req: Any, res: Any, rep: _Representation, start: int, length: int, head_only: bool
    ) -> Awaitable[None] | None:
        if head_only or length == 0:
            res.end()
            return None
        return send_file_body(
            req,
            res,
            self.stats,
            rep.path,
            start,
            length,
            self.options,
        )

    async def _send_compressed(
        self, req: Any, res: Any, rep: _Representation, head_only: bool
    ) -> None:
        if head_only:
            res.end()
            return
        source = fs.create_read_stream(rep.path, high_water_mark=self.options.chunk_size)
        options = self.options
        compressor = _compressor(rep.coding, options.rate is not None or options.delay > 0)
        await send_stream_body(req, res, self.stats, source, None, options, compressor)

    async def _send_multipart(
        self,
        req: Any,
        res: Any,
        rep: _Representation,
        ranges: tuple[ByteRange, ...],
        head_only: bool,
    ) -> None:
        boundary = secrets.token_hex(12)
        heads = [
            (
                f"\r\n--{boundary}\r\nContent-Type: {self.kind}\r\n"
                f"Content-Range: {r.content_range(rep.size)}\r\n\r\n"
            ).encode("latin-1")
            for r in ranges
        ]
        tail = f"\r\n--{boundary}--\r\n".encode("latin-1")
        length = sum(len(h) for h in heads) + sum(r.length for r in ranges) + len(tail)
        res.status_code = 206
        res.set_header("Content-Type", f"multipart/byteranges; boundary={boundary}")
        res.set_header("Content-Length", str(length))
        self.stats.note_range(f"{req.url}: {len(ranges)} ranges")
        if head_only:
            res.end()
            return
        chunk = self.options.chunk_size

        async def parts() -> AsyncIterator[bytes]:
            for head, byte_range in zip(heads, ranges, strict=True):
                yield head
                part = fs.create_read_stream(
                    rep.path, start=byte_range.start, end=byte_range.end, high_water_mark=chunk
                )
                async for piece in part:
                    yield piece
            yield tail

        body = Readable.from_(parts(), object_mode=False, high_water_mark=chunk)
        await send_stream_body(req, res, self.stats, body, length, self.options, None)
