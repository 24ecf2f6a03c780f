"""Addresses: Node's ``{'address', 'family', 'port'}`` dicts, and bound listening sockets.

rillet binds listening sockets itself, then hands them to the loop, so that ``listen``
behaves as Node's does rather than as ``loop.create_server(host, port)``: one address
per server (the first the name resolves to), ``host=None`` meaning one dual-stack
``::`` socket (``0.0.0.0`` where IPv6 is missing), and a Unix path that already exists
failing with ``EADDRINUSE`` instead of being removed.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from rillet.net._errors import address_error, lookup_error

__all__ = ["address_info", "family_name", "tcp_listener", "unix_listener"]


def family_name(host: str) -> str:
    """``'IPv6'`` for an IPv6 address, else ``'IPv4'``."""
    return "IPv6" if ":" in host else "IPv4"


def address_info(sockname: Any) -> dict[str, Any]:
    """Node's address dict for a socket name; ``{}`` for a Unix socket's."""
    if isinstance(sockname, tuple):
        host, port = sockname[0], sockname[1]
        return {"address": host, "family": family_name(host), "port": port}
    return {}


def _bound(family: int, sockaddr: Any, dual_stack: bool) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if family != socket.AF_UNIX:
            # libuv sets SO_REUSEADDR on every TCP bind: a restarted server can reuse its
            # port while old connections sit in TIME_WAIT.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0 if dual_stack else 1)
        sock.bind(sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


async def tcp_listener(host: str | None, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (not yet listening).

    Raises Node's system error (``EADDRINUSE``, ``EACCES``, ``EADDRNOTAVAIL``, syscall
    ``'listen'``) when the bind fails, ``ENOTFOUND`` when ``host`` does not resolve.
    """
    if host is None:
        try:
            return _bound(socket.AF_INET6, ("::", port), True)
        except OSError:
            # Node falls back to IPv4 when the IPv6 wildcard cannot be bound.
            host = "0.0.0.0"
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise lookup_error(exc, host) from None
    family, _, _, _, sockaddr = infos[0]
    try:
        return _bound(family, sockaddr, False)
    except OSError as exc:
        raise address_error(exc, "listen", str(sockaddr[0]), port, described=True) from None


def unix_listener(path: str) -> socket.socket:
    """A Unix stream socket bound to ``path``; ``EADDRINUSE`` if the path exists."""
    try:
        return _bound(socket.AF_UNIX, path, False)
    except OSError as exc:
        raise address_error(exc, "listen", path, None, described=True) from None
