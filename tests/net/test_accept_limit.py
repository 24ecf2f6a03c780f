"""accept_limit: connections beyond the cap wait in the listen backlog, not dropped."""

from __future__ import annotations

import asyncio

from rillet import net, once


async def test_connections_beyond_the_limit_wait_until_one_closes() -> None:
    accepted: list[net.Socket] = []
    arrived = asyncio.Event()

    def on_connection(socket: net.Socket) -> None:
        accepted.append(socket)
        arrived.set()

    server = net.create_server(on_connection)
    server.accept_limit = 2
    await server.listen(0, "127.0.0.1")
    port = server.address()["port"]  # type: ignore[index]
    clients = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
    while len(accepted) < 2:
        arrived.clear()
        await asyncio.wait_for(arrived.wait(), 5)
    await asyncio.sleep(0.1)
    assert len(accepted) == 2  # the third waits in the backlog, still connected
    arrived.clear()
    accepted[0].destroy()
    await asyncio.wait_for(arrived.wait(), 5)
    assert len(accepted) == 3
    clients[2][1].write(b"hello")
    (data,) = await asyncio.wait_for(once(accepted[2], "data"), 5)
    assert data == b"hello"
    for _, writer in clients:
        writer.close()
    for socket in accepted:
        socket.destroy()
    await server.close()
