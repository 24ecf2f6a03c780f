"""Node's system errors for sockets, with Node's messages.

``connect ECONNREFUSED 127.0.0.1:4000`` (Node's ``exceptionWithHostPort``),
``listen EADDRINUSE: address already in use 127.0.0.1:4000`` (``uvExceptionWithHostPort``),
``read ECONNRESET`` (``errnoException``), ``getaddrinfo ENOTFOUND example.invalid``.
Each error has ``code``, ``errno``, ``syscall`` and, where one applies, ``address``/``port``.
"""

from __future__ import annotations

import errno as _errno
import os
import socket

from rillet.errors import NodeSystemError, system_error

__all__ = ["address_error", "lookup_error", "transport_error"]

# Node reports "no such name" and "no data" alike as ENOTFOUND (dnsException).
_LOOKUP_CODES = {
    socket.EAI_NONAME: "ENOTFOUND",
    socket.EAI_NODATA: "ENOTFOUND",
    socket.EAI_AGAIN: "EAI_AGAIN",
}


def address_error(
    err: OSError, syscall: str, address: str | None, port: int | None, *, described: bool = False
) -> NodeSystemError:
    """The error ``err`` raised by ``syscall`` on ``address:port`` (or a Unix path).

    ``described`` adds the errno's text after the code, as Node does for ``listen``.
    """
    number = err.errno if err.errno is not None else _errno.EIO
    code = _errno.errorcode.get(number, "EUNKNOWN")
    message = f"{syscall} {code}"
    if described:
        message += f": {os.strerror(number).lower()}"
    if port:
        message += f" {address}:{port}"
    elif address:
        message += f" {address}"
    made = system_error(number, syscall, message=message, address=address, port=port or None)
    made.__cause__ = err
    return made


def transport_error(exc: OSError) -> NodeSystemError:
    """The error a transport lost with ``exc``: ``ECONNRESET`` unless ``exc`` names another.

    A broken pipe is a failed ``write``; anything else is reported as a failed ``read``.
    """
    number = exc.errno or _errno.ECONNRESET
    syscall = "write" if number == _errno.EPIPE else "read"
    code = _errno.errorcode.get(number, "EUNKNOWN")
    made = system_error(number, syscall, message=f"{syscall} {code}")
    made.__cause__ = exc
    return made


def lookup_error(err: socket.gaierror, host: str) -> NodeSystemError:
    """Node's ``getaddrinfo ENOTFOUND host`` (or ``EAI_AGAIN`` and the like)."""
    number = err.errno if err.errno is not None else socket.EAI_FAIL
    code = _LOOKUP_CODES.get(number, "EAI_FAIL")
    made = NodeSystemError(
        f"getaddrinfo {code} {host}",
        errno=number,
        code=code,
        syscall="getaddrinfo",
        hostname=host,
    )
    made.__cause__ = err
    return made
