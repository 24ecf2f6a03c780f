"""ClientConnection: requests in, bytes out; responses in, events out.

Every response fixture is fed whole, byte by byte and (hypothesis) split at random points: the
events must be the same every time.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_protocol_support import EventLog, pieces

from rillet.http._parser import HTTPParserError, ResponseHead
from rillet.http._protocol import ClientConnection, State


class Recorder(EventLog):
    """A client sink that records events."""

    def __init__(self, **options: Any) -> None:
        super().__init__()
        self.heads: list[ResponseHead] = []
        self.conn = ClientConnection(self, **options)

    def on_information(self, head: ResponseHead) -> None:
        self.events.append(("information", head.status_code, head.reason, tuple(head.headers)))

    def on_response(self, head: ResponseHead) -> None:
        self.heads.append(head)
        self.events.append(
            (
                "response",
                head.status_code,
                head.reason,
                head.http_version,
                tuple(head.headers),
                head.keep_alive,
                head.content_length,
                head.chunked,
            )
        )

    def on_message_complete(self, trailers: Any) -> None:
        self.events.append(("end", tuple(trailers)))

    def on_upgrade(self, head: ResponseHead, rest: bytes) -> None:
        self.heads.append(head)
        self.events.append(("upgrade", head.status_code, rest))

    def on_error(self, error: HTTPParserError) -> None:
        self.events.append(("error", error.code))


def exchange(
    method: str,
    response: bytes,
    cuts: list[int] | None = None,
    *,
    eof: bool = False,
    **request: Any,
) -> Recorder:
    """Send a request (ended at once) and feed ``response`` cut at ``cuts`` (None: byte by
    byte), then the end of input when ``eof``."""
    recorder = Recorder()
    recorder.conn.start_request(method, "/", [("Host", "a")], **request)
    recorder.conn.end_request()
    for piece in pieces(response, cuts):
        recorder.feed(piece)
    if eof:
        recorder.conn.receive_eof()
    return recorder


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
CHUNKED = (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nX-Checksum: 1\r\n\r\n"
)

# name → (request method, response bytes, end of input after it)
RESPONSES: dict[str, tuple[str, bytes, bool]] = {
    "content_length": ("GET", OK, False),
    "chunked_with_trailers": ("GET", CHUNKED, False),
    "close_delimited": ("GET", b"HTTP/1.1 200 OK\r\n\r\nuntil the end", True),
    "close_delimited_http10": ("GET", b"HTTP/1.0 200 OK\r\nServer: old\r\n\r\nold style", True),
    "unknown_transfer_coding": (
        "GET",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\x1f\x8b...",
        True,
    ),
    "connection_close": (
        "GET",
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi",
        True,
    ),
    "no_reason_phrase": ("GET", b"HTTP/1.1 204\r\n\r\n", False),
    "not_modified_with_length": (
        "GET",
        b'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\nETag: "x"\r\n\r\n',
        False,
    ),
    "head_with_length": ("HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", False),
    "head_chunked": ("HEAD", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", False),
    "head_no_framing": ("HEAD", b"HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", False),
    "head_after_continue": (
        "HEAD",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n",
        False,
    ),
    "head_after_unusual_1xx": (
        "HEAD",
        b"HTTP/1.1 199 Whatever\r\nX: y\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n",
        False,
    ),
    "head_bad_head": (
        "HEAD",
        b"HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
        False,
    ),
    "continue_then_final": (
        "POST",
        b"HTTP/1.1 100 Continue\r\n\r\n" + OK,
        False,
    ),
    "early_hints": (
        "GET",
        b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
        b"HTTP/1.1 102 Processing\r\n\r\n" + CHUNKED,
        False,
    ),
    "switching_protocols": (
        "GET",
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        b"\x81\x02hi",
        False,
    ),
    "connect_established": (
        "CONNECT",
        b"HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03\x01tunnel",
        False,
    ),
    "head_answered_by_101": (
        "HEAD",
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\nRAW",
        False,
    ),
    "head_connection_close": (
        "HEAD",
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\n",
        False,
    ),
    "head_http10_keep_alive": (
        "HEAD",
        b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 3\r\n\r\n",
        False,
    ),
    "head_http10": ("HEAD", b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\n", False),
    "connect_refused": (
        "CONNECT",
        b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n",
        False,
    ),
    "cl_with_te": (
        "GET",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        False,
    ),
    "bad_status": ("GET", b"HTTP/1.1 2000 OK\r\n\r\n", False),
    "obs_fold": ("GET", b"HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n", False),
    "bad_chunk": (
        "GET",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        False,
    ),
    "cut_in_body": ("GET", b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort", True),
    "cut_in_head": ("GET", b"HTTP/1.1 200 OK\r\nContent-Len", True),
    "cut_in_head_of_head_answer": ("HEAD", b"HTTP/1.1 200 OK\r\nServer:", True),
}


def run(name: str, cuts: list[int] | None) -> Recorder:
    method, response, eof = RESPONSES[name]
    return exchange(method, response, cuts, eof=eof)


def outcome(recorder: Recorder) -> tuple[Any, ...]:
    conn = recorder.conn
    return recorder.events, conn.their_state, conn.our_state, conn.reusable


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_whole_and_byte_by_byte_give_the_same_events(name: str) -> None:
    whole = run(name, [])
    assert whole.events, "a fixture with no event tests nothing"
    assert outcome(run(name, None)) == outcome(whole)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_random_splits_give_the_same_events(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(RESPONSES)))
    size = len(RESPONSES[name][1])
    cuts = data.draw(st.lists(st.integers(0, size), max_size=12))
    assert outcome(run(name, cuts)) == outcome(run(name, []))


def kinds(recorder: Recorder) -> list[str]:
    return [event[0] for event in recorder.events]


def test_content_length_response_and_reuse() -> None:
    recorder = run("content_length", [])
    assert recorder.events == [
        ("response", 200, "OK", "1.1", ((b"Content-Length", b"5"),), True, 5, False),
        ("body", b"hello"),
        ("end", ()),
    ]
    assert recorder.conn.reusable
    assert recorder.conn.their_state == State.IDLE and recorder.conn.our_state == State.IDLE
    # The next exchange on the same connection.
    conn = recorder.conn
    conn.start_request("GET", "/again", [("Host", "a")])
    conn.end_request()
    conn.receive_data(CHUNKED)
    assert kinds(recorder)[-3:] == ["response", "body", "end"]
    assert recorder.events[-2] == ("body", b"hello world")
    assert recorder.events[-1] == ("end", ((b"X-Checksum", b"1"),))
    assert conn.reusable


def test_close_delimited_bodies_end_with_the_connection() -> None:
    for name, body in (
        ("close_delimited", b"until the end"),
        ("close_delimited_http10", b"old style"),
        ("unknown_transfer_coding", b"\x1f\x8b..."),
    ):
        recorder = run(name, [])
        assert kinds(recorder) == ["response", "body", "end"], name
        assert recorder.events[1] == ("body", body)
        assert recorder.heads[0].keep_alive is False
        assert not recorder.conn.reusable
        assert recorder.conn.their_state == State.CLOSED


def test_connection_close_is_not_reusable() -> None:
    recorder = run("connection_close", [])
    assert kinds(recorder) == ["response", "body", "end"]
    assert recorder.conn.our_state == State.CLOSED and not recorder.conn.reusable


@pytest.mark.parametrize("name", ["head_with_length", "head_chunked", "head_no_framing"])
def test_head_response_has_no_body_and_keeps_the_connection(name: str) -> None:
    recorder = run(name, [])
    assert kinds(recorder) == ["response", "end"]
    assert recorder.heads[0].keep_alive is True
    assert recorder.conn.reusable
    # llhttp starts over: the next response on the connection parses normally.
    recorder.conn.start_request("GET", "/", [("Host", "a")])
    recorder.conn.end_request()
    recorder.conn.receive_data(OK)
    assert kinds(recorder)[-3:] == ["response", "body", "end"]
    assert recorder.events[-2] == ("body", b"hello")


@pytest.mark.parametrize(
    ("name", "reusable"),
    [("head_connection_close", False), ("head_http10_keep_alive", True), ("head_http10", False)],
)
def test_keep_alive_of_a_head_response(name: str, reusable: bool) -> None:
    recorder = run(name, [])
    assert kinds(recorder) == ["response", "end"]
    assert recorder.heads[0].keep_alive is reusable
    assert recorder.conn.reusable is reusable


def test_head_response_followed_by_more_bytes_in_the_same_read() -> None:
    recorder = exchange("HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" + OK, [])
    # The second response had no request: it is parsed and delivered all the same.
    assert kinds(recorder) == ["response", "end", "response", "body", "end"]


def test_end_of_input_on_an_idle_connection() -> None:
    recorder = run("content_length", [])
    recorder.conn.receive_eof()
    assert recorder.events[-1] == ("end", ())
    assert recorder.conn.their_state == State.CLOSED and recorder.conn.our_state == State.CLOSED
    assert not recorder.conn.reusable


def test_request_side_state_errors() -> None:
    conn = Recorder().conn
    for call in (lambda: conn.send_body(b"x"), conn.end_request):
        with pytest.raises(Exception) as info:
            call()
        assert info.value.code == "ERR_INVALID_STATE"  # type: ignore[attr-defined]
    conn.start_request("GET", "/")
    assert conn.response is None
    conn.end_request()
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert conn.response is not None and conn.response.status_code == 200


def test_head_response_and_next_response_in_one_read() -> None:
    recorder = Recorder()
    conn = recorder.conn
    conn.start_request("HEAD", "/", [("Host", "a")])
    conn.end_request()
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
    conn.start_request("GET", "/", [("Host", "a")])
    conn.end_request()
    conn.receive_data(OK)
    assert kinds(recorder) == ["response", "end", "response", "body", "end"]


def test_informational_responses_come_before_the_final_one() -> None:
    recorder = run("early_hints", [])
    assert recorder.events[:2] == [
        ("information", 103, "Early Hints", ((b"Link", b"</a.css>; rel=preload"),)),
        ("information", 102, "Processing", ()),
    ]
    assert kinds(recorder)[2:] == ["response", "body", "end"]
    for name in ("head_after_continue", "head_after_unusual_1xx"):
        recorder = run(name, [])
        assert kinds(recorder) == ["information", "response", "end"]
        assert recorder.conn.reusable


def test_continue_before_the_body_is_sent() -> None:
    recorder = Recorder()
    conn = recorder.conn
    head = conn.start_request(
        "PUT", "/f", [("Host", "a"), ("Expect", "100-continue")], content_length=3
    )
    assert head == (
        b"PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nConnection: keep-alive\r\n"
        b"Content-Length: 3\r\n\r\n"
    )
    conn.receive_data(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert kinds(recorder) == ["information"]
    assert conn.send_body(b"abc") == b"abc"
    assert conn.end_request() == b""
    conn.receive_data(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
    assert kinds(recorder) == ["information", "response", "end"]
    assert conn.reusable


def test_response_before_the_request_body_is_finished() -> None:
    recorder = Recorder()
    conn = recorder.conn
    conn.start_request("POST", "/big", [("Host", "a")], chunked=True)
    assert conn.send_body(b"part") == b"4\r\npart\r\n"
    conn.receive_data(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n")
    assert kinds(recorder) == ["response", "end"]
    assert conn.their_state == State.DONE and conn.our_state == State.BODY
    assert not conn.reusable, "the request is not finished"
    assert conn.end_request() == b"0\r\n\r\n"
    assert conn.reusable


def test_upgrade_hands_over_the_rest() -> None:
    recorder = run("switching_protocols", [])
    assert recorder.events == [("upgrade", 101, b"\x81\x02hi")]
    assert recorder.conn.their_state == State.UPGRADED
    recorder = run("connect_established", [])
    assert recorder.events == [("upgrade", 200, b"\x16\x03\x01tunnel")]
    recorder = run("head_answered_by_101", [])
    assert recorder.events == [("upgrade", 101, b"RAW")]
    recorder = run("connect_refused", [])  # Node hands over any answer to CONNECT
    assert recorder.events == [("upgrade", 407, b"")]
    with pytest.raises(Exception) as info:
        recorder.conn.receive_data(b"more")
    assert info.value.code == "ERR_INVALID_STATE"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("cl_with_te", "HPE_INVALID_TRANSFER_ENCODING"),
        ("bad_status", "HPE_INVALID_STATUS"),
        ("obs_fold", "HPE_INVALID_HEADER_TOKEN"),
        ("bad_chunk", "HPE_INVALID_CHUNK_SIZE"),
        ("cut_in_body", "HPE_INVALID_EOF_STATE"),
        ("cut_in_head", "HPE_INVALID_EOF_STATE"),
        ("cut_in_head_of_head_answer", "HPE_INVALID_EOF_STATE"),
        ("head_bad_head", "HPE_INVALID_HEADER_TOKEN"),
    ],
)
def test_errors(name: str, code: str) -> None:
    recorder = run(name, [])
    assert recorder.events[-1] == ("error", code)
    assert recorder.conn.their_state == State.ERROR
    assert not recorder.conn.reusable


def test_response_header_limit() -> None:
    recorder = Recorder(max_header_size=100)
    recorder.conn.start_request("GET", "/")
    recorder.conn.end_request()
    recorder.conn.receive_data(b"HTTP/1.1 200 OK\r\nX: " + b"a" * 200 + b"\r\n\r\n")
    assert recorder.events == [("error", "HPE_HEADER_OVERFLOW")]
    recorder = Recorder(max_header_size=100)
    recorder.conn.start_request("HEAD", "/")
    recorder.conn.end_request()
    for _ in range(5):
        recorder.conn.receive_data(b"HTTP/1.1 200 OK\r\nX: " + b"a" * 30)
    assert recorder.events == [("error", "HPE_HEADER_OVERFLOW")]


def test_request_serialisation() -> None:
    conn = Recorder().conn
    assert conn.start_request("GET", "/p?q=1", [("Host", "example.com")]) == (
        b"GET /p?q=1 HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive\r\n\r\n"
    )
    with pytest.raises(Exception) as info:
        conn.send_body(b"x")
    assert info.value.code == "ERR_HTTP_BODY_NOT_ALLOWED"  # type: ignore[attr-defined]
    assert conn.end_request() == b""
    with pytest.raises(Exception) as info:
        conn.start_request("GET", "/")
    assert info.value.code == "ERR_INVALID_STATE"  # type: ignore[attr-defined]

    conn = Recorder().conn
    head = conn.start_request(
        "POST", "/u", [("Host", "a"), ("Cookie", ["a=1", "b=2"])], chunked=True, keep_alive=False
    )
    assert head == (
        b"POST /u HTTP/1.1\r\nHost: a\r\nCookie: a=1; b=2\r\nConnection: close\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    assert conn.send_body(b"hello") == b"5\r\nhello\r\n"
    assert conn.end_request([("X-Sum", "5")]) == b"0\r\nX-Sum: 5\r\n\r\n"

    conn = Recorder().conn
    conn.start_request("PUT", "/u", content_length=4)
    conn.send_body(b"abc")
    with pytest.raises(Exception) as info:
        conn.send_body(b"de")
    assert info.value.code == "ERR_HTTP_CONTENT_LENGTH_MISMATCH"  # type: ignore[attr-defined]
    conn.end_request()
    conn.receive_data(OK)
    assert not conn.reusable, "a body short of its Content-Length spoils the connection"


@pytest.mark.parametrize(
    ("method", "target", "headers", "code"),
    [
        ("GE T", "/", (), "ERR_INVALID_HTTP_TOKEN"),
        ("GET", "/a b", (), "ERR_UNESCAPED_CHARACTERS"),
        ("GET", "/a\r\nX: y", (), "ERR_UNESCAPED_CHARACTERS"),
        ("GET", "", (), "ERR_UNESCAPED_CHARACTERS"),
        ("GET", "/", [("X", "a\r\nb")], "ERR_INVALID_CHAR"),
        ("GET", "/", [("X:", "a")], "ERR_INVALID_HTTP_TOKEN"),
    ],
)
def test_request_validation(method: str, target: str, headers: Any, code: str) -> None:
    conn = Recorder().conn
    with pytest.raises(Exception) as info:
        conn.start_request(method, target, headers)
    assert info.value.code == code  # type: ignore[attr-defined]
    assert conn.reusable, "a refused request leaves the connection as it was"


def test_keep_alive_refused_by_the_request() -> None:
    recorder = Recorder()
    conn = recorder.conn
    conn.start_request("GET", "/", [("Connection", "close")])
    conn.end_request()
    conn.receive_data(OK)
    assert kinds(recorder) == ["response", "body", "end"]
    assert conn.their_state == State.CLOSED and not conn.reusable


def test_pause_holds_response_events() -> None:
    recorder = Recorder()
    conn = recorder.conn
    conn.start_request("GET", "/")
    conn.end_request()
    conn.receive_data(OK[:20])
    assert conn.in_head
    conn.pause()
    conn.receive_data(OK[20:])  # waits unparsed
    conn.receive_eof()
    assert kinds(recorder) == []
    conn.resume()
    assert kinds(recorder) == ["response", "body", "end"]
    assert conn.their_state == State.CLOSED

    class Pausing(Recorder):
        def on_body(self, data: bytes) -> None:
            if self.events[-1][0] != "body":
                self.conn.pause()  # at the first piece only
            super().on_body(data)

    recorder = Pausing()
    recorder.conn.start_request("GET", "/")
    recorder.conn.end_request()
    recorder.conn.receive_data(CHUNKED[:60])
    recorder.conn.receive_data(CHUNKED[60:])
    assert kinds(recorder) == ["response", "body"]
    recorder.conn.resume()
    assert kinds(recorder) == ["response", "body", "end"]
