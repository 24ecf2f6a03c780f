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
import ssl

from rillet.errors import NodeError, NodeSystemError, system_error

__all__ = ["address_error", "lookup_error", "tls_error", "transport_error"]

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


# OpenSSL's names for the verification failures (X509_V_ERR_*), as Node's error codes.
_VERIFY_CODES = {
    2: "UNABLE_TO_GET_ISSUER_CERT",
    7: "CERT_SIGNATURE_FAILURE",
    9: "CERT_NOT_YET_VALID",
    10: "CERT_HAS_EXPIRED",
    18: "DEPTH_ZERO_SELF_SIGNED_CERT",
    19: "SELF_SIGNED_CERT_IN_CHAIN",
    20: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    21: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    23: "CERT_REVOKED",
    24: "INVALID_CA",
    26: "INVALID_PURPOSE",
    62: "ERR_TLS_CERT_ALTNAME_INVALID",
    64: "ERR_TLS_CERT_ALTNAME_INVALID",
}


def tls_error(exc: ssl.SSLError) -> NodeError:
    """A failed TLS handshake as Node reports it: a certificate that fails verification gets
    OpenSSL's name (``DEPTH_ZERO_SELF_SIGNED_CERT``, ``CERT_HAS_EXPIRED``...) or
    ``ERR_TLS_CERT_ALTNAME_INVALID`` for a name that does not match; any other failure
    ``ERR_SSL_<REASON>`` (``ERR_SSL_WRONG_VERSION_NUMBER``)."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = _VERIFY_CODES.get(exc.verify_code, "CERT_VERIFY_FAILED")
        message = exc.verify_message or str(exc)
    else:
        code = f"ERR_SSL_{exc.reason}" if exc.reason else "ERR_SSL_HANDSHAKE_FAILURE"
        message = str(exc)
    made = NodeError(message, code=code)
    made.__cause__ = exc
    return made
