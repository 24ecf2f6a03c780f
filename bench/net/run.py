"""Runs the TCP file-send benchmark side by side, rillet and Node, and prints a markdown table.

Usage: ``.venv/bin/python bench/net/run.py [--runs N] [--size MIB] [--file PATH]``

A file (default 1024 MiB of random bytes, made once in the temporary directory and
kept; read once before the runs so it is in the page cache) is sent over a TCP socket on
127.0.0.1 to ``reader.py``, which discards it: by rillet, ``fs.create_read_stream(path,
high_water_mark=65536).pipe(socket)`` (``rillet_send.py``, uvloop), and by Node,
``fs.createReadStream(path, {highWaterMark: 65536}).pipe(socket)`` (``node_send.js``).
The sender runs on core 0, the reader on core 1; the reader times each connection from
accept to EOF. rillet and Node alternate, ``--runs`` rounds (default 3); the table gives
the median MB/s (10^6 bytes/s) of each and the ratio rillet / Node (target ≥ 1.0), and
the sender's CPU time (start-up included), which a busy neighbour disturbs less.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SENDER_CORE, READER_CORE = "0", "1"
TARGET = 1.0


def make_file(path: Path, size: int) -> None:
    """``size`` random bytes at ``path``, unless a file of that size is there already."""
    if path.exists() and path.stat().st_size == size:
        return
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as out:
        block = os.urandom(1 << 20)
        for _ in range(size >> 20):
            out.write(block)
        out.write(block[: size % len(block)])
    tmp.replace(path)


def warm(path: Path) -> None:
    """Read the file once, so every run finds it in the page cache."""
    with open(path, "rb") as source:
        while source.read(1 << 24):
            pass


def children_cpu() -> float:
    """User and system CPU seconds of the waited-for children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", type=int, default=1024, help="file size in MiB")
    parser.add_argument("--file", type=Path, default=None)
    options = parser.parse_args()
    size = options.size << 20
    path = options.file or Path(tempfile.gettempdir()) / f"rillet-bench-net-{options.size}m.bin"
    make_file(path, path.stat().st_size if options.file else size)
    size = path.stat().st_size
    warm(path)
    node = subprocess.run(["node", "--version"], check=True, capture_output=True, text=True)
    senders = {
        "rillet (uvloop)": [sys.executable, str(HERE / "rillet_send.py")],
        f"Node {node.stdout.strip()}": ["node", str(HERE / "node_send.js")],
    }
    reader_command = ["taskset", "-c", READER_CORE, sys.executable, str(HERE / "reader.py")]
    rates: dict[str, list[float]] = {name: [] for name in senders}
    cpu: dict[str, list[float]] = {name: [] for name in senders}
    with subprocess.Popen(reader_command, stdout=subprocess.PIPE, text=True) as reader:
        try:
            assert reader.stdout is not None
            found = re.fullmatch(r"listening (\d+)\n", reader.stdout.readline())
            assert found, "the reader did not start"
            port = found.group(1)
            for _ in range(options.runs):
                for name, command in senders.items():
                    argv = ["taskset", "-c", SENDER_CORE, *command, port, str(path)]
                    before = children_cpu()
                    subprocess.run(argv, check=True, timeout=600)
                    cpu[name].append(children_cpu() - before)
                    result = json.loads(reader.stdout.readline())
                    if result["bytes"] != size:
                        sys.exit(f"{name}: the reader got {result['bytes']} of {size} bytes")
                    rates[name].append(size / result["seconds"] / 1e6)
        finally:
            reader.kill()
    medians = {name: statistics.median(values) for name, values in rates.items()}
    ours, theirs = medians.values()
    print(
        f"{size >> 20} MiB file → TCP (127.0.0.1) → reader that discards it; sender on core "
        f"{SENDER_CORE}, reader on core {READER_CORE}; median of {options.runs}"
    )
    print()
    print("| sender | MB/s (median) | sender CPU s (median) | MB/s, runs |")
    print("|---|---:|---:|---|")
    for name, values in rates.items():
        runs = ", ".join(f"{value:.0f}" for value in values)
        print(f"| {name} | {medians[name]:,.0f} | {statistics.median(cpu[name]):.2f} | {runs} |")
    print()
    mark = "met" if ours / theirs >= TARGET else "missed"
    print(f"rillet / Node: **{ours / theirs:.2f}** (target ≥ {TARGET}: {mark})")
    print()
    print("Commands:")
    print()
    print(f"    {shlex.join(reader_command)}  # prints the PORT")
    for command in senders.values():
        print(f"    {shlex.join(['taskset', '-c', SENDER_CORE, *command])} PORT {path}")


if __name__ == "__main__":
    main()
