"""HTTP Basic authentication with a constant-time comparison."""

from __future__ import annotations

import base64
import binascii
import hmac

__all__ = ["BasicAuth"]


class BasicAuth:
    """Checks ``Authorization: Basic ...`` against one ``USER:PASSWORD``."""

    def __init__(self, credentials: str, realm: str = "rillet") -> None:
        self._expected = credentials.encode("utf-8")
        self.challenge = f'Basic realm="{realm}", charset="UTF-8"'

    def allows(self, header: str | None) -> bool:
        """Whether ``header`` carries the right credentials (compared in constant time)."""
        if not header:
            return False
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            given = base64.b64decode(token.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        return hmac.compare_digest(given, self._expected)
