"""Node's file-open flag strings (``'r'``, ``'w'``, ``'a'``, ``'wx'``...) as ``os.O_*`` bits."""

from __future__ import annotations

import os
from typing import Final

from rillet.errors import invalid_arg_value

__all__ = ["WRITE_ACCESS", "string_to_flags"]

_R: Final = os.O_RDONLY
_RW: Final = os.O_RDWR
_W: Final = os.O_TRUNC | os.O_CREAT | os.O_WRONLY
_WR: Final = os.O_TRUNC | os.O_CREAT | os.O_RDWR
_A: Final = os.O_APPEND | os.O_CREAT | os.O_WRONLY
_AR: Final = os.O_APPEND | os.O_CREAT | os.O_RDWR
_X: Final = os.O_EXCL
_S: Final = os.O_SYNC

# Node's stringToFlags table; 'x' (fail if the file exists) and 's' (synchronous I/O)
# may stand on either side of the letter.
_TABLE: Final[dict[str, int]] = {
    "r": _R,
    "rs": _R | _S,
    "sr": _R | _S,
    "r+": _RW,
    "rs+": _RW | _S,
    "sr+": _RW | _S,
    "w": _W,
    "wx": _W | _X,
    "xw": _W | _X,
    "w+": _WR,
    "wx+": _WR | _X,
    "xw+": _WR | _X,
    "a": _A,
    "ax": _A | _X,
    "xa": _A | _X,
    "as": _A | _S,
    "sa": _A | _S,
    "a+": _AR,
    "ax+": _AR | _X,
    "xa+": _AR | _X,
    "as+": _AR | _S,
    "sa+": _AR | _S,
}

#: The access bits of a descriptor that can be written through.
WRITE_ACCESS: Final = os.O_WRONLY | os.O_RDWR


def string_to_flags(flags: str | int | None, name: str = "flags") -> int:
    """The ``os.open`` flags for Node's ``flags`` value (an int passes through, None is
    ``'r'``). Raises ``ERR_INVALID_ARG_VALUE`` for an unknown string."""
    if flags is None:
        return _R
    if isinstance(flags, int) and not isinstance(flags, bool):
        return flags
    if isinstance(flags, str) and flags in _TABLE:
        return _TABLE[flags]
    raise invalid_arg_value(name, flags)
