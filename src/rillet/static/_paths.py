"""Map a request target to a file under ROOT, refusing every way out of it.

Guarantees of :func:`resolve`:

* the result is ROOT itself or a path strictly inside ROOT's real path, after
  percent-decoding, dot-segment removal and symlink resolution: ``..``, ``%2e%2e``,
  encoded slashes, backslashes, NUL bytes and symlinks that leave ROOT never escape;
* a target that would leave ROOT, or contains NUL or a backslash, is ``not_found``
  (the same answer as a missing file, so probing learns nothing);
* dot-segments (names starting with ``.``) follow the ``dotfiles`` policy:
  ``'ignore'`` → not found, ``'deny'`` → forbidden, ``'allow'`` → served;
* the names below ROOT are looked up one ``lstat`` each (ROOT's own components are not
  looked at again); only a path with a symlink in it pays a full ``realpath``. The
  result carries the ``stat`` of the file found when the walk met no symlink, so the
  caller need not ask again.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from enum import Enum
from typing import Literal
from urllib.parse import unquote_to_bytes, urlsplit

__all__ = ["Resolution", "Verdict", "resolve", "url_path"]

DotfilesPolicy = Literal["ignore", "deny", "allow"]

_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class Verdict(Enum):
    """What :func:`resolve` concluded."""

    OK = "ok"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    BAD_REQUEST = "bad_request"


@dataclass(frozen=True, slots=True)
class Resolution:
    """The outcome: a verdict, the file system path when OK, and the decoded URL path;
    ``info`` is the path's ``stat`` when the walk learnt it (None: not looked up, or
    missing)."""

    verdict: Verdict
    path: str = ""
    url_path: str = ""
    trailing_slash: bool = False
    info: os.stat_result | None = None


def url_path(target: str) -> str | None:
    """The percent-decoded path of a request target (origin or absolute form), or None
    when it is malformed (not starting with ``/``, a ``%`` not followed by two hex
    digits, bad UTF-8: a 400, as nginx and Node's ``send`` answer)."""
    if not target.startswith("/"):
        if "://" not in target:
            return None
        target = urlsplit(target).path or "/"
    raw = target.split("?", 1)[0].split("#", 1)[0]
    if "%" in raw and _BAD_ESCAPE.search(raw):
        return None
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _segments(decoded: str) -> list[str] | None:
    """Dot-segment removal (RFC 3986 §5.2.4); None if it climbs above the root."""
    out: list[str] = []
    for segment in decoded.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if not out:
                return None
            out.pop()
            continue
        out.append(segment)
    return out


def resolve(root_real: str, target: str, dotfiles: DotfilesPolicy = "ignore") -> Resolution:
    """Resolve ``target`` (the raw request target) under ``root_real`` (ROOT's real path)."""
    decoded = url_path(target)
    if decoded is None:
        return Resolution(Verdict.BAD_REQUEST)
    if "\x00" in decoded or "\\" in decoded:
        return Resolution(Verdict.NOT_FOUND)
    segments = _segments(decoded)
    if segments is None:
        return Resolution(Verdict.NOT_FOUND)
    if dotfiles != "allow" and any(s.startswith(".") for s in segments):
        return Resolution(Verdict.FORBIDDEN if dotfiles == "deny" else Verdict.NOT_FOUND)
    real, info = _walk(root_real, segments)
    if real != root_real and not real.startswith(root_real.rstrip(os.sep) + os.sep):
        return Resolution(Verdict.NOT_FOUND)
    return Resolution(
        Verdict.OK,
        path=real,
        url_path="/" + "/".join(segments),
        trailing_slash=decoded.endswith("/"),
        info=info,
    )


def _walk(root_real: str, segments: list[str]) -> tuple[str, os.stat_result | None]:
    """The real path of ``segments`` under ``root_real``, and its ``stat`` if known.

    Each name is ``lstat``-ed in turn: a missing one ends the walk (the rest cannot
    exist, and no symlink can lead out of ROOT); a symlink hands the whole path to
    ``realpath``, which follows it wherever it goes (the caller then checks)."""
    path = root_real.rstrip(os.sep)
    info = None
    for index, segment in enumerate(segments):
        path = path + os.sep + segment
        try:
            info = os.lstat(path)
        except OSError:
            return os.path.join(path, *segments[index + 1 :]), None
        if stat.S_ISLNK(info.st_mode):
            return os.path.realpath(os.path.join(path, *segments[index + 1 :])), None
    return path or root_real, info
