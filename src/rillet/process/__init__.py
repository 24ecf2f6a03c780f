"""Node's ``process.stdin``, ``process.stdout`` and ``process.stderr``, as streams.

Each is made on first access, so importing this module touches no descriptor:
``stdin`` is a Readable that never blocks the loop; ``stdout`` and ``stderr`` are
Writables that write synchronously, as Node's do on Linux, so ``print()`` beside them
keeps its order. ``pipe()`` and ``pipeline()`` into them never close descriptors 1
and 2::

    await rillet.pipeline(rillet.process.stdin, rillet.process.stdout)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rillet.process._stdin import create_stdin
from rillet.process._stdio_writer import StdioWriter, create_stderr, create_stdout

if TYPE_CHECKING:
    from rillet.streams import Readable

    stdin: Readable
    stdout: StdioWriter
    stderr: StdioWriter

__all__ = ["stderr", "stdin", "stdout"]

_MAKERS: dict[str, Callable[[], Any]] = {
    "stdin": create_stdin,
    "stdout": create_stdout,
    "stderr": create_stderr,
}


def __getattr__(name: str) -> Any:
    maker = _MAKERS.get(name)
    if maker is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    stream = globals()[name] = maker()
    return stream
