"""Accept-Encoding negotiation (RFC 9110 §12.5.3) among the codings rillet can send.

The client's q-values decide; among equal q-values the server prefers the codings the
caller names as ``preferred`` (stored precompressed files), then br, then zstd, then
gzip; a coding with q=0 is never sent. Like nginx, any acceptable coding beats
identity, and no Accept-Encoding header means identity.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

__all__ = ["CODINGS", "add_vary", "choose_coding", "parse_accept_encoding"]

CODINGS: Final = ("br", "zstd", "gzip")
_ALIASES: Final = {"x-gzip": "gzip"}


def parse_accept_encoding(header: str) -> dict[str, float]:
    """Coding → q-value, lower-cased; a malformed q counts as 0."""
    weights: dict[str, float] = {}
    for item in header.split(","):
        name, *params = (piece.strip() for piece in item.split(";"))
        if not name:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
                q = q if 0.0 <= q <= 1.0 else 0.0
        name = _ALIASES.get(name.lower(), name.lower())
        weights[name] = max(q, weights.get(name, q))
    return weights


def choose_coding(
    header: str | None, available: Iterable[str], preferred: Iterable[str] = ()
) -> str:
    """The coding to send: the one of ``available`` (a subset of :data:`CODINGS`) with
    the highest q > 0, ties going to ``preferred`` codings, then to the server's order;
    else ``'identity'``."""
    if not header:
        return "identity"
    weights = parse_accept_encoding(header)
    star = weights.get("*", 0.0)
    best, best_q = "identity", 0.0
    offered = set(available)
    first = set(preferred)
    for coding in sorted(CODINGS, key=lambda c: c not in first):  # stable: keeps the order
        q = weights.get(coding, star)
        if coding in offered and q > best_q:
            best, best_q = coding, q
    return best


def add_vary(res: Any, field: str) -> None:
    """Name ``field`` in the ``Vary`` header of ``res``, keeping the fields already named
    there (CORS adds ``Origin`` before the file or listing adds its own)."""
    current = res.get_header("Vary")
    if not current:
        res.set_header("Vary", field)
    elif field.lower() not in (name.strip().lower() for name in str(current).split(",")):
        res.set_header("Vary", f"{current}, {field}")
