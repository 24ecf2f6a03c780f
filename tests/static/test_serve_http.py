"""``rillet serve`` over loopback, black box (a child process, stdlib ``http.client``): GET and
HEAD, types, validators and conditional requests, directories, listings, fallback,
Cache-Control, nosniff, 405."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

import pytest
from serve_support import Served, parse_head, serving

TEXT = ("rillet streams files, chunk by chunk.\n" * 200).encode()
PNG = bytes.fromhex("89504e470d0a1a0a") + os.urandom(3000)
MTIME = 1_700_000_000


def make_tree(root: Path) -> Path:
    files = {
        "hello.txt": TEXT,
        "page.html": b"<!doctype html><title>page</title>" + TEXT,
        "image.png": PNG,
        "empty.txt": b"",
        "photo.webp": b"RIFF0000WEBP",
        "picture.avif": b"avif",
        "movie.mp4": b"mp4",
        "clip.webm": b"webm",
        "segment.m4s": b"m4s",
        "play.m3u8": b"#EXTM3U\n",
        "module.wasm": b"\0asm",
        "code.mjs": b"export {}\n",
        "style.css": b"body{}\n",
        "data.json": b"{}\n",
        "noext": b"raw",
        "site/index.html": b"<!doctype html><title>index</title>",
        "site/other.txt": b"other",
        "list/b.txt": b"bbb",
        "list/A.txt": b"a",
        "list/c.txt": b"c" * 5000,
        "list/zdir/x": b"",
        "list/adir/x": b"",
        "list/<b>&'\"x.txt": b"escaped",
        "list/.hidden": b"h",
        "spa/app.html": b"<!doctype html><title>app</title>",
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (MTIME, MTIME))
    return root


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tree(tmp_path_factory.mktemp("root"))


@pytest.fixture(scope="module")
def server(tree: Path) -> Iterator[Served]:
    with serving(tree, "--quiet") as served:
        yield served


# -- GET and HEAD ------------------------------------------------------------------------


def test_get_returns_the_file_bytes_with_content_length(server: Served) -> None:
    reply = server.get("/hello.txt")
    assert reply.status == 200
    assert reply.body == TEXT
    assert reply.header("Content-Length") == str(len(TEXT))


def test_head_has_the_same_headers_as_get_and_no_body(server: Served) -> None:
    got = server.get("/hello.txt")
    head_reply = server.head("/hello.txt")
    assert head_reply.status == 200
    assert head_reply.body == b""
    ignored = {"date", "keep-alive", "connection"}
    assert {k.lower(): v for k, v in head_reply.headers.items() if k.lower() not in ignored} == {
        k.lower(): v for k, v in got.headers.items() if k.lower() not in ignored
    }
    assert head_reply.header("Content-Length") == str(len(TEXT))


def test_head_sends_no_body_bytes_on_the_wire(server: Served) -> None:
    # http.client would drop a body after HEAD; the raw bytes prove there is none, and a
    # second request on the same connection is answered right after the head.
    data = server.raw(
        b"HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /empty.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    first, _, rest = data.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 200")
    assert rest.startswith(b"HTTP/1.1 200")


def test_empty_file_is_200_with_content_length_zero(server: Served) -> None:
    reply = server.get("/empty.txt")
    assert (reply.status, reply.body, reply.header("Content-Length")) == (200, b"", "0")


def test_keep_alive_serves_several_requests_on_one_connection(server: Served) -> None:
    connection = server.connection()
    try:
        for target in ("/hello.txt", "/image.png", "/hello.txt"):
            connection.request("GET", target)
            response = connection.getresponse()
            assert response.status == 200
            response.read()
        assert connection.sock is not None  # never reconnected
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("hello.txt", "text/plain; charset=utf-8"),
        ("page.html", "text/html; charset=utf-8"),
        ("style.css", "text/css; charset=utf-8"),
        ("code.mjs", "text/javascript; charset=utf-8"),
        ("image.png", "image/png"),
        ("photo.webp", "image/webp"),
        ("picture.avif", "image/avif"),
        ("movie.mp4", "video/mp4"),
        ("clip.webm", "video/webm"),
        ("segment.m4s", "video/iso.segment"),
        ("play.m3u8", "application/vnd.apple.mpegurl"),
        ("module.wasm", "application/wasm"),
        ("noext", "application/octet-stream"),
    ],
)
def test_content_type_by_extension(server: Served, name: str, expected: str) -> None:
    assert server.head("/" + name).header("Content-Type") == expected


# -- validators ----------------------------------------------------------------------


def test_etag_is_strong_and_last_modified_is_the_file_mtime(server: Served) -> None:
    reply = server.head("/hello.txt")
    etag = reply.header("ETag")
    assert etag is not None
    assert re.fullmatch(r'"[!#-~]+"', etag), etag  # strong: no W/ prefix
    last_modified = reply.header("Last-Modified")
    assert last_modified == formatdate(MTIME, usegmt=True)


def test_etag_differs_between_files_and_is_stable(server: Served) -> None:
    first = server.head("/hello.txt").header("ETag")
    assert server.head("/hello.txt").header("ETag") == first
    assert server.head("/page.html").header("ETag") != first


def test_etag_changes_when_the_file_changes(tree: Path, server: Served) -> None:
    path = tree / "changing.txt"
    path.write_bytes(b"one")
    os.utime(path, (MTIME, MTIME))
    before = server.head("/changing.txt").header("ETag")
    path.write_bytes(b"two!")
    os.utime(path, (MTIME + 10, MTIME + 10))
    after = server.head("/changing.txt").header("ETag")
    assert before != after


def test_if_none_match_gives_304_with_validators_and_no_body(server: Served) -> None:
    etag = server.head("/hello.txt").header("ETag")
    assert etag
    reply = server.get("/hello.txt", if_none_match=etag)
    assert reply.status == 304
    assert reply.body == b""
    assert reply.header("ETag") == etag
    assert reply.header("Cache-Control") == "no-cache"
    assert reply.header("Vary") == "Accept-Encoding"
    assert reply.header("X-Content-Type-Options") == "nosniff"
    assert reply.header("Content-Length") is None


def test_if_none_match_304_sends_no_body_bytes(server: Served) -> None:
    etag = server.head("/hello.txt").header("ETag")
    assert etag
    data = server.raw(
        f"GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n".encode()
        + b"GET /empty.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    first, _, rest = data.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 304")
    assert rest.startswith(b"HTTP/1.1 200")


def test_if_none_match_list_weak_and_star(server: Served) -> None:
    etag = server.head("/hello.txt").header("ETag")
    assert etag
    assert server.get("/hello.txt", if_none_match=f'"nope", {etag}').status == 304
    assert server.get("/hello.txt", if_none_match=f"W/{etag}").status == 304  # weak compare
    assert server.get("/hello.txt", if_none_match="*").status == 304
    assert server.get("/hello.txt", if_none_match='"other"').status == 200


def test_head_conditional_is_304_too(server: Served) -> None:
    etag = server.head("/hello.txt").header("ETag")
    assert etag
    assert server.head("/hello.txt", if_none_match=etag).status == 304


def test_if_modified_since(server: Served) -> None:
    same = formatdate(MTIME, usegmt=True)
    later = formatdate(MTIME + 3600, usegmt=True)
    earlier = formatdate(MTIME - 3600, usegmt=True)
    assert server.get("/hello.txt", if_modified_since=same).status == 304
    assert server.get("/hello.txt", if_modified_since=later).status == 304
    reply = server.get("/hello.txt", if_modified_since=earlier)
    assert (reply.status, reply.body) == (200, TEXT)
    assert server.get("/hello.txt", if_modified_since="not a date").status == 200


def test_if_none_match_wins_over_if_modified_since(server: Served) -> None:
    same = formatdate(MTIME, usegmt=True)
    reply = server.get("/hello.txt", if_none_match='"other"', if_modified_since=same)
    assert reply.status == 200


def test_if_match_and_if_unmodified_since_give_412(server: Served) -> None:
    etag = server.head("/hello.txt").header("ETag")
    assert etag
    assert server.get("/hello.txt", if_match=etag).status == 200
    assert server.get("/hello.txt", if_match="*").status == 200
    failed = server.get("/hello.txt", if_match='"other"')
    assert failed.status == 412
    assert failed.header("X-Content-Type-Options") == "nosniff"
    assert server.get("/hello.txt", if_match=f"W/{etag}").status == 412  # strong compare
    earlier = formatdate(MTIME - 3600, usegmt=True)
    assert server.get("/hello.txt", if_unmodified_since=earlier).status == 412
    same = formatdate(MTIME, usegmt=True)
    assert server.get("/hello.txt", if_unmodified_since=same).status == 200


def test_unparsable_dates_are_ignored(server: Served) -> None:
    assert server.get("/hello.txt", if_unmodified_since="yesterday").status == 200
    assert server.get("/hello.txt", if_modified_since="Sun, 99 Foo 1994").status == 200


def test_http_1_0_request_gets_the_body_and_a_closed_connection(server: Served) -> None:
    data = server.raw(b"GET /hello.txt HTTP/1.0\r\n\r\n")
    status, headers, body = parse_head(data)
    assert (status, body) == (200, TEXT)
    assert headers["content-length"] == str(len(TEXT))
    assert headers.get("connection", "close") == "close"


def test_last_modified_round_trips_through_http_date(server: Served) -> None:
    value = server.head("/image.png").header("Last-Modified")
    assert value is not None
    assert parsedate_to_datetime(value).timestamp() == MTIME


# -- headers on every response ---------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "target", "status"),
    [
        ("GET", "/hello.txt", 200),
        ("HEAD", "/image.png", 200),
        ("GET", "/missing", 404),
        ("GET", "/site", 301),
        ("GET", "/list/", 200),
        ("POST", "/hello.txt", 405),
        ("OPTIONS", "/hello.txt", 204),
        ("GET", "/../etc/passwd", 404),
    ],
)
def test_nosniff_on_every_response(server: Served, method: str, target: str, status: int) -> None:
    reply = server.request(method, target)
    assert reply.status == status
    assert reply.header("X-Content-Type-Options") == "nosniff"


def test_nosniff_on_range_and_416(server: Served) -> None:
    assert server.get("/hello.txt", range="bytes=0-1").header("X-Content-Type-Options") == "nosniff"
    assert server.get("/hello.txt", range="bytes=99999-").header("X-Content-Type-Options") == (
        "nosniff"
    )


def test_cache_control_default_is_no_cache(server: Served) -> None:
    assert server.head("/hello.txt").header("Cache-Control") == "no-cache"


def test_accept_ranges_bytes_on_files(server: Served) -> None:
    assert server.head("/image.png").header("Accept-Ranges") == "bytes"
    assert server.head("/hello.txt").header("Accept-Ranges") == "bytes"


def test_date_header_present(server: Served) -> None:
    value = server.head("/hello.txt").header("Date")
    assert value is not None
    assert abs(parsedate_to_datetime(value).timestamp() - time.time()) < 60


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT", "DELETE", "PROPFIND", "TRACE"])
def test_other_methods_are_405_with_allow(server: Served, method: str) -> None:
    reply = server.request(method, "/hello.txt", body=b"x" if method in ("POST", "PUT") else None)
    assert reply.status == 405
    allow = reply.header("Allow")
    assert allow is not None
    assert {m.strip() for m in allow.split(",")} == {"GET", "HEAD", "OPTIONS"}


def test_options_answers_204_with_allow(server: Served) -> None:
    reply = server.request("OPTIONS", "/hello.txt")
    assert reply.status == 204
    assert reply.header("Allow") == "GET, HEAD, OPTIONS"
    assert reply.header("Access-Control-Allow-Origin") is None  # no --cors


def test_missing_file_is_404_with_a_text_body(server: Served) -> None:
    reply = server.get("/nothing-here.txt")
    assert reply.status == 404
    assert reply.header("Content-Type") == "text/plain; charset=utf-8"
    assert reply.body


def test_file_with_trailing_slash_is_404(server: Served) -> None:
    assert server.get("/hello.txt/").status == 404


def test_query_string_is_ignored_for_files(server: Served) -> None:
    reply = server.get("/hello.txt?v=3&x=%2e%2e")
    assert (reply.status, reply.body) == (200, TEXT)


def test_percent_encoded_names_are_decoded(tree: Path, server: Served) -> None:
    (tree / "with space é.txt").write_bytes(b"spaced")
    reply = server.get("/with%20space%20%C3%A9.txt")
    assert (reply.status, reply.body) == (200, b"spaced")


# -- directories ------------------------------------------------------------------------


def test_directory_serves_its_index_html(server: Served) -> None:
    reply = server.get("/site/")
    assert reply.status == 200
    assert reply.body == b"<!doctype html><title>index</title>"
    assert reply.header("Content-Type") == "text/html; charset=utf-8"
    assert reply.header("ETag")


def test_directory_without_slash_redirects_with_301_keeping_the_query(server: Served) -> None:
    reply = server.get("/site?a=1&b=2")
    assert reply.status == 301
    assert reply.header("Location") == "/site/?a=1&b=2"
    assert server.get("/site").header("Location") == "/site/"
    assert server.get("/list").header("Location") == "/list/"


def test_redirect_location_is_the_normalized_path(tree: Path, server: Served) -> None:
    (tree / "a dir").mkdir(exist_ok=True)
    assert server.get("/a%20dir").header("Location") == "/a%20dir/"
    # A target starting with "//" must not turn into a redirect to another host.
    data = server.raw(b"GET //site HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b"\r\nLocation: /site/\r\n" in data
    assert server.get("/list/../site").header("Location") == "/site/"


def test_redirect_is_not_stored_by_caches(server: Served) -> None:
    assert server.get("/site").header("Cache-Control") == "no-store"


def test_root_is_listed(server: Served) -> None:
    reply = server.get("/")
    assert reply.status == 200
    assert b"hello.txt" in reply.body


def _names_in_html(body: bytes) -> list[str]:
    return re.findall(r'<a href="([^"]*)">', body.decode("utf-8"))


def test_html_listing_dirs_first_then_names_in_order_escaped(server: Served) -> None:
    reply = server.get("/list/")
    assert reply.status == 200
    assert reply.header("Content-Type") == "text/html; charset=utf-8"
    text = reply.body.decode("utf-8")
    hrefs = [h for h in _names_in_html(reply.body) if h != "../"]
    assert hrefs == [
        "adir/",
        "zdir/",
        "%3Cb%3E%26%27%22x.txt",
        "A.txt",
        "b.txt",
        "c.txt",
    ]
    assert "&lt;b&gt;&amp;&#x27;&quot;x.txt" in text
    assert "<b>&" not in text
    assert ".hidden" not in text
    assert "4.9 KiB" in text or "5000" in text  # sizes are shown
    assert formatdate(MTIME, usegmt=True) in text  # and dates


def test_html_listing_links_resolve(server: Served) -> None:
    reply = server.get("/list/")
    for href in _names_in_html(reply.body):
        if href.endswith("/"):
            continue
        assert server.head("/list/" + href).status == 200, href


def test_json_listing_with_accept_application_json(server: Served) -> None:
    reply = server.get("/list/", accept="application/json")
    assert reply.status == 200
    assert (reply.header("Content-Type") or "").startswith("application/json")
    entries = json.loads(reply.body)
    assert [e["name"] for e in entries] == [
        "adir",
        "zdir",
        "<b>&'\"x.txt",
        "A.txt",
        "b.txt",
        "c.txt",
    ]
    assert [e["type"] for e in entries[:2]] == ["directory", "directory"]
    by_name = {e["name"]: e for e in entries}
    assert by_name["c.txt"]["size"] == 5000
    assert by_name["c.txt"]["type"] == "file"
    assert by_name["c.txt"]["mtime"] == formatdate(MTIME, usegmt=True)


def test_listing_varies_on_accept_and_head_matches(server: Served) -> None:
    got = server.get("/list/")
    assert "Accept" in (got.header("Vary") or "")
    head_reply = server.head("/list/")
    assert head_reply.body == b""
    assert head_reply.header("Content-Length") == got.header("Content-Length")


def test_listing_has_a_validator_and_answers_304(tree: Path, server: Served) -> None:
    first = server.get("/list/")
    etag = first.header("ETag")
    assert etag and etag.startswith('"')
    assert first.header("Cache-Control") == "no-cache"
    not_modified = server.get("/list/", if_none_match=etag)
    assert (not_modified.status, not_modified.body) == (304, b"")
    assert not_modified.header("ETag") == etag
    assert "Accept" in (not_modified.header("Vary") or "")
    json_tag = server.get("/list/", accept="application/json").header("ETag")
    assert json_tag != etag  # another representation, another tag
    assert server.get("/list/", accept="application/json", if_none_match=etag).status == 200
    (tree / "list" / "c.txt").write_bytes(b"c" * 5001)  # a size changed: a new listing
    try:
        assert server.get("/list/", if_none_match=etag).status == 200
    finally:
        (tree / "list" / "c.txt").write_bytes(b"c" * 5000)
        os.utime(tree / "list" / "c.txt", (MTIME, MTIME))


def test_dotfiles_are_hidden_by_default(server: Served) -> None:
    assert server.get("/list/.hidden").status == 404


@pytest.fixture(scope="module")
def unlisted(tree: Path) -> Iterator[Served]:
    with serving(tree, "--quiet", "--no-listing") as served:
        yield served


def test_no_listing_gives_403_for_a_directory_without_index(unlisted: Served) -> None:
    reply = unlisted.get("/list/")
    assert reply.status == 403
    assert reply.header("X-Content-Type-Options") == "nosniff"
    assert unlisted.get("/site/").status == 200  # an index is still served
    assert unlisted.get("/hello.txt").status == 200


@pytest.fixture(scope="module")
def configured(tree: Path) -> Iterator[Served]:
    with serving(
        tree, "--quiet", "--fallback", "spa/app.html", "--cache-control", "public, max-age=60"
    ) as served:
        yield served


def test_fallback_serves_the_file_for_missing_paths(configured: Served) -> None:
    reply = configured.get("/deep/client/route")
    assert reply.status == 200
    assert reply.body == b"<!doctype html><title>app</title>"
    assert reply.header("Content-Type") == "text/html; charset=utf-8"
    assert configured.get("/hello.txt").body == TEXT  # existing files win


def test_fallback_does_not_bypass_traversal_or_dotfiles(configured: Served) -> None:
    assert configured.get("/../../etc/passwd").status == 404
    assert configured.get("/list/.hidden").status == 404


def test_cache_control_option(configured: Served) -> None:
    assert configured.head("/hello.txt").header("Cache-Control") == "public, max-age=60"
    etag = configured.head("/hello.txt").header("ETag")
    assert etag
    reply = configured.get("/hello.txt", if_none_match=etag)
    assert reply.status == 304
    assert reply.header("Cache-Control") == "public, max-age=60"
