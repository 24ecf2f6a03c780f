"""TLS contexts from Node's options: ``cert``/``key``/``ca`` as PEM text or file paths.

Python's ``ssl`` loads certificate chains from files only, so PEM text given for ``cert`` or
``key`` is written to a private temporary file (mode 0600) for the time of the load.
"""

from __future__ import annotations

import contextlib
import os
import ssl
import tempfile
from collections.abc import Iterator
from typing import Any

__all__ = ["client_context", "pem_text", "server_context"]

PemSource = str | bytes | os.PathLike[str]


def _is_pem(value: str | bytes) -> bool:
    if isinstance(value, bytes):
        return b"-----BEGIN" in value
    return "-----BEGIN" in value


def pem_text(value: PemSource | list[PemSource] | tuple[PemSource, ...]) -> str:
    """PEM text from ``value``: PEM text as is, a path read, a list joined."""
    if isinstance(value, list | tuple):
        return "\n".join(pem_text(item) for item in value)
    if isinstance(value, os.PathLike) or not _is_pem(value):
        with open(value, "rb") as file:
            return file.read().decode("ascii")
    return value.decode("ascii") if isinstance(value, bytes) else value


@contextlib.contextmanager
def _as_file(value: PemSource | None) -> Iterator[str | None]:
    """A path holding ``value`` (itself when it is a path already)."""
    if value is None:
        yield None
        return
    if isinstance(value, os.PathLike) or not _is_pem(value):
        yield os.fsdecode(value)
        return
    data = value.encode("ascii") if isinstance(value, str) else value
    descriptor, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        yield path
    finally:
        os.unlink(path)


def _load_chain(context: ssl.SSLContext, options: dict[str, Any]) -> None:
    cert, key = options.get("cert"), options.get("key")
    if cert is None:
        return
    with _as_file(cert) as cert_file, _as_file(key) as key_file:
        assert cert_file is not None
        context.load_cert_chain(cert_file, key_file, options.get("passphrase"))


def server_context(options: dict[str, Any]) -> ssl.SSLContext:
    """A server context: ``cert`` and ``key`` (PEM text or paths; ``passphrase`` for an
    encrypted key), with ``request_cert`` the client's certificate is asked for and checked
    against ``ca`` (required unless ``reject_unauthorized`` is False). Raises ``ssl.SSLError``
    or ``OSError`` for unusable material, ``TypeError`` without ``cert``/``key``."""
    if options.get("cert") is None or options.get("key") is None:
        raise TypeError("an HTTPS server needs options['cert'] and options['key']")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _load_chain(context, options)
    context.set_alpn_protocols(["http/1.1"])
    if options.get("request_cert"):
        ca = options.get("ca")
        if ca is not None:
            context.load_verify_locations(cadata=pem_text(ca))
        else:
            context.load_default_certs(ssl.Purpose.CLIENT_AUTH)
        rejecting = options.get("reject_unauthorized", True)
        context.verify_mode = ssl.CERT_REQUIRED if rejecting else ssl.CERT_OPTIONAL
    return context


def client_context(options: dict[str, Any]) -> ssl.SSLContext:
    """A client context: the system's trusted roots, or only ``ca`` when given; ``cert``/``key``
    for a client certificate; ``reject_unauthorized=False`` accepts any certificate."""
    ca = options.get("ca")
    context = ssl.create_default_context(cadata=pem_text(ca) if ca is not None else None)
    context.set_alpn_protocols(["http/1.1"])
    _load_chain(context, options)
    if options.get("reject_unauthorized", True) is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
