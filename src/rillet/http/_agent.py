"""``Agent``: the client's connection pool (Node's ``_http_agent.js``).

An agent keeps, per destination (its :meth:`Agent.get_name`: host, port, local address,
family, socket path), the sockets in use (``sockets``), the idle ones kept for reuse
(``free_sockets``) and the requests waiting for a socket (``requests``). A request takes a free
socket when there is one (the most recently freed with ``scheduling='lifo'``, the oldest with
``'fifo'``), else a new connection while fewer than ``max_sockets`` are open to that
destination (and ``max_total_sockets`` overall), else it waits in line.

When a request is done with a socket that may carry another request, the socket goes to the
next waiting request, or, with ``keep_alive``, into ``free_sockets`` (at most
``max_free_sockets`` per destination) where an idle socket that the server closes, that
receives stray bytes, or that stays idle past ``timeout`` ms is closed and forgotten.

:data:`global_agent` is the default agent, with Node 19's defaults: ``keep_alive=True``,
``scheduling='lifo'``, ``timeout=5000``. A free socket belongs to the event loop that opened
it; another loop never reuses it.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from rillet._core import EventEmitter
from rillet.errors import invalid_arg_type, invalid_arg_value
from rillet.net import Socket
from rillet.net import connect as net_connect

if TYPE_CHECKING:
    from rillet.http._client_request import ClientRequest

__all__ = ["Agent", "AgentOptions", "global_agent"]


class AgentOptions(TypedDict, total=False):
    """Keywords of :class:`Agent` (Node's options, snake_case)."""

    keep_alive: bool
    keep_alive_msecs: float
    max_sockets: float
    max_total_sockets: float
    max_free_sockets: int
    scheduling: str
    timeout: float | None


# The connection keywords an agent hands to rillet.net.connect.
_CONNECT_KEYS = ("local_address", "local_port", "family")


class Agent(EventEmitter):
    """A pool of client connections (see the module docstring).

    Events: ``'free'`` ``(socket, options)`` when a request is done with a reusable socket.
    Subclasses may override :meth:`create_connection`, :meth:`keep_socket_alive` and
    :meth:`reuse_socket`, as in Node.
    """

    #: The port a request to this agent uses when it names none.
    default_port = 80
    #: The URL scheme this agent serves.
    protocol = "http:"

    def __init__(self, **options: Unpack[AgentOptions]) -> None:
        EventEmitter.__init__(self)
        self.options: dict[str, Any] = {"path": None, **options}
        self.keep_alive = bool(options.get("keep_alive", False))
        self.keep_alive_msecs = float(options.get("keep_alive_msecs", 1000))
        self.max_sockets = _limit(options.get("max_sockets"), "max_sockets")
        self.max_total_sockets = _limit(options.get("max_total_sockets"), "max_total_sockets")
        self.max_free_sockets = int(options.get("max_free_sockets", 256))
        scheduling = options.get("scheduling", "lifo")
        if scheduling not in ("lifo", "fifo"):
            raise invalid_arg_value("scheduling", scheduling)
        self.scheduling = scheduling
        timeout = options.get("timeout")
        self.timeout: float | None = float(timeout) if timeout else None
        self.requests: dict[str, list[ClientRequest]] = {}
        self.sockets: dict[str, list[Socket]] = {}
        self.free_sockets: dict[str, list[Socket]] = {}
        self.total_socket_count = 0
        self.on("free", self._on_free)

    # -- names and connections ------------------------------------------------------

    def get_name(self, options: dict[str, Any]) -> str:
        """The pool key of a destination: ``host:port:local_address[:family][:socket_path]``."""
        name = f"{options.get('host') or 'localhost'}:{options.get('port') or ''}:"
        name += options.get("local_address") or ""
        if options.get("family") in (4, 6):
            name += f":{options['family']}"
        if options.get("socket_path"):
            name += f":{options['socket_path']}"
        return name

    def create_connection(self, options: dict[str, Any]) -> Socket:
        """A new connection for ``options`` (``rillet.net.connect``); may be overridden."""
        keywords: dict[str, Any] = {k: options[k] for k in _CONNECT_KEYS if options.get(k)}
        keywords.update(self._connect_keywords(options))
        socket_path = options.get("socket_path")
        if socket_path:
            return net_connect(path=socket_path, **keywords)
        return net_connect(int(options["port"]), options.get("host") or "localhost", **keywords)

    def _connect_keywords(self, options: dict[str, Any]) -> dict[str, Any]:
        """Extra ``rillet.net.connect`` keywords (TLS in ``rillet.https``)."""
        return {}

    def keep_socket_alive(self, socket: Socket) -> bool:
        """Prepare ``socket`` for the free list (TCP keep-alive, the agent's timeout); a
        False return closes it instead."""
        socket.set_keep_alive(True, self.keep_alive_msecs)
        socket.set_timeout(self.timeout or 0)
        return True

    def reuse_socket(self, socket: Socket, req: ClientRequest) -> None:
        """Called when a free socket is handed to ``req``."""

    # -- requests ---------------------------------------------------------------------

    def add_request(self, req: ClientRequest, options: dict[str, Any]) -> None:
        """Give ``req`` a socket: a free one, a new one, or its turn in the queue."""
        options = {**self.options, **options}
        name = self.get_name(options)
        socket = self._take_free(name)
        if socket is not None:
            req.reused_socket = True
            self.reuse_socket(socket, req)
            self.sockets.setdefault(name, []).append(socket)
            req.on_socket(socket)
        elif self._may_open(name):
            self._open(req, name, options)
        else:
            self.requests.setdefault(name, []).append(req)

    def _remove_request(self, req: ClientRequest) -> None:
        """Take a destroyed request out of the queue."""
        for name, queue in list(self.requests.items()):
            if req in queue:
                queue.remove(req)
                if not queue:
                    del self.requests[name]
                return

    def _may_open(self, name: str) -> bool:
        return (
            len(self.sockets.get(name, ())) < self.max_sockets
            and self.total_socket_count < self.max_total_sockets
        )

    def _take_free(self, name: str) -> Socket | None:
        free = self.free_sockets.get(name)
        loop = asyncio.get_running_loop()
        socket = None
        while free:
            candidate = free.pop() if self.scheduling == "lifo" else free.pop(0)
            # A socket of another (perhaps closed) loop cannot serve this one.
            if not candidate.destroyed and candidate._loop is loop:
                socket = candidate
                break
            self._forget(candidate, name)
        if not free:
            self.free_sockets.pop(name, None)
        return socket

    def _open(self, req: ClientRequest, name: str, options: dict[str, Any]) -> None:
        try:
            socket = self.create_connection(options)
        except Exception as exc:
            req.on_socket(None, exc)
            return
        self.total_socket_count += 1
        self.sockets.setdefault(name, []).append(socket)
        self._install(socket, name, options)
        if self.timeout:
            socket.set_timeout(self.timeout)
        req.on_socket(socket)

    def _install(self, socket: Socket, name: str, options: dict[str, Any]) -> None:
        def on_free(*_: Any) -> None:
            self.emit("free", socket, options)

        def on_close(*_: Any) -> None:
            remove()
            queue = self.requests.get(name)
            if queue and self._may_open(name):
                # A slot opened: the next waiting request gets a new connection.
                request = queue.pop(0)
                if not queue:
                    del self.requests[name]
                self._open(request, name, options)

        def on_timeout(*_: Any) -> None:
            if socket in self.free_sockets.get(name, ()):
                socket.destroy()

        def on_error(*_: Any) -> None:
            # A free socket has no request to report to; an error closes it.
            if socket in self.free_sockets.get(name, ()):
                socket.destroy()

        def remove(*_: Any) -> None:
            socket.remove_listener("free", on_free)
            socket.remove_listener("close", on_close)
            socket.remove_listener("timeout", on_timeout)
            socket.remove_listener("error", on_error)
            socket.remove_listener("agentRemove", remove)
            self._forget(socket, name)

        socket.on("free", on_free)
        socket.on("close", on_close)
        socket.on("timeout", on_timeout)
        socket.on("error", on_error)
        socket.on("agentRemove", remove)

    def _forget(self, socket: Socket, name: str) -> None:
        found = False
        for table in (self.sockets, self.free_sockets):
            sockets = table.get(name)
            if sockets is not None and socket in sockets:
                sockets.remove(socket)
                found = True
                if not sockets:
                    del table[name]
        if found:
            self.total_socket_count -= 1

    def _on_free(self, socket: Socket, options: dict[str, Any]) -> None:
        if socket.destroyed or not socket.writable:
            socket.destroy()
            return
        name = self.get_name(options)
        queue = self.requests.get(name)
        if queue:
            req = queue.pop(0)
            if not queue:
                del self.requests[name]
            req.reused_socket = True
            self.reuse_socket(socket, req)
            req.on_socket(socket)
            return
        free = self.free_sockets.get(name, [])
        count = len(free) + len(self.sockets.get(name, ()))
        if (
            not self.keep_alive
            or self.total_socket_count > self.max_total_sockets
            or count > self.max_sockets
            or len(free) >= self.max_free_sockets
            or not self.keep_socket_alive(socket)
        ):
            socket.destroy()
            return
        sockets = self.sockets.get(name)
        if sockets is not None and socket in sockets:
            sockets.remove(socket)
            if not sockets:
                del self.sockets[name]
        self.free_sockets[name] = free
        free.append(socket)
        # Idle: the peer's close (or any byte it sends) ends the connection.
        idle = _idle_handler(socket)
        socket.set_data_handler(idle, idle)
        socket.resume_reading()

    def destroy(self) -> None:
        """Destroy every socket of the agent, in use or free."""
        for table in (self.free_sockets, self.sockets):
            for sockets in list(table.values()):
                for socket in list(sockets):
                    socket.destroy()

    def __repr__(self) -> str:
        free = sum(map(len, self.free_sockets.values()))
        busy = sum(map(len, self.sockets.values()))
        return f"<{type(self).__name__} keep_alive={self.keep_alive} busy={busy} free={free}>"


def _idle_handler(socket: Socket) -> Callable[..., None]:
    def on_idle(*_: Any) -> None:
        socket.destroy()

    return on_idle


def _limit(value: float | None, name: str) -> float:
    if value is None:
        return math.inf
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 1:
        raise invalid_arg_type(f"options.{name}", "a positive number", value)
    return value


#: The agent requests use unless given another (Node 19+'s keep-alive defaults).
global_agent = Agent(keep_alive=True, scheduling="lifo", timeout=5000)
