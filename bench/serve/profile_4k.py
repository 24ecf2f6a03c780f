"""Where each microsecond of rillet's 4 KiB path goes: ``.venv/bin/python
bench/serve/profile_4k.py [--seconds S] [--rate HZ] [--native] [--raw FILE]``.

Starts ``rillet serve ROOT --quiet`` on core 0 (ROOT and its 4 KiB file as in
``run.py``), loads it with ``wrk -t1 -c64`` on core 1 (1 s of warm-up, then a run that
covers the sampling with a second to spare on each side) and samples it for
``--seconds`` (default 5) with py-spy on core 1 (``--rate`` per second, default 250,
``--idle`` so that no sample is dropped, ``--nonblocking`` so the server is not paused;
``--native`` adds the C frames of uvloop, httptools, CPython and libc but pauses the
server at each sample, which slows it down). Each sample then stands for an equal share
of the server's CPU time per request: its user and system time over the sampling (from
``/proc/PID/stat``) divided by the requests done meanwhile (wrk's req/s times the
sampling's duration). The server should use near 100 % of its core (printed): idle time
in ``epoll_wait`` would be counted as event-loop time. Prints, in microseconds per
request:

* the split by layer (the module of the innermost sampled frame: ``rillet.http``,
  ``rillet.static``... ; "event loop" is uvloop's own C code, its system calls and any
  idle time, which the Python-only sampler sees as time in ``Runner.run``);
* the self time of the top functions (innermost frame);
* the total time of the top functions (every frame of the stack, each counted once).

System time is charged to the frame that made the call (a ``send`` to the function that
wrote). py-spy: ``$PY_SPY``, else ``py-spy`` on the PATH or in the venv, else
``/tmp/probe/bin/py-spy``; the command used is printed.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from run import CASES, LOAD_CORE, VENV_BIN, make_files, server_commands, started

FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*)\)$")
LOOP_FRAMES = {"Runner.run", "run_until_complete", "run_forever"}


def py_spy() -> str:
    for candidate in (
        os.environ.get("PY_SPY"),
        shutil.which("py-spy"),
        str(VENV_BIN / "py-spy"),
        "/tmp/probe/bin/py-spy",
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    raise SystemExit("py-spy not found: pip install py-spy, or set PY_SPY")


def cpu_split(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


def layer(frame: str) -> str:
    """The layer a frame belongs to: a rillet package, "event loop", or a library."""
    if not frame:
        return "none (py-spy read no frame)"
    found = FRAME.match(frame)
    function, file = (found.group("function"), found.group("file")) if found else (frame, "")
    if function in LOOP_FRAMES or file.startswith(("uvloop", "loop.c", "libuv")):
        return "event loop (uvloop C code and its system calls)"
    if file.startswith("rillet/"):
        parts = file.split("/")
        return ".".join(parts[:2]) if len(parts) > 2 else "rillet"
    if file.endswith((".so", ".c", ".h")) or ".so." in file:
        return f"native ({file})"
    return f"other ({file.split('/')[0]})"


def table(title: str, counts: Counter[str], total: int, per_sample: float, top: int) -> None:
    print(f"### {title}")
    print()
    print("| µs/request | share | where |")
    print("|---:|---:|---|")
    for name, count in counts.most_common(top):
        print(f"| {count * per_sample:.2f} | {count / total:.1%} | `{name}` |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk's measured duration")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--native", action="store_true", help="sample C frames too")
    parser.add_argument("--top", type=int, default=25, help="rows of each function table")
    parser.add_argument("--raw", type=Path, help="keep py-spy's collapsed stacks here")
    parser.add_argument("--root", type=Path, default=Path("/tmp/rillet-bench-serve"))
    options = parser.parse_args()
    root = options.root.resolve()
    make_files(root)
    case = CASES["4k"]
    url = f"http://127.0.0.1:{{port}}{case.path}"
    with tempfile.TemporaryDirectory(prefix="rillet-profile-") as tmp:
        raw = options.raw or Path(tmp) / "stacks.txt"
        command = server_commands(root, Path(tmp))["rillet"]
        with started("rillet", command, root) as (port, pid):
            load = ["taskset", "-c", LOAD_CORE, "wrk", "-t1", f"-c{case.connections}"]
            target = url.format(port=port)
            subprocess.run([*load, "-d1s", target], check=True, capture_output=True)
            spy = [py_spy(), "record", "-p", str(pid), "-r", str(options.rate), "-f", "raw"]
            spy += ["--nolineno", "--idle", "-d", str(options.seconds), "-o", str(raw)]
            spy += ["--native"] if options.native else ["--nonblocking"]
            # wrk runs a second longer on each side, so the load covers the whole sampling
            wrk = subprocess.Popen(
                [*load, f"-d{options.seconds + 2}s", target], stdout=subprocess.PIPE, text=True
            )
            time.sleep(1)
            before, start = cpu_split(pid), time.perf_counter()
            subprocess.run(["taskset", "-c", LOAD_CORE, *spy], check=True, capture_output=True)
            after, wall = cpu_split(pid), time.perf_counter() - start
            output = wrk.communicate()[0]
        found = re.search(r"Requests/sec:\s+([\d.]+)", output)
        if not found:
            raise SystemExit(f"wrk said:\n{output}")
        rate = float(found.group(1))
        user, system = (b - a for a, b in zip(before, after, strict=True))
        stacks: Counter[str] = Counter()
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            stacks[stack] += int(count)
    total = sum(stacks.values())
    requests = rate * wall
    # CPU µs per request that one sample stands for: samples are taken at a steady rate
    # while the server works (nearly all the time when it is the bottleneck) and while
    # py-spy pauses it (--native), so they split its CPU time, not the wall-clock time
    per_sample = (user + system) * 1e6 / requests / total
    self_time: Counter[str] = Counter()
    total_time: Counter[str] = Counter()
    layers: Counter[str] = Counter()
    for stack, count in stacks.items():
        frames = stack.split(";")
        self_time[frames[-1]] += count
        layers[layer(frames[-1])] += count
        for frame in set(frames):
            total_time[frame] += count
    print(f"## rillet serve, GET {case.path} (4 KiB), wrk -t1 -c{case.connections}")
    print()
    print(
        f"{rate:,.0f} req/s, so {1e6 / rate:.1f} µs per request; the server's CPU per request "
        f"{(user + system) * 1e6 / requests:.1f} µs ({user * 1e6 / requests:.1f} user + "
        f"{system * 1e6 / requests:.1f} system), {(user + system) / wall:.0%} of one core; "
        f"{total} samples over {wall:.1f} s, so one sample ≈ {per_sample:.3f} µs/request."
    )
    print()
    table("By layer (innermost frame)", layers, total, per_sample, len(layers))
    table("Self time (innermost frame)", self_time, total, per_sample, options.top)
    table("Total time (anywhere in the stack)", total_time, total, per_sample, options.top)
    print(f"py-spy: `{shlex.join(spy)}`")
    print()
    print(f"wrk: `{shlex.join([*load, f'-d{options.seconds}s', url.format(port='PORT')])}`")
    if options.raw:
        print(f"\nCollapsed stacks in {raw} (flamegraph.pl or speedscope read them).")


if __name__ == "__main__":
    main()
