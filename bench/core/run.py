"""Runs the stream-core benchmark (``chunks.py`` / ``chunks.js``) and prints a markdown table.

Usage: ``.venv/bin/python bench/core/run.py [--runs N] [--budget SECONDS]
[--scenarios a,b] [--count-a N] [--count-b N] [--compiled PATH]``

Each round runs every program once per scenario, in turn (so a noisy neighbour hurts all
of them alike); the table gives the medians of chunks/s and MB/s and the ratio
rillet / Node of chunks/s (target ≥ 0.15 in pure Python). Rounds stop early once
``--budget`` seconds have passed (at least one round always runs), and one program run
is killed after ``--timeout`` seconds. ``--compiled PATH`` adds a row for rillet imported
from PATH (a compiled copy: see ``README-compiled.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGET = 0.15
CHUNK_SIZE = {"a": 64, "b": 65536}  # as in chunks.py / chunks.js


def run_once(
    command: list[str], env: dict[str, str] | None, timeout: float
) -> dict[str, Any] | None:
    """One run's JSON result, or None (reported on stderr) if it failed or timed out."""
    try:
        done = subprocess.run(
            command, check=True, capture_output=True, text=True, env=env, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        print(f"timed out after {timeout:.0f} s: {shlex.join(command)}", file=sys.stderr)
        return None
    except subprocess.CalledProcessError as exc:
        print(f"failed ({exc.returncode}): {shlex.join(command)}", file=sys.stderr)
        print(exc.stderr[-2000:], file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--budget", type=float, default=900, help="seconds for all rounds")
    parser.add_argument("--timeout", type=float, default=300, help="seconds for one run")
    parser.add_argument("--scenarios", default="a,b")
    parser.add_argument("--count-a", type=int, default=2_000_000)
    parser.add_argument("--count-b", type=int, default=16384)
    parser.add_argument("--compiled", type=Path, default=None, help="PYTHONPATH of a build")
    args = parser.parse_args()
    scenarios = args.scenarios.split(",")
    counts = {"a": args.count_a, "b": args.count_b}
    python = [sys.executable, str(HERE / "chunks.py")]
    # name: (command without scenario/count, environment or None)
    programs: dict[str, tuple[list[str], dict[str, str] | None]] = {
        "Node": (["node", str(HERE / "chunks.js")], None),
        "rillet": (python, None),
    }
    if args.compiled is not None:
        env = {**os.environ, "PYTHONPATH": str(args.compiled.resolve())}
        programs["rillet compiled"] = (python, env)
    results: dict[tuple[str, str], list[dict[str, Any]]] = {
        (s, name): [] for s in scenarios for name in programs
    }
    deadline = time.monotonic() + args.budget
    rounds = 0
    while rounds < args.runs and (rounds == 0 or time.monotonic() < deadline):
        for scenario in scenarios:
            for name, (command, environment) in programs.items():
                argv = [*command, scenario, str(counts[scenario])]
                result = run_once(argv, environment, args.timeout)
                if result is not None:
                    results[scenario, name].append(result)
        rounds += 1

    print("Stream core: Readable → 4 PassThroughs → Writable, `pipeline`, ", end="")
    print(f"high-water marks 65536, median of {rounds} runs")
    print()
    print("| scenario | program | chunks/s | MB/s | rillet / Node | seconds (all runs) |")
    print("|---|---|---:|---:|---:|---|")
    for scenario in scenarios:
        label = f"({scenario}) {counts[scenario]:,} x {CHUNK_SIZE[scenario]:,} B"
        node_runs = results[scenario, "Node"]
        node_rate = statistics.median(r["chunks_per_s"] for r in node_runs) if node_runs else 0
        for name in programs:
            runs = results[scenario, name]
            if not runs:
                print(f"| {label} | {name} | failed | | | |")
                continue
            rate = statistics.median(r["chunks_per_s"] for r in runs)
            mbps = statistics.median(r["mb_per_s"] for r in runs)
            ratio = f"**{rate / node_rate:.3f}**" if name != "Node" and node_rate else ""
            seconds = ", ".join(f"{r['seconds']:.2f}" for r in runs)
            print(f"| {label} | {name} | {rate:,.0f} | {mbps:,.1f} | {ratio} | {seconds} |")
    print()
    print(f"Target: rillet / Node ≥ {TARGET} of chunks/s in pure Python.")
    versions = subprocess.run(["node", "--version"], check=True, capture_output=True, text=True)
    print(f"Node {versions.stdout.strip()}, Python {sys.version.split()[0]}, uvloop; command:")
    print()
    print(f"    {shlex.join([os.path.relpath(sys.executable), *sys.argv])}")


if __name__ == "__main__":
    main()
