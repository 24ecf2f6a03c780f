"""Accept-Encoding negotiation."""

from __future__ import annotations

import pytest

from rillet.static import choose_coding
from rillet.static._negotiation import parse_accept_encoding

ALL = ("br", "zstd", "gzip")


@pytest.mark.parametrize(
    ("header", "available", "expected"),
    [
        (None, ALL, "identity"),
        ("", ALL, "identity"),
        ("gzip, deflate, br, zstd", ALL, "br"),
        ("gzip, deflate", ALL, "gzip"),
        ("gzip;q=1, br;q=0.5", ALL, "gzip"),
        ("br;q=0, gzip", ALL, "gzip"),
        ("*", ALL, "br"),
        ("*;q=0.5, br;q=0", ALL, "zstd"),
        ("identity", ALL, "identity"),
        ("gzip, br", ("gzip",), "gzip"),
        ("br", ("gzip",), "identity"),
        ("x-gzip", ALL, "gzip"),
        ("GZIP;Q=0.3", ALL, "gzip"),
        ("gzip;q=abc", ALL, "identity"),
    ],
)
def test_choose_coding(header: str | None, available: tuple[str, ...], expected: str) -> None:
    assert choose_coding(header, available) == expected


def test_parse_keeps_the_highest_q_for_a_repeated_coding() -> None:
    assert parse_accept_encoding("gzip;q=0.2, gzip;q=0.7")["gzip"] == 0.7
