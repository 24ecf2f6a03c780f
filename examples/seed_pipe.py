"""Seed 003's server with ``pipe()``: ``python examples/seed_pipe.py [FILE]
[--host 127.0.0.1] [--port 4000]``.

The same server as ``seed_backpressure.py``, with the backpressure left to ``pipe()``
(Node's ``fs.createReadStream(path).pipe(res)``): it pauses the file stream when
``res.write()`` returns False and resumes it on ``'drain'``, and ends the response after
the last chunk. A client that leaves closes the response, which destroys the file stream
piped into it.
"""

from __future__ import annotations

from pathlib import Path

from seed_backpressure import Listener, main

from rillet import fs, http


def pipe_file(path: Path) -> Listener:
    """A listener that pipes ``path`` into every response."""

    def listener(req: http.IncomingMessage, res: http.ServerResponse) -> None:
        fs.create_read_stream(path).pipe(res)

    return listener


if __name__ == "__main__":
    main(pipe_file, __doc__.splitlines()[0])
