"""``request`` and ``get``: Node's ``http.request``/``http.get``::

    req = http.request("http://127.0.0.1:8000/upload", {"method": "POST"})
    req.on("response", lambda res: res.pipe(sink))
    req.end(b"payload")

    res, = await rillet.once(http.get("http://127.0.0.1:8000/"), "response")

Options may also be given as keywords: ``http.request(url, method="POST")``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypedDict, Unpack

from rillet._core import AbortSignal
from rillet.http._agent import Agent
from rillet.http._client_request import ClientRequest
from rillet.http._outgoing import HeaderValue

__all__ = ["RequestOptions", "get", "request"]

Callback = Callable[..., Any]


class RequestOptions(TypedDict, total=False):
    """Node's request options in snake_case (``rillet.https`` adds the TLS ones)."""

    protocol: str
    host: str
    hostname: str
    family: int
    port: int | str
    local_address: str
    local_port: int
    socket_path: str
    method: str
    path: str
    headers: Mapping[str, HeaderValue] | list[Any]
    auth: str
    agent: Agent | bool | None
    default_port: int
    timeout: float
    signal: AbortSignal
    set_host: bool
    max_header_size: int
    create_connection: Callable[[dict[str, Any]], Any]
    # TLS, for rillet.https
    ca: Any
    cert: Any
    key: Any
    passphrase: str
    reject_unauthorized: bool
    servername: str
    # the agent used when ``agent`` is None (rillet.https passes its own)
    _default_agent: Agent


def request(
    url_or_options: str | Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | Callback | None = None,
    callback: Callback | None = None,
    **keywords: Unpack[RequestOptions],
) -> ClientRequest:
    """A new :class:`ClientRequest` to a URL string and/or Node's ``options`` (a dict, or
    the same names as keywords); ``callback`` listens for ``'response'``. Write the body and
    call ``end()``; see :class:`ClientRequest` for the events and what is raised."""
    if callable(options):
        callback, options = options, None
    merged = {**(options or {}), **keywords}
    return ClientRequest(url_or_options, merged, callback)


def get(
    url_or_options: str | Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | Callback | None = None,
    callback: Callback | None = None,
    **keywords: Unpack[RequestOptions],
) -> ClientRequest:
    """:func:`request` with ``end()`` already called (the method defaults to GET)."""
    req = request(url_or_options, options, callback, **keywords)
    req.end()
    return req
