"""Seed 003's server, with rillet: ``python examples/seed_backpressure.py [FILE]
[--host 127.0.0.1] [--port 4000]``.

Backpressure by hand, as the seed writes it in JavaScript::

    http.createServer((req, res) => {
      const fileStream = fs.createReadStream('bigfile.txt');
      fileStream.on('data', chunk => {
        const ok = res.write(chunk);
        if (!ok) {
          fileStream.pause();
          res.once('drain', () => { fileStream.resume(); });
        }
      });
      fileStream.on('end', () => { res.end(); });
    }).listen(3000);

Every request gets FILE (default: ``river.webp`` beside this script). ``res.write()``
returns False once the response's buffer is full (the client reads slower than the disk):
the file stream pauses until ``'drain'``, so a slow client never makes the server hold
the file in memory. ``--port 0`` picks a free port; the first line printed gives the URL.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from seed_image_server import IMAGE, options, run

from rillet import fs, http

Listener = Callable[[http.IncomingMessage, http.ServerResponse], Any]


def send_file(path: Path) -> Listener:
    """The seed's handler for ``path``."""

    def listener(req: http.IncomingMessage, res: http.ServerResponse) -> None:
        file_stream = fs.create_read_stream(path)

        def on_data(chunk: bytes) -> None:
            ok = res.write(chunk)  # try to write
            if not ok:
                file_stream.pause()  # the response's buffer is full
                res.once("drain", file_stream.resume)  # go on once it drains

        file_stream.on("data", on_data)
        file_stream.on("end", res.end)  # finish the response
        # Not in the seed: a client that leaves stops the reading and closes the file.
        res.on("close", file_stream.destroy)

    return listener


def main(make_listener: Callable[[Path], Listener], description: str) -> None:
    """Parse ``[FILE] --host --port`` and serve ``make_listener(FILE)``."""
    parser = options(description)
    parser.add_argument("file", nargs="?", type=Path, default=IMAGE, help="the file to send")
    args: argparse.Namespace = parser.parse_args()
    run(make_listener(args.file), args)


if __name__ == "__main__":
    main(send_file, __doc__.splitlines()[0])
