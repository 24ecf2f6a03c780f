"""``Socket``: a TCP or Unix stream connection as a Duplex (Node's ``net.Socket``).

The socket's backpressure is its transport's, in both directions:

* reading: bytes go straight from ``data_received`` into the readable side; once its
  buffer passes the high-water mark the transport stops reading (``pause_reading``)
  and starts again when the consumer asks for more;
* writing: ``write()`` hands the chunk to ``transport.write`` at once (corked writes in
  one ``transport.writelines``) and completes it on the spot, unless the transport
  reports its buffer full (``pause_writing``): then the write stays in flight until
  ``resume_writing``, later writes queue in the Writable, ``write()`` returns False and
  ``'drain'`` follows. Memory per connection is the two high-water marks plus the
  transport's own buffer.

Ending: ``end()`` half-closes (``write_eof``, a FIN); the peer's FIN pushes end-of-stream,
and unless ``allow_half_open`` the writable side then ends too, as in Node. The socket is
destroyed when both sides are done; ``destroy()`` aborts the transport, dropping what it
still buffers, while the destroy that follows a clean finish closes it gracefully.
``'close'`` comes once the transport is gone, with ``had_error``. Unlike Node, a socket
that closes before ``'finish'`` destroys the streams still piped into it, so an aborted
download never leaks the file.

Layers built on top (HTTP) drive a connection through :meth:`Socket.set_data_handler`
(bytes to a parser without ``'data'`` events), :meth:`Socket.pause_reading` /
:meth:`Socket.resume_reading`, ``Socket._send`` (bytes to the transport without the
Writable's bookkeeping) and :attr:`Socket.transport`.
"""

from __future__ import annotations

import asyncio
import math
import socket as _socket
import ssl as _ssl
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from rillet._core import AbortSignal, next_tick
from rillet.errors import invalid_arg_type, invalid_arg_value, new_error, out_of_range
from rillet.net._address import address_info, family_name
from rillet.net._errors import address_error, lookup_error, tls_error, transport_error
from rillet.net._heap import keep_heap_pad
from rillet.net._protocol import SocketProtocol
from rillet.streams import Duplex, Writable, WriteRequest

if TYPE_CHECKING:
    from rillet.net._server import Server

__all__ = ["ConnectOptions", "Socket", "SocketOptions", "connect"]

Callback = Callable[..., Any]
DataHandler = Callable[[bytes], None]

_FAMILIES = {0: _socket.AF_UNSPEC, 4: _socket.AF_INET, 6: _socket.AF_INET6}


class SocketOptions(TypedDict, total=False):
    """Keywords of :class:`Socket` (and of :func:`connect`)."""

    allow_half_open: bool
    pause_on_connect: bool
    no_delay: bool
    keep_alive: bool
    keep_alive_initial_delay: float
    high_water_mark: int | None
    readable_high_water_mark: int | None
    writable_high_water_mark: int | None
    signal: AbortSignal | None


class ConnectOptions(TypedDict, total=False):
    """Keywords of :meth:`Socket.connect` (and of :func:`connect`)."""

    path: str | None
    family: int
    local_address: str | None
    local_port: int | None
    timeout: float | None
    ssl: _ssl.SSLContext | None
    server_hostname: str | None


class ConnectionOptions(SocketOptions, ConnectOptions, total=False):
    """Every keyword of :func:`connect`."""


_DUPLEX_KEYS = ("high_water_mark", "readable_high_water_mark", "writable_high_water_mark", "signal")


class Socket(Duplex):
    """One stream connection (TCP over IPv4/IPv6, or a Unix domain socket).

    Made by a :class:`~rillet.net.Server` for each connection it accepts, or by
    :func:`connect`. Events: ``'connect'`` and ``'ready'`` (client side), ``'data'``,
    ``'end'`` (the peer's FIN), ``'drain'``, ``'finish'``, ``'timeout'``, ``'error'``
    (Node's codes: ``ECONNREFUSED``, ``ECONNRESET``...), ``'close'`` with ``had_error``.

    ``no_delay`` defaults to True here (TCP_NODELAY on every connection, unlike Node);
    ``allow_half_open`` to False, as in Node.
    """

    __slots__ = (
        "_bytes_dispatched",
        "_bytes_read",
        "_close_on_lost",
        "_connect_task",
        "_connecting",
        "_data_handler",
        "_end_handler",
        "_eof",
        "_had_error",
        "_held",
        "_keep_alive",
        "_keep_open",
        "_last_active",
        "_last_write_size",
        "_loop",
        "_no_delay",
        "_peername",
        "_pending_final",
        "_pending_writes",
        "_piped",
        "_reading_paused",
        "_sockname",
        "_timeout",
        "_timer",
        "_transport",
        "_write_paused",
        "pause_on_connect",
        "server",
    )

    def __init__(self, **options: Unpack[SocketOptions]) -> None:
        duplex_options: dict[str, Any] = {k: v for k, v in options.items() if k in _DUPLEX_KEYS}
        # 'close' is emitted here, with had_error, once the transport is gone (Node's way).
        Duplex.__init__(
            self,
            allow_half_open=bool(options.get("allow_half_open", False)),
            emit_close=False,
            **duplex_options,
        )
        self.server: Server | None = None
        self.pause_on_connect = bool(options.get("pause_on_connect", False))
        self._transport: asyncio.Transport | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connecting = False
        self._connect_task: asyncio.Task[None] | None = None
        # Writes made while connecting, sent in order once connected.
        self._pending_writes: list[tuple[bytes | list[bytes], Callback]] = []
        self._pending_final: Callback | None = None
        # Callbacks of writes the transport has taken while backed up (or lost).
        self._held: list[Callback] = []
        self._write_paused = False
        self._reading_paused = False
        self._bytes_read = 0
        self._bytes_dispatched = 0
        self._timeout = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._last_active = 0.0
        self._last_write_size = 0
        self._data_handler: DataHandler | None = None
        self._end_handler: Callable[[], None] | None = None
        self._keep_open = True
        self._eof = False
        self._no_delay = bool(options.get("no_delay", True))
        self._keep_alive: tuple[bool, float] | None = None
        if options.get("keep_alive"):
            self._keep_alive = (True, options.get("keep_alive_initial_delay", 0))
        self._close_on_lost = False
        self._had_error = False
        self._peername: Any = None
        self._sockname: Any = None
        self._piped: list[Any] = []
        self.on("pipe", self._on_pipe)

    # -- connecting ----------------------------------------------------------------

    def connect(
        self,
        port: int | str | None = None,
        host: str | Callback | None = None,
        listener: Callback | None = None,
        **options: Unpack[ConnectOptions],
    ) -> Socket:
        """Open the connection: to ``host:port`` (``host`` defaults to ``'localhost'``),
        or to the Unix socket ``path`` (also accepted as ``port`` when not numeric).

        Returns at once; ``'connect'`` and ``'ready'`` follow, or ``'error'`` (with
        ``code``, ``errno``, ``syscall='connect'``, ``address``, ``port``) then ``'close'``.
        ``listener`` is added as a ``'connect'`` listener; ``timeout`` calls
        :meth:`set_timeout`. Raises ``ERR_SOCKET_BAD_PORT`` for a port outside 0-65535,
        ``ERR_INVALID_STATE`` when the socket is already connecting or connected.
        Needs a running event loop.
        """
        if callable(host):
            listener, host = host, None
        path = options.get("path")
        if isinstance(port, str) and not port.isdigit():
            path, port = port, None
        tcp_port = _checked_port(port, "options.port") if path is None else 0
        if options.get("family", 0) not in _FAMILIES:
            raise invalid_arg_value("options.family", options.get("family"))
        if self._connecting or self._transport is not None:
            raise new_error("ERR_INVALID_STATE", "the socket is already connecting or connected")
        if self.destroyed:
            raise new_error("ERR_SOCKET_CLOSED")
        loop = asyncio.get_running_loop()
        self._loop = loop
        if listener is not None:
            self.once("connect", listener)
        timeout = options.get("timeout")
        if timeout is not None:
            self.set_timeout(timeout)
        self._connecting = True
        if path is not None:
            opening = self._open_unix(loop, path, options)
        else:
            opening = self._open_tcp(loop, host or "localhost", tcp_port, options)
        self._connect_task = loop.create_task(opening)
        return self

    def _protocol(self) -> SocketProtocol:
        return SocketProtocol(self)

    async def _open_unix(
        self, loop: asyncio.AbstractEventLoop, path: str, options: ConnectOptions
    ) -> None:
        try:
            await loop.create_unix_connection(self._protocol, path, **_tls(options, None))
        except _ssl.SSLError as exc:
            self._connect_failed(tls_error(exc))
        except OSError as exc:
            self._connect_failed(address_error(exc, "connect", path, None))

    async def _open_tcp(
        self, loop: asyncio.AbstractEventLoop, host: str, port: int, options: ConnectOptions
    ) -> None:
        family = _FAMILIES[options.get("family", 0)]
        local: tuple[str, int] | None = None
        if options.get("local_address") is not None or options.get("local_port") is not None:
            local = (options.get("local_address") or "", options.get("local_port") or 0)
        try:
            infos = await loop.getaddrinfo(host, port, family=family, type=_socket.SOCK_STREAM)
        except _socket.gaierror as exc:
            self._connect_failed(lookup_error(exc, host))
            return
        failure: BaseException | None = None
        # Each resolved address in turn, as Node does without autoSelectFamily.
        for info_family, _, _, _, sockaddr in infos:
            address = str(sockaddr[0])
            try:
                await loop.create_connection(
                    self._protocol,
                    address,
                    port,
                    family=info_family,
                    local_addr=local,
                    **_tls(options, host),
                )
                return
            except _ssl.SSLError as exc:
                self._connect_failed(tls_error(exc))
                return
            except OSError as exc:
                failure = address_error(exc, "connect", address, port)
        assert failure is not None
        self._connect_failed(failure)

    def _connect_failed(self, error: BaseException) -> None:
        self._connecting = False
        self._connect_task = None
        self.destroy(error)

    def _connected(self, transport: asyncio.Transport) -> None:
        """The client side's ``connection_made``."""
        self._connect_task = None
        if self.destroyed:
            # Destroyed while the connection was being made.
            transport.abort()
            return
        self._connecting = False
        self._attach(transport)
        final, self._pending_final = self._pending_final, None
        pending, self._pending_writes = self._pending_writes, []
        for data, callback in pending:
            self._send(data, callback)
        if final is not None:
            self._final(final)
        self.emit("connect")
        self.emit("ready")

    def _attach(self, transport: asyncio.Transport) -> None:
        """Take ``transport`` as this socket's (both sides' ``connection_made``)."""
        self._transport = transport
        self._loop = asyncio.get_running_loop()
        keep_heap_pad()
        # An SSL transport cannot half-close: asyncio ignores a True from eof_received.
        self._keep_open = transport.get_extra_info("sslcontext") is None
        if self._is_tcp():
            if self._no_delay:
                self._set_option(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            if self._keep_alive is not None:
                self.set_keep_alive(*self._keep_alive)
        if self.pause_on_connect:
            self._readable_state.flowing = False
            self.pause_reading()
            # uvloop starts reading once connection_made returns: pause again after it.
            self._loop.call_soon(self._repause)
        if self._timeout:
            self._touch()

    # -- the readable side -------------------------------------------------------------

    def _read(self, size: int) -> None:
        if self._data_handler is None:
            self.resume_reading()

    def _on_eof(self) -> bool:
        self._eof = True
        if self._end_handler is not None:
            self._end_handler()
        else:
            self.push(None)
            # As Node does: lets 'end' come now when nothing is left to read.
            self.read(0)
        return self._keep_open

    def pause_reading(self) -> None:
        """Stop reading from the transport (the kernel's buffers then fill and the peer
        slows down). For a layer that consumes the socket through
        :meth:`set_data_handler`; stream consumers use ``pause()``/``resume()``."""
        transport = self._transport
        if not self._reading_paused and transport is not None:
            self._reading_paused = True
            transport.pause_reading()

    def _repause(self) -> None:
        transport = self._transport
        if self._reading_paused and transport is not None:
            transport.pause_reading()

    def resume_reading(self) -> None:
        """Undo :meth:`pause_reading` (nothing to resume after the peer's EOF)."""
        transport = self._transport
        if self._reading_paused and transport is not None and not self._eof:
            self._reading_paused = False
            transport.resume_reading()

    def set_data_handler(
        self, on_data: DataHandler | None, on_end: Callable[[], None] | None = None
    ) -> None:
        """Take over the incoming bytes: each chunk the transport delivers goes to
        ``on_data(chunk)`` at once, never through the readable side (no ``'data'``
        event, no buffering, no automatic pause). ``on_end()``, if given, replaces the
        end-of-stream push when the peer half-closes. ``bytes_read`` and the idle
        timeout still count the data.

        While a handler is set the caller owns flow control: :meth:`pause_reading` and
        :meth:`resume_reading`. ``set_data_handler(None)`` gives the bytes back to the
        readable side and resumes reading (hand leftover bytes back with ``unshift``).
        """
        self._data_handler = on_data
        self._end_handler = on_end if on_data is not None else None
        if on_data is None and self.readable_length < self.readable_high_water_mark:
            self.resume_reading()

    # -- the writable side -------------------------------------------------------------

    def write(
        self, chunk: Any, encoding: str | Callback | None = None, callback: Callback | None = None
    ) -> bool:
        """Queue ``chunk`` (see :meth:`Writable.write`). False also while the transport
        is backed up; ``'drain'`` follows when it has taken everything."""
        ok = Writable.write(self, chunk, encoding, callback)
        if self._write_paused:
            self._writable_state.need_drain = True
            return False
        return ok

    def _write(self, chunk: bytes, encoding: str, callback: Callback) -> None:
        self._send(chunk, callback)

    def _writev(self, chunks: list[WriteRequest], callback: Callback) -> None:
        self._send([request.chunk for request in chunks], callback)

    def _send(self, data: bytes | list[bytes], callback: Callback) -> None:
        """Hand ``data`` (bytes, or a list sent with one ``writelines``) to the transport
        now; ``callback()`` runs once the transport has taken it: at once, or at
        ``resume_writing`` while it is backed up, or (without an error) on destroy.

        The Writable side's ``_write``, and rillet's hook for the HTTP layer: it skips
        the Writable queue, so call it only while ``writable_length`` is 0 and the
        socket is not corked, or the bytes overtake queued ones. Sends made while
        connecting go out in order on connection; on a closed socket ``callback``
        gets ``ERR_SOCKET_CLOSED``.
        """
        transport = self._transport
        if transport is None:
            if self._connecting:
                self._pending_writes.append((data, callback))
            else:
                callback(new_error("ERR_SOCKET_CLOSED"))
            return
        if transport.is_closing():
            # The transport failed (its connection_lost is on the way) and would drop the
            # bytes silently: keep the write in flight, so a producer stops here.
            self._held.append(callback)
            return
        if isinstance(data, bytes):
            transport.write(data)
            self._bytes_dispatched += len(data)
        else:
            transport.writelines(data)
            self._bytes_dispatched += sum(map(len, data))
        if self._timeout:
            self._touch()
        if self._write_paused:
            self._held.append(callback)
        else:
            callback()

    def _on_resume_writing(self) -> None:
        self._write_paused = False
        if self._timeout:
            self._touch()
        if self._held:
            self._release_held()

    def _release_held(self) -> None:
        held, self._held = self._held, []
        for callback in held:
            callback()

    def _final(self, callback: Callback) -> None:
        if self._connecting:
            self._pending_final = callback
            return
        transport = self._transport
        if transport is not None and not transport.is_closing():
            if transport.can_write_eof():
                transport.write_eof()
            else:
                # TLS cannot half-close: end the whole connection once flushed.
                transport.close()
        callback()

    def destroy_soon(self) -> None:
        """End the writable side, then destroy the socket once it has finished."""
        if self.writable:
            self.end()
        if self.writable_finished:
            self.destroy()
        else:
            self.once("finish", self.destroy)

    # -- destruction -----------------------------------------------------------------

    def _destroy(self, error: BaseException | None, callback: Callback) -> None:
        self._connecting = False
        task = self._connect_task
        self._connect_task = None
        if task is not None and not task.done():
            task.cancel()
        self._cancel_timer()
        self._had_error = error is not None
        self._pending_writes = []
        self._pending_final = None
        if not self._writable_state.finished:
            self._destroy_sources()
        transport = self._transport
        if transport is not None:
            self._close_on_lost = True
            if error is None and self._writable_state.finished:
                transport.close()
            else:
                transport.abort()
        callback(error)
        # Node completes a write cut short by destroy() without an error; the queued
        # ones then fail with ERR_STREAM_DESTROYED.
        self._release_held()
        if transport is None:
            next_tick(self._emit_close)

    def _on_connection_lost(self, exc: BaseException | None) -> None:
        self._transport = None
        self._write_paused = False
        if not self.destroyed:
            # An OSError is the connection's failure; anything else is a listener's
            # exception the transport caught in data_received: that is the error.
            error = transport_error(exc) if isinstance(exc, OSError) else exc
            self.destroy(error)
        elif self._close_on_lost:
            next_tick(self._emit_close)

    def _destroy_sources(self) -> None:
        # Before 'error' unpipes them: a source left unpiped would stay paused forever.
        piped, self._piped = self._piped, []
        for source in piped:
            state = getattr(source, "_readable_state", None)
            if state is not None and not state.destroyed and self in state.pipes:
                source.destroy()

    def _emit_close(self) -> None:
        server = self.server
        if server is not None:
            server._forget(self)
        self.emit("close", self._had_error)

    def _on_pipe(self, source: Any) -> None:
        self._piped = [s for s in self._piped if not getattr(s, "destroyed", True)]
        self._piped.append(source)

    # -- timeout ---------------------------------------------------------------------

    def set_timeout(self, timeout: float, callback: Callback | None = None) -> Socket:
        """Emit ``'timeout'`` after ``timeout`` ms without activity (data read or
        written, or progress of the transport's write buffer); 0 disables it.

        ``'timeout'`` only notifies: the socket stays open until you end or destroy
        it. ``callback`` becomes a once-listener of ``'timeout'`` (with 0, it is
        removed). Raises ``ERR_INVALID_ARG_TYPE`` / ``ERR_OUT_OF_RANGE`` for a bad value.
        """
        if isinstance(timeout, bool) or not isinstance(timeout, int | float):
            raise invalid_arg_type("msecs", "of type number", timeout)
        if timeout < 0 or not math.isfinite(timeout):
            raise out_of_range("msecs", "a non-negative finite number", timeout)
        self._cancel_timer()
        self._timeout = timeout / 1000
        if callback is not None:
            if timeout:
                self.once("timeout", callback)
            else:
                self.remove_listener("timeout", callback)
        if timeout and not self.destroyed:
            if self._loop is None:
                self._loop = asyncio.get_running_loop()
            self._last_write_size = 0
            self._touch()
        return self

    @property
    def timeout(self) -> float | None:
        """The idle timeout in ms set by :meth:`set_timeout`, or None."""
        return self._timeout * 1000 if self._timeout else None

    def _touch(self) -> None:
        loop = self._loop
        assert loop is not None
        self._last_active = now = loop.time()
        if self._timer is None and not self.destroyed:
            self._timer = loop.call_at(now + self._timeout, self._on_timer)

    def _cancel_timer(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    def _on_timer(self) -> None:
        self._timer = None
        loop = self._loop
        if self.destroyed or not self._timeout or loop is None:
            return
        deadline = self._last_active + self._timeout
        if loop.time() < deadline - 0.001:
            self._timer = loop.call_at(deadline, self._on_timer)
            return
        transport = self._transport
        size = transport.get_write_buffer_size() if transport is not None else 0
        if size and size != self._last_write_size:
            # The peer is still taking data, slowly: that is activity too (Node's rule).
            self._last_write_size = size
            self._touch()
            return
        self._last_write_size = size
        self.emit("timeout")

    # -- socket options ----------------------------------------------------------------

    def _is_tcp(self) -> bool:
        sock = self._raw_socket()
        return sock is not None and sock.family in (_socket.AF_INET, _socket.AF_INET6)

    def _raw_socket(self) -> Any:
        transport = self._transport
        return transport.get_extra_info("socket") if transport is not None else None

    def _set_option(self, level: int, option: int, value: int) -> None:
        sock = self._raw_socket()
        if sock is not None:
            sock.setsockopt(level, option, value)

    def set_no_delay(self, no_delay: bool = True) -> Socket:
        """Turn Nagle's algorithm off (``no_delay=True``, rillet's default) or on.

        Applied now, or on connection if the socket is still connecting. A Unix socket
        ignores it."""
        self._no_delay = bool(no_delay)
        if self._is_tcp():
            self._set_option(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, int(self._no_delay))
        return self

    def set_keep_alive(self, enable: bool = False, initial_delay: float = 0) -> Socket:
        """Turn TCP keep-alive probes on or off; ``initial_delay`` (ms, rounded down to
        seconds) is the idle time before the first probe (0 keeps the system's)."""
        self._keep_alive = (bool(enable), initial_delay)
        if self._is_tcp():
            self._set_option(_socket.SOL_SOCKET, _socket.SO_KEEPALIVE, int(bool(enable)))
            seconds = int(initial_delay // 1000)
            if enable and seconds > 0:
                self._set_option(_socket.IPPROTO_TCP, _socket.TCP_KEEPIDLE, seconds)
        return self

    # -- addresses and counters --------------------------------------------------------

    def _peer(self) -> dict[str, Any]:
        if self._peername is None and self._transport is not None:
            self._peername = self._transport.get_extra_info("peername")
        return address_info(self._peername)

    def address(self) -> dict[str, Any]:
        """The local end: ``{'address', 'family', 'port'}`` (``{}`` for a Unix socket
        or before the connection is made)."""
        if self._sockname is None and self._transport is not None:
            self._sockname = self._transport.get_extra_info("sockname")
        return address_info(self._sockname)

    @property
    def remote_address(self) -> str | None:
        """The peer's IP address (None for a Unix socket or before connecting)."""
        return self._peer().get("address")

    @property
    def remote_port(self) -> int | None:
        """The peer's port."""
        return self._peer().get("port")

    @property
    def remote_family(self) -> str | None:
        """``'IPv4'`` or ``'IPv6'``."""
        return self._peer().get("family")

    @property
    def local_address(self) -> str | None:
        """The local IP address the connection uses."""
        return self.address().get("address")

    @property
    def local_port(self) -> int | None:
        """The local port."""
        return self.address().get("port")

    @property
    def local_family(self) -> str | None:
        """``'IPv4'`` or ``'IPv6'``."""
        address = self.local_address
        return family_name(address) if address is not None else None

    @property
    def bytes_read(self) -> int:
        """Bytes received so far."""
        return self._bytes_read

    @property
    def bytes_written(self) -> int:
        """Bytes handed to the transport, plus those still queued in the Writable
        (as Node counts them)."""
        state = self._writable_state
        in_flight = state.writelen if state.writing and not self._pending_writes else 0
        return self._bytes_dispatched + state.length - in_flight

    @property
    def connecting(self) -> bool:
        """True between :meth:`connect` and ``'connect'``."""
        return self._connecting

    @property
    def pending(self) -> bool:
        """True until the connection is made."""
        return self._transport is None or self._connecting

    @property
    def ready_state(self) -> str:
        """``'opening'``, ``'open'``, ``'readOnly'``, ``'writeOnly'`` or ``'closed'``."""
        if self._connecting:
            return "opening"
        if self.readable:
            return "open" if self.writable else "readOnly"
        return "writeOnly" if self.writable else "closed"

    @property
    def transport(self) -> asyncio.Transport | None:
        """The asyncio transport, once connected (None before and after).

        For layers built on the socket, e.g. to wait until its buffer is empty before
        a ``sendfile``; write to it directly only while ``writable_length`` is 0, or
        the bytes overtake the queued ones.
        """
        return self._transport


def _checked_port(port: object, name: str) -> int:
    if isinstance(port, str) and port.isdigit():
        port = int(port)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port < 65536:
        shown = f"type {type(port).__name__} ({port!r})"
        raise new_error("ERR_SOCKET_BAD_PORT", name, shown)
    return port


def _tls(options: ConnectOptions, host: str | None) -> dict[str, Any]:
    """The ``ssl``/``server_hostname`` keywords for the loop, when TLS is asked for."""
    context = options.get("ssl")
    if context is None:
        return {}
    return {"ssl": context, "server_hostname": options.get("server_hostname") or host}


def connect(
    port: int | str | None = None,
    host: str | Callback | None = None,
    listener: Callback | None = None,
    **options: Unpack[ConnectionOptions],
) -> Socket:
    """A new :class:`Socket` connecting to ``host:port`` or to the Unix socket ``path``
    (Node's ``net.connect``/``net.createConnection``). Returns at once: see
    :meth:`Socket.connect` for the events and what is raised.
    """
    socket_keys = SocketOptions.__annotations__
    socket_options: dict[str, Any] = {k: v for k, v in options.items() if k in socket_keys}
    connect_options: dict[str, Any] = {k: v for k, v in options.items() if k not in socket_keys}
    return Socket(**socket_options).connect(port, host, listener, **connect_options)
