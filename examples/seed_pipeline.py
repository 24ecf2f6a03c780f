"""Seed 003's server with ``pipeline()``: ``python examples/seed_pipeline.py [FILE]
[--host 127.0.0.1] [--port 4000]``.

The same server as ``seed_backpressure.py``, with ``await pipeline(file, res)`` (Node's
``await pipeline(fs.createReadStream(path), res)`` from ``stream/promises``): the same
backpressure as ``pipe()``, and one place to learn how it ended. If the client leaves
mid-file, every stream in the pipeline is destroyed and the awaited pipeline raises
(``ERR_STREAM_PREMATURE_CLOSE``); this server prints that and goes on.
"""

from __future__ import annotations

from pathlib import Path

from seed_backpressure import Listener, main

from rillet import fs, http, pipeline
from rillet.errors import RilletError


def pipeline_file(path: Path) -> Listener:
    """A listener that sends ``path`` with ``pipeline`` and reports a failed response."""

    async def listener(req: http.IncomingMessage, res: http.ServerResponse) -> None:
        try:
            await pipeline(fs.create_read_stream(path), res)
        except RilletError as error:
            print(f"{req.method} {req.url}: {error.code}", flush=True)

    return listener


if __name__ == "__main__":
    main(pipeline_file, __doc__.splitlines()[0])
