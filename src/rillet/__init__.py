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

# The I/O modules load on first use (``rillet.fs``...), so importing rillet stays cheap
# and touches no descriptor (``rillet.process`` opens stdin only when asked).
_SUBMODULES = frozenset(
    {"child_process", "consumers", "fs", "http", "https", "net", "process", "static",
     "streams", "web", "zlib"}
)  # fmt: skip


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        import importlib

        module = importlib.import_module(f"rillet.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'rillet' has no attribute {name!r}")


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
    "child_process",
    "compose",
    "consumers",
    "duplex_pair",
    "errors",
    "finished",
    "fs",
    "get_default_high_water_mark",
    "http",
    "https",
    "net",
    "on",
    "once",
    "pipeline",
    "process",
    "set_default_high_water_mark",
    "static",
    "streams",
    "web",
    "zlib",
]
