"""ServerConnection: requests in, events out; responses in, bytes out.

Every fixture is fed whole, byte by byte, and (hypothesis) split at random points: the events
and the bytes answered must be the same every time.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_protocol_support import EventLog, pieces

import rillet.errors
import rillet.http
from rillet.http._parser import HTTPParserError, RequestHead
from rillet.http._protocol import ServerConnection, State
from rillet.http._serialize import Framing

OK_HEADERS = [("Content-Type", "text/plain")]


class Recorder(EventLog):
    """A server sink that records events and, unless told not to, answers each request once
    it is complete."""

    def __init__(self, *, answer: bool = True, upgrade: bool = True, **options: Any) -> None:
        super().__init__()
        self.heads: list[RequestHead] = []
        self.errors: list[HTTPParserError] = []
        self.answer = answer
        self.upgrade = upgrade
        self.output = bytearray()
        self.conn = ServerConnection(self, **options)

    def on_request(self, head: RequestHead) -> None:
        self.heads.append(head)
        self.events.append(
            (
                "request",
                head.method,
                head.url,
                head.http_version,
                tuple(head.headers),
                head.keep_alive,
                head.content_length,
                head.chunked,
            )
        )

    def on_message_complete(self, trailers: Any) -> None:
        self.events.append(("end", tuple(trailers)))
        if self.answer:
            self.output += self.conn.respond(200, OK_HEADERS, b"ok", send_date=False)

    def on_upgrade(self, head: RequestHead, rest: bytes) -> None:
        self.events.append(("upgrade", head.method, head.url, rest))

    def on_error(self, error: HTTPParserError) -> None:
        self.errors.append(error)
        self.events.append(("error", error.code, error.status_code))

    def wants_upgrade(self, head: RequestHead) -> bool:
        return self.upgrade


def run(
    data: bytes, cuts: list[int] | None = None, *, eof: bool = True, **options: Any
) -> Recorder:
    """Feed ``data`` cut at ``cuts`` (all positions when None: byte by byte)."""
    recorder = Recorder(**options)
    for piece in pieces(data, cuts):
        recorder.feed(piece)
    if eof and not recorder.upgraded:
        recorder.conn.receive_eof()
    return recorder


def outcome(recorder: Recorder) -> tuple[list[tuple[Any, ...]], bytes, State, State]:
    conn = recorder.conn
    return recorder.events, bytes(recorder.output), conn.their_state, conn.our_state


GET = b"GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n"
POST = b"POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"
CHUNKED = (
    b"POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    b'5\r\nhello\r\n1;ext=1;q="x y"\r\n \r\n5\r\nworld\r\n0\r\nX-Sum: 42\r\nX-Other: a\r\n\r\n'
)

VALID = {
    "get": GET,
    "post_length": POST,
    "post_chunked_trailers": CHUNKED,
    "head": b"HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n",
    "http10": b"GET / HTTP/1.0\r\n\r\n",
    "http10_keep_alive": b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" * 2,
    "connection_close": b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + GET,
    "expect_continue": (
        b"PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"
    ),
    "repeated_and_odd_headers": (
        b"GET / HTTP/1.1\r\nHost: a\r\nAccept: a\r\naccept: b\r\nX-Empty:\r\n"
        b"X-Spaces:   padded  \t\r\nSet-Cookie: 1\r\nSet-Cookie: 2\r\nX-Latin: caf\xe9\r\n\r\n"
    ),
    "leading_blank_lines": b"\r\n\r\n" + GET,
    "absolute_and_asterisk": (
        b"GET http://example.com:8080/p?q HTTP/1.1\r\nHost: example.com\r\n\r\n"
        b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"
    ),
    "path_as_is": (
        b"GET /../../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n"
        b"GET /%2e%2e/%00x HTTP/1.1\r\nHost: a\r\n\r\n"
    ),
    "pipelined": GET + POST + CHUNKED + b"DELETE /d HTTP/1.1\r\nHost: a\r\n\r\n",
    "get_with_body": b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi" + GET,
    "websocket_upgrade": (
        b"GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
        b"\x81\x05hello" + GET
    ),
    "connect": b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01",
    "h2c_upgrade_with_body": (
        b"POST /h2c HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\n"
        b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nContent-Length: 4\r\n\r\n"
        b"body" + GET
    ),
}

# Smuggling vectors and malformed input, with llhttp's (and Node's) code for each.
INVALID = {
    "cl_with_te": (
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\nG",
        "HPE_INVALID_TRANSFER_ENCODING",
    ),
    "te_with_cl": (
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n"
        b"0\r\n\r\nG",
        "HPE_INVALID_CONTENT_LENGTH",
    ),
    "duplicate_cl_same": (
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
        "HPE_UNEXPECTED_CONTENT_LENGTH",
    ),
    "duplicate_cl_different": (
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "HPE_UNEXPECTED_CONTENT_LENGTH",
    ),
    "cl_list": (
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc",
        "HPE_INVALID_CONTENT_LENGTH",
    ),
    "cl_signed": (
        b"POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\nabc",
        "HPE_INVALID_CONTENT_LENGTH",
    ),
    "cl_negative": (
        b"POST / HTTP/1.1\r\nContent-Length: -3\r\n\r\nabc",
        "HPE_INVALID_CONTENT_LENGTH",
    ),
    "cl_hex": (b"POST / HTTP/1.1\r\nContent-Length: 0x3\r\n\r\nabc", "HPE_INVALID_CONTENT_LENGTH"),
    "cl_empty": (b"POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", "HPE_INVALID_CONTENT_LENGTH"),
    "cl_overflow": (
        b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "HPE_INVALID_CONTENT_LENGTH",
    ),
    "te_gzip": (
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nabc",
        "HPE_INVALID_TRANSFER_ENCODING",
    ),
    "te_identity": (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\nabc",
        "HPE_INVALID_TRANSFER_ENCODING",
    ),
    "te_xchunked": (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
        "HPE_INVALID_TRANSFER_ENCODING",
    ),
    "te_chunked_then_gzip": (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
        "HPE_INVALID_TRANSFER_ENCODING",
    ),
    "te_twice": (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HPE_INVALID_TRANSFER_ENCODING",
    ),
    "te_empty": (b"POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n", "HPE_INVALID_TRANSFER_ENCODING"),
    "te_obs_fold": (
        b"POST / HTTP/1.1\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
        "HPE_INVALID_HEADER_TOKEN",
    ),
    "space_before_colon": (
        b"POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
        "HPE_INVALID_HEADER_TOKEN",
    ),
    "obs_fold": (b"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n", "HPE_INVALID_HEADER_TOKEN"),
    "obs_fold_tab": (b"GET / HTTP/1.1\r\nX-A: 1\r\n\t2\r\n\r\n", "HPE_INVALID_HEADER_TOKEN"),
    "space_before_first_header": (b"GET / HTTP/1.1\r\n Host: a\r\n\r\n", "HPE_UNEXPECTED_SPACE"),
    "bare_lf": (b"GET / HTTP/1.1\nHost: a\n\n", "HPE_INVALID_VERSION"),
    "bare_lf_in_headers": (b"GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", "HPE_CR_EXPECTED"),
    "bare_lf_at_end": (b"GET / HTTP/1.1\r\nHost: a\r\n\n", "HPE_INVALID_HEADER_TOKEN"),
    "bare_cr": (b"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", "HPE_LF_EXPECTED"),
    "nul_in_value": (b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n", "HPE_INVALID_HEADER_TOKEN"),
    "nul_in_name": (b"GET / HTTP/1.1\r\nX\x00: b\r\n\r\n", "HPE_INVALID_HEADER_TOKEN"),
    "control_in_value": (b"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n", "HPE_INVALID_HEADER_TOKEN"),
    "del_in_value": (b"GET / HTTP/1.1\r\nX: a\x7fb\r\n\r\n", "HPE_INVALID_HEADER_TOKEN"),
    "no_colon": (b"GET / HTTP/1.1\r\nNoColon\r\n\r\n", "HPE_INVALID_HEADER_TOKEN"),
    "empty_name": (b"GET / HTTP/1.1\r\n: b\r\n\r\n", "HPE_INVALID_HEADER_TOKEN"),
    "chunk_size_letters": (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nq\r\nabc\r\n0\r\n\r\n",
        "HPE_INVALID_CHUNK_SIZE",
    ),
    "chunk_size_0x": (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n",
        "HPE_INVALID_CHUNK_SIZE",
    ),
    "chunk_size_space": (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n",
        "HPE_INVALID_CHUNK_SIZE",
    ),
    "chunk_size_overflow": (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
        "HPE_INVALID_CHUNK_SIZE",
    ),
    "chunk_longer_than_size": (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
        "HPE_STRICT",
    ),
    "chunk_size_bare_lf": (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n",
        "HPE_CR_EXPECTED",
    ),
    "chunk_extension_space": (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;a b\r\nabc\r\n0\r\n\r\n",
        "HPE_STRICT",
    ),
    "method_lower_case": (b"get / HTTP/1.1\r\n\r\n", "HPE_INVALID_METHOD"),
    "method_unknown": (b"FOO / HTTP/1.1\r\n\r\n", "HPE_INVALID_METHOD"),
    "version_unknown": (b"GET / HTTP/1.2\r\n\r\n", "HPE_INVALID_VERSION"),
    "version_junk": (b"GET / HTTP/1.1x\r\n\r\n", "HPE_INVALID_VERSION"),
    "space_in_target": (b"GET /a b HTTP/1.1\r\n\r\n", "HPE_INVALID_CONSTANT"),
    "nul_in_target": (b"GET /a\x00 HTTP/1.1\r\n\r\n", "HPE_INVALID_URL"),
    "utf8_in_target": ("GET /é HTTP/1.1\r\n\r\n".encode(), "HPE_INVALID_URL"),
    "tab_after_method": (b"GET\t/ HTTP/1.1\r\n\r\n", "HPE_INVALID_METHOD"),
    "http2_preface": (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "HPE_PAUSED_H2_UPGRADE"),
    "tls_hello": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "HPE_INVALID_METHOD"),
    "cut_in_head": (b"GET / HTTP/1.1\r\nHost: a\r\n", "HPE_INVALID_EOF_STATE"),
    "cut_in_body": (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", "HPE_INVALID_EOF_STATE"),
    "cut_in_chunk": (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        "HPE_INVALID_EOF_STATE",
    ),
}

FIXTURES = {**VALID, **{name: data for name, (data, _) in INVALID.items()}}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_whole_and_byte_by_byte_give_the_same_events(name: str) -> None:
    data = FIXTURES[name]
    whole = run(data, [])
    assert whole.events, "a fixture with no event tests nothing"
    assert outcome(run(data)) == outcome(whole)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_random_splits_give_the_same_events(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(FIXTURES)))
    payload = FIXTURES[name]
    cuts = data.draw(st.lists(st.integers(0, len(payload)), max_size=12))
    assert outcome(run(payload, cuts)) == outcome(run(payload, []))


@pytest.mark.parametrize("name", sorted(INVALID))
def test_each_smuggling_vector_is_an_error_that_closes(name: str) -> None:
    data, code = INVALID[name]
    recorder = run(data, [])
    assert recorder.events[-1] == ("error", code, 400)
    assert recorder.conn.their_state == State.ERROR
    error = recorder.errors[0]
    assert error.code == code
    assert str(error) == f"Parse Error: {error.reason}"
    # Nothing after an error is parsed, and no further request slips through.
    recorder.conn.receive_data(GET)
    assert recorder.events[-1] == ("error", code, 400)
    # A request is never handed on before its head has been checked whole.
    assert all(event[0] != "request" for event in recorder.events) or name.startswith(
        ("chunk", "cut_in_body", "cut_in_chunk")
    )


def test_get() -> None:
    recorder = run(GET, [])
    assert recorder.events == [
        (
            "request",
            "GET",
            "/index.html?q=1",
            "1.1",
            ((b"Host", b"example.com"), (b"Accept", b"*/*")),
            True,
            None,
            False,
        ),
        ("end", ()),
    ]
    head = recorder.heads[0]
    assert head.host == b"example.com"
    assert not head.upgrade and not head.has_body and not head.expect_continue
    assert bytes(recorder.output) == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: keep-alive\r\n"
        b"Keep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok"
    )
    assert recorder.conn.their_state == State.CLOSED  # the EOF after the request
    assert recorder.conn.our_state == State.DONE


def test_bodies_and_trailers() -> None:
    recorder = run(POST + CHUNKED, [])
    assert [event[0] for event in recorder.events] == [
        "request",
        "body",
        "end",
        "request",
        "body",
        "end",
    ]
    assert recorder.events[1] == ("body", b"hello world")
    assert recorder.heads[0].content_length == 11 and not recorder.heads[0].chunked
    assert recorder.events[4] == ("body", b"hello world")
    assert recorder.heads[1].chunked and recorder.heads[1].content_length is None
    assert recorder.events[5] == ("end", ((b"X-Sum", b"42"), (b"X-Other", b"a")))
    # Trailers never leak into the head that was handed on.
    assert recorder.heads[1].headers == [(b"Host", b"a"), (b"Transfer-Encoding", b"chunked")]


def test_header_values_lose_surrounding_whitespace_but_keep_their_case() -> None:
    recorder = run(VALID["repeated_and_odd_headers"], [])
    assert recorder.heads[0].headers == [
        (b"Host", b"a"),
        (b"Accept", b"a"),
        (b"accept", b"b"),
        (b"X-Empty", b""),
        (b"X-Spaces", b"padded"),
        (b"Set-Cookie", b"1"),
        (b"Set-Cookie", b"2"),
        (b"X-Latin", b"caf\xe9"),
    ]


def test_path_is_passed_on_exactly_as_sent() -> None:
    recorder = run(VALID["path_as_is"], [])
    assert [head.url for head in recorder.heads] == ["/../../etc/passwd", "/%2e%2e/%00x"]


def test_keep_alive_rules() -> None:
    http10 = run(VALID["http10"], [])
    assert http10.heads[0].keep_alive is False
    assert b"Connection: close\r\n" in http10.output
    assert http10.conn.keep_alive is False
    assert http10.conn.our_state == State.CLOSED

    http10_keep = run(VALID["http10_keep_alive"], [])
    assert [head.http_version for head in http10_keep.heads] == ["1.0", "1.0"]
    assert all(head.keep_alive for head in http10_keep.heads)
    # Known length: HTTP/1.0 keeps the connection (Node would close; see report).
    assert http10_keep.output.count(b"Connection: keep-alive\r\n") == 2

    close = run(VALID["connection_close"], [])
    assert len(close.heads) == 1, "a request after Connection: close is not answered"
    assert close.output.count(b"HTTP/1.1 200 OK") == 1
    assert b"Connection: close\r\n" in close.output
    assert close.conn.their_state == State.CLOSED


def test_pipelined_requests_wait_for_the_response_before_them() -> None:
    recorder = Recorder(answer=False)
    conn = recorder.conn
    conn.receive_data(GET + POST + GET)
    assert [event[0] for event in recorder.events] == ["request", "end"]
    assert conn.paused
    conn.resume()  # the response has not ended: still held
    assert len(recorder.events) == 2
    more = b"DELETE /late HTTP/1.1\r\nHost: a\r\n\r\n"
    conn.receive_data(more)  # kept, in order, behind the held ones
    first = conn.respond(200, OK_HEADERS, b"one", send_date=False)
    assert first.endswith(b"\r\n\r\none")
    assert len(recorder.events) == 2, "end_response does not deliver by itself"
    conn.resume()
    assert [event[0] for event in recorder.events] == ["request", "end", "request", "body", "end"]
    assert recorder.heads[1].url == "/upload"
    conn.respond(201, (), b"", send_date=False)
    conn.resume()
    conn.respond(200, (), b"", send_date=False)
    conn.resume()
    assert [head.url for head in recorder.heads] == [
        "/index.html?q=1",
        "/upload",
        "/index.html?q=1",
        "/late",
    ]
    assert conn.paused  # waits for the answer to /late


def test_idle() -> None:
    recorder = Recorder(answer=False)
    conn = recorder.conn
    assert conn.idle
    conn.receive_data(POST[:10])
    assert not conn.idle and conn.in_head
    conn.receive_data(POST[10:])
    assert not conn.idle, "a request waits for its answer"
    conn.receive_data(GET[:5])
    conn.start_response(200, (), content_length=0, send_date=False)
    assert not conn.idle
    conn.end_response()
    assert not conn.idle, "a pipelined request waits"
    conn.receive_data(GET[5:])
    conn.resume()
    conn.respond(200, (), b"", send_date=False)
    assert conn.idle


def test_pause_keeps_bytes_unparsed_and_resume_delivers_them_in_order() -> None:
    recorder = Recorder()
    conn = recorder.conn
    conn.pause()
    conn.receive_data(POST[:20])
    conn.receive_data(POST[20:])
    conn.receive_eof()
    assert recorder.events == []
    conn.resume()
    assert [event[0] for event in recorder.events] == ["request", "body", "end"]
    assert conn.their_state == State.CLOSED


def test_pause_from_a_callback_holds_the_rest_of_the_same_chunk() -> None:
    class Pausing(Recorder):
        def on_body(self, data: bytes) -> None:
            super().on_body(data)
            self.conn.pause()

    recorder = Pausing()
    recorder.conn.receive_data(POST + GET)
    assert [event[0] for event in recorder.events] == ["request", "body"]
    recorder.conn.resume()
    assert [event[0] for event in recorder.events] == ["request", "body", "end", "request", "end"]


def test_resume_from_a_callback_does_not_reenter() -> None:
    class Resuming(Recorder):
        def on_request(self, head: RequestHead) -> None:
            super().on_request(head)
            self.conn.resume()  # harmless inside a callback

    recorder = Resuming()
    recorder.conn.receive_data(GET + GET)
    assert [event[0] for event in recorder.events] == ["request", "end", "request", "end"]


def test_an_early_response_does_not_hold_the_next_request() -> None:
    class Early(Recorder):
        def on_request(self, head: RequestHead) -> None:
            super().on_request(head)
            self.output += self.conn.respond(413, (), b"", send_date=False)

    recorder = Early(answer=False)
    recorder.conn.receive_data(POST + GET)
    assert [event[0] for event in recorder.events] == ["request", "body", "end", "request", "end"]
    assert not recorder.conn.paused


def test_early_response_to_expect_continue_closes_the_connection() -> None:
    request = b"PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"
    recorder = Recorder(answer=False)
    conn = recorder.conn
    conn.receive_data(request)
    assert recorder.heads[0].expect_continue
    conn.respond(417, (), b"", send_date=False)
    # The client may never send the body it announced: the connection cannot be reused.
    assert not conn.keep_alive
    assert conn.our_state == State.CLOSED

    recorder = Recorder(answer=False)
    conn = recorder.conn
    conn.receive_data(request)
    assert conn.write_continue() == b"HTTP/1.1 100 Continue\r\n\r\n"
    conn.receive_data(b"abc")
    assert recorder.events[-2:] == [("body", b"abc"), ("end", ())]
    conn.respond(200, (), b"", send_date=False)
    assert conn.keep_alive


def test_head_response_has_no_body() -> None:
    recorder = Recorder(answer=False)
    conn = recorder.conn
    conn.receive_data(VALID["head"])
    head = conn.start_response(200, [("Content-Length", "1234")], send_date=False)
    assert conn.framing == Framing.NONE
    assert conn.send_body(b"ignored") == b""
    assert conn.end_response() == b""
    assert head == (
        b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nConnection: keep-alive\r\n"
        b"Keep-Alive: timeout=5\r\n\r\n"
    )
    assert conn.keep_alive


@pytest.mark.parametrize("status", [204, 304])
def test_bodiless_statuses(status: int) -> None:
    recorder = Recorder(answer=False)
    conn = recorder.conn
    conn.receive_data(GET)
    head = conn.start_response(status, (), send_date=False)
    assert b"Content-Length" not in head and b"Transfer-Encoding" not in head
    assert conn.send_body(b"x") == b""
    assert conn.end_response() == b""


def test_response_framing_rules() -> None:
    def answer(request: bytes, **kwargs: Any) -> tuple[bytes, ServerConnection]:
        recorder = Recorder(answer=False)
        recorder.conn.receive_data(request)
        body = recorder.conn.start_response(
            200, kwargs.pop("headers", ()), send_date=False, **kwargs
        )
        return body, recorder.conn

    head, conn = answer(GET)
    assert head.endswith(b"Transfer-Encoding: chunked\r\n\r\n")
    assert conn.framing == Framing.CHUNKED
    assert conn.send_body(b"hello") == b"5\r\nhello\r\n"
    assert conn.send_body(b"") == b""
    assert conn.send_body(memoryview(b"x" * 300)) == b"12c\r\n" + b"x" * 300 + b"\r\n"
    assert conn.end_response([("X-Sum", "1")]) == b"0\r\nX-Sum: 1\r\n\r\n"
    assert conn.keep_alive

    head, conn = answer(VALID["http10_keep_alive"][:44])
    assert conn.framing == Framing.CLOSE
    assert head.endswith(b"Connection: close\r\n\r\n")
    assert conn.send_body(b"raw") == b"raw"
    assert conn.end_response() == b""
    assert not conn.keep_alive

    head, conn = answer(GET, content_length=3)
    assert head.endswith(b"Content-Length: 3\r\n\r\n")
    assert conn.send_body(b"ab") == b"ab"
    with pytest.raises(Exception) as info:
        conn.send_body(b"cd")
    assert info.value.code == "ERR_HTTP_CONTENT_LENGTH_MISMATCH"  # type: ignore[attr-defined]
    assert conn.end_response() == b""
    assert not conn.keep_alive, "a body short of its Content-Length cannot keep the connection"

    head, conn = answer(GET, headers=[("Content-Length", "2")])
    assert head.count(b"Content-Length") == 1 and conn.framing == Framing.LENGTH
    conn.send_body(b"ok")
    conn.end_response()
    assert conn.keep_alive

    head, conn = answer(GET, headers=[("Transfer-Encoding", "chunked")], content_length=9)
    assert head.count(b"Transfer-Encoding") == 1 and b"Content-Length" not in head
    assert conn.framing == Framing.CHUNKED

    head, conn = answer(GET, headers=[("Trailer", "X-Sum")], content_length=9)
    assert conn.framing == Framing.CHUNKED, "trailers need chunked framing"

    head, conn = answer(GET, headers=[("Connection", "close")], content_length=0)
    assert head.count(b"Connection") == 1 and not conn.keep_alive

    head, conn = answer(GET, content_length=0, keep_alive=False)
    assert b"Connection: close\r\n" in head and not conn.keep_alive


def test_response_head_has_a_date_that_changes_at_most_each_second() -> None:
    recorder = Recorder(answer=False)
    recorder.conn.receive_data(GET)
    head = recorder.conn.start_response(200, OK_HEADERS, content_length=0)
    lines = head.split(b"\r\n")
    assert lines[0] == b"HTTP/1.1 200 OK"
    assert lines[1] == b"Content-Type: text/plain"
    assert lines[2].startswith(b"Date: ") and lines[2].endswith(b" GMT")
    assert lines[3:6] == [b"Connection: keep-alive", b"Keep-Alive: timeout=5", b"Content-Length: 0"]


def test_response_state_errors() -> None:
    recorder = Recorder(answer=False)
    conn = recorder.conn
    with pytest.raises(Exception) as info:
        conn.start_response(200)
    assert info.value.code == "ERR_INVALID_STATE"  # type: ignore[attr-defined]
    conn.receive_data(GET)
    with pytest.raises(Exception) as info:
        conn.send_body(b"x")
    assert info.value.code == "ERR_INVALID_STATE"  # type: ignore[attr-defined]
    conn.start_response(200, send_date=False)
    with pytest.raises(Exception) as info:
        conn.start_response(200)
    assert info.value.code == "ERR_HTTP_HEADERS_SENT"  # type: ignore[attr-defined]
    with pytest.raises(Exception) as info:
        conn.start_response(200, [("Bad Name", "x")])
    assert info.value.code == "ERR_HTTP_HEADERS_SENT"  # type: ignore[attr-defined]
    conn.end_response()
    with pytest.raises(Exception) as info:
        conn.end_response()
    assert info.value.code == "ERR_INVALID_STATE"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ([("X-Evil", "a\r\nSet-Cookie: x")], "ERR_INVALID_CHAR"),
        ([("X-Evil", "a\nb")], "ERR_INVALID_CHAR"),
        ([("X-Evil", "a\x00b")], "ERR_INVALID_CHAR"),
        ([("X Evil", "a")], "ERR_INVALID_HTTP_TOKEN"),
        ([("X-Evil:", "a")], "ERR_INVALID_HTTP_TOKEN"),
        ([("", "a")], "ERR_INVALID_HTTP_TOKEN"),
    ],
)
def test_no_header_injection(headers: list[tuple[str, str]], code: str) -> None:
    recorder = Recorder(answer=False)
    recorder.conn.receive_data(GET)
    with pytest.raises(Exception) as info:
        recorder.conn.start_response(200, headers)
    assert info.value.code == code  # type: ignore[attr-defined]
    assert recorder.conn.our_state == State.IDLE, "a refused head leaves nothing half-sent"


def test_informational_responses() -> None:
    recorder = Recorder(answer=False)
    recorder.conn.receive_data(GET)
    hints = recorder.conn.write_informational(
        103, [("Link", ["</a.css>; rel=preload", "</b.js>; rel=preload"])]
    )
    assert hints == (
        b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n"
        b"Link: </b.js>; rel=preload\r\n\r\n"
    )
    assert recorder.conn.our_state == State.IDLE


def test_upgrade_hands_over_the_bytes_after_the_head() -> None:
    recorder = run(VALID["websocket_upgrade"], [])
    assert recorder.events == [("upgrade", "GET", "/chat", b"\x81\x05hello" + GET)]
    assert recorder.conn.their_state == State.UPGRADED

    recorder = run(VALID["connect"], [], upgrade=False)  # CONNECT is always handed over
    assert recorder.events == [("upgrade", "CONNECT", "example.com:443", b"\x16\x03\x01")]


def test_upgrade_while_a_response_is_pending_keeps_later_bytes() -> None:
    recorder = Recorder(answer=False)
    conn = recorder.conn
    conn.receive_data(GET + b"GET /ws HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\nAB")
    conn.receive_data(b"CD")
    conn.respond(200, (), b"", send_date=False)
    conn.resume()
    assert recorder.events[-1] == ("upgrade", "GET", "/ws", b"ABCD")


def test_declined_upgrade_without_body_is_a_plain_request() -> None:
    upgrade = VALID["websocket_upgrade"].split(b"\r\n\r\n")[0] + b"\r\n\r\n"
    # The bytes after the head are parsed as HTTP: here, garbage.
    recorder = run(upgrade + b"\x81\x05hello", [], upgrade=False)
    assert [event[0] for event in recorder.events] == ["request", "end", "error"]
    assert recorder.heads[0].upgrade is False
    recorder = run(upgrade + GET, [], upgrade=False)
    assert [event[0] for event in recorder.events] == ["request", "end", "request", "end"]
    assert recorder.conn.current is recorder.heads[1]


def test_declined_upgrade_is_a_plain_request_with_its_body() -> None:
    recorder = run(VALID["h2c_upgrade_with_body"], [], upgrade=False)
    kinds = [event[0] for event in recorder.events]
    assert kinds == ["request", "body", "end", "request", "end"]
    assert recorder.events[1] == ("body", b"body")
    assert recorder.heads[0].upgrade is False
    assert recorder.heads[1].url == "/index.html?q=1"


def test_header_limit_answers_431() -> None:
    limit = 200
    big = b"GET / HTTP/1.1\r\nX: " + b"a" * 300 + b"\r\n\r\n"
    for cuts in ([], None):  # one chunk, then byte by byte
        recorder = run(big, cuts, max_header_size=limit)
        assert recorder.events == [("error", "HPE_HEADER_OVERFLOW", 431)]
    many = b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(100)) + b"\r\n"
    assert run(many, [], max_header_size=limit).events == [("error", "HPE_HEADER_OVERFLOW", 431)]
    long_target = b"GET /" + b"a" * 300 + b" HTTP/1.1\r\n\r\n"
    assert run(long_target, None, max_header_size=limit).events[-1][1] == "HPE_HEADER_OVERFLOW"
    at_limit = b"GET / HTTP/1.1\r\nX: " + b"a" * (limit - 2) + b"\r\n\r\n"  # "/" + "X" + value
    assert [event[0] for event in run(at_limit, [], max_header_size=limit).events] == [
        "request",
        "end",
    ]


def test_a_header_that_never_ends_is_cut_off_without_buffering_it() -> None:
    recorder = Recorder(max_header_size=1000)
    conn = recorder.conn
    conn.receive_data(b"GET / HTTP/1.1\r\nX: ")
    for _ in range(30):
        conn.receive_data(b"a" * 100)
        if recorder.events:
            break
    assert recorder.events == [("error", "HPE_HEADER_OVERFLOW", 431)]

    # Same for a trailer at the end of a chunked body.
    recorder = Recorder(max_header_size=1000)
    recorder.conn.receive_data(
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX-T: "
    )
    for _ in range(30):
        recorder.conn.receive_data(b"a" * 100)
        if recorder.events[-1][0] == "error":
            break
    assert recorder.events[-1] == ("error", "HPE_HEADER_OVERFLOW", 431)


def test_a_large_body_is_not_mistaken_for_a_large_header() -> None:
    body = b"z" * 100_000
    request = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n" % len(body)
    recorder = Recorder(max_header_size=1000)
    recorder.conn.receive_data(request)
    for start in range(0, len(body), 4096):
        recorder.conn.receive_data(body[start : start + 4096])
    recorder.conn.receive_data(b"\r\n0\r\n\r\n")
    assert recorder.events[1] == ("body", body)
    assert recorder.events[-1] == ("end", ())


def test_eof_between_requests_is_not_an_error() -> None:
    recorder = run(GET, [])
    assert recorder.errors == []
    assert recorder.conn.their_state == State.CLOSED
    # A half-closed client gets Connection: close.
    recorder = Recorder(answer=False)
    recorder.conn.receive_data(GET)
    recorder.conn.receive_eof()
    assert b"Connection: close" in recorder.conn.respond(200, (), b"", send_date=False)


def test_a_sink_exception_propagates_and_stops_parsing() -> None:
    class Failing(Recorder):
        def on_request(self, head: RequestHead) -> None:
            raise KeyError("handler bug")

    recorder = Failing()
    with pytest.raises(KeyError):
        recorder.conn.receive_data(GET)
    assert recorder.conn.their_state == State.ERROR
    recorder.conn.receive_data(GET)  # ignored


def test_the_layer_imports_no_event_loop_and_no_socket() -> None:
    # Importing rillet at all runs the package's __init__ (streams, hence asyncio), so the
    # check reads the imports of the layer's modules and of everything they import from rillet.
    layer = Path(rillet.http.__file__).parent
    modules = ["_protocol", "_parser", "_serialize", "_headers", "_status"]
    seen: set[str] = set()
    while modules:
        name = modules.pop()
        if name in seen:
            continue
        seen.add(name)
        path = layer / f"{name}.py" if name.startswith("_") else Path(rillet.errors.__file__)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                imported = [node.module or ""]
            else:
                continue
            for module in imported:
                root = module.split(".")[0]
                assert root not in {"asyncio", "socket", "ssl", "uvloop", "selectors"}, (
                    name,
                    module,
                )
                if module.startswith("rillet.http."):
                    modules.append(module.rsplit(".", 1)[1])
                elif root == "rillet":
                    assert module == "rillet.errors", (name, module)
                    modules.append("errors")
    assert {"_protocol", "_parser", "errors"} <= seen
