"""rillet: Node.js streams for Python, on asyncio.

Readable, Writable, Duplex and Transform with real backpressure, ``pipe`` and
``pipeline``, Web Streams, and the I/O Node builds on them: files, TCP, HTTP, zlib,
stdio and child processes. See ``API.md`` for the names: Node's, in PEP 8 spelling.
"""

from rillet import errors
from rillet._core import AbortController, AbortSignal, EventEmitter, on, once
from rillet.streams import (
    Duplex,
    PassThrough,
    Readable,
    Stream,
    Transform,
    Writable,
    add_abort_signal,
    compose,
    duplex_pair,
    finished,
    get_default_high_water_mark,
    pipeline,
    set_default_high_water_mark,
)

__version__ = "0.1.0"

__all__ = [
    "AbortController",
    "AbortSignal",
    "Duplex",
    "EventEmitter",
    "PassThrough",
    "Readable",
    "Stream",
    "Transform",
    "Writable",
    "add_abort_signal",
    "compose",
    "duplex_pair",
    "errors",
    "finished",
    "get_default_high_water_mark",
    "on",
    "once",
    "pipeline",
    "set_default_high_water_mark",
]
