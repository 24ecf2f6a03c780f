"""``fetch``: the Fetch standard's client over rillet's HTTP client (Node's global ``fetch``)::

    response = await fetch("http://127.0.0.1:8000/large-data")
    reader = response.body.get_reader()
    while True:
        result = await reader.read()
        if result.done:
            break
        print("Chunk:", result.value)

Guarantees:

* ``fetch()`` returns an ``asyncio.Future`` and the request starts within the call; every
  failure rejects it (never raised at the call): a network failure as a TypeError
  ``'fetch failed'`` (code ``ERR_FETCH_FAILED``) whose ``cause`` is the reason
  (``ECONNREFUSED``...), an aborted ``signal`` with the signal's reason;
* the response body is a :class:`~rillet.web.ReadableStream` of ``memoryview`` chunks read from
  the socket only as the reader pulls (its queue holds at most 16 KiB, the socket stops
  reading beyond), decoded when the server sent ``Content-Encoding`` gzip, deflate or br;
* a request body may be ``bytes``, ``str`` (UTF-8, ``text/plain;charset=UTF-8``), a
  ``ReadableStream`` or an (async) iterable of byte chunks, streamed with backpressure
  (chunked);
* redirects are followed (at most 20) with the standard's rules (303, and 301/302 after
  POST, become GET without a body; credentials are not sent to another origin), refused with
  ``redirect='error'``, handed back as they are with ``redirect='manual'``.
"""

from __future__ import annotations

import asyncio
import builtins
import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urljoin

from rillet._core import AbortSignal, Event
from rillet.errors import RilletError, invalid_arg_value, new_error
from rillet.http._client import request as http_request
from rillet.http._client_request import ClientRequest, url_to_http_options
from rillet.http._fetch_headers import Headers, HeadersInit
from rillet.http._incoming import IncomingMessage
from rillet.streams import Readable, Transform
from rillet.web import ReadableStream

__all__ = ["Response", "fetch"]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NULL_BODY = frozenset({101, 103, 204, 205, 304})
_MAX_REDIRECTS = 20
# Request headers that describe a body: dropped when a redirect turns the request into a GET.
_BODY_HEADERS = ("content-encoding", "content-language", "content-location", "content-type")
# Request headers that are not sent to another origin after a redirect.
_CREDENTIALS = ("authorization", "cookie", "proxy-authorization", "host")
_DEFAULT_HEADERS = (
    ("accept", "*/*"),
    ("accept-encoding", "gzip, deflate"),
    ("user-agent", "rillet"),
)

Body = bytes | bytearray | memoryview | str | ReadableStream | Iterable[Any] | Any


def _failed(cause: BaseException | str) -> RilletError:
    reason = cause if isinstance(cause, BaseException) else new_error("ERR_INVALID_STATE", cause)
    return new_error("ERR_FETCH_FAILED", cause=reason)


class Response:
    """A fetch response: ``status``, ``status_text``, ``ok`` (2xx), ``headers``
    (:class:`Headers`), ``url`` (after redirects), ``redirected``, ``type``, ``body`` (a
    ``ReadableStream``, or None for a response that has none), ``body_used``; read the body
    once with ``text()``, ``json()``, ``bytes()`` or ``array_buffer()`` (both ``bytes``).

    ``Response(body=None, *, status=200, status_text='', headers=None)`` makes one by hand
    (``body``: ``bytes``, ``str`` or a ``ReadableStream``).
    """

    def __init__(
        self,
        body: bytes | str | ReadableStream | None = None,
        *,
        status: int = 200,
        status_text: str = "",
        headers: HeadersInit | None = None,
    ) -> None:
        if not 200 <= status <= 599:
            raise new_error("ERR_HTTP_INVALID_STATUS_CODE", status)
        self.status = status
        self.status_text = status_text
        self.headers = Headers(headers)
        self.url = ""
        self.redirected = False
        self.type = "default"
        if isinstance(body, str):
            body = body.encode()
            if "content-type" not in self.headers:
                self.headers.set("content-type", "text/plain;charset=UTF-8")
        if isinstance(body, bytes):
            body = ReadableStream.from_([memoryview(body)] if body else [])
        self._body: ReadableStream | None = body
        self._used = False

    @property
    def ok(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status <= 299

    @property
    def body(self) -> ReadableStream | None:
        """The body as a stream of ``memoryview`` chunks (None for a bodyless response)."""
        return self._body

    @property
    def body_used(self) -> bool:
        """Whether the body has been read (or its stream is locked to a reader)."""
        body = self._body
        return self._used or (body is not None and body.locked)

    async def bytes(self) -> builtins.bytes:
        """The whole body. Raises TypeError when it was already read."""
        body = self._body
        if self.body_used:
            raise TypeError("Body is unusable: Body has already been read")
        self._used = True
        if body is None:
            return b""
        return b"".join([builtins.bytes(chunk) async for chunk in body])

    async def array_buffer(self) -> builtins.bytes:
        """The whole body (JavaScript's ArrayBuffer is Python's ``bytes``)."""
        return await self.bytes()

    async def text(self) -> str:
        """The body decoded as UTF-8 (a BOM dropped, bad bytes replaced)."""
        return (await self.bytes()).decode("utf-8-sig", errors="replace")

    async def json(self) -> Any:
        """The body parsed as JSON. Raises ``json.JSONDecodeError`` (a ValueError)."""
        return json.loads(await self.text())

    def __repr__(self) -> str:
        return f"<Response [{self.status} {self.status_text}] {self.url}>"


class _Fetch:
    """One fetch: its requests (redirects included) and the abort handling."""

    def __init__(
        self,
        url: str,
        method: str,
        headers: HeadersInit | None,
        body: Body,
        signal: AbortSignal | None,
        redirect: str,
    ) -> None:
        if redirect not in ("follow", "error", "manual"):
            raise invalid_arg_value("redirect", redirect)
        self.url = url
        self.method = method.upper()
        self.headers = Headers(headers)
        self.signal = signal
        self.redirect = redirect
        self.redirected = False
        self.req: ClientRequest | None = None
        self.res: IncomingMessage | None = None
        self.outcome: asyncio.Future[IncomingMessage] | None = None
        # One bound method: the signal removes listeners by identity.
        self.abort_listener = self.on_abort
        if body is not None and self.method in ("GET", "HEAD"):
            raise TypeError("Request with GET/HEAD method cannot have body.")
        if isinstance(body, str):
            body = body.encode()
            if not self.headers.has("content-type"):
                self.headers.set("content-type", "text/plain;charset=UTF-8")
        elif isinstance(body, bytearray | memoryview):
            body = bytes(body)
        self.body = body
        for name, value in _DEFAULT_HEADERS:
            if not self.headers.has(name):
                self.headers.set(name, value)

    # -- one exchange ----------------------------------------------------------------

    def send(self) -> asyncio.Future[IncomingMessage]:
        """Start a request to :attr:`url`; the Future gets its response or the failure."""
        loop = asyncio.get_running_loop()
        outcome: asyncio.Future[IncomingMessage] = loop.create_future()
        self.outcome = outcome
        options = url_to_http_options(self.url)
        protocol = options["protocol"]
        if protocol == "https:":
            from rillet.https import request as make_request
        elif protocol == "http:":
            make_request = http_request
        else:
            raise _failed(new_error("ERR_INVALID_PROTOCOL", protocol, "http: or https:"))
        headers: list[tuple[str, str]] = self.headers.raw_items()
        if not self.headers.has("host"):
            headers.insert(0, ("host", _host_header(options)))
        options.update(method=self.method, headers=headers)
        req = make_request(options)
        self.req = req

        def on_response(res: IncomingMessage) -> None:
            if not outcome.done():
                outcome.set_result(res)

        def on_error(error: BaseException) -> None:
            # After the response, the body stream reports what goes wrong.
            if not outcome.done():
                outcome.set_exception(_failed(error))

        req.once("response", on_response)
        req.on("error", on_error)
        self._send_body(req)
        return outcome

    def _send_body(self, req: ClientRequest) -> None:
        body = self.body
        if body is None:
            req.end()
            return
        if isinstance(body, bytes):
            req.end(body)
            return
        if isinstance(body, ReadableStream):
            source = Readable.from_web(body)
        elif hasattr(body, "__aiter__") or isinstance(body, Iterable):
            source = Readable.from_(body)
        else:
            req.destroy(TypeError(f"fetch cannot send a body of type {type(body).__name__}"))
            return
        self.body = _SENT  # a stream is read once: a redirect cannot send it again
        source.on("error", req.destroy)
        source.pipe(req)

    # -- the whole fetch ------------------------------------------------------------------

    def on_abort(self, _event: Event | None = None) -> None:
        assert self.signal is not None
        reason = self.signal.reason
        error = reason if isinstance(reason, BaseException) else new_error("ABORT_ERR")
        outcome = self.outcome
        if outcome is not None and not outcome.done():
            outcome.set_exception(error)
        if self.res is not None and not self.res.destroyed:
            self.res.destroy(error)  # the body stream errors with the reason
        if self.req is not None:
            self.req.destroy()

    async def run(self, first: asyncio.Future[IncomingMessage]) -> Response:
        signal = self.signal
        try:
            outcome = first
            redirects = 0
            while True:
                res = await outcome
                self.res = res
                location = res.headers.get("location")
                if (
                    res.status_code not in _REDIRECTS
                    or self.redirect == "manual"
                    or not isinstance(location, str)
                ):
                    return self._response(res)
                res.resume()  # discard the body: the connection can serve the next request
                if self.redirect == "error":
                    raise _failed("unexpected redirect")
                if redirects == _MAX_REDIRECTS:
                    raise _failed("redirect count exceeded")
                redirects += 1
                self._follow(res.status_code, location)
                self.res = None
                outcome = self.send()
        except BaseException:
            pending = self.outcome
            if pending is not None and not pending.done():
                pending.cancel()  # nobody waits for it any more
            if self.req is not None:
                self.req.destroy()
            if signal is not None:
                signal.remove_event_listener("abort", self.abort_listener)
            raise

    def _follow(self, status: int, location: str) -> None:
        target = urljoin(self.url, location)
        if _origin(target) != _origin(self.url):
            for name in _CREDENTIALS:
                self.headers.delete(name)
        self.url = target
        self.redirected = True
        if (status == 303 and self.method != "HEAD") or (
            status in (301, 302) and self.method == "POST"
        ):
            self.method = "GET"
            self.body = None
            for name in _BODY_HEADERS:
                self.headers.delete(name)
        elif self.body is _SENT:
            raise _failed("a streamed request body cannot be sent again after a redirect")

    def _response(self, res: IncomingMessage) -> Response:
        response = Response(status=200)
        status = res.status_code or 0
        response.status = status
        response.status_text = res.status_message or ""
        response.headers = Headers([(name, value) for name, value in _pairs(res.raw_headers)])
        response.url = self.url
        response.redirected = self.redirected
        response.type = "basic"
        if self.method == "HEAD" or status in _NULL_BODY:
            res.resume()
            response._body = None
            self._done()
        else:
            res.once("close", self._done)
            response._body = Readable.to_web(_decoded(res))
        return response

    def _done(self, *_: Any) -> None:
        if self.signal is not None:
            self.signal.remove_event_listener("abort", self.abort_listener)


_SENT = object()


def _pairs(raw: list[str]) -> Iterable[tuple[str, str]]:
    return zip(raw[::2], raw[1::2], strict=True)


def _origin(url: str) -> tuple[str, str, Any]:
    options = url_to_http_options(url)
    return options["protocol"], options["hostname"], options.get("port")


def _host_header(options: dict[str, Any]) -> str:
    hostname = options["hostname"]
    host = f"[{hostname}]" if ":" in hostname else hostname
    return f"{host}:{options['port']}" if "port" in options else host


def _decoded(res: IncomingMessage) -> Readable:
    """``res``, or ``res`` piped through the decoders its ``Content-Encoding`` names."""
    value = res.headers.get("content-encoding")
    if not isinstance(value, str):
        return res
    codings = [coding.strip().lower() for coding in value.split(",") if coding.strip()]
    from rillet import zlib

    makers: dict[str, Callable[[], Transform]] = {
        "gzip": zlib.create_unzip,
        "x-gzip": zlib.create_unzip,
        "deflate": zlib.create_unzip,
        "br": zlib.create_brotli_decompress,
    }
    if not codings or any(coding not in makers for coding in codings):
        return res  # an encoding we cannot undo: the bytes as they came
    stream: Readable = res
    for coding in reversed(codings):
        decoder = makers[coding]()
        stream.on("error", decoder.destroy)
        stream = stream.pipe(decoder)
    return stream


def fetch(
    resource: str,
    *,
    method: str = "GET",
    headers: HeadersInit | None = None,
    body: Body = None,
    signal: AbortSignal | None = None,
    redirect: str = "follow",
) -> asyncio.Future[Response]:
    """Fetch ``resource`` (an ``http:`` or ``https:`` URL): a Future of the
    :class:`Response`, resolved once its head has arrived. See the module docstring."""
    loop = asyncio.get_running_loop()
    try:
        if signal is not None:
            signal.throw_if_aborted()
        state = _Fetch(str(resource), method, headers, body, signal, redirect)
        first = state.send()
    except BaseException as exc:
        failed: asyncio.Future[Response] = loop.create_future()
        failed.set_exception(exc)
        return failed
    if signal is not None:
        signal.add_event_listener("abort", state.abort_listener, once=True)
    return asyncio.ensure_future(state.run(first))
