"""``IncomingMessage``: a request on the server, a response on the client, as a Readable
(Node's ``_http_incoming.js``).

The body streams with backpressure: when the message's buffer passes its high-water
mark the connection stops reading the socket, and reading resumes when the consumer
asks for more. ``headers`` (lower-case names; repeats joined with ``', '``, ``set-cookie``
a list) and ``raw_headers`` are built on first access.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rillet.http._headers import headers_dict, headers_distinct, raw_header_list
from rillet.streams import Readable

__all__ = ["IncomingMessage"]


class IncomingMessage(Readable):
    """An HTTP message being received: head attributes plus the body as a Readable.

    On the server: ``method``, ``url``; on the client: ``status_code``,
    ``status_message``. Both: ``http_version``, ``headers``, ``headers_distinct``,
    ``raw_headers``, ``trailers``, ``raw_trailers``, ``socket``, ``complete`` (the whole
    message arrived) and ``aborted``.
    """

    def __init__(self, socket: Any, head_headers: list[tuple[bytes, bytes]] | None = None) -> None:
        Readable.__init__(self)
        self.socket = socket
        self.http_version = "1.1"
        self.method: str | None = None
        self.url = ""
        self.status_code: int | None = None
        self.status_message: str | None = None
        self.complete = False
        self.aborted = False
        self.upgrade = False
        self._raw_pairs = head_headers or []
        self._headers: dict[str, str | list[str]] | None = None
        self._trailer_pairs: list[tuple[bytes, bytes]] = []
        # Set by the connection: resumes reading the socket when the body is wanted again.
        self._resume_source: Callable[[], None] | None = None

    @property
    def connection(self) -> Any:
        """The same as :attr:`socket` (Node's deprecated alias)."""
        return self.socket

    @property
    def http_version_major(self) -> int:
        """The major HTTP version number."""
        return int(self.http_version.split(".", 1)[0])

    @property
    def http_version_minor(self) -> int:
        """The minor HTTP version number."""
        return int(self.http_version.split(".", 1)[1]) if "." in self.http_version else 0

    @property
    def headers(self) -> dict[str, str | list[str]]:
        """The headers by lower-case name (Node's joining rules)."""
        if self._headers is None:
            self._headers = headers_dict(self._raw_pairs)
        return self._headers

    @headers.setter
    def headers(self, value: dict[str, str | list[str]]) -> None:
        self._headers = value

    @property
    def headers_distinct(self) -> dict[str, list[str]]:
        """Every value of every header, in lists, by lower-case name."""
        return headers_distinct(self._raw_pairs)

    @property
    def raw_headers(self) -> list[str]:
        """Names and values alternating, as received."""
        return raw_header_list(self._raw_pairs)

    @property
    def trailers(self) -> dict[str, str | list[str]]:
        """The trailer fields of a chunked body (empty until it is complete)."""
        return headers_dict(self._trailer_pairs)

    @property
    def raw_trailers(self) -> list[str]:
        """The trailers as received, names and values alternating."""
        return raw_header_list(self._trailer_pairs)

    def set_timeout(
        self, msecs: float, callback: Callable[..., Any] | None = None
    ) -> IncomingMessage:
        """``socket.set_timeout`` for this message's socket."""
        if callback is not None:
            self.on("timeout", callback)
        if self.socket is not None:
            self.socket.set_timeout(msecs)
        return self

    def _complete(self, trailers: list[tuple[bytes, bytes]]) -> None:
        """The whole message arrived: end the body.

        When nothing listens yet and nothing is buffered, only the end-of-stream state is
        recorded (no tick is spent on a ``'readable'`` nobody can hear); ``'end'`` still
        follows as soon as anyone reads, resumes or iterates.
        """
        self._trailer_pairs = trailers
        self.complete = True
        state = self._readable_state
        if not self._events and not state.length and state.flowing is None and not state.ended:
            state.ended = True
            state.reading = False
        else:
            self.push(None)

    def _retire(self) -> None:
        """The response ended: discard the unread body so the next request can be parsed.

        A message nobody observed (no listener, nothing buffered, already complete) is
        closed without events, since none could be heard; otherwise it is resumed, as
        Node's ``_dump`` does, and emits ``'end'`` and ``'close'``.
        """
        state = self._readable_state
        if state.end_emitted or state.destroyed:
            return
        if not self._events and state.ended and not state.length:
            state.end_emitted = True
            state.destroyed = True
            state.closed = True
            state.close_emitted = True
            return
        self.resume()

    def _read(self, size: int) -> None:
        resume = self._resume_source
        if resume is not None:
            resume()

    def _destroy(self, error: BaseException | None, callback: Callable[..., Any]) -> None:
        if not self.readable_ended or not self.complete:
            self.aborted = True
            self.emit("aborted")
        socket = self.socket
        if socket is not None and self.aborted and not self.complete and not socket.destroyed:
            socket.destroy(error)
        # Node's rule: the error is emitted only when someone listens for it.
        callback(error if self.listener_count("error") else None)
