"""file → gzip level 1 → file, three ways side by side: a rillet pipeline, the same
pipeline in Node, and a plain ``zlib.compressobj`` loop (the compression limit).

Usage: ``.venv/bin/python bench/zlib/run.py [--runs N] [--size MIB] [--file PATH]``

The input (semi-compressible: words and random bytes, about 1.9:1 at level 1) is
made once and kept. Each program times its own pipeline (interpreter start-up is
left out); the three run in turn, N rounds, and the table gives the medians in MB/s
(10^6 bytes of input per second) and the ratios rillet / plain zlib (target ≥ 0.95)
and rillet / Node.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable


def make_input(path: Path, size: int) -> None:
    """Semi-compressible data: 8 MiB of text-like words mixed with random bytes, repeated
    (deflate's window is 32 KiB, so the repetition does not help it)."""
    if path.exists() and path.stat().st_size == size:
        return
    rng = random.Random(42)
    letters = b"etaoinshrdlucmfwypvbgkjqxz"
    words = [bytes(rng.choices(letters, k=rng.randint(2, 10))) for _ in range(20_000)]
    weights = [1 / rank for rank in range(1, len(words) + 1)]  # Zipf, like a text's words
    block = bytearray()
    while len(block) < 8 << 20:
        block += b" ".join(rng.choices(words, weights, k=200)) + b"\n"
        block += rng.randbytes(rng.randint(0, 200))
    block = bytes(block[: 8 << 20])
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as out:
        for _ in range(size // len(block)):
            out.write(block)
        out.write(block[: size % len(block)])
    tmp.replace(path)


def timed(command: list[str]) -> float:
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", type=int, default=256, help="input size in MiB")
    parser.add_argument("--file", type=Path, default=None)
    args = parser.parse_args()
    size = args.size << 20
    source = args.file or Path(tempfile.gettempdir()) / f"rillet-bench-zlib-{args.size}m.bin"
    make_input(source, size)
    out_dir = Path(tempfile.mkdtemp(prefix="rillet-bench-zlib-"))
    rillet = [PYTHON, str(HERE / "rillet_gzip.py")]
    # name: (program, arguments after SRC DST)
    programs: dict[str, tuple[list[str], list[str]]] = {
        "rillet pipeline": (rillet, []),
        "Node pipeline": (["node", str(HERE / "node_gzip.js")], []),
        "plain zlib loop": ([PYTHON, str(HERE / "plain_zlib.py")], []),
        # Not a target: what the write stream's thread round trips cost at its default
        # high-water mark (the difference to the first row).
        "rillet, write stream high_water_mark 256 KiB": (rillet, [str(256 << 10)]),
    }
    seconds: dict[str, list[float]] = {name: [] for name in programs}
    sizes: dict[str, int] = {}
    try:
        for _ in range(args.runs):
            for name, (program, extra) in programs.items():
                target = out_dir / "out.gz"
                seconds[name].append(timed([*program, str(source), str(target), *extra]))
                sizes[name] = target.stat().st_size
                if name.startswith("rillet"):  # the output is real gzip of the input
                    check = zlib.decompressobj(31)
                    with open(target, "rb") as gz, open(source, "rb") as raw:
                        while piece := gz.read(1 << 20):
                            out = check.decompress(piece)
                            assert raw.read(len(out)) == out, "rillet's output differs"
                target.unlink()
    finally:
        os.rmdir(out_dir)
    rate = {name: size / statistics.median(times) / 1e6 for name, times in seconds.items()}
    print(f"file → gzip level 1 → file, {args.size} MiB, median of {args.runs} runs")
    print()
    print("| program | MB/s | output bytes | seconds (all runs) |")
    print("|---|---:|---:|---|")
    for name in programs:
        runs = ", ".join(f"{t:.2f}" for t in seconds[name])
        print(f"| {name} | {rate[name]:.1f} | {sizes[name]} | {runs} |")
    print()
    plain = rate["rillet pipeline"] / rate["plain zlib loop"]
    node = rate["rillet pipeline"] / rate["Node pipeline"]
    print(f"rillet / plain zlib: **{plain:.2f}** (target ≥ 0.95); rillet / Node: **{node:.2f}**")


if __name__ == "__main__":
    main()
