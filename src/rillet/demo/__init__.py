"""The bundled demo site of ``rillet serve``: five panels, each fed by a stream.

* ``/slow/...``: the site's files sent in 1000-byte chunks with a 10 ms pause after
  each (the seed demo), so the browser draws the images as bytes arrive;
* ``/paced/...``: the site's files at 256 KiB/s after the first 64 KiB (the video: about
  three times its bitrate, so a jump ahead lands on bytes not sent yet);
* ``/api/feed``: endless NDJSON, produced only as fast as the page reads it; the
  response's ``X-Feed-Id`` names it in the statistics;
* ``/api/stats``: server-sent events (``event: stats``) once a second, each a JSON
  object: ``active``, ``waiting``, ``bytes_sent``, ``bytes_per_second``,
  ``connections``, ``transfers`` (path, client, sent, total, rate, waiting),
  ``ranges`` (the Range answers since the previous event) and ``feeds`` (rows made
  by each open feed, by id);
* ``/api/config``: what the page may offer (``{"upload": bool}``);
* ``/uploads/...``: PUT and DELETE into a temporary directory, with ``--upload``;
* everything else: the site's files, by the same handler as ``rillet serve ROOT``.

``--auth`` guards every path, the API included. The endless responses end when
:meth:`DemoSite.close` is called, or within a second of the server starting to close.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import tempfile
import time
from collections import deque
from dataclasses import replace
from pathlib import Path
from typing import Any

from rillet.static import StaticHandler, TransferRegistry
from rillet.static._auth import BasicAuth
from rillet.static._options import ServeOptions
from rillet.streams import Readable, pipeline

__all__ = ["SITE", "DemoSite"]

SITE = str(Path(__file__).parent / "site")

_WORDS = (
    "river", "stream", "chunk", "buffer", "drain", "pipe", "flow", "tide", "current",
    "brook", "spring", "delta", "channel", "source", "sink", "valve", "pressure",
    "ripple", "eddy", "rapids", "estuary",
)  # fmt: skip
_PACED_RATE = 256 * 1024
_PACED_FREE = 64 * 1024
_RANGES_KEPT = 100


class _Feed(Readable):
    """Endless NDJSON rows, made one at a time when the consumer wants more."""

    def __init__(self) -> None:
        super().__init__(high_water_mark=4096)
        self.rows = 0

    def _read(self, size: int) -> None:
        n = self.rows
        self.rows += 1
        words = " ".join(_WORDS[(n * 7 + i * 3) % len(_WORDS)] for i in range(6))
        self.push(json.dumps({"id": n, "text": f"{words}."}) + "\n")


class DemoSite:
    """The demo's request handler (see the module docstring).

    ``server`` (set by whoever listens) lets the statistics count open connections and
    notice a closing server.
    """

    def __init__(self, options: ServeOptions, stats: TransferRegistry | None = None) -> None:
        self.options = options
        self.stats = stats if stats is not None else TransferRegistry()
        files = replace(options, upload=False)
        self.files = StaticHandler(SITE, files, self.stats)
        self.slow = StaticHandler(SITE, replace(files, chunk_size=1000, delay=10), self.stats)
        self.paced = StaticHandler(
            SITE, replace(files, rate=_PACED_RATE, rate_after=_PACED_FREE), self.stats
        )
        self.auth = BasicAuth(options.auth) if options.auth else None
        self.upload_dir: str | None = None
        self.uploads: StaticHandler | None = None
        if options.upload:
            self.upload_dir = tempfile.mkdtemp(prefix="rillet-demo-uploads-")
            self.uploads = StaticHandler(self.upload_dir, options, self.stats)
        self.server: Any = None
        self.feeds: dict[int, _Feed] = {}
        self._feed_ids = itertools.count(1)
        self._events_open: set[Any] = set()
        # Range answers, numbered so that every statistics stream sees each one once.
        self._ranges: deque[tuple[int, str]] = deque(maxlen=_RANGES_KEPT)
        self._range_ids = itertools.count(1)
        self._closed = False

    @property
    def root(self) -> str:
        """The directory the demo serves."""
        return SITE

    async def __call__(self, req: Any, res: Any) -> None:
        path = req.url.split("?", 1)[0]
        first, _, _ = path[1:].partition("/") if path.startswith("/") else ("", "", "")
        mounted = {"slow": self.slow, "paced": self.paced, "uploads": self.uploads}
        if first == "api":
            await self._api(req, res, path)
            return
        if (handler := mounted.get(first)) is not None:
            req.url = req.url[len(first) + 1 :]
            if not req.url.startswith("/"):  # "/slow" or "/slow?x": the mount's root
                req.url = "/" + req.url
            answer = handler(req, res)
        else:
            answer = self.files(req, res)
        if answer is not None:
            await answer

    # -- the API -------------------------------------------------------------------

    async def _api(self, req: Any, res: Any, path: str) -> None:
        res.set_header("X-Content-Type-Options", "nosniff")
        res.set_header("Cache-Control", "no-store")
        if self.options.cors is not None:
            res.set_header("Access-Control-Allow-Origin", self.options.cors)
        if self.auth is not None and not self.auth.allows(req.headers.get("authorization")):
            res.set_header("WWW-Authenticate", self.auth.challenge)
            _text(res, 401, "401 Unauthorized")
            return
        endpoints = {"/api/feed": self._feed, "/api/stats": self._events}
        if path not in endpoints and path != "/api/config":
            _text(res, 404, "404 Not Found")
            return
        if req.method not in ("GET", "HEAD"):
            res.set_header("Allow", "GET, HEAD")
            _text(res, 405, "405 Method Not Allowed")
            return
        if path == "/api/config":
            res.set_header("Content-Type", "application/json")
            body = json.dumps({"upload": self.uploads is not None}).encode()
            res.end(body if req.method == "GET" else None)
            return
        await endpoints[path](req, res)

    async def _feed(self, req: Any, res: Any) -> None:
        res.set_header("Content-Type", "application/x-ndjson; charset=utf-8")
        if req.method == "HEAD" or self._closed:
            res.end()
            return
        res.set_header("Connection", "close")  # an endless body: no request follows it
        number = next(self._feed_ids)
        res.set_header("X-Feed-Id", str(number))
        feed = self.feeds[number] = _Feed()
        transfer = self.stats.start("GET", req.url, _client(req), None, res)
        try:
            await pipeline(feed, res)
        except Exception:
            pass  # the page went away: the pipeline destroyed the feed
        finally:
            del self.feeds[number]
            self.stats.finish(transfer)

    async def _events(self, req: Any, res: Any) -> None:
        res.set_header("Content-Type", "text/event-stream; charset=utf-8")
        if req.method == "HEAD" or self._closed:
            res.end()
            return
        res.set_header("Connection", "close")
        res.write("retry: 2000\n\n")
        self._events_open.add(res)
        closed = asyncio.Event()
        res.once("close", closed.set)
        previous = (time.monotonic(), self.stats.bytes_sent)
        seen = 0  # the id of the last range this stream has shown
        try:
            while not closed.is_set() and not res.writable_ended:
                if self.server is not None and getattr(self.server, "closing", False):
                    self.close()
                    break
                snapshot, previous = self._snapshot(previous)
                self._collect_ranges()
                snapshot["ranges"] = [text for number, text in self._ranges if number > seen]
                if not res.writable_need_drain:  # a client that does not read gets no backlog
                    seen = self._ranges[-1][0] if self._ranges else seen
                    res.write(f"event: stats\ndata: {json.dumps(snapshot)}\n\n")
                try:
                    await asyncio.wait_for(closed.wait(), 1.0)
                except TimeoutError:
                    pass
        finally:
            self._events_open.discard(res)

    def _snapshot(self, previous: tuple[float, int]) -> tuple[dict[str, Any], tuple[float, int]]:
        now = time.monotonic()
        snapshot = self.stats.snapshot()
        then, sent_then = previous
        elapsed = max(now - then, 1e-3)
        snapshot["bytes_per_second"] = round(max(0, snapshot["bytes_sent"] - sent_then) / elapsed)
        if self.server is not None:
            snapshot["connections"] = self.server.get_connections()
        snapshot["feeds"] = {str(number): feed.rows for number, feed in self.feeds.items()}
        return snapshot, (now, snapshot["bytes_sent"])

    def _collect_ranges(self) -> None:
        recent = self.stats.recent_ranges
        while recent:
            self._ranges.append((next(self._range_ids), recent.popleft()))

    # -- lifetime ------------------------------------------------------------------

    def close(self) -> None:
        """End the endless responses so that a closing server need not wait for them:
        statistics streams end, feeds are cut (their bodies have no end); later requests
        for them get an empty body."""
        self._closed = True
        for feed in list(self.feeds.values()):
            feed.destroy()  # an endless body has no clean end: the connection is cut
        for res in list(self._events_open):
            res.end()

    def cleanup(self) -> None:
        """Remove the uploads directory and everything in it."""
        if self.upload_dir is not None:
            shutil.rmtree(self.upload_dir, ignore_errors=True)
            self.upload_dir = None


def _client(req: Any) -> str:
    socket = getattr(req, "socket", None)
    return str(getattr(socket, "remote_address", "") or "")


def _text(res: Any, status: int, text: str) -> None:
    res.status_code = status
    res.set_header("Content-Type", "text/plain; charset=utf-8")
    res.end(text + "\n")
