"""Helpers shared by the ``rillet.net`` tests (not a test module)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from rillet import net, once

# The three kinds of address every socket test runs over.
KINDS = ("ipv4", "ipv6", "unix")


async def listen(server: net.Server, kind: str = "ipv4", tmp_path: Path | None = None) -> Any:
    """Start ``server`` on a free loopback port (or a Unix path); returns what ``connect``
    needs: ``{'port', 'host'}`` or ``{'path'}``."""
    if kind == "unix":
        assert tmp_path is not None
        path = str(tmp_path / "s.sock")
        await server.listen(path)
        return {"path": path}
    host = "::1" if kind == "ipv6" else "127.0.0.1"
    await server.listen(0, host)
    address = server.address()
    assert isinstance(address, dict)
    return {"port": address["port"], "host": host}


def connect(target: dict[str, Any], **options: Any) -> net.Socket:
    """``net.connect`` to what :func:`listen` returned."""
    if "path" in target:
        return net.connect(path=target["path"], **options)
    return net.connect(target["port"], target["host"], **options)


def closing(emitter: Any) -> asyncio.Future[list[Any]]:
    """A Future of ``'close'``'s arguments that, unlike ``once``, ignores ``'error'``."""
    future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
    emitter.once("close", lambda *args: future.done() or future.set_result(list(args)))
    return future


async def connected_pair(**options: Any) -> tuple[net.Server, net.Socket, net.Socket]:
    """A server on 127.0.0.1, a client connected to it with ``options``, and the
    server's socket for that connection (the peer)."""
    server = net.create_server()
    target = await listen(server)
    connection = once(server, "connection")
    client = connect(target, **options)
    connected = once(client, "connect")
    [peer] = await connection
    await connected
    return server, client, peer
