"""The Range header (RFC 9110 §14): parse, clamp, coalesce.

:func:`parse_range` answers one of three things for a representation of ``size`` bytes:
serve it whole (no Range, an unknown unit, or more ranges than ``max_ranges``), serve
these ranges, or 416 (syntax errors, or nothing satisfiable). Overlapping and adjacent
ranges are merged; the parts keep the order in which the client asked for them (RFC 9110
§14.6), a merged part taking the place of its first member, as Node's ``range-parser``
does with ``combine``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["ByteRange", "RangeRequest", "parse_range"]

_SPEC: Final = re.compile(r"(\d*)-(\d*)")


@dataclass(frozen=True, slots=True)
class ByteRange:
    """Bytes ``start`` to ``end`` inclusive."""

    start: int
    end: int

    @property
    def length(self) -> int:
        """How many bytes the range covers."""
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        """The Content-Range value, e.g. ``bytes 0-99/1000``."""
        return f"bytes {self.start}-{self.end}/{size}"


@dataclass(frozen=True, slots=True)
class RangeRequest:
    """``ranges`` is None to serve the whole body; empty with ``unsatisfiable`` for 416."""

    ranges: tuple[ByteRange, ...] | None
    unsatisfiable: bool = False


_WHOLE: Final = RangeRequest(None)
_UNSATISFIABLE: Final = RangeRequest((), unsatisfiable=True)


def parse_range(header: str | None, size: int, max_ranges: int = 100) -> RangeRequest:
    """Interpret a Range header for a body of ``size`` bytes (see the module docstring)."""
    if header is None:
        return _WHOLE
    unit, sep, specs = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return _WHOLE
    parts = [part.strip() for part in specs.split(",")]
    parts = [part for part in parts if part]
    if not parts:
        return _UNSATISFIABLE
    if len(parts) > max_ranges:
        return _WHOLE
    ranges: list[ByteRange] = []
    for part in parts:
        match = _SPEC.fullmatch(part)
        if match is None:
            return _UNSATISFIABLE
        first, last = match.groups()
        if not first:
            if not last:
                return _UNSATISFIABLE
            suffix = int(last)
            if suffix > 0 and size > 0:
                ranges.append(ByteRange(max(0, size - suffix), size - 1))
            continue
        start = int(first)
        if last and int(last) < start:
            return _UNSATISFIABLE
        if start >= size:
            continue
        end = min(int(last), size - 1) if last else size - 1
        ranges.append(ByteRange(start, end))
    if not ranges:
        return _UNSATISFIABLE
    return RangeRequest(_coalesce(ranges))


def _coalesce(ranges: list[ByteRange]) -> tuple[ByteRange, ...]:
    # Merge in order of start, remembering the first request position of each group.
    by_start = sorted(range(len(ranges)), key=lambda i: ranges[i].start)
    groups: list[tuple[int, ByteRange]] = []
    for index in by_start:
        current = ranges[index]
        if groups and current.start <= groups[-1][1].end + 1:
            first, last = groups[-1]
            groups[-1] = (min(first, index), ByteRange(last.start, max(last.end, current.end)))
        else:
            groups.append((index, current))
    groups.sort(key=lambda group: group[0])
    return tuple(merged for _, merged in groups)
