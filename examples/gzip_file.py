"""Compress a file with gzip: ``python examples/gzip_file.py IN OUT``.

One pipeline: the file is read in 64 KiB chunks, compressed and written, with
backpressure all the way, so memory stays bounded whatever the file's size. The
result is a normal ``.gz`` file (``gzip -d`` reads it).
"""

from __future__ import annotations

import asyncio
import sys

from rillet import fs, pipeline, zlib


async def gzip_file(source: str, destination: str) -> None:
    """Write ``source`` gzip-compressed to ``destination``."""
    await pipeline(
        fs.create_read_stream(source),
        zlib.create_gzip(),
        fs.create_write_stream(destination),
    )


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: gzip_file.py IN OUT", file=sys.stderr)
        return 2
    try:
        asyncio.run(gzip_file(argv[0], argv[1]))
    except OSError as error:  # ENOENT, EACCES...: Node's message says which file
        print(f"gzip_file: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
