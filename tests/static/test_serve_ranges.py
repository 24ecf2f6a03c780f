"""``rillet serve`` Range requests over loopback (RFC 9110 §14, file-servers.md §4's probes):
single, suffix, open-ended, multipart/byteranges parsed back byte for byte, coalescing, the
100-range cap, 416, unknown units, If-Range in both forms."""

from __future__ import annotations

import os
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest
from serve_support import Served, content_range, parse_byteranges, pattern, serving

SIZE = 10_000
DATA = pattern(SIZE)
MTIME = 1_700_000_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("ranges")
    for name in ("data.bin", "data.txt"):
        (root / name).write_bytes(DATA)
        os.utime(root / name, (MTIME, MTIME))
    (root / "empty.bin").write_bytes(b"")
    with serving(root, "--quiet") as served:
        yield served


def _single(server: Served, spec: str, target: str = "/data.bin") -> tuple[int, int, bytes]:
    reply = server.get(target, range=spec)
    assert reply.status == 206, (spec, reply.status)
    first, last, total = content_range(reply.header("Content-Range") or "")
    assert total == SIZE
    assert reply.header("Content-Length") == str(last - first + 1)
    assert reply.body == DATA[first : last + 1]
    assert reply.header("Content-Type") == "application/octet-stream"
    assert reply.header("ETag")
    return first, last, reply.body


def test_single_range(server: Served) -> None:
    assert _single(server, "bytes=0-99")[:2] == (0, 99)
    assert _single(server, "bytes=1234-5677")[:2] == (1234, 5677)


def test_single_byte_ranges_at_both_ends(server: Served) -> None:
    assert _single(server, "bytes=0-0")[2] == DATA[:1]
    assert _single(server, f"bytes={SIZE - 1}-{SIZE - 1}")[2] == DATA[-1:]


def test_suffix_range(server: Served) -> None:
    assert _single(server, "bytes=-10")[:2] == (SIZE - 10, SIZE - 1)


def test_suffix_longer_than_the_file_is_the_whole_file_as_206(server: Served) -> None:
    assert _single(server, "bytes=-999999")[:2] == (0, SIZE - 1)


def test_open_ended_range(server: Served) -> None:
    assert _single(server, "bytes=9000-")[:2] == (9000, SIZE - 1)


def test_last_position_past_the_end_is_clamped(server: Served) -> None:
    assert _single(server, "bytes=9990-123456789")[:2] == (9990, SIZE - 1)


def test_whitespace_and_case_are_tolerated(server: Served) -> None:
    assert _single(server, "bytes= 5-9")[:2] == (5, 9)


def test_range_is_honoured_on_keep_alive_connections(server: Served) -> None:
    connection = server.connection()
    try:
        for start in (0, 5000, 9999):
            connection.request("GET", "/data.bin", headers={"Range": f"bytes={start}-"})
            response = connection.getresponse()
            assert response.status == 206
            assert response.read() == DATA[start:]
    finally:
        connection.close()


def test_multiple_ranges_are_multipart_byteranges_with_exact_framing(server: Served) -> None:
    reply = server.get("/data.bin", range="bytes=0-9,20-29,-5")
    assert reply.status == 206
    assert reply.header("Content-Range") is None
    assert reply.header("Content-Length") == str(len(reply.body))
    parts = parse_byteranges(reply.header("Content-Type") or "", reply.body)
    assert [content_range(h["content-range"]) for h, _ in parts] == [
        (0, 9, SIZE),
        (20, 29, SIZE),
        (SIZE - 5, SIZE - 1, SIZE),
    ]
    for headers, data in parts:
        assert headers["content-type"] == "application/octet-stream"
        first, last, _ = content_range(headers["content-range"])
        assert data == DATA[first : last + 1]


def test_multipart_part_type_is_the_file_type_with_charset(server: Served) -> None:
    reply = server.get("/data.txt", range="bytes=0-9,100-109")
    assert reply.status == 206
    parts = parse_byteranges(reply.header("Content-Type") or "", reply.body)
    assert [h["content-type"] for h, _ in parts] == ["text/plain; charset=utf-8"] * 2
    assert [d for _, d in parts] == [DATA[0:10], DATA[100:110]]


def test_multipart_parts_come_in_the_order_asked(server: Served) -> None:
    reply = server.get("/data.bin", range="bytes=500-509,0-9,5-19")  # RFC 9110 §14.6
    assert reply.status == 206
    parts = parse_byteranges(reply.header("Content-Type") or "", reply.body)
    assert [content_range(h["content-range"])[:2] for h, _ in parts] == [(500, 509), (0, 19)]
    assert [d for _, d in parts] == [DATA[500:510], DATA[0:20]]


def test_multipart_boundary_differs_between_responses(server: Served) -> None:
    first = server.get("/data.bin", range="bytes=0-1,5-6").header("Content-Type")
    second = server.get("/data.bin", range="bytes=0-1,5-6").header("Content-Type")
    assert first != second


def test_overlapping_ranges_are_coalesced_into_one(server: Served) -> None:
    assert _single(server, "bytes=0-9,5-29")[:2] == (0, 29)
    assert _single(server, "bytes=100-199,0-149")[:2] == (0, 199)


def test_adjacent_ranges_are_coalesced(server: Served) -> None:
    assert _single(server, "bytes=0-9,10-19")[:2] == (0, 19)


def test_far_ranges_are_not_merged(server: Served) -> None:
    reply = server.get("/data.bin", range="bytes=0-0,9999-9999")
    assert reply.status == 206
    parts = parse_byteranges(reply.header("Content-Type") or "", reply.body)
    assert [d for _, d in parts] == [DATA[:1], DATA[-1:]]


def test_unsatisfiable_parts_of_a_multi_range_are_dropped(server: Served) -> None:
    assert _single(server, "bytes=0-9,999999-")[:2] == (0, 9)


def test_one_hundred_ranges_are_served_as_multipart(server: Served) -> None:
    spec = ",".join(f"{i * 10}-{i * 10 + 1}" for i in range(100))
    reply = server.get("/data.bin", range=f"bytes={spec}")
    assert reply.status == 206
    parts = parse_byteranges(reply.header("Content-Type") or "", reply.body)
    assert len(parts) == 100
    assert all(data == DATA[i * 10 : i * 10 + 2] for i, (_, data) in enumerate(parts))


def test_more_than_one_hundred_ranges_get_200_with_the_whole_body(server: Served) -> None:
    spec = ",".join(f"{i * 10}-{i * 10 + 1}" for i in range(101))
    reply = server.get("/data.bin", range=f"bytes={spec}")
    assert reply.status == 200
    assert reply.body == DATA
    assert reply.header("Content-Range") is None


@pytest.mark.parametrize("spec", ["bytes=10000-", "bytes=999999-", "bytes=10000-10005"])
def test_unsatisfiable_range_is_416_with_the_size(server: Served, spec: str) -> None:
    reply = server.get("/data.bin", range=spec)
    assert reply.status == 416
    assert reply.header("Content-Range") == f"bytes */{SIZE}"
    assert reply.header("X-Content-Type-Options") == "nosniff"


@pytest.mark.parametrize("spec", ["bytes=abc", "bytes=5-4", "bytes=-", "bytes=", "bytes=1-2-3"])
def test_malformed_range_is_416(server: Served, spec: str) -> None:
    reply = server.get("/data.bin", range=spec)
    assert reply.status == 416
    assert reply.header("Content-Range") == f"bytes */{SIZE}"


def test_any_range_of_an_empty_file_is_416(server: Served) -> None:
    reply = server.get("/empty.bin", range="bytes=0-")
    assert reply.status == 416
    assert reply.header("Content-Range") == "bytes */0"


@pytest.mark.parametrize("spec", ["items=0-5", "none", "pages=1"])
def test_unknown_range_unit_is_ignored(server: Served, spec: str) -> None:
    reply = server.get("/data.bin", range=spec)
    assert reply.status == 200
    assert reply.body == DATA


def test_head_ignores_range(server: Served) -> None:
    reply = server.head("/data.bin", range="bytes=0-9")
    assert reply.status == 200
    assert reply.header("Content-Length") == str(SIZE)


def test_if_range_with_the_current_strong_etag_gives_206(server: Served) -> None:
    etag = server.head("/data.bin").header("ETag")
    assert etag
    reply = server.get("/data.bin", range="bytes=0-9", if_range=etag)
    assert (reply.status, reply.body) == (206, DATA[:10])


@pytest.mark.parametrize("value", ['"stale"', 'W/"stale"'])
def test_if_range_with_another_etag_gives_200_whole(server: Served, value: str) -> None:
    reply = server.get("/data.bin", range="bytes=0-9", if_range=value)
    assert (reply.status, reply.body) == (200, DATA)


def test_if_range_with_a_weak_form_of_the_current_etag_gives_200(server: Served) -> None:
    etag = server.head("/data.bin").header("ETag")
    reply = server.get("/data.bin", range="bytes=0-9", if_range=f"W/{etag}")
    assert reply.status == 200  # If-Range needs a strong comparison


def test_if_range_date_form(server: Served) -> None:
    same = formatdate(MTIME, usegmt=True)
    reply = server.get("/data.bin", range="bytes=0-9", if_range=same)
    assert (reply.status, reply.body) == (206, DATA[:10])
    earlier = formatdate(MTIME - 60, usegmt=True)
    reply = server.get("/data.bin", range="bytes=0-9", if_range=earlier)
    assert (reply.status, reply.body) == (200, DATA)


def test_if_range_applies_to_multipart_too(server: Served) -> None:
    reply = server.get("/data.bin", range="bytes=0-1,5-6", if_range='"stale"')
    assert (reply.status, reply.body) == (200, DATA)


def test_if_none_match_takes_precedence_over_range(server: Served) -> None:
    etag = server.head("/data.bin").header("ETag")
    assert etag
    reply = server.get("/data.bin", range="bytes=0-9", if_none_match=etag)
    assert reply.status == 304


def test_range_206_of_a_compressible_file_carries_vary(server: Served) -> None:
    reply = server.get("/data.txt", range="bytes=0-9")
    assert reply.status == 206
    assert reply.header("Vary") == "Accept-Encoding"
    assert reply.header("Accept-Ranges") == "bytes"


def test_range_on_a_file_that_changed_size(tmp_path: Path) -> None:
    (tmp_path / "grow.bin").write_bytes(b"a" * 100)
    with serving(tmp_path, "--quiet") as server:
        assert server.get("/grow.bin", range="bytes=100-").status == 416
        (tmp_path / "grow.bin").write_bytes(b"a" * 200)
        reply = server.get("/grow.bin", range="bytes=100-")
        assert reply.status == 206
        assert reply.header("Content-Range") == "bytes 100-199/200"
