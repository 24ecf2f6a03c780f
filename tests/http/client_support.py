"""What the HTTP client tests share: a running rillet server, agent cleanup, a throwaway
TLS certificate (no tests)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
from collections.abc import AsyncIterator, Callable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from rillet import http, https, once


class BlockingWriter:
    """A request listener that answers ``count`` chunks of 64 KiB, waiting for ``'drain'``
    whenever ``write()`` says the client is backed up; :attr:`blocked` resolves the first
    time it does."""

    def __init__(self, count: int) -> None:
        self.chunk = b"z" * 65536
        self.count = count
        self.total = count * len(self.chunk)
        self.blocked: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def __call__(self, req: http.IncomingMessage, res: http.ServerResponse) -> None:
        for _ in range(self.count):
            if not res.write(self.chunk):
                if not self.blocked.done():
                    self.blocked.set_result(None)
                await once(res, "drain")
        res.end()


def closed(emitter: Any) -> asyncio.Future[None]:
    """A Future of ``emitter``'s ``'close'`` that, unlike ``once``, ignores ``'error'``."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    emitter.once("close", lambda *_: future.done() or future.set_result(None))
    return future


async def drop_pools(*agents: http.Agent) -> None:
    """Destroy every socket of ``agents`` and of the global agents, and wait until they are
    closed, so no connection outlives the test's event loop."""
    closing = []
    for agent in (*agents, http.global_agent, https.global_agent):
        for table in (agent.sockets, agent.free_sockets):
            for sockets in table.values():
                for socket in sockets:
                    if not socket.closed:
                        closing.append(closed(socket))
        agent.destroy()
    if closing:
        await asyncio.wait_for(asyncio.gather(*closing), 5)


@contextlib.asynccontextmanager
async def serving(
    listener: Callable[..., Any] | None = None,
    *,
    tls: tuple[str, str] | None = None,
    agents: tuple[http.Agent, ...] = (),
    **options: Any,
) -> AsyncIterator[tuple[http.Server, str]]:
    """A rillet server on 127.0.0.1 (HTTPS with ``tls=(cert, key)``) and its base URL. On exit
    the client pools are emptied and the server is closed with all its connections."""
    if tls is None:
        server = http.create_server(listener, **options)
        scheme = "http"
    else:
        server = https.create_server({"cert": tls[0], "key": tls[1], **options}, listener)
        scheme = "https"
    await server.listen(0, "127.0.0.1")
    address = server.address()
    assert isinstance(address, dict)
    try:
        yield server, f"{scheme}://127.0.0.1:{address['port']}"
    finally:
        await drop_pools(*agents)
        server.close_all_connections()
        await server.close()


def make_certificate(*, common_name: str = "localhost") -> tuple[str, str]:
    """A self-signed certificate for ``localhost`` and 127.0.0.1 and its key, as PEM text."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName(common_name),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return cert_pem, key_pem
