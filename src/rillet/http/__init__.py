"""HTTP/1.1 as Node's ``http`` module: servers and clients whose messages are streams.

Built on a sans-IO protocol layer (``rillet.http._protocol``: httptools in, bytes out).
"""

from rillet.http._incoming import IncomingMessage
from rillet.http._outgoing import OutgoingMessage
from rillet.http._server import Server, ServerOptions, create_server
from rillet.http._server_response import ServerResponse
from rillet.http._status import METHODS, STATUS_CODES

__all__ = [
    "METHODS",
    "STATUS_CODES",
    "IncomingMessage",
    "OutgoingMessage",
    "Server",
    "ServerOptions",
    "ServerResponse",
    "create_server",
]
