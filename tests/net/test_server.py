"""``net.Server``: listen, address, close, errors, connection limits."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from _net_helpers import closing, connect, listen

from rillet import net, once
from rillet.consumers import buffer


@pytest.mark.parametrize(("host", "family"), [("127.0.0.1", "IPv4"), ("::1", "IPv6")])
async def test_listen_resolves_to_the_server_after_listening(host: str, family: str) -> None:
    server = net.create_server()
    events: list[str] = []
    server.on("listening", lambda: events.append("event"))
    assert server.address() is None and not server.listening
    result = await server.listen(0, host, callback=lambda: events.append("callback"))
    assert result is server and server.listening
    assert events == ["event", "callback"]
    address = server.address()
    assert isinstance(address, dict)
    assert (address["address"], address["family"]) == (host, family)
    assert 0 < address["port"] < 65536
    await server.close()
    assert server.address() is None and not server.listening


async def test_listen_on_a_port_given_as_a_numeric_string() -> None:
    server = net.create_server(lambda socket: socket.end(b"ok"))
    await listen(server)
    address = server.address()
    assert isinstance(address, dict)
    await server.close()
    await server.listen(str(address["port"]), "127.0.0.1")
    assert await buffer(connect({"port": address["port"], "host": "127.0.0.1"})) == b"ok"
    await server.close()


async def test_unix_socket_address_is_the_path_and_close_removes_it(tmp_path: Path) -> None:
    server = net.create_server(lambda socket: socket.end(b"unix"))
    target = await listen(server, "unix", tmp_path)
    assert server.address() == target["path"]
    assert await buffer(connect(target)) == b"unix"
    await server.close()
    assert not os.path.exists(target["path"])


async def test_unix_path_that_exists_is_eaddrinuse_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "taken"
    path.write_text("not a socket")
    server = net.create_server()
    with pytest.raises(OSError) as caught:
        await server.listen(str(path))
    error: Any = caught.value
    assert (error.code, error.errno, error.syscall) == ("EADDRINUSE", errno.EADDRINUSE, "listen")
    assert error.message == f"listen EADDRINUSE: address already in use {path}"
    assert path.read_text() == "not a socket"
    assert not server.listening


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
async def test_port_in_use_is_eaddrinuse(host: str) -> None:
    first = net.create_server()
    await first.listen(0, host)
    address = first.address()
    assert isinstance(address, dict)
    port = address["port"]
    second = net.create_server()
    with pytest.raises(OSError) as caught:
        await second.listen(port, host)
    error: Any = caught.value
    assert (error.code, error.errno, error.syscall) == ("EADDRINUSE", errno.EADDRINUSE, "listen")
    assert (error.address, error.port) == (host, port)
    assert error.message == f"listen EADDRINUSE: address already in use {host}:{port}"
    assert not second.listening
    # With an 'error' listener the error is emitted too, and awaiting is optional.
    third = net.create_server()
    emitted = once(third, "error")
    third.listen(port, host)
    [again] = await emitted
    assert again.code == "EADDRINUSE"
    await first.close()


async def test_close_waits_for_the_open_connections() -> None:
    accepted: list[net.Socket] = []
    server = net.create_server(accepted.append)
    target = await listen(server)
    client = connect(target)
    await once(client, "connect")
    closed_events: list[str] = []
    server.on("close", lambda: closed_events.append("close"))
    callback_args: list[Any] = []
    closed = server.close(lambda *args: callback_args.append(args))
    assert not server.listening
    # No longer accepting: a new connection is refused.
    refused = connect(target)
    refused.on("error", lambda err: None)
    assert await closing(refused) == [True]
    assert not closed.done() and closed_events == []
    assert server.get_connections() == 1
    [peer] = accepted
    peer.end()
    client.resume()
    await closed
    assert closed_events == ["close"] and callback_args == [(None,)]
    assert server.get_connections() == 0


async def test_close_when_not_listening() -> None:
    server = net.create_server()
    errors: list[Any] = []
    closed = server.close(errors.append)
    with pytest.raises(Exception, match="Server is not running") as caught:
        await closed
    assert getattr(caught.value, "code", None) == "ERR_SERVER_NOT_RUNNING"
    assert [e.code for e in errors] == ["ERR_SERVER_NOT_RUNNING"]


async def test_max_connections_drops_the_connections_beyond_it() -> None:
    server = net.create_server(lambda socket: socket.write(b"welcome"))
    server.max_connections = 1
    target = await listen(server)
    drops: list[dict[str, Any]] = []
    server.on("drop", drops.append)
    first = connect(target)
    await once(first, "data")
    second = connect(target)
    second.on("error", lambda err: None)  # a reset or a plain close, depending on timing
    ports: list[int | None] = []
    second.on("connect", lambda: ports.append(second.local_port))
    await closing(second)
    assert second.bytes_read == 0
    [drop] = drops
    assert [drop["remote_port"]] == ports
    assert drop["local_port"] == target["port"] and drop["local_family"] == "IPv4"
    assert server.get_connections() == 1
    counts: list[Any] = []
    server.get_connections(lambda *args: counts.append(args))
    first.destroy()
    await server.close()
    assert counts == [(None, 1)]


async def test_listen_argument_errors() -> None:
    server = net.create_server()
    with pytest.raises(ValueError, match=r"options\.port should be >= 0 and < 65536") as caught:
        server.listen(65536, "127.0.0.1")
    assert getattr(caught.value, "code", None) == "ERR_SOCKET_BAD_PORT"
    listening = server.listen(0, "127.0.0.1")
    with pytest.raises(Exception, match="more than once") as again:
        server.listen(0, "127.0.0.1")
    assert getattr(again.value, "code", None) == "ERR_SERVER_ALREADY_LISTEN"
    await listening
    await server.close()


async def test_async_with_closes_the_server() -> None:
    async with net.create_server(lambda socket: socket.end()) as server:
        target = await listen(server)
        assert await buffer(connect(target)) == b""
    assert not server.listening
    refused = connect(target)
    refused.on("error", lambda err: None)
    assert await closing(refused) == [True]
