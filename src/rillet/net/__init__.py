"""TCP and Unix domain sockets as streams (Node's ``net``).

``create_server(listener)`` → :class:`Server`; ``await server.listen(port, host)``;
each connection is a :class:`Socket`, a Duplex whose backpressure is the transport's.
``connect(port, host)`` (= ``create_connection``) returns a client :class:`Socket` at
once; it emits ``'connect'``, or ``'error'`` then ``'close'``.

    import rillet
    from rillet import net

    async def main():
        server = net.create_server(lambda socket: socket.pipe(socket))  # echo
        await server.listen(4000, "127.0.0.1")
"""

from rillet.net._server import Server, create_server
from rillet.net._socket import Socket, connect

create_connection = connect

__all__ = ["Server", "Socket", "connect", "create_connection", "create_server"]
