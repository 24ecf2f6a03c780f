"""``net.Socket`` over real connections: 127.0.0.1, ::1 and Unix sockets."""

from __future__ import annotations

import asyncio
import errno
import os
import socket as pysocket
from pathlib import Path
from typing import Any

import pytest
from _net_helpers import KINDS, closing, connect, connected_pair, listen

from rillet import Readable, finished, net, once, pipeline
from rillet.consumers import buffer
from rillet.errors import NodeSystemError
from rillet.net._errors import lookup_error
from rillet.net._protocol import SocketProtocol


@pytest.mark.parametrize("kind", KINDS)
async def test_echo(kind: str, tmp_path: Path) -> None:
    server = net.create_server(lambda socket: socket.pipe(socket))
    target = await listen(server, kind, tmp_path)
    payload = os.urandom(1 << 20)
    client = connect(target)
    closed = once(client, "close")
    client.write(payload[:1000])
    client.write(payload[1000:500_000])
    client.end(payload[500_000:])
    assert await buffer(client) == payload
    assert await closed == [False]
    assert client.bytes_read == client.bytes_written == len(payload)
    await server.close()


@pytest.mark.parametrize("kind", ["ipv4", "ipv6"])
async def test_addresses_and_ready_state(kind: str) -> None:
    accepted: list[net.Socket] = []
    server = net.create_server(accepted.append)
    target = await listen(server, kind)
    client = connect(target)
    assert (client.connecting, client.pending, client.ready_state) == (True, True, "opening")
    assert client.remote_address is None
    events: list[str] = []
    client.on("connect", lambda: events.append("connect"))
    client.on("ready", lambda: events.append("ready"))
    await once(client, "ready")
    family = "IPv6" if kind == "ipv6" else "IPv4"
    assert events == ["connect", "ready"]
    assert (client.connecting, client.pending, client.ready_state) == (False, False, "open")
    assert (client.remote_address, client.remote_port) == (target["host"], target["port"])
    assert (client.remote_family, client.local_family) == (family, family)
    [peer] = accepted
    assert peer.server is server
    assert peer.address() == {"address": target["host"], "family": family, "port": target["port"]}
    assert (peer.remote_port, peer.remote_address) == (client.local_port, client.local_address)
    client.end()
    await once(client, "finish")
    assert client.ready_state == "readOnly"
    peer.resume()
    await once(peer, "close")
    await once(client, "close")
    assert client.ready_state == "closed"
    await server.close()


async def test_unix_socket_has_no_ip_address(tmp_path: Path) -> None:
    server = net.create_server(lambda socket: socket.end(b"hi"))
    target = await listen(server, "unix", tmp_path)
    client = connect(target)
    assert await buffer(client) == b"hi"
    assert (client.remote_address, client.remote_port, client.address()) == (None, None, {})
    await server.close()


async def test_peer_eof_ends_the_writable_side_without_half_open() -> None:
    events: list[str] = []
    peer_closed = asyncio.get_running_loop().create_future()

    def on_connection(socket: net.Socket) -> None:
        for event in ("end", "finish", "close"):
            socket.on(event, lambda *_, event=event: events.append(event))
        socket.on("close", lambda *_: peer_closed.set_result(None))
        socket.resume()

    server = net.create_server(on_connection)
    target = await listen(server)
    client = connect(target, allow_half_open=True)
    client.end()
    # The server ends its side by itself after the FIN: the client sees 'end'.
    assert await buffer(client) == b""
    await peer_closed
    assert events == ["end", "finish", "close"]
    await server.close()


async def test_half_open_server_replies_after_the_peer_ended() -> None:
    def on_connection(socket: net.Socket) -> None:
        received: list[bytes] = []
        socket.on("data", received.append)
        socket.on("end", lambda: socket.end(b"got " + b"".join(received)))

    server = net.create_server(on_connection, allow_half_open=True)
    assert server.allow_half_open
    target = await listen(server)
    client = connect(target, allow_half_open=True)
    client.end(b"question")
    await once(client, "finish")
    # Half-closed: the client can still read what the server sends after its FIN.
    assert client.ready_state == "readOnly"
    assert await buffer(client) == b"got question"
    await server.close()


async def test_write_before_connect_is_sent_once_connected() -> None:
    server = net.create_server(lambda socket: socket.pipe(socket))
    target = await listen(server)
    client = connect(target)
    assert client.write(b"early ") is True
    client.write(b"birds")
    assert client.bytes_written == 11  # queued bytes count, as in Node
    client.end()
    assert await buffer(client) == b"early birds"
    await server.close()


async def test_bytes_counters_on_both_sides() -> None:
    accepted: list[net.Socket] = []

    def on_connection(socket: net.Socket) -> None:
        accepted.append(socket)
        socket.on("end", lambda: socket.end(b"r" * 777))
        socket.resume()

    server = net.create_server(on_connection)
    target = await listen(server)
    client = connect(target)
    for _ in range(10):
        client.write(b"w" * 1000)
    client.end()
    assert len(await buffer(client)) == 777
    [peer] = accepted
    assert (peer.bytes_read, peer.bytes_written) == (10_000, 777)
    assert (client.bytes_read, client.bytes_written) == (777, 10_000)
    await server.close()


async def test_no_delay_is_on_by_default_and_can_be_turned_off() -> None:
    server, client, peer = await connected_pair()

    def option(socket: net.Socket, level: int, name: int) -> int:
        assert socket.transport is not None
        value: int = socket.transport.get_extra_info("socket").getsockopt(level, name)
        return value

    nodelay = (pysocket.IPPROTO_TCP, pysocket.TCP_NODELAY)
    assert option(client, *nodelay) and option(peer, *nodelay)
    assert client.set_no_delay(False) is client
    assert option(client, *nodelay) == 0
    client.set_no_delay()
    assert option(client, *nodelay)
    client.set_keep_alive(True, 7500)
    assert option(client, pysocket.SOL_SOCKET, pysocket.SO_KEEPALIVE)
    assert option(client, pysocket.IPPROTO_TCP, pysocket.TCP_KEEPIDLE) == 7
    client.set_keep_alive(False)
    assert option(client, pysocket.SOL_SOCKET, pysocket.SO_KEEPALIVE) == 0
    client.destroy()
    peer.destroy()
    await server.close()


async def test_keep_alive_option_applies_on_connect() -> None:
    server = net.create_server(lambda socket: socket.destroy())
    target = await listen(server)
    client = connect(target, keep_alive=True, keep_alive_initial_delay=3000)
    await once(client, "connect")
    assert client.transport is not None
    raw = client.transport.get_extra_info("socket")
    assert raw.getsockopt(pysocket.SOL_SOCKET, pysocket.SO_KEEPALIVE)
    assert raw.getsockopt(pysocket.IPPROTO_TCP, pysocket.TCP_KEEPIDLE) == 3
    client.destroy()
    await server.close()


async def test_timeout_fires_after_idle_time_and_activity_resets_it() -> None:
    loop = asyncio.get_running_loop()
    server, client, peer = await connected_pair()
    start = loop.time()
    # The peer writes at 60 ms: the client's 100 ms idle timer restarts then.
    loop.call_later(0.06, peer.write, b"tick")
    seen: list[float] = []
    assert client.set_timeout(100, lambda: seen.append(loop.time() - start)) is client
    assert client.timeout == 100
    client.resume()
    await once(client, "timeout")
    assert seen and seen[0] >= 0.155
    assert not client.destroyed  # 'timeout' only notifies
    client.destroy()
    peer.destroy()
    await server.close()


async def test_timeout_zero_disables_it() -> None:
    server, client, peer = await connected_pair()
    fired: list[str] = []
    client.set_timeout(20, lambda: fired.append("client"))
    client.set_timeout(0)
    assert client.timeout is None
    # The peer's own timer is the clock: when it fires, the client's would have too.
    peer.set_timeout(80)
    await once(peer, "timeout")
    assert fired == []
    with pytest.raises(ValueError, match="msecs"):
        client.set_timeout(-1)
    client.destroy()
    peer.destroy()
    await server.close()


async def test_connection_refused(loop_errors: list[dict[str, Any]]) -> None:
    # A bound socket that does not listen refuses connections.
    with pysocket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        port = blocker.getsockname()[1]
        client = net.connect(port, "127.0.0.1")
        events: list[Any] = []
        client.on("error", lambda err: events.append(err))
        client.on("close", lambda had_error: events.append(("close", had_error)))
        await closing(client)
    error, close = events
    assert isinstance(error, NodeSystemError) and isinstance(error, ConnectionRefusedError)
    assert (error.code, error.errno) == ("ECONNREFUSED", errno.ECONNREFUSED)
    assert error.syscall == "connect"
    assert (error.address, error.port) == ("127.0.0.1", port)
    assert error.message == f"connect ECONNREFUSED 127.0.0.1:{port}"
    assert close == ("close", True)
    assert client.destroyed and loop_errors == []


async def test_connect_to_a_missing_unix_path(tmp_path: Path) -> None:
    path = str(tmp_path / "nobody.sock")
    client = net.connect(path)
    errors: list[Any] = []
    client.on("error", errors.append)
    assert await closing(client) == [True]
    [error] = errors
    assert (error.code, error.syscall, error.address) == ("ENOENT", "connect", path)
    assert error.message == f"connect ENOENT {path}"


def test_lookup_failures_are_enotfound() -> None:
    # Made by hand: a real failed lookup would ask the network's resolver.
    failure = pysocket.gaierror(pysocket.EAI_NONAME, "Name or service not known")
    error = lookup_error(failure, "name.invalid")
    assert (error.code, error.syscall) == ("ENOTFOUND", "getaddrinfo")
    assert error.hostname == "name.invalid"  # type: ignore[attr-defined]
    assert error.message == "getaddrinfo ENOTFOUND name.invalid" and error.__cause__ is failure


async def test_bad_port_raises_at_the_call() -> None:
    with pytest.raises(ValueError, match="65536") as caught:
        net.connect(70000, "127.0.0.1")
    assert getattr(caught.value, "code", None) == "ERR_SOCKET_BAD_PORT"


async def test_peer_reset_is_econnreset() -> None:
    loop = asyncio.get_running_loop()
    server = net.create_server()
    target = await listen(server)
    connection = once(server, "connection")
    raw = pysocket.socket()
    raw.setblocking(False)
    await loop.sock_connect(raw, ("127.0.0.1", target["port"]))
    [peer] = await connection
    errors: list[Any] = []
    peer.on("error", errors.append)
    closed = closing(peer)
    peer.resume()
    # SO_LINGER with a zero timeout makes close() send a RST.
    raw.setsockopt(pysocket.SOL_SOCKET, pysocket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    raw.close()
    assert await closed == [True]
    [error] = errors
    assert (error.code, error.errno, error.syscall) == ("ECONNRESET", errno.ECONNRESET, "read")
    assert error.message == "read ECONNRESET"
    await server.close()


async def test_destroy_mid_transfer_closes_the_peer_and_its_source() -> None:
    sources: list[Readable] = []
    server_sockets: list[net.Socket] = []

    def endless() -> Any:
        chunk = b"x" * 65536
        for _ in range(100_000):  # 6 GiB at most: far more than the test reads
            yield chunk

    peer_closed = asyncio.get_running_loop().create_future()

    def on_connection(socket: net.Socket) -> None:
        server_sockets.append(socket)
        socket.on("close", peer_closed.set_result)
        socket.on("error", lambda err: None)  # EPIPE or ECONNRESET, depending on timing
        source = Readable.from_(endless(), object_mode=False)
        sources.append(source)
        source.pipe(socket)

    server = net.create_server(on_connection)
    target = await listen(server)
    client = connect(target)
    received = 0
    async for chunk in client.iterator(destroy_on_return=False):
        received += len(chunk)
        if received > 1 << 20:
            break
    client.destroy()
    assert await once(client, "close") == [False]
    [peer] = server_sockets
    await peer_closed
    assert peer.destroyed and not peer.writable_finished
    # Unlike Node, the stream piped into the socket is destroyed too (no leaked file).
    [source] = sources
    assert source.destroyed
    await server.close()


async def test_pause_on_connect_leaves_the_transport_unread() -> None:
    server = net.create_server(pause_on_connect=True)
    target = await listen(server)
    connection = once(server, "connection")
    client = connect(target)
    connected = once(client, "connect")
    client.write(b"hello")
    [peer] = await connection
    assert peer.pause_on_connect and peer.is_paused()
    await connected
    assert peer.transport is not None and not peer.transport.is_reading()
    assert peer.readable_length == peer.bytes_read
    got: list[bytes] = []
    peer.on("data", got.append)
    assert peer.readable_flowing is False  # a 'data' listener does not start it
    peer.resume()
    await once(peer, "data")
    assert got == [b"hello"] and peer.transport.is_reading()
    client.destroy()
    peer.destroy()
    await server.close()


async def test_write_returns_false_while_the_transport_is_backed_up() -> None:
    server, client, peer = await connected_pair()
    client.pause()
    chunk = b"y" * 16384  # below the high-water mark: only the transport says False
    sent = 0
    # Nobody reads: the kernel's buffers fill, the transport pauses writing (bounded).
    while peer.transport is not None and peer.write(chunk) and sent < 16384:
        sent += 1
    sent += 1
    assert sent < 16384, "the transport never pushed back"
    assert peer.write(b"z") is False  # even a small write, while backed up
    assert peer.writable_need_drain
    drained = once(peer, "drain")
    received = 0

    def count(data: bytes) -> None:
        nonlocal received
        received += len(data)

    client.on("data", count)
    client.resume()
    await drained
    assert peer.writable_length == 0 and not peer.writable_need_drain
    ended = once(client, "end")
    peer.end()
    await ended
    assert received == sent * len(chunk) + 1
    await server.close()


async def test_reading_pauses_the_transport_at_the_high_water_mark() -> None:
    server = net.create_server(lambda socket: socket.end(b"q" * (1 << 20)))
    target = await listen(server)
    client = connect(target, readable_high_water_mark=16384)
    client.pause()
    await once(client, "connect")
    transport = client.transport
    assert transport is not None
    paused_at = asyncio.get_running_loop().create_future()

    class Spy(SocketProtocol):
        __slots__ = ()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if not transport.is_reading() and not paused_at.done():
                paused_at.set_result(client.readable_length)

    transport.set_protocol(Spy(client))
    if not transport.is_reading():  # paused before the spy came in
        paused_at.set_result(client.readable_length)
    length = await paused_at
    # Paused as soon as the buffer passed the mark: one read (256 KiB at most) beyond it.
    assert 16384 <= length <= 16384 + 262144
    assert len(await buffer(client)) == 1 << 20
    await server.close()


async def test_data_handler_takes_the_bytes_without_data_events() -> None:
    loop = asyncio.get_running_loop()
    accepted: list[net.Socket] = []
    got: list[bytes] = []
    head_received = loop.create_future()
    ended = loop.create_future()

    def on_data(data: bytes) -> None:
        got.append(data)
        if b"".join(got).endswith(b"\r\n\r\n"):
            head_received.set_result(None)

    def on_connection(socket: net.Socket) -> None:
        accepted.append(socket)
        socket.set_data_handler(on_data, lambda: ended.set_result(socket.bytes_read))
        socket.on("data", lambda data: pytest.fail("no 'data' event in handler mode"))

    server = net.create_server(on_connection, allow_half_open=True)
    target = await listen(server)
    client = connect(target)
    client.write(b"GET / HTTP/1.1\r\n")
    client.write(b"\r\n")
    await head_received
    [peer] = accepted
    assert peer.readable_length == 0 and peer.bytes_read == 18
    peer.pause_reading()
    assert peer.transport is not None and not peer.transport.is_reading()
    peer.resume_reading()
    assert peer.transport.is_reading()
    client.end(b"body")
    assert await ended == 22
    assert b"".join(got) == b"GET / HTTP/1.1\r\n\r\nbody"
    assert not peer.readable_ended  # on_end took the EOF instead of the readable side
    peer.destroy()
    await once(client, "close")
    await server.close()


async def test_data_handler_can_hand_the_socket_back_to_the_stream() -> None:
    handed_back = asyncio.get_running_loop().create_future()

    def on_connection(socket: net.Socket) -> None:
        def first(data: bytes) -> None:
            socket.set_data_handler(None)  # e.g. an HTTP upgrade: the rest is a stream
            socket.pipe(socket)
            handed_back.set_result(data)

        socket.set_data_handler(first)

    server = net.create_server(on_connection)
    target = await listen(server)
    client = connect(target)
    client.write(b"hello")
    assert await handed_back == b"hello"
    client.end(b"echo me")
    assert await buffer(client) == b"echo me"
    await server.close()


async def test_write_after_destroy_fails_and_socket_without_connect_is_closed() -> None:
    socket = net.Socket()
    errors: list[Any] = []
    socket.on("error", errors.append)
    socket.write(b"x")
    await closing(socket)
    assert [e.code for e in errors] == ["ERR_SOCKET_CLOSED"]


async def test_pipeline_into_a_socket_and_finished() -> None:
    def on_connection(socket: net.Socket) -> None:
        socket.resume()
        pipeline(Readable.from_([b"a" * 70_000, b"b" * 70_000], object_mode=False), socket)

    server = net.create_server(on_connection)
    target = await listen(server)
    client = connect(target)
    client.end()
    body = await buffer(client)
    assert body == b"a" * 70_000 + b"b" * 70_000
    await finished(client)
    await server.close()


async def test_destroy_soon_ends_then_destroys() -> None:
    accepted: list[net.Socket] = []
    server = net.create_server(accepted.append, allow_half_open=True)
    target = await listen(server)
    client = connect(target)
    client.set_encoding("utf8")
    await once(client, "connect")
    [peer] = accepted
    peer.write(b"bye \xc3")
    peer.write(b"\xa9")
    peer.destroy_soon()
    closed = closing(peer)
    assert "".join([chunk async for chunk in client]) == "bye é"
    assert await closed == [False]
    assert peer.writable_finished
    await server.close()


def test_the_facade_exports_the_api_names() -> None:
    assert set(net.__all__) == {"Server", "Socket", "connect", "create_connection", "create_server"}
    assert net.create_connection is net.connect


async def test_a_failing_connection_listener_is_reported_and_the_socket_works(
    loop_errors: list[dict[str, Any]],
) -> None:
    def on_connection(socket: net.Socket) -> None:
        socket.pipe(socket)
        raise RuntimeError("listener bug")

    server = net.create_server(on_connection)
    target = await listen(server)
    client = connect(target)
    client.end(b"still echoed")
    assert await buffer(client) == b"still echoed"
    [context] = loop_errors
    assert str(context["exception"]) == "listener bug"
    await server.close()


async def test_a_failing_data_listener_destroys_the_socket_with_its_error(
    loop_errors: list[dict[str, Any]],
) -> None:
    failure = RuntimeError("data listener bug")
    errors: list[BaseException] = []

    def on_data(_data: bytes) -> None:
        raise failure

    server, client, peer = await connected_pair()
    peer.on("error", errors.append)
    resumed = once(peer, "resume")
    peer.on("data", on_data)
    await resumed  # flowing: the next chunk reaches on_data inside data_received
    closed = closing(peer)
    client.write(b"boom")
    assert await closed == [True]
    assert errors == [failure]
    # The transport reports the exception as well, as it does for any protocol failure.
    assert [c["exception"] for c in loop_errors] == [failure]
    client.destroy()
    await server.close()


async def test_raw_sends_keep_every_callback_while_backed_up() -> None:
    server, client, peer = await connected_pair()
    client.pause()
    chunk = b"r" * 16384
    done: list[int] = []
    sent = 0
    # The HTTP layer's path: straight to the transport, one callback per send.
    while peer.write(b"") and sent < 16384:  # write(b"") reports the transport's state
        peer._send(chunk, lambda n=sent: done.append(n))
        sent += 1
    assert sent < 16384, "the transport never pushed back"
    peer._send([b"tail", b"!"], lambda: done.append(-1))
    assert done[-1] != -1  # held until the transport drains
    drained = once(peer, "drain")
    received = 0

    def count(data: bytes) -> None:
        nonlocal received
        received += len(data)

    client.on("data", count)
    client.resume()
    await drained
    assert done == [*range(sent), -1]
    ended = once(client, "end")
    peer.end()
    await ended
    assert received == sent * len(chunk) + 5
    await server.close()


async def test_raw_sends_while_connecting_go_out_in_order() -> None:
    server = net.create_server(lambda socket: socket.pipe(socket))
    target = await listen(server)
    client = connect(target)
    done: list[str] = []
    client._send(b"one ", lambda: done.append("one"))
    client._send([b"two ", b"three"], lambda: done.append("two"))
    client.end()
    assert await buffer(client) == b"one two three"
    assert done == ["one", "two"]
    await server.close()
