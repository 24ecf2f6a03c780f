"""Runs the HTTP benchmark side by side, rillet and Node, and prints a markdown table.

Usage: ``.venv/bin/python bench/http/run.py [--runs N] [--seconds S] [--scenarios a,b,c]
[--post-mib MIB] [--posts N]``

The same server program in Python with rillet (``rillet_server.py``, uvloop) and in Node
(``node_server.js``), each pinned to core 0 (``taskset -c 0``), the load on core 1:

* (a) ``hello``: 13 bytes ``Hello, World!``, ``wrk`` at 64 connections, req/s;
* (b) ``webp``: ``examples/river.webp`` (203 KiB) read in 1000-byte chunks, each
  ``res.write``-n, then ``res.end()``, ``wrk`` at 32 connections, req/s;
* (c) ``sink``: POSTs of ``--post-mib`` MiB (default 100) whose body the handler reads and
  discards, ``post_client.py`` on one keep-alive connection, MB/s (10^6 bytes/s).

Each round starts every server afresh per scenario, warms it up (1 s of wrk, or one
POST), then measures (``--seconds`` of wrk, default 5, or ``--posts`` POSTs, default 3);
rillet and Node alternate, so a noisy neighbour hurts both alike. The table gives the
median of ``--runs`` rounds (default 3) and the ratio rillet / Node against the targets.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
IMAGE = HERE.parents[1] / "examples" / "river.webp"
SERVER_CORE, LOAD_CORE = "0", "1"
# scenario: (description, unit, wrk connections or None for the POST client, target)
SCENARIOS: dict[str, tuple[str, str, int | None, float]] = {
    "hello": ("(a) 13-byte hello world, 64 connections", "req/s", 64, 1.5),
    "webp": ("(b) river.webp (203 KiB) in 1000-byte chunks, 32 connections", "req/s", 32, 3.0),
    "sink": ("(c) 100 MiB POST streamed into a sink", "MB/s", None, 0.8),
}
LETTERS = {"a": "hello", "b": "webp", "c": "sink"}


class Result(NamedTuple):
    """One measurement: requests or MB per second, and per CPU second of the server."""

    rate: float
    per_cpu: float


def servers() -> dict[str, list[str]]:
    """Name → the command that starts that server (scenario, port and file follow)."""
    node = subprocess.run(["node", "--version"], check=True, capture_output=True, text=True)
    return {
        "rillet": [sys.executable, str(HERE / "rillet_server.py")],
        f"Node {node.stdout.strip()}": ["node", str(HERE / "node_server.js")],
    }


@contextmanager
def started(command: list[str], scenario: str) -> Iterator[tuple[int, int]]:
    """The server running on core 0 for ``scenario``; yields its port and process id."""
    argv = ["taskset", "-c", SERVER_CORE, *command, scenario, "0", str(IMAGE)]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout is not None
            line = child.stdout.readline()
            found = re.fullmatch(r"listening (\d+)\n", line)
            if not found:
                raise RuntimeError(f"{shlex.join(argv)} printed {line!r}")
            yield int(found.group(1)), child.pid
        finally:
            child.kill()
            child.wait()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` so far, all its threads included
    (``taskset`` execs the server, so the pid is the server's)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(port: int, connections: int, seconds: float) -> float:
    """Requests per second of ``wrk`` (one thread, on core 1) against the server."""
    command = wrk_command(port, connections, seconds)
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    if not found or "Non-2xx" in done.stdout:
        raise RuntimeError(f"{shlex.join(command)}:\n{done.stdout}")
    errors = re.search(r"Socket errors: .*", done.stdout)
    if errors:  # wrk counts the connections it cuts at the end, too: worth a look, no more
        print(f"{shlex.join(command)}: {errors.group(0)}", file=sys.stderr)
    return float(found.group(1))


def wrk_command(port: int | str, connections: int, seconds: float) -> list[str]:
    return [
        *("taskset", "-c", LOAD_CORE, "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s"),
        "--timeout=30s",
        f"http://127.0.0.1:{port}/",
    ]


def post_command(port: int | str, mib: int, posts: int) -> list[str]:
    client = [sys.executable, str(HERE / "post_client.py")]
    return ["taskset", "-c", LOAD_CORE, *client, str(port), str(mib), str(posts)]


def upload(port: int, mib: int, posts: int) -> float:
    """MB/s of ``posts`` uploads of ``mib`` MiB (on core 1) into the server's sink."""
    done = subprocess.run(post_command(port, mib, posts), check=True, capture_output=True)
    result = json.loads(done.stdout)
    return float(result["bytes"] / result["seconds"] / 1e6)


def measure(scenario: str, port: int, pid: int, options: argparse.Namespace) -> Result:
    """Warm the server up, then measure it once: the rate, and the work done per CPU
    second of the server (which a busy neighbour on the machine disturbs less)."""
    connections = SCENARIOS[scenario][2]
    if connections is None:
        upload(port, options.post_mib, 1)
        before = cpu_seconds(pid)
        rate = upload(port, options.post_mib, options.posts)
        work = options.post_mib * options.posts * (1 << 20) / 1e6
    else:
        wrk(port, connections, 1)
        before = cpu_seconds(pid)
        rate = wrk(port, connections, options.seconds)
        work = rate * options.seconds
    return Result(rate, work / (cpu_seconds(pid) - before))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5, help="wrk's duration per run")
    parser.add_argument("--scenarios", default="a,b,c", help="a: hello, b: webp, c: sink")
    parser.add_argument("--post-mib", type=int, default=100)
    parser.add_argument("--posts", type=int, default=3, help="POSTs per run of (c)")
    options = parser.parse_args()
    chosen = [LETTERS[letter] for letter in options.scenarios.split(",")]
    programs = servers()
    results: dict[tuple[str, str], list[Result]] = {
        (scenario, name): [] for scenario in chosen for name in programs
    }
    for _ in range(options.runs):
        for scenario in chosen:
            for name, command in programs.items():
                with started(command, scenario) as (port, pid):
                    results[scenario, name].append(measure(scenario, port, pid, options))
    rillet_name, node_name = programs
    print(f"Server on core {SERVER_CORE}, load on core {LOAD_CORE}; median of {options.runs}.")
    print()
    print(
        f"| scenario | unit | {rillet_name} | {node_name} | ratio | target "
        "| per server CPU-second: rillet, Node, ratio | runs (rillet; Node) |"
    )
    print("|---|---|---:|---:|---:|---|---|---|")
    for scenario in chosen:
        description, unit, _, target = SCENARIOS[scenario]
        ours, theirs = (results[scenario, name] for name in (rillet_name, node_name))
        rate = [statistics.median(r.rate for r in side) for side in (ours, theirs)]
        per_cpu = [statistics.median(r.per_cpu for r in side) for side in (ours, theirs)]
        runs = "; ".join(", ".join(f"{r.rate:.0f}" for r in side) for side in (ours, theirs))
        mark = "met" if rate[0] / rate[1] >= target else "**missed**"
        print(
            f"| {description} | {unit} | {rate[0]:,.0f} | {rate[1]:,.0f} "
            f"| {rate[0] / rate[1]:.2f} | ≥ {target} ({mark}) "
            f"| {per_cpu[0]:,.0f}, {per_cpu[1]:,.0f}, {per_cpu[0] / per_cpu[1]:.2f} | {runs} |"
        )
    print()
    print("Commands (PORT is the server's):")
    print()
    print(f"    taskset -c {SERVER_CORE} {shlex.join(programs[rillet_name])} SCENARIO 0 {IMAGE}")
    print(f"    taskset -c {SERVER_CORE} node {HERE / 'node_server.js'} SCENARIO 0 {IMAGE}")
    for scenario in chosen:
        connections = SCENARIOS[scenario][2]
        load = (
            post_command("PORT", options.post_mib, options.posts)
            if connections is None
            else wrk_command("PORT", connections, options.seconds)
        )
        print(f"    {scenario}: {shlex.join(load)}")


if __name__ == "__main__":
    main()
