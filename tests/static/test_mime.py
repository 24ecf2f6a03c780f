"""Content types by extension."""

from __future__ import annotations

import pytest

from rillet.static import content_type, is_compressible


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.webp", "image/webp"),
        ("a.avif", "image/avif"),
        ("v.mp4", "video/mp4"),
        ("v.webm", "video/webm"),
        ("seg.m4s", "video/iso.segment"),
        ("list.m3u8", "application/vnd.apple.mpegurl"),
        ("m.wasm", "application/wasm"),
        ("m.mjs", "text/javascript; charset=utf-8"),
        ("i.HTML", "text/html; charset=utf-8"),
        ("d.json", "application/json; charset=utf-8"),
        ("noext", "application/octet-stream"),
        ("x.tar.gz", "application/gzip"),
    ],
)
def test_content_type(name: str, kind: str) -> None:
    assert content_type(name) == kind


def test_compressible_types() -> None:
    assert is_compressible("text/html; charset=utf-8")
    assert is_compressible("application/json")
    assert is_compressible("image/svg+xml")
    assert is_compressible("application/vnd.api+json")
    assert not is_compressible("image/webp")
    assert not is_compressible("video/mp4")
    assert not is_compressible("application/gzip")
