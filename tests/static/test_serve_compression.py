"""``rillet serve`` content codings over loopback: on-the-fly br/zstd/gzip chosen by q-values
(bodies decoded and compared), no compression for images or ``--no-compress``, Range ignored
on compressed bodies, one strong ETag per coding, Vary on every answer of a compressible
resource, precompressed ``.br``/``.zst``/``.gz`` siblings."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest
import zstandard
from serve_support import Served, content_range, serving

TEXT = b"".join(b"line %d of a text that compresses well\n" % i for i in range(2000))
SCRIPT = b"console.log('precompressed siblings');\n" * 100
PNG = bytes.fromhex("89504e470d0a1a0a") + b"\0" * 5000  # compressible bytes, image type
SIBLINGS = {
    "gzip": ("app.js.gz", gzip.compress(SCRIPT)),
    "br": ("app.js.br", brotli.compress(SCRIPT)),
    "zstd": ("app.js.zst", zstandard.ZstdCompressor().compress(SCRIPT)),
}


def decode(coding: str | None, body: bytes) -> bytes:
    if coding == "gzip":
        return gzip.decompress(body)
    if coding == "br":
        return bytes(brotli.decompress(body))
    if coding == "zstd":
        return zstandard.ZstdDecompressor().decompressobj().decompress(body)
    assert coding is None, coding
    return body


def make_tree(root: Path) -> Path:
    (root / "big.txt").write_bytes(TEXT)
    (root / "tiny.txt").write_bytes(b"tiny")
    (root / "image.png").write_bytes(PNG)
    (root / "data.json").write_bytes(b'{"k": "' + b"v" * 4000 + b'"}')
    (root / "app.js").write_bytes(SCRIPT)
    for name, data in SIBLINGS.values():
        (root / name).write_bytes(data)
    (root / "only-gz.css").write_bytes(b"body { color: red }\n" * 100)
    (root / "only-gz.css.gz").write_bytes(gzip.compress(b"body { color: red }\n" * 100))
    outside = root.parent / f"{root.name}-outside.js.gz"
    outside.write_bytes(b"not from ROOT")
    (root / "linked.js").write_bytes(SCRIPT)
    os.symlink(outside, root / "linked.js.gz")
    return root


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tree(tmp_path_factory.mktemp("codings"))


@pytest.fixture(scope="module")
def server(tree: Path) -> Iterator[Served]:
    with serving(tree, "--quiet") as served:
        yield served


# -- on the fly -----------------------------------------------------------------------


@pytest.mark.parametrize("coding", ["br", "zstd", "gzip"])
def test_compressed_on_the_fly_decodes_to_the_file(server: Served, coding: str) -> None:
    reply = server.get("/big.txt", accept_encoding=coding)
    assert reply.status == 200
    assert reply.header("Content-Encoding") == coding
    assert reply.header("Content-Type") == "text/plain; charset=utf-8"
    assert reply.header("Vary") == "Accept-Encoding"
    assert reply.header("Accept-Ranges") is None
    assert decode(coding, reply.body) == TEXT
    assert len(reply.body) < len(TEXT) // 4


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("gzip, zstd", "zstd"),
        ("gzip", "gzip"),
        ("x-gzip", "gzip"),
        ("gzip;q=1.0, br;q=0.5", "gzip"),
        ("br;q=0.1, zstd;q=0.2, gzip;q=0.3", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("*", "br"),
        ("*;q=0.5, br;q=0", "zstd"),
        ("GZIP", "gzip"),
        ("identity", None),
        ("deflate", None),
        ("br;q=0, zstd;q=0, gzip;q=0", None),
        ("", None),
    ],
)
def test_coding_is_chosen_by_q_values(server: Served, accept: str, expected: str | None) -> None:
    reply = server.get("/big.txt", accept_encoding=accept)
    assert reply.status == 200
    assert reply.header("Content-Encoding") == expected
    assert reply.header("Vary") == "Accept-Encoding"
    assert decode(expected, reply.body) == TEXT


def test_json_is_compressed_too(server: Served) -> None:
    reply = server.get("/data.json", accept_encoding="gzip")
    assert reply.header("Content-Encoding") == "gzip"
    assert gzip.decompress(reply.body).startswith(b'{"k": "vvv')


def test_images_are_not_compressed_and_do_not_vary(server: Served) -> None:
    reply = server.get("/image.png", accept_encoding="gzip, br, zstd")
    assert reply.header("Content-Encoding") is None
    assert reply.header("Vary") is None
    assert reply.header("Accept-Ranges") == "bytes"
    assert reply.body == PNG


def test_tiny_text_is_sent_as_is(server: Served) -> None:
    reply = server.get("/tiny.txt", accept_encoding="gzip")
    assert reply.header("Content-Encoding") is None
    assert reply.body == b"tiny"


def test_range_is_ignored_on_a_compressed_body(server: Served) -> None:
    reply = server.get("/big.txt", accept_encoding="gzip", range="bytes=0-9")
    assert reply.status == 200
    assert reply.header("Content-Range") is None
    assert reply.header("Accept-Ranges") is None
    assert gzip.decompress(reply.body) == TEXT


def test_range_on_the_identity_body_of_a_compressible_file(server: Served) -> None:
    reply = server.get("/big.txt", range="bytes=0-9")
    assert (reply.status, reply.body) == (206, TEXT[:10])
    assert reply.header("Vary") == "Accept-Encoding"


def test_each_coding_has_its_own_strong_etag(server: Served) -> None:
    tags = {
        coding: server.head("/big.txt", accept_encoding=coding or "identity").header("ETag")
        for coding in (None, "gzip", "br", "zstd")
    }
    assert len(set(tags.values())) == 4, tags
    assert all(tag and tag.startswith('"') for tag in tags.values())


def test_head_of_a_compressed_response_matches_get(server: Served) -> None:
    got = server.get("/big.txt", accept_encoding="br")
    head_reply = server.head("/big.txt", accept_encoding="br")
    assert head_reply.body == b""
    for name in ("Content-Encoding", "Content-Type", "ETag", "Vary", "Last-Modified"):
        assert head_reply.header(name) == got.header(name), name
    assert head_reply.header("Accept-Ranges") is None


@pytest.mark.parametrize("target", ["/big.txt", "/app.js"], ids=["on-the-fly", "precompressed"])
def test_304_for_a_compressed_representation_carries_vary_and_its_etag(
    server: Served, target: str
) -> None:
    etag = server.head(target, accept_encoding="gzip").header("ETag")
    assert etag
    reply = server.get(target, accept_encoding="gzip", if_none_match=etag)
    assert reply.status == 304
    assert reply.header("Vary") == "Accept-Encoding"
    assert reply.header("ETag") == etag
    assert reply.header("Content-Encoding") in (None, "gzip")
    # The gzip tag does not validate the identity representation, nor br.
    assert server.get(target, if_none_match=etag).status == 200
    assert server.get(target, accept_encoding="br", if_none_match=etag).status == 200


def test_if_range_with_the_identity_etag_while_asking_gzip(server: Served) -> None:
    etag = server.head("/big.txt").header("ETag")
    assert etag
    reply = server.get("/big.txt", accept_encoding="gzip", range="bytes=0-9", if_range=etag)
    assert reply.status == 200
    assert gzip.decompress(reply.body) == TEXT


@pytest.fixture(scope="module")
def plain(tree: Path) -> Iterator[Served]:
    with serving(tree, "--quiet", "--no-compress") as served:
        yield served


def test_no_compress_sends_identity_with_ranges(plain: Served) -> None:
    reply = plain.get("/big.txt", accept_encoding="gzip, br, zstd")
    assert reply.header("Content-Encoding") is None
    assert reply.header("Vary") is None
    assert reply.body == TEXT
    ranged = plain.get("/big.txt", accept_encoding="gzip", range="bytes=5-9")
    assert (ranged.status, ranged.body) == (206, TEXT[5:10])
    assert plain.get("/app.js", accept_encoding="gzip").body == SCRIPT


# -- precompressed siblings ---------------------------------------------------------------


@pytest.mark.parametrize("coding", ["gzip", "br", "zstd"])
def test_precompressed_sibling_is_served_with_its_own_length_and_etag(
    server: Served, coding: str
) -> None:
    _, data = SIBLINGS[coding]
    reply = server.get("/app.js", accept_encoding=coding)
    assert reply.status == 200
    assert reply.header("Content-Encoding") == coding
    assert reply.header("Content-Type") == "text/javascript; charset=utf-8"
    assert reply.header("Content-Length") == str(len(data))
    assert reply.header("Vary") == "Accept-Encoding"
    assert reply.header("Accept-Ranges") == "bytes"
    assert reply.body == data
    identity_tag = server.head("/app.js").header("ETag")
    assert reply.header("ETag") not in (None, identity_tag)


def test_precompressed_preference_follows_q_values(server: Served) -> None:
    assert server.get("/app.js", accept_encoding="gzip, br").body == SIBLINGS["br"][1]
    assert server.get("/app.js", accept_encoding="gzip, br;q=0.5").body == SIBLINGS["gzip"][1]
    assert server.get("/app.js").body == SCRIPT


def test_range_applies_to_the_precompressed_bytes(server: Served) -> None:
    data = SIBLINGS["gzip"][1]
    reply = server.get("/app.js", accept_encoding="gzip", range="bytes=0-9")
    assert reply.status == 206
    assert content_range(reply.header("Content-Range") or "") == (0, 9, len(data))
    assert reply.header("Content-Encoding") == "gzip"
    assert reply.body == data[:10]


def test_precompressed_sibling_is_preferred_over_compressing_on_the_fly(server: Served) -> None:
    # Only a .gz exists: a client accepting gzip and br equally gets the stored .gz (with
    # Content-Length and ranges) rather than br made on the fly.
    reply = server.get("/only-gz.css", accept_encoding="br, gzip")
    assert reply.header("Content-Encoding") == "gzip"
    assert reply.header("Content-Length") is not None
    assert reply.header("Accept-Ranges") == "bytes"
    assert gzip.decompress(reply.body) == b"body { color: red }\n" * 100
    # A higher q for br still wins.
    assert (
        server.get("/only-gz.css", accept_encoding="br, gzip;q=0.5").header("Content-Encoding")
        == "br"
    )


def test_sibling_symlinked_out_of_root_is_not_used(server: Served) -> None:
    reply = server.get("/linked.js", accept_encoding="gzip")
    assert reply.body != b"not from ROOT"
    assert gzip.decompress(reply.body) == SCRIPT


def test_sibling_files_are_still_served_as_themselves(server: Served) -> None:
    reply = server.get("/app.js.gz", accept_encoding="gzip")
    assert reply.header("Content-Encoding") is None
    assert reply.header("Content-Type") == "application/gzip"
    assert reply.body == SIBLINGS["gzip"][1]
