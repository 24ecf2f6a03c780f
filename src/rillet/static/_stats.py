"""What the server is streaming right now: the registry behind the terminal view and
the demo's statistics panel.

Recording costs nothing per chunk: a transfer keeps a reference to its response, and
the figures (bytes sent, waiting on the client) are read from the socket on demand.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Transfer", "TransferRegistry"]


@dataclass(eq=False, slots=True)
class Transfer:
    """One response in flight."""

    method: str
    path: str
    client: str
    total: int | None
    response: Any
    started: float = field(default_factory=time.monotonic)
    _socket_bytes_at_start: int = 0

    @property
    def bytes_sent(self) -> int:
        """Bytes written to the socket for this response so far (head included)."""
        socket = getattr(self.response, "socket", None)
        written = getattr(socket, "bytes_written", 0) if socket is not None else 0
        return max(0, int(written) - self._socket_bytes_at_start)

    @property
    def waiting(self) -> bool:
        """True while the client is not taking bytes (the response awaits 'drain')."""
        return bool(getattr(self.response, "waiting_on_client", False))

    @property
    def rate(self) -> float:
        """Average bytes per second since the start."""
        elapsed = time.monotonic() - self.started
        return self.bytes_sent / elapsed if elapsed > 0 else 0.0


class TransferRegistry:
    """The active transfers, recently finished ranges, and running totals."""

    def __init__(self) -> None:
        self.active: set[Transfer] = set()
        self.bytes_finished = 0
        self.recent_ranges: deque[str] = deque(maxlen=50)
        self.connections = 0

    def start(
        self, method: str, path: str, client: str, total: int | None, response: Any
    ) -> Transfer:
        """Record a response that is starting."""
        socket = getattr(response, "socket", None)
        transfer = Transfer(
            method,
            path,
            client,
            total,
            response,
            _socket_bytes_at_start=int(getattr(socket, "bytes_written", 0) or 0),
        )
        self.active.add(transfer)
        return transfer

    def finish(self, transfer: Transfer) -> None:
        """Record that ``transfer`` ended (completely or not)."""
        if transfer in self.active:
            self.active.discard(transfer)
            self.bytes_finished += transfer.bytes_sent

    def note_range(self, text: str) -> None:
        """Remember a Range answered (the demo shows them)."""
        self.recent_ranges.append(text)

    @property
    def bytes_sent(self) -> int:
        """All bytes sent: finished transfers plus the ones in flight."""
        return self.bytes_finished + sum(t.bytes_sent for t in self.active)

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        active = list(self.active)
        return {
            "active": len(active),
            "waiting": sum(1 for t in active if t.waiting),
            "bytes_sent": self.bytes_sent,
            "connections": self.connections,
            "transfers": [
                {
                    "path": t.path,
                    "client": t.client,
                    "sent": t.bytes_sent,
                    "total": t.total,
                    "rate": round(t.rate),
                    "waiting": t.waiting,
                }
                for t in sorted(active, key=lambda t: t.started)
            ],
        }
