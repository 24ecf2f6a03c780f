"""The bundled demo site of ``rillet serve``: five panels, each fed by a stream.

* ``/slow/...``: the site's files sent in 1000-byte chunks with a 10 ms pause after
  each (the seed demo), so the browser draws the images as bytes arrive;
* ``/api/feed``: endless NDJSON, produced only as fast as the page reads it;
* ``/api/stats``: server-sent events with live statistics, once a second;
* ``/api/config``: what the page may offer (uploads);
* ``/uploads/...``: PUT and DELETE into a temporary directory, with ``--upload``;
* everything else: the site's files, by the same handler as ``rillet serve ROOT``.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from rillet.static import StaticHandler, TransferRegistry
from rillet.static._options import ServeOptions
from rillet.streams import Readable, pipeline

__all__ = ["SITE", "DemoSite"]

SITE = str(Path(__file__).parent / "site")

_WORDS = (
    "river", "stream", "chunk", "buffer", "drain", "pipe", "flow", "tide", "current",
    "brook", "spring", "delta", "channel", "source", "sink", "valve", "pressure",
    "ripple", "eddy", "rapids", "estuary",
)  # fmt: skip


class _Feed(Readable):
    """Endless NDJSON rows, made one at a time when the consumer wants more."""

    def __init__(self) -> None:
        super().__init__(high_water_mark=4096)
        self.row = 0

    def _read(self, size: int) -> None:
        n = self.row
        self.row += 1
        words = " ".join(_WORDS[(n * 7 + i * 3) % len(_WORDS)] for i in range(6))
        self.push(json.dumps({"id": n, "text": f"{words}."}) + "\n")


class DemoSite:
    """The demo's request handler (see the module docstring)."""

    def __init__(self, options: ServeOptions, stats: TransferRegistry | None = None) -> None:
        self.options = options
        self.stats = stats if stats is not None else TransferRegistry()
        self.files = StaticHandler(SITE, replace(options, upload=False), self.stats)
        self.slow = StaticHandler(
            SITE, replace(options, upload=False, chunk_size=1000, delay=10), self.stats
        )
        self.upload_dir: str | None = None
        self.uploads: StaticHandler | None = None
        if options.upload:
            self.upload_dir = tempfile.mkdtemp(prefix="rillet-demo-uploads-")
            self.uploads = StaticHandler(self.upload_dir, options, self.stats)
        self.server: Any = None

    @property
    def root(self) -> str:
        """The directory the demo serves."""
        return SITE

    async def __call__(self, req: Any, res: Any) -> None:
        path = req.url.split("?", 1)[0]
        if path == "/api/feed":
            await self._feed(res)
        elif path == "/api/stats":
            await self._events(res)
        elif path == "/api/config":
            body = json.dumps({"upload": self.uploads is not None}).encode()
            res.set_header("Content-Type", "application/json")
            res.set_header("Cache-Control", "no-store")
            res.end(body)
        elif path.startswith("/slow/"):
            req.url = req.url[len("/slow") :]
            await self.slow(req, res)
        elif path.startswith("/uploads/") and self.uploads is not None:
            req.url = req.url[len("/uploads") :]
            await self.uploads(req, res)
        else:
            await self.files(req, res)

    async def _feed(self, res: Any) -> None:
        res.set_header("Content-Type", "application/x-ndjson; charset=utf-8")
        res.set_header("Cache-Control", "no-store")
        res.set_header("X-Content-Type-Options", "nosniff")
        feed = _Feed()
        transfer = self.stats.start("GET", "/api/feed", "", None, res)
        try:
            await pipeline(feed, res)
        except Exception:
            pass  # the page went away: the pipeline destroyed the feed
        finally:
            self.stats.finish(transfer)

    async def _events(self, res: Any) -> None:
        res.set_header("Content-Type", "text/event-stream; charset=utf-8")
        res.set_header("Cache-Control", "no-store")
        res.set_header("X-Content-Type-Options", "nosniff")
        res.write("retry: 2000\n\n")
        previous = self.stats.bytes_sent
        closed = asyncio.Event()
        res.once("close", closed.set)
        while not closed.is_set():
            snapshot = self.stats.snapshot()
            snapshot["bytes_per_second"] = max(0, snapshot["bytes_sent"] - previous)
            previous = snapshot["bytes_sent"]
            if self.server is not None:
                snapshot["connections"] = self.server.get_connections()
            snapshot["ranges"] = list(self.stats.recent_ranges)
            self.stats.recent_ranges.clear()
            if not res.writable_need_drain:  # a client that does not read gets no backlog
                res.write(f"event: stats\ndata: {json.dumps(snapshot)}\n\n")
            try:
                await asyncio.wait_for(closed.wait(), 1.0)
            except TimeoutError:
                pass

    def cleanup(self) -> None:
        """Remove the uploads directory."""
        if self.upload_dir is not None:
            for name in os.listdir(self.upload_dir):
                os.unlink(os.path.join(self.upload_dir, name))
            os.rmdir(self.upload_dir)
