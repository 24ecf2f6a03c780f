"""``OutgoingMessage``: the header handling a server response and a client request share
(Node's ``_http_outgoing.js``).

Header names keep the case they were set with and are looked up case-insensitively.
``set_header`` validates at once: a bad name raises ``ERR_INVALID_HTTP_TOKEN``, a value
holding CR, LF or NUL ``ERR_INVALID_CHAR`` (so no header can be injected), None
``ERR_HTTP_INVALID_HEADER_VALUE``; once the head is sent, changing headers raises
``ERR_HTTP_HEADERS_SENT``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from rillet.errors import new_error
from rillet.http._headers import validate_header_name, validate_header_value
from rillet.streams import Writable, WriteRequest

__all__ = ["HeaderValue", "OutgoingMessage"]

HeaderValue = str | int | list[str] | tuple[str, ...]
Callback = Callable[..., Any]


class OutgoingMessage(Writable):
    """A Writable carrying an HTTP head: the header methods of Node's ``OutgoingMessage``."""

    def __init__(self, **options: Any) -> None:
        Writable.__init__(self, **options)
        # lower-case name -> (name as set, value)
        self._header_map: dict[str, tuple[str, HeaderValue]] = {}
        self._header_sent = False
        # end(data) with nothing written before: the whole body, sent with the head.
        self._only_chunk = False
        self._body_started = False

    def end(
        self,
        chunk: Any = None,
        encoding: str | Callable[..., Any] | None = None,
        callback: Callable[..., Any] | None = None,
    ) -> OutgoingMessage:
        """Finish the message (with ``chunk`` as its last bytes). A chunk given here with
        nothing written before is the whole body: it leaves with the head, in one write,
        framed by Content-Length."""
        state = self._writable_state
        if (
            chunk is not None
            and not callable(chunk)
            and not self._header_sent
            and not self._body_started
            and not state.ending
            and state.length == 0
        ):
            self._only_chunk = True
        Writable.end(self, chunk, encoding, callback)
        return self

    def _check_unsent(self, action: str) -> None:
        if self._header_sent:
            raise new_error("ERR_HTTP_HEADERS_SENT", action)

    def set_header(self, name: str, value: HeaderValue) -> OutgoingMessage:
        """Set one header (replacing an earlier value); returns ``self``."""
        self._check_unsent("set")
        validate_header_name(name)
        validate_header_value(name, value)
        self._header_map[name.lower()] = (name, value)
        return self

    def set_headers(self, headers: Mapping[str, HeaderValue]) -> OutgoingMessage:
        """Set several headers at once."""
        for name, value in headers.items():
            self.set_header(name, value)
        return self

    def append_header(self, name: str, value: HeaderValue) -> OutgoingMessage:
        """Add a value to a header, keeping the earlier ones (repeated header lines)."""
        self._check_unsent("append")
        validate_header_name(name)
        validate_header_value(name, value)
        key = name.lower()
        existing = self._header_map.get(key)
        added = list(value) if isinstance(value, list | tuple) else [str(value)]
        if existing is None:
            self._header_map[key] = (name, added if len(added) > 1 else added[0])
        else:
            old = existing[1]
            values = list(old) if isinstance(old, list | tuple) else [str(old)]
            self._header_map[key] = (existing[0], values + added)
        return self

    def get_header(self, name: str) -> HeaderValue | None:
        """The value set for ``name`` (any case), or None."""
        entry = self._header_map.get(name.lower())
        return entry[1] if entry is not None else None

    def get_headers(self) -> dict[str, HeaderValue]:
        """Every header set so far, by lower-case name."""
        return {key: value for key, (_, value) in self._header_map.items()}

    def get_header_names(self) -> list[str]:
        """The lower-case names of the headers set so far."""
        return list(self._header_map)

    def get_raw_header_names(self) -> list[str]:
        """The names of the headers set so far, in the case they were set with."""
        return [name for name, _ in self._header_map.values()]

    def has_header(self, name: str) -> bool:
        """Whether ``name`` (any case) is set."""
        return name.lower() in self._header_map

    def remove_header(self, name: str) -> None:
        """Unset ``name``."""
        self._check_unsent("remove")
        self._header_map.pop(name.lower(), None)

    @property
    def headers_sent(self) -> bool:
        """True once the head is fixed (sent, or built by ``write_head``)."""
        return self._header_sent

    def _merge_headers(self, headers: Mapping[str, HeaderValue] | Iterable[Any]) -> None:
        """Merge ``write_head``-style headers: a mapping, or a flat or paired list."""
        if isinstance(headers, Mapping):
            for name, value in headers.items():
                self.set_header(name, value)
            return
        items = list(headers)
        if items and isinstance(items[0], list | tuple):
            for name, value in items:
                self.append_header(name, value)
            return
        if len(items) % 2:
            raise new_error("ERR_INVALID_ARG_VALUE", "argument", "headers", repr(items))
        for index in range(0, len(items), 2):
            self.append_header(items[index], items[index + 1])

    def _header_items(self) -> list[tuple[str, HeaderValue]]:
        return list(self._header_map.values())

    # -- the body, framed alike by both sides --------------------------------------------

    def _send_batch(self, chunks: list[WriteRequest], callback: Callback) -> None:
        """Send the head if it has not left yet and every chunk framed for the wire, in
        one write; an error building them goes to ``callback``. The subclass's
        ``_writev`` calls it once its connection is there."""
        parts: list[bytes] = []
        try:
            head = self._pending_head()
            if head is not None:
                parts.append(head)
            frame = self._frame
            for request in chunks:
                framed = frame(request.chunk)
                if framed:
                    parts.append(bytes(framed))
        except Exception as exc:
            callback(exc)
            return
        self._send(parts, callback)

    def _pending_head(self) -> bytes | None:
        """The serialised head if it is still to be sent, else None (builds it)."""
        raise NotImplementedError

    def _frame(self, chunk: bytes) -> bytes | bytearray | memoryview:
        """``chunk`` framed for the connection (a chunk of chunked coding, or as is)."""
        raise NotImplementedError

    def _send(self, data: bytes | list[bytes], callback: Callback | None) -> None:
        """Hand bytes to the connection, in order; ``callback`` once they are taken."""
        raise NotImplementedError
