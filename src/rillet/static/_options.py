"""The options of ``rillet serve`` and ``serve_static``: one table, one set of defaults.

Each field is the long command-line option in snake_case (``--rate-after`` →
``rate_after``). Sizes accept ``k``/``m``/``g`` suffixes (times 1024) on the command line
and in keywords.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any, Literal

from rillet.errors import invalid_arg_value

__all__ = ["ServeOptions", "parse_size"]

_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgKMG]?)[bB]?\s*")
_MULTIPLIERS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def parse_size(value: int | float | str) -> int:
    """Bytes from ``65536``, ``'64k'``, ``'1.5m'``, ``'1g'`` (suffixes multiply by 1024)."""
    if isinstance(value, bool):
        raise invalid_arg_value("size", value)
    if isinstance(value, int | float):
        if value < 0:
            raise invalid_arg_value("size", value)
        return int(value)
    match = _SIZE.fullmatch(value)
    if match is None:
        raise invalid_arg_value("size", value)
    number, unit = match.groups()
    return int(float(number) * _MULTIPLIERS[unit.lower()])


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """Every option of ``rillet serve`` with its default (see API.md, "Command line")."""

    host: str = "127.0.0.1"
    port: int = 4000
    chunk_size: int = 65536
    delay: float = 0
    rate: int | None = None
    rate_after: int = 0
    send_timeout: float = 60000
    max_connections: int = 10000
    cache_control: str = "no-cache"
    fallback: str | None = None
    max_upload: int = 1024**3
    cors: str | None = None
    listing: bool = True
    dotfiles: Literal["ignore", "deny", "allow"] = "ignore"
    compress: bool = True
    upload: bool = False
    auth: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    quiet: bool = False

    @classmethod
    def from_keywords(cls, **options: Any) -> ServeOptions:
        """Validate keywords as ``serve_static`` takes them (sizes may carry suffixes).

        Raises TypeError for an unknown option and ``ERR_INVALID_ARG_VALUE`` for a bad value.
        """
        known = {f.name for f in fields(cls)}
        unknown = set(options) - known
        if unknown:
            raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
        for name in ("chunk_size", "rate_after", "max_upload"):
            if name in options:
                options[name] = parse_size(options[name])
        if options.get("rate") is not None:
            options["rate"] = parse_size(options["rate"])
            if options["rate"] <= 0:
                raise invalid_arg_value("rate", options["rate"])
        if options.get("chunk_size", 1) <= 0:
            raise invalid_arg_value("chunk_size", options["chunk_size"])
        if options.get("dotfiles", "ignore") not in ("ignore", "deny", "allow"):
            raise invalid_arg_value("dotfiles", options["dotfiles"])
        auth = options.get("auth")
        if auth is not None and ":" not in auth:
            raise invalid_arg_value("auth", "USER:PASSWORD expected")
        if (options.get("tls_cert") is None) != (options.get("tls_key") is None):
            raise invalid_arg_value("tls_cert", "--tls-cert and --tls-key go together")
        return cls(**options)
