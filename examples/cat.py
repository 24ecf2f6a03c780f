"""Copy files, or standard input, to standard output: ``python examples/cat.py [FILE...]``.

Like cat(1): each FILE in turn (``-``, or no FILE at all, is standard input) flows to
standard output through one ``pipeline``. Standard input is read without blocking the
event loop, files are read from the page cache on the loop, and standard output is
written synchronously, as Node's is; ``end=False`` keeps it open for the next file.
A file that cannot be read is reported on standard error, and the exit status is 1.

    printf 'hello\\n' | python examples/cat.py - README.md > both.txt
"""

from __future__ import annotations

import asyncio
import sys

import uvloop

from rillet import fs, pipeline, process


async def cat(paths: list[str]) -> int:
    """Copy each of ``paths`` (``-``: standard input) to standard output; the exit status."""
    status = 0
    for path in paths or ["-"]:
        source = process.stdin if path == "-" else fs.create_read_stream(path)
        try:
            await pipeline(source, process.stdout, end=False)
        except OSError as error:  # ENOENT, EISDIR, EACCES...: Node's message names the file
            process.stderr.write(f"cat: {error}\n")
            status = 1
    return status


def main(argv: list[str]) -> int:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(cat(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
