"""The HTTPS agent, server factory and request functions (Node's ``https.js``)."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from typing import Any, Unpack

from rillet.http import Agent as HttpAgent
from rillet.http import AgentOptions, ClientRequest, RequestOptions, Server
from rillet.http import get as http_get
from rillet.http import request as http_request
from rillet.https._tls import client_context, server_context

__all__ = ["Agent", "Server", "create_server", "get", "global_agent", "request"]

Callback = Callable[..., Any]

# The options that make a TLS connection different, so never shared from the pool.
_CONTEXT_KEYS = ("ca", "cert", "key", "passphrase", "reject_unauthorized")
_SERVER_TLS_KEYS = ("cert", "key", "ca", "passphrase", "request_cert", "reject_unauthorized")


def _frozen(value: Any) -> Any:
    return tuple(map(_frozen, value)) if isinstance(value, list | tuple) else value


class Agent(HttpAgent):
    """An :class:`rillet.http.Agent` whose connections use TLS. A request's ``ca``, ``cert``,
    ``key``, ``passphrase``, ``reject_unauthorized`` and ``servername`` are part of the pool
    key; the TLS context made from them is kept for the next connection."""

    default_port = 443
    protocol = "https:"

    def __init__(self, **options: Unpack[AgentOptions]) -> None:
        HttpAgent.__init__(self, **options)
        self._contexts: dict[tuple[Any, ...], ssl.SSLContext] = {}

    def get_name(self, options: dict[str, Any]) -> str:
        name = HttpAgent.get_name(self, options)
        for key in (*_CONTEXT_KEYS, "servername"):
            value = options.get(key)
            name += f":{_frozen(value)!r}" if value is not None else ":"
        return name

    def _connect_keywords(self, options: dict[str, Any]) -> dict[str, Any]:
        key = tuple(_frozen(options.get(name)) for name in _CONTEXT_KEYS)
        context = self._contexts.get(key)
        if context is None:
            context = self._contexts[key] = client_context(options)
        hostname = options.get("servername") or options.get("host") or "localhost"
        return {"ssl": context, "server_hostname": hostname}


#: The agent HTTPS requests use unless given another (keep-alive, as Node 19+'s).
global_agent = Agent(keep_alive=True, scheduling="lifo", timeout=5000)


def create_server(
    options: Mapping[str, Any] | Callback | None = None,
    request_listener: Callback | None = None,
    **keywords: Any,
) -> Server:
    """An :class:`rillet.http.Server` over TLS. ``options`` (or keywords): ``cert`` and
    ``key`` (PEM text or paths), ``passphrase``, ``ca``, ``request_cert``,
    ``reject_unauthorized``, and any :func:`rillet.http.create_server` option.

    Raises ``TypeError`` without ``cert``/``key``, ``ssl.SSLError``/``OSError`` when they
    cannot be loaded."""
    if callable(options):
        request_listener, options = options, None
    merged = {**(options or {}), **keywords}
    tls = {key: merged.pop(key) for key in _SERVER_TLS_KEYS if key in merged}
    return Server(request_listener, ssl=server_context(tls), **merged)


def request(
    url_or_options: str | Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | Callback | None = None,
    callback: Callback | None = None,
    **keywords: Unpack[RequestOptions],
) -> ClientRequest:
    """:func:`rillet.http.request` over TLS (the default agent is :data:`global_agent`)."""
    keywords["_default_agent"] = global_agent
    return http_request(url_or_options, options, callback, **keywords)


def get(
    url_or_options: str | Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | Callback | None = None,
    callback: Callback | None = None,
    **keywords: Unpack[RequestOptions],
) -> ClientRequest:
    """:func:`request` with ``end()`` already called."""
    keywords["_default_agent"] = global_agent
    return http_get(url_or_options, options, callback, **keywords)
