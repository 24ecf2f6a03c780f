"""What ``rillet serve`` shows: an access-log line per finished request, and on a
terminal a live table of the transfers in flight (path, client, bytes sent of total,
current rate, and whether the transfer waits on a slow client).

Both read the response and its socket when a request ends or when the table redraws
(four times a second), so they cost nothing per chunk. rich redraws from its own
thread: it copies the set of active transfers in one step and only reads them.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table

from rillet.static import Transfer, TransferRegistry

__all__ = ["AccessLog", "LiveView"]

Handler = Callable[[Any, Any], Awaitable[None] | None]

_ROWS = 20
_RATE_WINDOW = 2.0  # seconds of samples behind the "rate" column


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def _client(transfer: Transfer) -> str:
    """``address:port`` of the transfer's peer (two downloads from one host differ)."""
    socket = getattr(transfer.response, "socket", None)
    port = getattr(socket, "remote_port", None)
    if port is None:
        return transfer.client
    host = f"[{transfer.client}]" if ":" in transfer.client else transfer.client
    return f"{host}:{port}"


class _Rates:
    """Each transfer's rate over the last couple of seconds, from the samples taken at
    each redraw (the average since the start until there are two)."""

    def __init__(self) -> None:
        self._samples: dict[Transfer, deque[tuple[float, int]]] = {}

    def measure(self, transfers: list[Transfer]) -> dict[Transfer, float]:
        now = time.monotonic()
        rates = {}
        for transfer in transfers:
            samples = self._samples.setdefault(transfer, deque())
            samples.append((now, transfer.bytes_sent))
            while now - samples[0][0] > _RATE_WINDOW:
                samples.popleft()
            (first, sent_first), (last, sent_last) = samples[0], samples[-1]
            rates[transfer] = (
                (sent_last - sent_first) / (last - first) if last > first else transfer.rate
            )
        for gone in self._samples.keys() - rates.keys():
            del self._samples[gone]
        return rates


class LiveView:
    """A live table of active transfers on a terminal (rich)."""

    def __init__(self, stats: TransferRegistry, stream: TextIO) -> None:
        self.stats = stats
        self.console = Console(file=stream, force_terminal=True)
        self._rates = _Rates()
        self.live = Live(console=self.console, refresh_per_second=4, get_renderable=self._table)

    def _table(self) -> Table:
        table = Table(title="rillet: active transfers", expand=False)
        for column in ("path", "client", "sent", "rate", "state"):
            table.add_column(column, justify="right" if column in ("sent", "rate") else "left")
        # sorted() copies the set in one step of the interpreter: the loop may change it.
        transfers = sorted(self.stats.active, key=lambda t: t.started)
        rates = self._rates.measure(transfers)
        for transfer in transfers[:_ROWS]:
            total = f" of {_size(transfer.total)}" if transfer.total is not None else ""
            table.add_row(
                transfer.path,
                _client(transfer),
                f"{_size(transfer.bytes_sent)}{total}",
                f"{_size(rates[transfer])}/s",
                "waiting on client" if transfer.waiting else "sending",
            )
        if len(transfers) > _ROWS:
            table.add_row(f"… and {len(transfers) - _ROWS} more", "", "", "", "")
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

        def logged(req: Any, res: Any) -> Awaitable[None] | None:
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
            return handler(req, res)

        return logged

    def write(self, line: str) -> None:
        """Emit one log line."""
        if self.view is not None:
            self.view.print(line)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()
