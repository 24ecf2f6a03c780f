"""What the server-side and client-side protocol tests share (no tests here)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def pieces(data: bytes, cuts: list[int] | None) -> Iterator[bytes]:
    """``data`` cut at the positions in ``cuts``; every position (byte by byte) when None."""
    points = sorted(set(cuts if cuts is not None else range(1, len(data))))
    start = 0
    for point in [*points, len(data)]:
        if point > start:
            yield data[start:point]
            start = point


class EventLog:
    """The recording part of a sink: events in order, consecutive body pieces merged into one
    (so that any split gives the same log), and after an upgrade the bytes that now belong to
    the new protocol appended to the upgrade event, as a real peer would take them."""

    conn: Any

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    @property
    def upgraded(self) -> bool:
        return bool(self.events) and self.events[-1][0] == "upgrade"

    def feed(self, data: bytes) -> None:
        if self.upgraded:
            *event, rest = self.events[-1]
            self.events[-1] = (*event, rest + data)
        else:
            self.conn.receive_data(data)

    def on_body(self, data: bytes) -> None:
        assert data, "empty body piece"
        if self.events and self.events[-1][0] == "body":
            self.events[-1] = ("body", self.events[-1][1] + data)
        else:
            self.events.append(("body", data))
