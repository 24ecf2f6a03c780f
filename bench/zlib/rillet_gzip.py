"""file → gzip level 1 → file with a rillet pipeline; prints the seconds it took.

Usage: ``python bench/zlib/rillet_gzip.py SRC DST [WRITE_HWM]`` (uvloop, as rillet runs
by default); ``WRITE_HWM`` is the write stream's ``high_water_mark`` (default 65536).
"""

from __future__ import annotations

import sys
import time

import uvloop

from rillet import fs, pipeline, zlib


async def main(source: str, destination: str, write_hwm: int = 65536) -> float:
    started = time.perf_counter()
    await pipeline(
        fs.create_read_stream(source, high_water_mark=65536),
        zlib.create_gzip(level=1),
        fs.create_write_stream(destination, high_water_mark=write_hwm),
    )
    return time.perf_counter() - started


if __name__ == "__main__":
    print(uvloop.run(main(sys.argv[1], sys.argv[2], *map(int, sys.argv[3:4]))))
