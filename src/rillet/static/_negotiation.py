"""Accept-Encoding negotiation (RFC 9110 §12.5.3) among the codings rillet can send.

The client's q-values decide; among equal q-values the server prefers br, then zstd,
then gzip; a coding with q=0 is never sent. Like nginx, any acceptable coding beats
identity, and no Accept-Encoding header means identity.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

__all__ = ["CODINGS", "choose_coding", "parse_accept_encoding"]

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


def choose_coding(header: str | None, available: Iterable[str]) -> str:
    """The coding to send: the one of ``available`` (a subset of :data:`CODINGS`) with
    the highest q > 0, ties going to the server's order, else ``'identity'``."""
    if not header:
        return "identity"
    weights = parse_accept_encoding(header)
    star = weights.get("*", 0.0)
    best, best_q = "identity", 0.0
    offered = set(available)
    for coding in CODINGS:
        q = weights.get(coding, star)
        if coding in offered and q > best_q:
            best, best_q = coding, q
    return best
