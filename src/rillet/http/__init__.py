"""HTTP/1.1 as Node's ``http`` module: servers and clients whose messages are streams.

Built on a sans-IO protocol layer (``rillet.http._protocol``: httptools in, bytes out).
"""

from rillet.http._status import METHODS, STATUS_CODES

__all__ = ["METHODS", "STATUS_CODES"]
