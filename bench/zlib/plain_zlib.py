"""The compression limit: read 64 KiB, ``compressobj.compress``, write, in a plain loop.

Usage: ``python bench/zlib/plain_zlib.py SRC DST``; prints the seconds it took.
"""

from __future__ import annotations

import sys
import time
import zlib


def main(source: str, destination: str) -> float:
    started = time.perf_counter()
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)  # gzip, level 1
    with open(source, "rb", buffering=0) as src, open(destination, "wb", buffering=0) as dst:
        while chunk := src.read(65536):
            dst.write(compressor.compress(chunk))
        dst.write(compressor.flush())
    return time.perf_counter() - started


if __name__ == "__main__":
    print(main(sys.argv[1], sys.argv[2]))
