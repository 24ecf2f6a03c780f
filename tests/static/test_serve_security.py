"""``rillet serve`` security over loopback: no way out of ROOT in any encoding (raw request
lines on asyncio sockets), symlinks, dotfiles, Basic auth, CORS, and request smuggling
attempts (one 400, connection closed, nothing smuggled through)."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from serve_support import Served, parse_head, serving

SECRET = b"TOP SECRET, outside ROOT"


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("security")
    (base / "secret.txt").write_bytes(SECRET)
    (base / "outside").mkdir()
    (base / "outside" / "secret.txt").write_bytes(SECRET)
    root = base / "root"
    (root / "sub").mkdir(parents=True)
    (root / "hello.txt").write_bytes(b"hello")
    (root / "sub" / "inner.txt").write_bytes(b"inner")
    (root / ".env").write_bytes(b"PASSWORD=x")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_bytes(b"[core]")
    (root / "sub" / ".hidden.txt").write_bytes(b"hidden")
    os.symlink(base / "secret.txt", root / "link-out.txt")
    os.symlink(base / "outside", root / "dir-out")
    os.symlink("../../secret.txt", root / "sub" / "relative-out.txt")
    os.symlink(root / "hello.txt", root / "link-in.txt")
    os.symlink(root / "sub", root / "dir-in")
    return root


@pytest.fixture(scope="module")
def server(tree: Path) -> Iterator[Served]:
    with serving(tree, "--quiet") as served:
        yield served


def _get(server: Served, target: str, *headers: str) -> tuple[int, dict[str, str], bytes]:
    lines = "".join(f"{h}\r\n" for h in headers)
    request = f"GET {target} HTTP/1.1\r\nHost: x\r\n{lines}Connection: close\r\n\r\n"
    data = server.raw(request.encode("latin-1"))
    assert SECRET not in data
    return parse_head(data)


# -- traversal --------------------------------------------------------------------------

TRAVERSALS = [
    "/../secret.txt",
    "/../../../../../../etc/passwd",
    "/sub/../../secret.txt",
    "/./../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2e/secret.txt",
    "/%2e%2E/%2e%2e/%2e%2e/etc/passwd",
    "/sub/%2e%2e/%2e%2e/secret.txt",
    "/.%2e/secret.txt",
    "/%2e./secret.txt",
    "/..%2fsecret.txt",
    "/..%2Fsecret.txt",
    "/sub%2f..%2f..%2fsecret.txt",
    "/%2f..%2f..%2fsecret.txt",
    "/%2F%2E%2E%2Fsecret.txt",
    "/..%5csecret.txt",
    "/..%5Csecret.txt",
    "/sub%5c..%5c..%5csecret.txt",
    "/..\\secret.txt",
    "/sub\\..\\..\\secret.txt",
    "/%252e%252e/secret.txt",
    "/%252e%252e%252fsecret.txt",
    "/..%252fsecret.txt",
    "/hello.txt%00",
    "/hello.txt%00.png",
    "/%00/../secret.txt",
    "/..%00/secret.txt",
    "/..;/secret.txt",
    "//../secret.txt",
    "/.../secret.txt",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_is_404(server: Served, target: str) -> None:
    status, headers, _ = _get(server, target)
    assert status == 404, target
    assert headers.get("x-content-type-options") == "nosniff"


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1/../secret.txt",
        "http://127.0.0.1/%2e%2e/secret.txt",
        "http://127.0.0.1/..%2fsecret.txt",
        "http://evil.example/../../etc/passwd",
        "http://127.0.0.1/secret.txt",
    ],
)
def test_absolute_form_targets_do_not_escape(server: Served, target: str) -> None:
    assert _get(server, target)[0] == 404


def test_absolute_form_target_serves_the_path_under_root(server: Served) -> None:
    status, _, body = _get(server, "http://127.0.0.1/hello.txt")
    assert (status, body) == (200, b"hello")
    assert _get(server, "http://127.0.0.1")[0] == 200  # the root's listing


@pytest.mark.parametrize("target", ["../secret.txt", "secret.txt", "*", "%2e%2e/secret.txt"])
def test_target_without_leading_slash_is_rejected(server: Served, target: str) -> None:
    status, _, _ = _get(server, target)
    assert status in (400, 404)


def test_dot_segments_that_stay_inside_root_are_resolved(server: Served) -> None:
    status, _, body = _get(server, "/sub/../hello.txt")
    assert (status, body) == (200, b"hello")


@pytest.mark.parametrize("target", ["/%c0%ae%c0%ae/secret.txt", "/%ff/../secret.txt"])
def test_invalid_utf8_in_the_target_is_rejected(server: Served, target: str) -> None:
    assert _get(server, target)[0] in (400, 404)  # overlong dots are not dots


@pytest.mark.parametrize("target", ["/hello.txt%", "/%zz/../secret.txt", "/hello%2.txt"])
def test_a_broken_percent_escape_is_a_400(server: Served, target: str) -> None:
    assert _get(server, target)[0] == 400  # as nginx and Node's send


def test_raw_nul_byte_in_the_target_is_rejected(server: Served) -> None:
    data = server.raw(b"GET /hello.txt\x00/../../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    assert SECRET not in data
    assert parse_head(data)[0] in (400, 404)


def test_symlink_to_a_file_outside_root_is_404(server: Served) -> None:
    assert _get(server, "/link-out.txt")[0] == 404
    assert _get(server, "/sub/relative-out.txt")[0] == 404


def test_symlink_to_a_directory_outside_root_is_404(server: Served) -> None:
    assert _get(server, "/dir-out/secret.txt")[0] == 404
    assert _get(server, "/dir-out/")[0] == 404


def test_symlinks_inside_root_are_followed(server: Served) -> None:
    assert _get(server, "/link-in.txt")[2] == b"hello"
    assert _get(server, "/dir-in/inner.txt")[2] == b"inner"


# -- dotfiles ---------------------------------------------------------------------------

DOTTED = ["/.env", "/.git/config", "/.git/", "/sub/.hidden.txt", "/%2eenv", "/sub/%2Ehidden.txt"]


@pytest.mark.parametrize("target", DOTTED)
def test_dotfiles_are_404_by_default(server: Served, target: str) -> None:
    assert _get(server, target)[0] == 404


@pytest.fixture(scope="module")
def deny(tree: Path) -> Iterator[Served]:
    with serving(tree, "--quiet", "--dotfiles", "deny") as served:
        yield served


@pytest.mark.parametrize("target", DOTTED)
def test_dotfiles_deny_is_403(deny: Served, target: str) -> None:
    assert _get(deny, target)[0] == 403


def test_dotfiles_deny_hides_them_from_listings(deny: Served) -> None:
    assert b".env" not in deny.get("/").body


@pytest.fixture(scope="module")
def allow(tree: Path) -> Iterator[Served]:
    with serving(tree, "--quiet", "--dotfiles", "allow") as served:
        yield served


def test_dotfiles_allow_serves_and_lists_them(allow: Served) -> None:
    assert allow.get("/.env").body == b"PASSWORD=x"
    assert allow.get("/.git/config").body == b"[core]"
    assert b".env" in allow.get("/").body
    assert _get(allow, "/../secret.txt")[0] == 404  # allow does not mean escape
    assert _get(allow, "/.%2e/secret.txt")[0] == 404


# -- Basic auth ---------------------------------------------------------------------------

CREDENTIALS = "alice:s3cret:with:colons"


def _basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


@pytest.fixture(scope="module")
def guarded(tree: Path) -> Iterator[Served]:
    with serving(tree, "--quiet", "--auth", CREDENTIALS, "--cors", "https://app.example") as s:
        yield s


def test_auth_without_credentials_is_401_with_a_challenge(guarded: Served) -> None:
    reply = guarded.get("/hello.txt")
    assert reply.status == 401
    challenge = reply.header("WWW-Authenticate") or ""
    assert challenge.startswith("Basic ")
    assert "realm=" in challenge
    assert reply.header("X-Content-Type-Options") == "nosniff"
    assert b"hello" not in reply.body


def test_auth_with_the_right_credentials_serves(guarded: Served) -> None:
    reply = guarded.get("/hello.txt", authorization=_basic(CREDENTIALS))
    assert (reply.status, reply.body) == (200, b"hello")
    assert guarded.get("/", authorization=_basic(CREDENTIALS)).status == 200


@pytest.mark.parametrize(
    "value",
    [
        _basic("alice:wrong"),
        _basic("bob:s3cret:with:colons"),
        _basic("alice:s3cret:with:colon"),
        _basic("alice"),
        _basic(""),
        "Basic",
        "Basic ",
        "Basic !!!notbase64!!!",
        "Basic " + base64.b64encode(b"\xff\xfe:\x00").decode(),
        "Bearer " + base64.b64encode(CREDENTIALS.encode()).decode(),
        base64.b64encode(CREDENTIALS.encode()).decode(),
    ],
)
def test_auth_with_wrong_or_malformed_credentials_is_401(guarded: Served, value: str) -> None:
    reply = guarded.get("/hello.txt", authorization=value)
    assert reply.status == 401
    assert reply.header("WWW-Authenticate")


def test_auth_scheme_is_case_insensitive(guarded: Served) -> None:
    value = "basic " + base64.b64encode(CREDENTIALS.encode()).decode()
    assert guarded.get("/hello.txt", authorization=value).status == 200


def test_auth_comes_before_existence(guarded: Served) -> None:
    assert guarded.get("/missing").status == 401
    assert guarded.get("/../secret.txt").status == 401
    assert guarded.request("DELETE", "/hello.txt").status == 401


def test_auth_head_is_401_without_body(guarded: Served) -> None:
    reply = guarded.head("/hello.txt")
    assert (reply.status, reply.body) == (401, b"")


def test_cors_preflight_is_answered_without_credentials(guarded: Served) -> None:
    reply = guarded.request(
        "OPTIONS",
        "/hello.txt",
        {
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization, range",
        },
    )
    assert reply.status == 204
    assert reply.header("Access-Control-Allow-Origin") == "https://app.example"
    methods = {m.strip() for m in (reply.header("Access-Control-Allow-Methods") or "").split(",")}
    assert {"GET", "HEAD"} <= methods
    allowed = (reply.header("Access-Control-Allow-Headers") or "").lower()
    assert "authorization" in allowed
    assert "range" in allowed
    assert reply.header("WWW-Authenticate") is None


def test_plain_options_needs_no_credentials_and_shows_only_allow(guarded: Served) -> None:
    reply = guarded.request("OPTIONS", "/hello.txt")
    assert (reply.status, reply.body) == (204, b"")
    assert reply.header("Allow") == "GET, HEAD, OPTIONS"


def test_cors_401_carries_the_allow_origin(guarded: Served) -> None:
    reply = guarded.get("/hello.txt", origin="https://app.example")
    assert reply.status == 401
    assert reply.header("Access-Control-Allow-Origin") == "https://app.example"


# -- CORS -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cors(tree: Path) -> Iterator[Served]:
    (tree / "big.txt").write_bytes(b"compressible text\n" * 500)
    with serving(tree, "--quiet", "--cors", "https://app.example") as served:
        yield served


def test_cors_headers_on_responses(cors: Served) -> None:
    reply = cors.get("/hello.txt", origin="https://app.example")
    assert reply.status == 200
    assert reply.header("Access-Control-Allow-Origin") == "https://app.example"
    exposed = (reply.header("Access-Control-Expose-Headers") or "").lower()
    for name in ("content-range", "accept-ranges", "etag", "content-length"):
        assert name in exposed
    assert "origin" in (reply.header("Vary") or "").lower()


@pytest.mark.parametrize(
    ("target", "headers", "status"),
    [
        ("/big.txt", {}, 200),
        ("/big.txt", {"Accept-Encoding": "gzip"}, 200),
        ("/big.txt", {"Range": "bytes=0-3"}, 206),
        ("/sub/", {}, 200),
        ("/missing", {}, 404),
    ],
)
def test_cors_vary_keeps_origin_next_to_the_other_vary_fields(
    cors: Served, target: str, headers: dict[str, str], status: int
) -> None:
    reply = cors.request("GET", target, {"Origin": "https://app.example", **headers})
    assert reply.status == status
    fields = {v.strip().lower() for v in ",".join(reply.headers.get_all("Vary") or []).split(",")}
    assert "origin" in fields
    if target == "/big.txt":
        assert "accept-encoding" in fields
    if target == "/sub/":
        assert "accept" in fields


def test_cors_304_keeps_both_vary_fields(cors: Served) -> None:
    etag = cors.head("/big.txt").header("ETag")
    assert etag
    reply = cors.get("/big.txt", origin="https://app.example", if_none_match=etag)
    assert reply.status == 304
    fields = {v.strip().lower() for v in ",".join(reply.headers.get_all("Vary") or []).split(",")}
    assert {"origin", "accept-encoding"} <= fields


def test_cors_preflight(cors: Served) -> None:
    reply = cors.request(
        "OPTIONS",
        "/big.txt",
        {"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
    )
    assert reply.status == 204
    assert reply.header("Access-Control-Allow-Origin") == "https://app.example"
    assert reply.header("Access-Control-Allow-Methods")
    assert reply.header("Access-Control-Max-Age")


def test_cors_star(tree: Path) -> None:
    with serving(tree, "--quiet", "--cors", "*") as served:
        reply = served.get("/hello.txt", origin="https://any.example")
        assert reply.header("Access-Control-Allow-Origin") == "*"


def test_no_cors_headers_without_the_option(server: Served) -> None:
    reply = server.get("/hello.txt", origin="https://app.example")
    assert reply.header("Access-Control-Allow-Origin") is None
    preflight = server.request(
        "OPTIONS", "/hello.txt", {"Origin": "https://x", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.header("Access-Control-Allow-Origin") is None


# -- request smuggling and malformed requests ----------------------------------------------

SMUGGLED = b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"

SMUGGLING = {
    "cl_and_te": b"POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED,
    "two_different_cl": b"POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
    b"Content-Length: 38\r\n\r\n" + SMUGGLED,
    "cl_list": b"POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0, 38\r\n\r\n" + SMUGGLED,
    "cl_plus": b"POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: +38\r\n\r\n" + SMUGGLED,
    "cl_hex": b"POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0x26\r\n\r\n" + SMUGGLED,
    "te_not_chunked_last": b"POST /hello.txt HTTP/1.1\r\nHost: x\r\n"
    b"Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" + SMUGGLED,
    "te_unknown": b"POST /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n"
    b"0\r\n\r\n" + SMUGGLED,
    "space_before_colon": b"POST /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked"
    b"\r\n\r\n0\r\n\r\n" + SMUGGLED,
    "bad_chunk_size": b"POST /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"zz\r\n" + SMUGGLED,
    "chunk_size_overflow": b"POST /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
    b"\r\n\r\nFFFFFFFFFFFFFFFFF1\r\n" + SMUGGLED,
    "obs_fold": b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\nContent-Length: 38\r\n"
    b"\r\n" + SMUGGLED,
    "no_host": b"GET /hello.txt HTTP/1.1\r\n\r\n" + SMUGGLED,
    "bad_version": b"GET /hello.txt HTTP/1.7\r\nHost: x\r\n\r\n" + SMUGGLED,
    "nul_in_header": b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n" + SMUGGLED,
}


@pytest.mark.parametrize("name", list(SMUGGLING))
def test_smuggling_attempt_gets_one_400_and_a_closed_connection(server: Served, name: str) -> None:
    data = server.raw(SMUGGLING[name], timeout=5)
    status, headers, rest = parse_head(data)
    # A valid head may be answered (405: serve takes no POST) before its malformed body is
    # parsed, as Node does; the body's error then closes the connection all the same.
    assert status in (400, 405, 501, 505), (name, data[:200])
    assert data.count(b"HTTP/1.1 ") == 1, data  # the smuggled GET was never answered
    assert b"hello" not in rest
    if status != 405:
        assert headers.get("connection") == "close"


def test_body_of_a_get_is_consumed_not_taken_as_a_request(server: Served) -> None:
    request = b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 38\r\n\r\n" + SMUGGLED
    data = server.raw(request, timeout=2)
    assert data.count(b"HTTP/1.1 ") == 1
    assert data.startswith(b"HTTP/1.1 200")


def test_chunked_body_on_a_get_then_a_second_request(server: Served) -> None:
    request = (
        b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n0\r\n\r\n"
        b"GET /sub/inner.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    data = server.raw(request)
    assert data.count(b"HTTP/1.1 200") == 2
    assert data.endswith(b"inner")


def test_oversized_header_is_431(server: Served) -> None:
    data = server.raw(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
    assert parse_head(data)[0] == 431


def test_garbage_is_400(server: Served) -> None:
    data = server.raw(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n", timeout=5)
    assert parse_head(data)[0] == 400


def test_server_survives_the_attacks(server: Served) -> None:
    assert server.get("/hello.txt").body == b"hello"


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",
        b"NOT HTTP\r\n\r\n",
    ],
    ids=["duplicate-host", "no-host", "garbage"],
)
def test_server_generated_error_answers_carry_nosniff(server: Served, request_bytes: bytes) -> None:
    data = server.raw(request_bytes)
    assert data.startswith(b"HTTP/1.1 400"), data
    assert b"X-Content-Type-Options: nosniff" in data, data
