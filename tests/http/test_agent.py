"""The keep-alive Agent: pooling, limits, scheduling, idle sockets."""

from __future__ import annotations

import asyncio

import pytest
from client_support import serving

from rillet import once
from rillet.http import Agent, ClientRequest, IncomingMessage, ServerResponse, get, global_agent


async def finish(req: ClientRequest) -> bytes:
    res = (await once(req, "response"))[0]
    return b"".join([bytes(chunk) async for chunk in res])


async def test_global_agent_keeps_alive_as_node_19() -> None:
    assert global_agent.keep_alive
    assert global_agent.scheduling == "lifo"
    assert global_agent.timeout == 5000


async def test_second_request_reuses_the_first_socket() -> None:
    agent = Agent(keep_alive=True)
    async with serving(lambda req, res: res.end("ok"), agents=(agent,)) as (_, base):
        first = get(base + "/", agent=agent)
        assert await finish(first) == b"ok"
        await asyncio.sleep(0)  # the socket goes back to the pool on the next tick
        [name] = agent.free_sockets
        assert agent.free_sockets[name] == [first.socket]
        second = get(base + "/", agent=agent)
        assert await finish(second) == b"ok"
        assert second.reused_socket
        assert second.socket is first.socket
        assert agent.total_socket_count == 1


async def test_without_keep_alive_every_request_has_its_own_connection() -> None:
    agent = Agent(keep_alive=False)
    async with serving(lambda req, res: res.end(req.headers["connection"])) as (_, base):
        first = get(base + "/", agent=agent)
        assert await finish(first) == b"close"
        second = get(base + "/", agent=agent)
        assert await finish(second) == b"close"
        assert second.socket is not first.socket
        assert not second.reused_socket


async def test_agent_false_uses_a_one_off_agent() -> None:
    async with serving(lambda req, res: res.end(req.headers["connection"])) as (_, base):
        req = get(base + "/", agent=False)
        assert await finish(req) == b"close"
        assert req.agent is not global_agent


async def test_max_sockets_queues_requests_on_the_open_connections() -> None:
    agent = Agent(keep_alive=True, max_sockets=1)
    seen: list[int | None] = []

    def listener(req: IncomingMessage, res: ServerResponse) -> None:
        seen.append(req.socket.remote_port)
        res.end(req.url)

    async with serving(listener, agents=(agent,)) as (_, base):
        requests = [get(base + f"/{index}", agent=agent) for index in range(3)]
        [name] = agent.requests
        assert len(agent.requests[name]) == 2
        bodies = await asyncio.gather(*(finish(req) for req in requests))
        assert bodies == [b"/0", b"/1", b"/2"]
        assert len(set(seen)) == 1
        assert [req.reused_socket for req in requests] == [False, True, True]
        assert agent.requests == {}


@pytest.mark.parametrize("scheduling", ["lifo", "fifo"])
async def test_scheduling_picks_the_newest_or_oldest_free_socket(scheduling: str) -> None:
    agent = Agent(keep_alive=True, scheduling=scheduling)
    async with serving(lambda req, res: res.end("ok"), agents=(agent,)) as (_, base):
        pair = [get(base + "/", agent=agent) for _ in range(2)]
        await asyncio.gather(*(finish(req) for req in pair))
        await asyncio.sleep(0)
        [free] = agent.free_sockets.values()
        assert len(free) == 2
        expected = free[-1] if scheduling == "lifo" else free[0]
        req = get(base + "/", agent=agent)
        await finish(req)
        assert req.socket is expected


async def test_max_free_sockets_closes_the_extra_ones() -> None:
    agent = Agent(keep_alive=True, max_free_sockets=1)
    async with serving(lambda req, res: res.end("ok"), agents=(agent,)) as (_, base):
        pair = [get(base + "/", agent=agent) for _ in range(2)]
        closes = [once(req, "socket") for req in pair]
        sockets = [(await c)[0] for c in closes]
        await asyncio.gather(*(finish(req) for req in pair))
        await asyncio.sleep(0)
        [free] = agent.free_sockets.values()
        assert len(free) == 1
        assert sum(socket.destroyed for socket in sockets) == 1


async def test_a_free_socket_closed_by_the_server_leaves_the_pool() -> None:
    agent = Agent(keep_alive=True)
    async with serving(lambda req, res: res.end("ok"), agents=(agent,)) as (server, base):
        first = get(base + "/", agent=agent)
        await finish(first)
        await asyncio.sleep(0)
        socket = first.socket
        assert socket is not None
        gone = once(socket, "close")
        server.close_idle_connections()
        await gone
        assert agent.free_sockets == {}
        assert agent.total_socket_count == 0
        second = get(base + "/", agent=agent)
        assert await finish(second) == b"ok"
        assert not second.reused_socket


async def test_agent_timeout_closes_idle_sockets() -> None:
    agent = Agent(keep_alive=True, timeout=30)
    async with serving(lambda req, res: res.end("ok"), agents=(agent,)) as (_, base):
        req = get(base + "/", agent=agent)
        await finish(req)
        assert req.socket is not None
        await once(req.socket, "close")
        assert agent.free_sockets == {}


async def test_destroy_closes_every_socket() -> None:
    agent = Agent(keep_alive=True)
    async with serving(lambda req, res: res.end("ok"), agents=(agent,)) as (_, base):
        req = get(base + "/", agent=agent)
        await finish(req)
        await asyncio.sleep(0)
        assert req.socket is not None
        closing = once(req.socket, "close")
        agent.destroy()
        await closing
        assert agent.free_sockets == {}


async def test_get_name_keys_the_pool_by_destination() -> None:
    agent = Agent()
    assert agent.get_name({"host": "a", "port": 80}) == "a:80:"
    assert agent.get_name({"host": "a", "port": 80, "family": 6}) == "a:80::6"
    assert agent.get_name({"socket_path": "/s"}) == "localhost:::/s"
    with pytest.raises(TypeError):
        Agent(scheduling="random")
