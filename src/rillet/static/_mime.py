"""Content-Type by file extension, and which types are worth compressing.

The table is explicit, so the answer does not depend on the machine's
``/etc/mime.types``. Text types carry ``charset=utf-8``.
"""

from __future__ import annotations

import os
from typing import Final

__all__ = ["content_type", "is_compressible"]

_TYPES: Final = {
    # text and code
    ".html": "text/html",
    ".htm": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".cjs": "text/javascript",
    ".txt": "text/plain",
    ".text": "text/plain",
    ".log": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".ics": "text/calendar",
    ".vtt": "text/vtt",
    ".srt": "text/plain",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".ndjson": "application/x-ndjson",
    ".jsonld": "application/ld+json",
    ".xml": "application/xml",
    ".xhtml": "application/xhtml+xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".wasm": "application/wasm",
    ".pdf": "application/pdf",
    # images
    ".png": "image/png",
    ".apng": "image/apng",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jfif": "image/jpeg",
    ".pjpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".heic": "image/heic",
    ".jxl": "image/jxl",
    ".svg": "image/svg+xml",
    ".ico": "image/vnd.microsoft.icon",
    ".bmp": "image/bmp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    # audio and video
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".m4s": "video/iso.segment",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".mov": "video/quicktime",
    ".mkv": "video/x-matroska",
    ".ts": "video/mp2t",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".mpd": "application/dash+xml",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".oga": "audio/ogg",
    ".ogg": "audio/ogg",
    ".opus": "audio/opus",
    ".flac": "audio/flac",
    ".wav": "audio/wav",
    # fonts
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    # archives and binaries
    ".zip": "application/zip",
    ".gz": "application/gzip",
    ".tgz": "application/gzip",
    ".br": "application/x-brotli",
    ".zst": "application/zstd",
    ".tar": "application/x-tar",
    ".7z": "application/x-7z-compressed",
    ".bz2": "application/x-bzip2",
    ".xz": "application/x-xz",
}
_DEFAULT: Final = "application/octet-stream"
_COMPRESSIBLE_EXACT: Final = frozenset(
    {
        "application/json",
        "application/manifest+json",
        "application/x-ndjson",
        "application/ld+json",
        "application/xml",
        "application/xhtml+xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/wasm",
        "application/vnd.apple.mpegurl",
        "application/dash+xml",
        "image/svg+xml",
        "image/bmp",
        "image/vnd.microsoft.icon",
        "font/ttf",
        "font/otf",
    }
)


def content_type(path: str) -> str:
    """The Content-Type for ``path``'s extension (``application/octet-stream`` if unknown)."""
    kind = _TYPES.get(os.path.splitext(path)[1].lower(), _DEFAULT)
    if kind.startswith("text/") or kind in ("application/json", "image/svg+xml"):
        return kind + "; charset=utf-8"
    return kind


def is_compressible(kind: str) -> bool:
    """Whether a body of this Content-Type shrinks under gzip/br/zstd (text-like types)."""
    base = kind.split(";", 1)[0].strip().lower()
    return (
        base.startswith("text/") or base in _COMPRESSIBLE_EXACT or base.endswith(("+json", "+xml"))
    )
