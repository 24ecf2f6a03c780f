"""ETags, dates and RFC 9110 §13.2.2 preconditions."""

from __future__ import annotations

import pytest

from rillet.static import Precondition, etag_for, evaluate_preconditions, http_date, if_range_allows
from rillet.static._validators import parse_http_date

MTIME = 784111777
ETAG = etag_for(MTIME * 10**9, 1234)
LM = MTIME
LM_TEXT = http_date(MTIME)


def check(method: str = "GET", **headers: str) -> Precondition:
    return evaluate_preconditions(
        method,
        headers.get("if_match"),
        headers.get("if_none_match"),
        headers.get("if_modified_since"),
        headers.get("if_unmodified_since"),
        ETAG,
        LM,
    )


def test_etags_are_strong_and_distinct_per_coding() -> None:
    tags = {etag_for(1, 2, coding) for coding in ("identity", "gzip", "br", "zstd")}
    assert len(tags) == 4
    assert all(tag.startswith('"') and tag.endswith('"') for tag in tags)


def test_http_date_formats_round_trip() -> None:
    assert LM_TEXT == "Sun, 06 Nov 1994 08:49:37 GMT"
    assert parse_http_date(LM_TEXT) == MTIME
    assert parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == MTIME
    assert parse_http_date("Sun Nov  6 08:49:37 1994") == MTIME
    assert parse_http_date("yesterday") is None


def test_if_none_match_gives_304_for_get_and_412_otherwise() -> None:
    assert check(if_none_match=ETAG) is Precondition.NOT_MODIFIED
    assert check(if_none_match=f'"x", W/{ETAG}') is Precondition.NOT_MODIFIED
    assert check(if_none_match="*") is Precondition.NOT_MODIFIED
    assert check("PUT", if_none_match=ETAG) is Precondition.FAILED
    assert check(if_none_match='"other"') is Precondition.PASS


def test_if_modified_since() -> None:
    assert check(if_modified_since=LM_TEXT) is Precondition.NOT_MODIFIED
    assert check(if_modified_since=http_date(MTIME - 1)) is Precondition.PASS
    assert check(if_modified_since="garbage") is Precondition.PASS


def test_if_none_match_beats_if_modified_since() -> None:
    assert check(if_none_match='"other"', if_modified_since=LM_TEXT) is Precondition.PASS


def test_if_match_uses_strong_comparison() -> None:
    assert check(if_match=ETAG) is Precondition.PASS
    assert check(if_match="*") is Precondition.PASS
    assert check(if_match=f"W/{ETAG}") is Precondition.FAILED
    assert check(if_match='"other"') is Precondition.FAILED


def test_if_unmodified_since() -> None:
    assert check(if_unmodified_since=http_date(MTIME - 1)) is Precondition.FAILED
    assert check(if_unmodified_since=LM_TEXT) is Precondition.PASS
    assert check(if_match=ETAG, if_unmodified_since=http_date(0)) is Precondition.PASS


@pytest.mark.parametrize(
    ("if_range", "allowed"),
    [
        (None, True),
        (ETAG, True),
        ('"stale"', False),
        (f"W/{ETAG}", False),
        (LM_TEXT, True),
        (http_date(MTIME + 10), False),
        ("nonsense", False),
    ],
)
def test_if_range(if_range: str | None, allowed: bool) -> None:
    assert if_range_allows(if_range, ETAG, LM) is allowed
