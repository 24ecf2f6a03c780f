"""Header helpers: Node's rules for ``req.headers`` and the checks on outgoing headers.

Incoming headers arrive from the parser as ``(name, value)`` pairs of ``bytes`` in wire order
and original case. They are decoded as latin-1, as Node decodes them, only when asked for:
:func:`headers_dict` gives Node's ``message.headers``, :func:`headers_distinct` its
``message.headersDistinct`` and :func:`raw_header_list` its ``message.rawHeaders``.

Outgoing headers are checked with Node's rules: :func:`validate_header_name` raises
``ERR_INVALID_HTTP_TOKEN``, :func:`validate_header_value` raises ``ERR_HTTP_INVALID_HEADER_VALUE``
for ``None`` and ``ERR_INVALID_CHAR`` for a character a header may not carry (CR, LF, NUL and
the other controls except tab, or anything above U+00FF), so no header can inject another.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rillet.errors import new_error

__all__ = [
    "FIRST_ONLY",
    "headers_dict",
    "headers_distinct",
    "invalid_header_char",
    "is_token",
    "raw_header_list",
    "validate_header_name",
    "validate_header_value",
]

#: Headers whose repeats Node drops from ``message.headers`` (the first one wins).
FIRST_ONLY = frozenset(
    {
        "age",
        "authorization",
        "content-length",
        "content-type",
        "etag",
        "expires",
        "from",
        "host",
        "if-modified-since",
        "if-unmodified-since",
        "last-modified",
        "location",
        "max-forwards",
        "proxy-authorization",
        "referer",
        "retry-after",
        "server",
        "user-agent",
    }
)

# RFC 9110 token, as Node's checkIsHttpToken.
is_token = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+").fullmatch
# Node's checkInvalidHeaderChar: anything but tab, visible ASCII, space and latin-1 upper half.
invalid_header_char = re.compile(r"[^\t\x20-\x7e\x80-\xff]").search

# Decoded, lower-cased names: a few dozen distinct names cover almost all traffic.
_NAMES: dict[bytes, str] = {}
_NAMES_MAX = 512


def _name(raw: bytes) -> str:
    name = _NAMES.get(raw)
    if name is None:
        name = raw.decode("latin-1").lower()
        if len(_NAMES) < _NAMES_MAX:
            _NAMES[raw] = name
    return name


def headers_dict(pairs: Iterable[tuple[bytes, bytes]]) -> dict[str, str | list[str]]:
    """Node's ``message.headers``: lower-case names; repeats joined with ``', '`` (``'; '``
    for ``cookie``), ``set-cookie`` always a list, and the :data:`FIRST_ONLY` names keep their
    first value."""
    result: dict[str, str | list[str]] = {}
    for raw_name, raw_value in pairs:
        name = _name(raw_name)
        value = raw_value.decode("latin-1")
        old = result.get(name)
        if name == "set-cookie":
            if isinstance(old, list):
                old.append(value)
            else:
                result[name] = [value]
        elif old is None:
            result[name] = value
        elif name not in FIRST_ONLY:
            result[name] = f"{old}{'; ' if name == 'cookie' else ', '}{value}"
    return result


def headers_distinct(pairs: Iterable[tuple[bytes, bytes]]) -> dict[str, list[str]]:
    """Node's ``message.headersDistinct``: lower-case names, every value in a list."""
    result: dict[str, list[str]] = {}
    for raw_name, raw_value in pairs:
        result.setdefault(_name(raw_name), []).append(raw_value.decode("latin-1"))
    return result


def raw_header_list(pairs: Iterable[tuple[bytes, bytes]]) -> list[str]:
    """Node's ``message.rawHeaders``: names and values alternating, as received."""
    result: list[str] = []
    for raw_name, raw_value in pairs:
        result.append(raw_name.decode("latin-1"))
        result.append(raw_value.decode("latin-1"))
    return result


# Names already found valid: a server sets the same few dozen over and over.
_VALID_NAMES: set[str] = set()
_VALID_NAMES_MAX = 1024


def validate_header_name(name: object, label: str = "Header name") -> None:
    """Raise ``ERR_INVALID_HTTP_TOKEN`` unless ``name`` is a non-empty HTTP token."""
    if name.__class__ is str and name in _VALID_NAMES:
        return
    if not isinstance(name, str) or not is_token(name):
        raise new_error("ERR_INVALID_HTTP_TOKEN", label, name)
    if len(_VALID_NAMES) < _VALID_NAMES_MAX:
        _VALID_NAMES.add(name)


def validate_header_value(name: str, value: object) -> None:
    """Raise ``ERR_HTTP_INVALID_HEADER_VALUE`` for ``None`` and ``ERR_INVALID_CHAR`` when the
    value (or an item of a list value) holds a character a header may not carry."""
    if value.__class__ is str:
        if invalid_header_char(value):
            raise new_error("ERR_INVALID_CHAR", "header content", name)
        return
    if value is None:
        raise new_error("ERR_HTTP_INVALID_HEADER_VALUE", "undefined", name)
    items = value if isinstance(value, list | tuple) else (value,)
    for item in items:
        if invalid_header_char(str(item)):
            raise new_error("ERR_INVALID_CHAR", "header content", name)
