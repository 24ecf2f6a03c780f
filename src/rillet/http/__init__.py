"""HTTP/1.1 as Node's ``http`` module: servers and clients whose messages are streams.

Built on a sans-IO protocol layer (``rillet.http._protocol``: httptools in, bytes out).
"""

from rillet.http._agent import Agent, AgentOptions, global_agent
from rillet.http._client import RequestOptions, get, request
from rillet.http._client_request import ClientRequest, Information
from rillet.http._fetch import Response, fetch
from rillet.http._fetch_headers import Headers
from rillet.http._incoming import IncomingMessage
from rillet.http._outgoing import OutgoingMessage
from rillet.http._server import Server, ServerOptions, create_server
from rillet.http._server_response import ServerResponse
from rillet.http._status import METHODS, STATUS_CODES

__all__ = [
    "METHODS",
    "STATUS_CODES",
    "Agent",
    "AgentOptions",
    "ClientRequest",
    "Headers",
    "IncomingMessage",
    "Information",
    "OutgoingMessage",
    "RequestOptions",
    "Response",
    "Server",
    "ServerOptions",
    "ServerResponse",
    "create_server",
    "fetch",
    "get",
    "global_agent",
    "request",
]
