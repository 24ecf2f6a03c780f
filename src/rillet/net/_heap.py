"""Keep some freed heap for the next socket read instead of handing it back at once.

uvloop reads a socket up to 256 KiB at a time into a new ``bytes`` object, and the HTTP
parser hands bodies on in slices as large. With glibc's default heuristics, freeing such
objects shrinks the heap (``brk``) and the next read grows it again, the kernel zeroing
every page anew: on a fast upload that was nearly all of the server's CPU time (1 GB
took 1.4 s of system time; with the pad, 0.1 s). :func:`keep_heap_pad` sets glibc's
``M_TOP_PAD`` so that up to :data:`HEAP_PAD` bytes stay at the top of the heap for reuse.

Guarantees: the pad is set at most once per process, and only where ``mallopt`` exists
(glibc); elsewhere nothing happens. Memory the program really uses is unchanged; at
most :data:`HEAP_PAD` freed bytes stay mapped (and are reused before any new page).
"""

from __future__ import annotations

import ctypes
from typing import Final

__all__ = ["HEAP_PAD", "keep_heap_pad"]

HEAP_PAD: Final = 4 * 1024 * 1024
_M_TOP_PAD: Final = -2  # glibc's malloc.h

_done = False


def keep_heap_pad() -> bool:
    """Set the heap's top pad once; True if this call set it."""
    global _done
    if _done:
        return False
    _done = True
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_TOP_PAD, HEAP_PAD))
