"""ETags, Last-Modified and the conditional requests of RFC 9110 §13.

ETags are strong and name the representation: ``"<mtime-ns hex>-<size hex>"`` for the
file as stored, with ``-<coding>`` added for a compressed representation, so each
content coding has its own tag (a cache never confuses a gzip body with a br one).
"""

from __future__ import annotations

import email.utils
from enum import Enum

__all__ = [
    "Precondition",
    "etag_for",
    "evaluate_preconditions",
    "http_date",
    "if_range_allows",
    "parse_http_date",
]


def etag_for(mtime_ns: int, size: int, coding: str = "identity") -> str:
    """The strong ETag of a file's representation in ``coding``."""
    suffix = "" if coding == "identity" else f"-{coding}"
    return f'"{mtime_ns:x}-{size:x}{suffix}"'


_DATES: dict[int, str] = {}
_DATES_MAX = 4096


def http_date(timestamp: float) -> str:
    """IMF-fixdate, e.g. ``Sun, 06 Nov 1994 08:49:37 GMT`` (whole seconds; the texts of
    recent seconds are remembered: files are served again and again)."""
    second = int(timestamp)
    text = _DATES.get(second)
    if text is None:
        if len(_DATES) >= _DATES_MAX:
            _DATES.clear()
        text = _DATES[second] = email.utils.formatdate(second, usegmt=True)
    return text


def parse_http_date(value: str) -> int | None:
    """Seconds since the epoch for any of HTTP's three date formats, else None."""
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return int(parsed.timestamp())


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def _strong_match(header: str, etag: str) -> bool:
    return any(tag == "*" or (not tag.startswith("W/") and tag == etag) for tag in _tags(header))


def _weak_match(header: str, etag: str) -> bool:
    mine = _opaque(etag)
    return any(tag == "*" or _opaque(tag) == mine for tag in _tags(header))


class Precondition(Enum):
    """The outcome of :func:`evaluate_preconditions`."""

    PASS = 0
    NOT_MODIFIED = 304
    FAILED = 412


def evaluate_preconditions(
    method: str,
    if_match: str | None,
    if_none_match: str | None,
    if_modified_since: str | None,
    if_unmodified_since: str | None,
    etag: str,
    last_modified: int,
) -> Precondition:
    """RFC 9110 §13.2.2, in its order: If-Match, If-Unmodified-Since, If-None-Match,
    If-Modified-Since. ``last_modified`` is in whole seconds."""
    if if_match is not None:
        if not _strong_match(if_match, etag):
            return Precondition.FAILED
    elif if_unmodified_since is not None:
        limit = parse_http_date(if_unmodified_since)
        if limit is not None and last_modified > limit:
            return Precondition.FAILED
    safe = method in ("GET", "HEAD")
    if if_none_match is not None:
        if _weak_match(if_none_match, etag):
            return Precondition.NOT_MODIFIED if safe else Precondition.FAILED
    elif if_modified_since is not None and safe:
        since = parse_http_date(if_modified_since)
        if since is not None and last_modified <= since:
            return Precondition.NOT_MODIFIED
    return Precondition.PASS


def if_range_allows(if_range: str | None, etag: str, last_modified: int) -> bool:
    """Whether a Range may be honoured: no If-Range, an exact strong ETag match, or a
    date equal to Last-Modified (RFC 9110 §13.1.5). A weak or stale tag → False."""
    if if_range is None:
        return True
    value = if_range.strip()
    if value.startswith(('"', "W/")):
        return not value.startswith("W/") and value == etag
    return parse_http_date(value) == last_modified
