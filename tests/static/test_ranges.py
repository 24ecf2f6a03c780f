"""Range parsing per RFC 9110 §14 and the probe set of file-servers.md §4."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rillet.static import ByteRange, parse_range

SIZE = 1000


def ranges(header: str | None, size: int = SIZE) -> tuple[ByteRange, ...] | None:
    return parse_range(header, size).ranges


def test_no_header_serves_whole() -> None:
    assert ranges(None) is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", [(0, 99)]),
        ("bytes=-10", [(990, 999)]),
        ("bytes=990-", [(990, 999)]),
        ("bytes=0-5000", [(0, 999)]),
        ("bytes=-5000", [(0, 999)]),
        ("BYTES = 5-9", [(5, 9)]),
        ("bytes=0-9,20-29", [(0, 9), (20, 29)]),
        ("bytes=20-29, 0-9", [(20, 29), (0, 9)]),
        ("bytes=0-9,5-29", [(0, 29)]),
        ("bytes=0-9,10-19", [(0, 19)]),
        ("bytes=0-9,999999-", [(0, 9)]),
    ],
)
def test_satisfiable_ranges(header: str, expected: list[tuple[int, int]]) -> None:
    assert ranges(header) == tuple(ByteRange(a, b) for a, b in expected)


@pytest.mark.parametrize("header", ["items=0-5", "bytes", "none"])
def test_unknown_unit_is_ignored(header: str) -> None:
    assert parse_range(header, SIZE).ranges is None


@pytest.mark.parametrize(
    "header",
    ["bytes=abc", "bytes=5-4", "bytes=-", "bytes=", "bytes=1-2-3", "bytes=999999-", "bytes=-0"],
)
def test_invalid_or_unsatisfiable_is_416(header: str) -> None:
    result = parse_range(header, SIZE)
    assert result.unsatisfiable
    assert result.ranges == ()


def test_every_range_on_an_empty_file_is_unsatisfiable() -> None:
    assert parse_range("bytes=-5", 0).unsatisfiable
    assert parse_range("bytes=0-", 0).unsatisfiable


def test_more_than_the_cap_serves_whole() -> None:
    header = "bytes=" + ",".join(f"{i * 2}-{i * 2}" for i in range(101))
    assert parse_range(header, SIZE).ranges is None
    header = "bytes=" + ",".join(f"{i * 2}-{i * 2}" for i in range(100))
    assert len(parse_range(header, SIZE).ranges or ()) == 100


def test_content_range_text() -> None:
    assert ByteRange(0, 99).content_range(SIZE) == "bytes 0-99/1000"
    assert ByteRange(0, 99).length == 100


@given(
    size=st.integers(1, 5000),
    specs=st.lists(st.tuples(st.integers(0, 6000), st.integers(0, 6000)), min_size=1, max_size=8),
)
def test_coalesced_ranges_are_disjoint_inside_and_in_request_order(
    size: int, specs: list[tuple[int, int]]
) -> None:
    header = "bytes=" + ",".join(f"{min(a, b)}-{max(a, b)}" for a, b in specs)
    result = parse_range(header, size)
    if result.unsatisfiable:
        assert all(min(a, b) >= size for a, b in specs)
        return
    assert result.ranges is not None
    ordered = sorted(result.ranges, key=lambda r: r.start)
    for before, after in pairwise(ordered):
        assert after.start > before.end + 1  # neither overlapping nor adjacent
    for byte_range in result.ranges:
        assert 0 <= byte_range.start <= byte_range.end < size
    covered = {i for r in result.ranges for i in range(r.start, r.end + 1)}
    wanted = {i for a, b in specs for i in range(min(a, b), min(max(a, b), size - 1) + 1)}
    assert covered == wanted
    # Each part stands where the first range it covers was asked for.
    firsts = []
    for byte_range in result.ranges:
        firsts.append(
            min(
                i
                for i, (a, b) in enumerate(specs)
                if min(a, b) < size and byte_range.start <= min(a, b) <= byte_range.end
            )
        )
    assert firsts == sorted(firsts)


def test_parts_keep_the_order_they_were_asked_in() -> None:
    ranges = parse_range("bytes=500-599,0-9,20-29,5-14", SIZE).ranges
    assert ranges == (ByteRange(500, 599), ByteRange(0, 14), ByteRange(20, 29))
