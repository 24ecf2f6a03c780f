"""What ``rillet serve`` shows: an access-log line per finished request, and on a
terminal a live table of the transfers in flight (path, client, bytes sent of total,
rate, and whether the transfer waits on a slow client).

Both read the response and its socket when a request ends or when the table redraws
(four times a second), so they cost nothing per chunk.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table

from rillet.static import TransferRegistry

__all__ = ["AccessLog", "LiveView"]

Handler = Callable[[Any, Any], Awaitable[None] | None]


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


class LiveView:
    """A live table of active transfers on a terminal (rich)."""

    def __init__(self, stats: TransferRegistry, stream: TextIO) -> None:
        self.stats = stats
        self.console = Console(file=stream, force_terminal=True)
        self.live = Live(
            self._table(), console=self.console, refresh_per_second=4, get_renderable=self._table
        )

    def _table(self) -> Table:
        table = Table(title="rillet: active transfers", expand=False)
        for column in ("path", "client", "sent", "rate", "state"):
            table.add_column(column, justify="right" if column in ("sent", "rate") else "left")
        transfers = sorted(self.stats.active, key=lambda t: t.started)
        for transfer in transfers[:20]:
            total = f" of {_size(transfer.total)}" if transfer.total is not None else ""
            table.add_row(
                transfer.path,
                transfer.client,
                f"{_size(transfer.bytes_sent)}{total}",
                f"{_size(transfer.rate)}/s",
                "waiting on client" if transfer.waiting else "sending",
            )
        if not transfers:
            table.add_row("(none)", "", "", "", "")
        return table

    def start(self) -> None:
        """Begin redrawing."""
        self.live.start()

    def stop(self) -> None:
        """Stop redrawing (the last frame stays)."""
        self.live.stop()

    def print(self, line: str) -> None:
        """Print a log line above the table."""
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)


class AccessLog:
    """One line per finished request on ``stream`` (or above the live view)."""

    def __init__(self, stream: TextIO, view: LiveView | None) -> None:
        self.stream = stream
        self.view = view

    def wrap(self, handler: Handler) -> Handler:
        """``handler``, logging each request when its response closes."""

        async def logged(req: Any, res: Any) -> None:
            started = time.monotonic()
            line = f"{req.method} {req.url} HTTP/{req.http_version}"
            socket = res.socket
            before = getattr(socket, "bytes_written", 0)
            client = getattr(socket, "remote_address", "-") or "-"

            def on_close(*_: Any) -> None:
                sent = getattr(socket, "bytes_written", before) - before
                outcome = "" if res.writable_finished else " (aborted)"
                self.write(
                    f'{client} "{line}" '
                    f"{res.status_code} {sent} {(time.monotonic() - started) * 1000:.1f}ms"
                    f"{outcome}"
                )

            res.once("close", on_close)
            result = handler(req, res)
            if result is not None:
                await result

        return logged

    def write(self, line: str) -> None:
        """Emit one log line."""
        if self.view is not None:
            self.view.print(line)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()
