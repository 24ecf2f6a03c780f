"""``ClientRequest``: an HTTP request being sent, as a Writable (Node's ``_http_client.js``).

Guarantees:

* the head goes out with the first body bytes, at ``end()`` or at ``flush_headers()``: a
  request ended with ``end(data)`` and nothing written before carries ``Content-Length``; one
  written piece by piece is chunked unless the caller set ``Content-Length`` (or
  ``Transfer-Encoding``); ``end()`` alone sends no body (``Content-Length: 0`` for the methods
  that usually carry one, as Node does);
* writes wait for the socket (the agent may hand it over later), then go straight to it;
  ``write()`` returns False while the socket is backed up and ``'drain'`` follows;
* the response is an :class:`~rillet.http.IncomingMessage` whose body streams with
  backpressure: when its buffer is full the socket stops reading until it is read again;
* a socket that may carry another request goes back to the agent as soon as both messages are
  complete (the unread part of the response stays buffered in the message); any other socket
  is closed;
* errors: a connection failure (``ECONNREFUSED``...), a socket closed before the response
  (``ECONNRESET``, ``'socket hang up'``), a response that cannot be parsed (``HPE_*``), an
  ``AbortError`` from ``signal``, each emitted once as ``'error'``, then ``'close'``; a
  connection lost in the middle of the response destroys the response (``'aborted'``,
  ``ECONNRESET`` ``'aborted'``) and the request emits ``'close'``.

Events: ``'socket'``, ``'response'`` ``(res)``, ``'information'`` ``(Information)`` for 1xx
(and ``'continue'`` for 100), ``'upgrade'``/``'connect'`` ``(res, socket, head)``,
``'timeout'``, ``'abort'``, ``'finish'``, ``'drain'``, ``'error'``, ``'close'``.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from rillet._core import AbortSignal, next_tick
from rillet.errors import RilletError, invalid_arg_type, new_error, out_of_range
from rillet.http._agent import Agent, global_agent
from rillet.http._headers import headers_dict, is_token, raw_header_list
from rillet.http._incoming import IncomingMessage
from rillet.http._outgoing import OutgoingMessage
from rillet.http._parser import HTTPParserError, ResponseHead, Trailers
from rillet.http._protocol import ClientConnection
from rillet.http._serialize import request_line
from rillet.net import Socket
from rillet.streams import WriteRequest, add_abort_signal

__all__ = ["ClientRequest", "Information", "url_to_http_options"]

Callback = Callable[..., Any]

# Node's useChunkedEncodingByDefault is false for these: end() alone sends no Content-Length.
_BODYLESS_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"})
# What a path may hold unescaped in a URL (RFC 3986 pchar, '/', '?', and escapes already made).
_PATH_SAFE = "/%!$&'()*+,;=:@?"


@dataclass(frozen=True)
class Information:
    """A 1xx interim response, as given to ``'information'`` listeners."""

    status_code: int
    status_message: str
    http_version: str
    http_version_major: int
    http_version_minor: int
    headers: dict[str, str | list[str]]
    raw_headers: list[str]


def url_to_http_options(url: str) -> dict[str, Any]:
    """Node's ``urlToHttpOptions``: ``protocol``, ``hostname``, ``port``, ``path`` (with the
    query, percent-encoded as a WHATWG URL would be), ``auth``. Raises ``ERR_INVALID_URL``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise new_error("ERR_INVALID_URL", cause=exc) from exc
    if not parts.scheme or (parts.scheme in ("http", "https") and not parts.hostname):
        raise new_error("ERR_INVALID_URL")
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_PATH_SAFE)
    options: dict[str, Any] = {
        "protocol": parts.scheme + ":",
        "hostname": parts.hostname or "",
        "path": path,
    }
    if port is not None:
        options["port"] = port
    if parts.username is not None or parts.password is not None:
        options["auth"] = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
    return options


def _hang_up() -> RilletError:
    return new_error("ECONNRESET", "socket hang up")


class ClientRequest(OutgoingMessage):
    """An outgoing request (see the module docstring). Made by :func:`rillet.http.request`,
    which takes the same arguments: a URL string and/or an options dict (Node's options in
    snake_case), and a ``'response'`` callback.

    Attributes: ``method``, ``path``, ``host``, ``protocol``, ``agent``, ``socket`` (once
    assigned), ``res``, ``reused_socket``, ``aborted``, ``should_keep_alive``,
    ``max_header_size``; the header methods of :class:`~rillet.http.OutgoingMessage`.

    Raises ``ERR_INVALID_URL``, ``ERR_INVALID_PROTOCOL``, ``ERR_UNESCAPED_CHARACTERS``,
    ``ERR_INVALID_HTTP_TOKEN``, ``ERR_INVALID_ARG_TYPE``, ``ERR_OUT_OF_RANGE`` for bad arguments.
    """

    def __init__(
        self,
        url_or_options: str | Mapping[str, Any] | None = None,
        options: Mapping[str, Any] | Callback | None = None,
        callback: Callback | None = None,
    ) -> None:
        # 'close' comes when the exchange is over (not at 'finish'): destroyed by hand.
        OutgoingMessage.__init__(self, auto_destroy=False)
        if callable(options):
            callback, options = options, None
        if isinstance(url_or_options, str):
            merged = url_to_http_options(url_or_options)
        elif url_or_options is None or isinstance(url_or_options, Mapping):
            merged = dict(url_or_options or {})
        else:
            raise invalid_arg_type("url", "a string or an options dict", url_or_options)
        merged.update(options or {})
        default_agent: Agent = merged.pop("_default_agent", None) or global_agent
        agent = merged.get("agent")
        if agent is False:
            agent = type(default_agent)()
        elif agent is None:
            if not callable(merged.get("create_connection")):
                agent = default_agent
        elif not callable(getattr(agent, "add_request", None)):
            raise invalid_arg_type("options.agent", "an Agent, None or False", agent)
        self.agent: Agent | None = agent
        protocol = merged.get("protocol") or default_agent.protocol
        expected = agent.protocol if agent is not None else default_agent.protocol
        path = str(merged.get("path") or "/")
        request_line("GET", path)  # ERR_UNESCAPED_CHARACTERS for a bad path
        if protocol != expected:
            raise new_error("ERR_INVALID_PROTOCOL", protocol, expected)
        default_port = merged.get("default_port") or (
            agent.default_port if agent is not None else default_agent.default_port
        )
        port = merged["port"] = merged.get("port") or default_port
        host = merged["host"] = merged.get("hostname") or merged.get("host") or "localhost"
        self.host: str = host
        self.protocol: str = protocol
        self.path = path
        self.socket_path: str | None = merged.get("socket_path")
        method = merged.get("method") or "GET"
        if not isinstance(method, str):
            raise invalid_arg_type("options.method", "of type string", method)
        if not is_token(method):
            raise new_error("ERR_INVALID_HTTP_TOKEN", "Method", method)
        self.method = method.upper()
        max_header_size = merged.get("max_header_size")
        if max_header_size is not None and (
            isinstance(max_header_size, bool)
            or not isinstance(max_header_size, int)
            or max_header_size < 0
        ):
            raise out_of_range("options.max_header_size", ">= 0", max_header_size)
        self.max_header_size: int | None = max_header_size
        timeout = merged.get("timeout")
        if timeout is not None and (
            isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0
        ):
            raise invalid_arg_type("options.timeout", "a non-negative number", timeout)
        self.timeout: float | None = timeout
        self.use_chunked_encoding_by_default = self.method not in _BODYLESS_METHODS
        self.res: IncomingMessage | None = None
        self.aborted = False
        self.reused_socket = False
        self.upgrade_or_connect = False
        self.socket: Socket | None = None
        # Node: keep-alive only where the agent may reuse the connection.
        self.should_keep_alive = agent is not None and (
            agent.keep_alive or math.isfinite(agent.max_sockets)
        )
        self._connection: ClientConnection | None = None
        self._waiting: list[Callable[[], None]] = []  # hooks waiting for the socket
        self._flush_pending = False
        self._body_paused = False
        self._response_done = False
        self._released = False  # the socket went back to the agent (or was handed over)
        self._socket_closed = False
        self._socket_errored = False
        self._eof = False
        self._on_destroyed: tuple[Callback, BaseException | None] | None = None
        if callback is not None:
            self.once("response", callback)
        self._set_headers(merged, host, port, default_port)
        signal = merged.get("signal")
        if signal is not None:
            if not isinstance(signal, AbortSignal):
                raise invalid_arg_type("options.signal", "an AbortSignal", signal)
            add_abort_signal(signal, self)
        self.once("finish", self._check_done)
        if self.has_header("expect"):
            self._flush_pending = True  # Expect: 100-continue: the head goes out at once
        connect_options = {k: v for k, v in merged.items() if k not in ("signal", "agent")}
        if agent is not None:
            agent.add_request(self, connect_options)
        else:
            self.should_keep_alive = False
            try:
                socket = merged["create_connection"](connect_options)
            except Exception as exc:
                self.on_socket(None, exc)
            else:
                self.on_socket(socket)

    def _set_headers(
        self, options: dict[str, Any], host: str, port: Any, default_port: Any
    ) -> None:
        headers = options.get("headers")
        if headers is not None and not isinstance(headers, Mapping):
            # Raw headers (a flat or paired list) are sent as given: no Host is added.
            self._merge_headers(headers)
            return
        for name, value in (headers or {}).items():
            self.set_header(name, value)
        if host and options.get("set_host", True) and not self.has_header("host"):
            host_header = f"[{host}]" if ":" in host and not host.startswith("[") else host
            if port and int(port) != int(default_port or 0):
                host_header += f":{port}"
            self.set_header("Host", host_header)
        auth = options.get("auth")
        if auth and not self.has_header("authorization"):
            token = base64.b64encode(str(auth).encode()).decode("ascii")
            self.set_header("Authorization", f"Basic {token}")

    # -- the socket ------------------------------------------------------------------

    def on_socket(self, socket: Socket | None, error: BaseException | None = None) -> None:
        """Node's ``onSocket``: the agent hands over ``socket`` (or the ``error`` that kept it
        from making one); it is taken on the next tick."""
        next_tick(self._take_socket, socket, error)

    def _take_socket(self, socket: Socket | None, error: BaseException | None) -> None:
        if self.destroyed or error is not None:
            if socket is not None:
                if error is None and self.agent is not None and not socket.destroyed:
                    socket.emit("free")  # unused: back to the agent
                else:
                    socket.destroy()
            if error is not None:
                self.destroy(error)
            return
        assert socket is not None
        self.socket = socket
        self._connection = ClientConnection(
            self,
            **({"max_header_size": self.max_header_size} if self.max_header_size else {}),
        )
        socket.set_data_handler(self._on_data, self._on_end)
        socket.on("error", self._on_socket_error)
        socket.on("close", self._on_socket_close)
        socket.on("timeout", self._on_socket_timeout)
        if self.timeout is not None:
            socket.set_timeout(self.timeout)
        self.emit("socket", socket)
        if self._flush_pending:
            self._flush_pending = False
            self.flush_headers()
        waiting, self._waiting = self._waiting, []
        for hook in waiting:
            hook()

    def _detach(self) -> None:
        """Stop listening to the socket (it goes back to the agent or to the user)."""
        socket = self.socket
        self._released = True
        if socket is None:
            return
        socket.remove_listener("error", self._on_socket_error)
        socket.remove_listener("close", self._on_socket_close)
        socket.remove_listener("timeout", self._on_socket_timeout)
        if self.timeout is not None:
            socket.set_timeout(0)
        if self._body_paused:
            self._body_paused = False
            socket.resume_reading()
        res = self.res
        if res is not None:
            res._resume_source = None

    def _send(self, data: bytes | list[bytes], callback: Callback | None) -> None:
        socket = self.socket
        assert socket is not None
        done = callback if callback is not None else _nop
        if socket.connecting or socket.writable_length or socket.writable_corked:
            # Behind what the socket already queued, in order.
            socket.write(b"".join(data) if isinstance(data, list) else data, done)
        else:
            socket._send(data, done)

    # -- the head ----------------------------------------------------------------------

    def _build_head(self, known_length: int | None, streaming: bool) -> bytes:
        connection = self._connection
        assert connection is not None
        if self.has_header("content-length") or self.has_header("transfer-encoding"):
            # The caller's framing header decides; the protocol only needs to know a body
            # may follow.
            known_length, streaming = None, True
        head = connection.start_request(
            self.method,
            self.path,
            self._header_items(),
            content_length=known_length,
            chunked=streaming and known_length is None,
            keep_alive=self.should_keep_alive,
        )
        self._header_sent = True
        return head

    def flush_headers(self) -> None:
        """Send the head now (once the socket is there), before any body: chunked for the
        methods that usually carry a body, unless a ``Content-Length`` was set."""
        if self._header_sent:
            return
        if self._connection is None:
            self._flush_pending = True
            return
        self._send(self._build_head(None, self.use_chunked_encoding_by_default), None)

    # -- the body ----------------------------------------------------------------------

    def _write(self, chunk: bytes, encoding: str, callback: Callback) -> None:
        if self._connection is None:
            self._waiting.append(lambda: self._write(chunk, encoding, callback))
            return
        self._body_started = True
        connection = self._connection
        try:
            if self._header_sent:
                data: bytes | list[bytes] = bytes(connection.send_body(chunk))
            else:
                if self._only_chunk:
                    head = self._build_head(len(chunk), False)
                else:
                    head = self._build_head(None, True)
                data = [head, bytes(connection.send_body(chunk))]
        except Exception as exc:
            callback(exc)
            return
        self._send(data, callback)

    def _writev(self, chunks: list[WriteRequest], callback: Callback) -> None:
        if self._connection is None:
            self._waiting.append(lambda: self._writev(chunks, callback))
            return
        self._body_started = True
        self._send_batch(chunks, callback)

    def _pending_head(self) -> bytes | None:
        return None if self._header_sent else self._build_head(None, True)

    def _frame(self, chunk: bytes) -> bytes | bytearray | memoryview:
        connection = self._connection
        assert connection is not None
        return connection.send_body(chunk)

    def _final(self, callback: Callback) -> None:
        connection = self._connection
        if connection is None:
            self._waiting.append(lambda: self._final(callback))
            return
        try:
            head = b""
            if not self._header_sent:
                default_length = 0 if self.use_chunked_encoding_by_default else None
                head = self._build_head(default_length, False)
            data = head + connection.end_request()
        except Exception as exc:
            callback(exc)
            return
        if data:
            self._send(data, callback)
        else:
            callback()

    # -- the response (the protocol's sink) ----------------------------------------------

    def _on_data(self, data: bytes) -> None:
        connection = self._connection
        if self._released or connection is None:
            # Bytes on a connection that has nothing outstanding: it cannot be trusted.
            if self.socket is not None:
                self.socket.destroy()
            return
        connection.receive_data(data)

    def _on_end(self) -> None:
        self._eof = True
        socket = self.socket
        if self.res is None:
            self.destroy(_hang_up())
            return
        assert self._connection is not None
        self._connection.receive_eof()  # a close-delimited body ends here
        if socket is not None:
            socket.destroy()

    def on_information(self, head: ResponseHead) -> None:
        version = head.http_version
        major, _, minor = version.partition(".")
        if head.status_code == 100:
            self.emit("continue")
        self.emit(
            "information",
            Information(
                head.status_code,
                head.reason,
                version,
                int(major),
                int(minor or 0),
                headers_dict(head.headers),
                raw_header_list(head.headers),
            ),
        )

    def _message(self, head: ResponseHead) -> IncomingMessage:
        res = IncomingMessage(self.socket, head.headers)
        res.status_code = head.status_code
        res.status_message = head.reason
        res.http_version = head.http_version
        self.res = res
        return res

    def on_response(self, head: ResponseHead) -> None:
        if self.res is not None:
            # A second response to one request: the connection cannot be trusted.
            if self.socket is not None:
                self.socket.destroy()
            return
        res = self._message(head)
        res._resume_source = self._resume_body
        res.once("end", self._maybe_close)
        res.once("close", self._maybe_close)
        if self.aborted or not self.emit("response", res):
            res.resume()  # nobody will read it: discard the body (Node's _dump)

    def on_body(self, data: bytes) -> None:
        res = self.res
        if res is None or res.destroyed:
            return
        if not res.push(data) and not self._body_paused and self.socket is not None:
            self._body_paused = True
            self.socket.pause_reading()

    def _resume_body(self) -> None:
        if self._body_paused and not self._released and self.socket is not None:
            self._body_paused = False
            self.socket.resume_reading()

    def on_message_complete(self, trailers: Trailers) -> None:
        self._response_done = True
        res = self.res
        if res is not None:
            res._complete(list(trailers))
        self._check_done()

    def on_upgrade(self, head: ResponseHead, rest: bytes) -> None:
        res = self._message(head)
        res.upgrade = True
        res._complete([])
        socket = self.socket
        assert socket is not None
        self._detach()
        socket.set_data_handler(None)  # the bytes are the new protocol's: a plain socket
        socket.emit("agentRemove")
        event = "connect" if self.method == "CONNECT" else "upgrade"
        if self.listener_count(event):
            self.upgrade_or_connect = True
            self.emit(event, res, socket, rest)
        else:
            socket.destroy()
        self.destroy()

    def on_error(self, error: HTTPParserError) -> None:
        if self._eof and self.res is not None:
            return  # cut short by the peer's close: the response is aborted at 'close'
        self._socket_errored = True
        self.destroy(error)

    # -- the end of the exchange ------------------------------------------------------------

    def _check_done(self, *_: Any) -> None:
        """Both messages complete: the socket goes back to the agent, or is closed."""
        if not (self._response_done and self._writable_state.finished) or self._released:
            return
        socket = self.socket
        connection = self._connection
        if socket is None or connection is None or socket.destroyed:
            return
        if connection.reusable and self.agent is not None and self.should_keep_alive:
            self._detach()
            # On the next tick, as Node's emitFreeNT: 'end' listeners run first.
            next_tick(socket.emit, "free")
            self._maybe_close()
        else:
            socket.destroy_soon()

    def _maybe_close(self, *_: Any) -> None:
        """``'close'`` once the socket is released and the response has ended."""
        res = self.res
        if not self._released or self.destroyed:
            return
        if res is None or res.readable_ended or res.destroyed:
            self.destroy()

    def _on_socket_error(self, error: BaseException) -> None:
        self._socket_errored = True
        if not self.destroyed:
            self.destroy(error)

    def _on_socket_close(self, *_: Any) -> None:
        self._socket_closed = True
        res = self.res
        if res is not None and not res.complete and not res.destroyed:
            res.destroy(new_error("ECONNRESET", "aborted"))
        pending, self._on_destroyed = self._on_destroyed, None
        if pending is not None:
            callback, error = pending
            callback(error)
        elif not self.destroyed:
            self.destroy(None if res is not None or self._socket_errored else _hang_up())

    def _on_socket_timeout(self, *_: Any) -> None:
        res = self.res
        if res is not None and not res.complete:
            res.emit("timeout")
        self.emit("timeout")

    def _destroy(self, error: BaseException | None, callback: Callback) -> None:
        if (
            error is None
            and self.res is None
            and not self._released
            and not (self.aborted and self.socket is None)
        ):
            error = _hang_up()
        agent = self.agent
        if agent is not None and self.socket is None:
            agent._remove_request(self)
        socket = self.socket
        if socket is not None and not self._released and not self._socket_closed:
            # 'error' and 'close' wait for the socket to be gone (Node's order).
            self._on_destroyed = (callback, error)
            socket.destroy()
            return
        callback(error)

    # -- Node's other methods -------------------------------------------------------------

    def abort(self) -> None:
        """Deprecated in Node: destroy the request, emitting ``'abort'`` first."""
        if self.aborted:
            return
        self.aborted = True
        next_tick(self.emit, "abort")
        self.destroy()

    def set_timeout(self, msecs: float, callback: Callback | None = None) -> ClientRequest:
        """Emit ``'timeout'`` after ``msecs`` ms of socket inactivity (0: never). As in Node,
        the request is not ended: a listener decides (``req.destroy()``)."""
        if self._response_done:
            return self
        if isinstance(msecs, bool) or not isinstance(msecs, int | float):
            raise invalid_arg_type("msecs", "of type number", msecs)
        if msecs < 0 or not math.isfinite(msecs):
            raise out_of_range("msecs", "a non-negative finite number", msecs)
        if callback is not None:
            self.once("timeout", callback)
        self.timeout = msecs
        if self.socket is not None and not self._released:
            self.socket.set_timeout(msecs)
        return self

    def set_no_delay(self, no_delay: bool = True) -> None:
        """``socket.set_no_delay``, now or once the socket is assigned."""
        self._on_socket_do(lambda socket: socket.set_no_delay(no_delay))

    def set_socket_keep_alive(self, enable: bool = False, initial_delay: float = 0) -> None:
        """``socket.set_keep_alive``, now or once the socket is assigned."""
        self._on_socket_do(lambda socket: socket.set_keep_alive(enable, initial_delay))

    def _on_socket_do(self, action: Callable[[Socket], Any]) -> None:
        if self.socket is not None:
            action(self.socket)
        else:
            self.once("socket", action)

    @property
    def connection(self) -> Socket | None:
        """The same as :attr:`socket` (Node's deprecated alias)."""
        return self.socket

    @property
    def finished(self) -> bool:
        """Whether ``end()`` was called (Node's ``req.finished``)."""
        return self._writable_state.ending


def _nop(*_: Any) -> None:
    pass
