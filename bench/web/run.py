"""Runs the web-streams benchmark (``chunks.py`` / ``chunks.mjs``) and prints a markdown table.

Usage: ``.venv/bin/python bench/web/run.py [--runs N] [--count N] [--timeout SECONDS]``

2,000,000 small chunks (default ``--count``) go from a ReadableStream through four identity
TransformStreams (``pipe_through``) into a WritableStream (``pipe_to``), once in Python
(rillet.web under uvloop) and once in Node (``node:stream/web``), in turn, ``--runs``
times (default 3). The table gives the median chunks/s of each and the ratio
rillet / Node (target ≥ 1.0).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGET = 1.0


def run_once(command: list[str], timeout: float) -> dict[str, Any]:
    done = subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def node_version() -> str:
    done = subprocess.run(["node", "--version"], check=True, capture_output=True, text=True)
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--count", type=int, default=2_000_000)
    parser.add_argument("--timeout", type=float, default=600)
    options = parser.parse_args()
    programs = {
        "rillet.web (Python, uvloop)": [sys.executable, str(HERE / "chunks.py")],
        f"Node {node_version()} node:stream/web": ["node", str(HERE / "chunks.mjs")],
    }
    rates: dict[str, list[float]] = {name: [] for name in programs}
    for _ in range(options.runs):
        for name, command in programs.items():
            result = run_once([*command, str(options.count)], options.timeout)
            rates[name].append(result["chunks_per_s"])
    medians = {name: statistics.median(values) for name, values in rates.items()}
    python_rate, node_rate = medians.values()
    ratio = python_rate / node_rate
    print(
        f"{options.count:,} chunks: ReadableStream → 4 TransformStreams → WritableStream "
        f"(median of {options.runs}; Python {platform.python_version()})\n"
    )
    print("| program | chunks/s (median) | runs |")
    print("|---|---:|---|")
    for name, median in medians.items():
        runs = ", ".join(f"{value:,.0f}" for value in rates[name])
        print(f"| {name} | {median:,.0f} | {runs} |")
    verdict = "met" if ratio >= TARGET else "missed"
    print(f"\nratio rillet / Node: **{ratio:.2f}x** (target ≥ {TARGET:.1f}x: {verdict})")


if __name__ == "__main__":
    main()
