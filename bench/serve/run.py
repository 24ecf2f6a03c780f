"""Runs the ``rillet serve`` benchmark against nginx, Node, aiohttp and Starlette.

Prints a markdown table.

Usage: ``.venv/bin/python bench/serve/run.py [--seconds S] [--rounds N] [--cases ...]
[--servers ...]`` (``--help`` for all options).

Every server runs as one process pinned to core 0 (``taskset -c 0``), every load
generator as one process on core 1, access logs off on every side:

* rillet: ``rillet serve ROOT --port P --quiet``;
* nginx: one process (``master_process off``), ``sendfile on``, ``access_log off``, the
  configuration ``nginx.conf.template`` written into a temporary directory;
* Node: ``node_server.js`` (``fs.createReadStream(path).pipe(res)``, hand-written
  ``Range: bytes=a-b``);
* aiohttp: ``aiohttp_server.py`` (``web.FileResponse``, ``access_log=None``);
* Starlette: ``starlette_app.py`` (``StaticFiles``) under ``uvicorn --no-access-log
  --loop uvloop --http httptools``, one worker.

Cases (files made once in ``--root``, default ``/tmp/rillet-bench-serve``, and kept):

1. ``4k``: a 4 KiB file, ``wrk`` at 64 keep-alive connections, req/s;
2. ``image``: ``examples/river.webp`` (203 KiB), ``wrk`` at 32 connections, req/s;
3. ``1g``: a 1 GiB file of random bytes (read once per round so it is in the page
   cache), ``--downloads`` (default 3) downloads in turn by ``download.py`` per round,
   after one more as warm-up, MB/s (10^6 bytes/s), the median of all;
4. ``ranges``: 64 KiB at random offsets of the 1 GiB file (``ranges.lua``, seeded,
   every server gets the same sequence), ``wrk`` at 32 connections, req/s;
5. ``slow``: ``slow_clients.py``, 200 clients each downloading a 16 MiB file 16 KiB per
   100 ms for ``--slow-seconds``; the server's peak RSS growth in MiB: the larger of its
   VmHWM (reset through ``/proc/PID/clear_refs`` just before the load) and VmRSS sampled
   every 10 ms, minus VmRSS before the load (after one full download of the file).

Optional servers (``--servers``): ``nginx-nopush-off``, nginx with ``tcp_nopush off``
(with ``on``, each keep-alive range response of nginx 1.22 waits ~40 ms for the
client's delayed ACK), and ``bare``, ``bare_server.py`` (uvloop + httptools, no
framework, for the 4k and image cases).

Each server is started afresh (on a free port) for each case of each round, its
response checked (status, length, bytes), warmed up (``--warmup`` seconds of the same
load) and then measured; servers alternate within a round, so a noisy neighbour hurts
all alike. Servers are stopped with SIGTERM (the run fails loudly if one does not exit
within 10 s). The table gives the median of ``--rounds``; a second table gives the
work per CPU-second of the server, which a busy machine disturbs less.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VENV_BIN = Path(sys.executable).parent
SERVER_CORE, LOAD_CORE = "0", "1"
MIB = 1 << 20
RANGE_LENGTH = 65536
RANGE_SEED = 20240501
FILES = {  # name in ROOT → size in bytes (river.webp is copied from examples/)
    "small.html": 4096,
    "river.webp": (REPO / "examples" / "river.webp").stat().st_size,
    "big.bin": 1 << 30,
    "slow.bin": 16 * MIB,
}


@dataclass(frozen=True)
class Case:
    """One row of the table: what is loaded, how, and the target for rillet."""

    label: str
    unit: str
    path: str
    connections: int  # wrk's; 0: not a wrk case
    versus: str  # the server the target compares with; "" for a bound on rillet's value
    ratio: float  # rillet / versus must be at least this, or (versus "") value ≤ it

    @property
    def target(self) -> str:
        if self.versus:
            return f"≥ {self.ratio:g}x {self.versus}"
        return f"≤ {self.ratio:g} {self.unit}"


CASES = {
    "4k": Case("1. 4 KiB file, 64 connections", "req/s", "/small.html", 64, "Node", 2.5),
    "image": Case(
        "2. river.webp (203 KiB), 32 connections", "req/s", "/river.webp", 32, "Node", 1.3
    ),
    "1g": Case("3. 1 GiB file, one download", "MB/s", "/big.bin", 0, "nginx", 0.9),
    "ranges": Case(
        "4. 64 KiB random ranges of 1 GiB, 32 connections", "req/s", "/big.bin", 32, "nginx", 0.5
    ),
    "slow": Case("5. peak RSS growth, 200 slow clients on 16 MiB", "MiB", "/slow.bin", 0, "", 8),
}


@dataclass
class Cell:
    """The measurements of one server on one case, one per round."""

    values: list[float] = field(default_factory=list)
    per_cpu: list[float] = field(default_factory=list)  # work per server CPU-second


# --- the servers ------------------------------------------------------------------------


def server_commands(root: Path, tmp: Path) -> dict[str, Callable[[int | str], list[str]]]:
    """Server name → its command for a port (``taskset`` comes in front); given a port
    number, nginx's command writes its configuration file first."""

    def nginx(tcp_nopush: str) -> Callable[[int | str], list[str]]:
        def command(port: int | str) -> list[str]:
            conf = tmp / "nginx.conf"
            if isinstance(port, int):
                config = (HERE / "nginx.conf.template").read_text()
                filled = config.format(tmp=tmp, port=port, root=root, tcp_nopush=tcp_nopush)
                conf.write_text(filled)
            return ["nginx", "-e", "stderr", "-p", str(tmp), "-c", str(conf)]

        return command

    return {
        "rillet": lambda port: [
            str(VENV_BIN / "rillet"), "serve", str(root), "--port", str(port), "--quiet"
        ],
        "nginx": nginx("on"),
        "nginx-nopush-off": nginx("off"),
        "Node": lambda port: ["node", str(HERE / "node_server.js"), str(root), str(port)],
        "aiohttp": lambda port: [
            sys.executable, str(HERE / "aiohttp_server.py"), str(root), str(port)
        ],
        "Starlette": lambda port: [
            str(VENV_BIN / "uvicorn"), "starlette_app:app", "--app-dir", str(HERE),
            "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
            "--loop", "uvloop", "--http", "httptools", "--log-level", "warning",
        ],
        "bare": lambda port: [sys.executable, str(HERE / "bare_server.py"), str(root), str(port)],
    }  # fmt: skip


def versions() -> dict[str, str]:
    """Server name → the version shown in the table's head."""

    def output(*command: str) -> str:
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        return (done.stdout + done.stderr).strip()

    def package(name: str) -> str:
        code = f"import importlib.metadata as m; print(m.version({name!r}))"
        return output(sys.executable, "-c", code)

    nginx = output("nginx", "-v").replace("nginx version: nginx/", "nginx ")
    return {
        "rillet": f"rillet {package('rillet')}",
        "nginx": nginx,
        "nginx-nopush-off": f"{nginx}, tcp_nopush off",
        "Node": f"Node {output('node', '--version')}",
        "aiohttp": f"aiohttp {package('aiohttp')}",
        "Starlette": f"uvicorn {package('uvicorn')} + Starlette {package('starlette')}",
        "bare": "bare uvloop + httptools",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def started(
    name: str, command: Callable[[int | str], list[str]], root: Path
) -> Iterator[tuple[int, int]]:
    """The server running on core 0 on a free port; yields the port and its process id
    (``taskset`` execs the server, so the id is the server's). Stops it with SIGTERM and
    raises if it does not exit within 10 s or exits with a failure status (dying of the
    SIGTERM itself counts as clean: uvicorn re-raises it after its graceful shutdown)."""
    port = free_port()
    argv = ["taskset", "-c", SERVER_CORE, *command(port)]
    env = {**os.environ, "RILLET_BENCH_ROOT": str(root)}
    with tempfile.TemporaryFile("w+") as errors:
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errors, env=env)
        try:
            wait_listening(child, port)
            yield port, child.pid
        except BaseException:
            child.kill()
            child.wait()
            errors.seek(0)
            print(f"{name} ({shlex.join(argv)}) said:\n{errors.read()}", file=sys.stderr)
            raise
        child.send_signal(signal.SIGTERM)
        try:
            status = child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            raise RuntimeError(f"{name} did not exit within 10 s of SIGTERM") from None
        if status not in (0, -signal.SIGTERM):  # uvicorn re-raises the signal once shut down
            errors.seek(0)
            raise RuntimeError(f"{name} exited with {status} on SIGTERM:\n{errors.read()}")


def wait_listening(child: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"the server exited with status {child.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.05)
    raise RuntimeError("the server did not listen within 30 s")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` so far, all its threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_kib(pid: int, key: str) -> int:
    """A ``/proc/PID/status`` figure (VmRSS, VmHWM) in KiB."""
    found = re.search(rf"^{key}:\s+(\d+) kB$", Path(f"/proc/{pid}/status").read_text(), re.M)
    if not found:
        raise RuntimeError(f"no {key} for process {pid}")
    return int(found.group(1))


# --- checks and loads -----------------------------------------------------------------


def check(port: int, root: Path, case: Case) -> None:
    """One request of the case, answered right (status, length and, but for the largest
    files, every byte), or a RuntimeError: a server that answers wrongly is not measured."""
    expected_status, headers, expected = 200, {}, None
    file = root / case.path.lstrip("/")
    if case.path == "/big.bin":
        first = 123_456_789
        headers = {"Range": f"bytes={first}-{first + RANGE_LENGTH - 1}"}
        with open(file, "rb") as source:
            source.seek(first)
            expected_status, expected = 206, source.read(RANGE_LENGTH)
    elif file.stat().st_size <= MIB:
        expected = file.read_bytes()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", case.path, headers=headers)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != expected_status or (
        body != expected if expected is not None else len(body) != file.stat().st_size
    ):
        raise RuntimeError(
            f"GET {case.path} {headers}: {response.status}, {len(body)} bytes, "
            f"expected {expected_status}"
        )


def wrk_command(port: int | str, case: Case, seconds: int) -> list[str]:
    command = ["taskset", "-c", LOAD_CORE, "wrk", "-t1", f"-c{case.connections}"]
    command += [f"-d{seconds}s", "--timeout=30s"]
    url = f"http://127.0.0.1:{port}{case.path}"
    if case.path == "/big.bin":
        size = str(FILES["big.bin"])
        return [*command, "-s", str(HERE / "ranges.lua"), url, "--", size, str(RANGE_SEED)]
    return [*command, url]


def wrk(port: int, case: Case, seconds: int) -> float:
    """Requests per second of ``wrk`` (one thread, on core 1) against the server."""
    command = wrk_command(port, case, seconds)
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    if done.returncode or not found or "Non-2xx" in done.stdout:
        raise RuntimeError(f"{shlex.join(command)}:\n{done.stdout}{done.stderr}")
    errors = re.search(r"Socket errors: .*", done.stdout)
    if errors:  # wrk also counts the connections it cuts at the end: worth a look, no more
        print(f"{shlex.join(command)}: {errors.group(0)}", file=sys.stderr)
    return float(found.group(1))


def download_command(port: int | str, count: int) -> list[str]:
    client = [sys.executable, str(HERE / "download.py"), str(port), "/big.bin", str(count)]
    return ["taskset", "-c", LOAD_CORE, *client, "120"]


def download(port: int, count: int) -> list[float]:
    """MB/s of ``count`` downloads of the 1 GiB file, in turn, on core 1."""
    done = subprocess.run(download_command(port, count), check=True, capture_output=True)
    rates = []
    for line in done.stdout.splitlines():
        result = json.loads(line)
        if result["status"] != 200 or result["bytes"] != FILES["big.bin"]:
            raise RuntimeError(f"download of /big.bin: {result}")
        rates.append(result["bytes"] / result["seconds"] / 1e6)
    return rates


def slow_command(port: int | str, clients: int, seconds: float) -> list[str]:
    client = [sys.executable, str(HERE / "slow_clients.py"), str(port), "/slow.bin"]
    return ["taskset", "-c", LOAD_CORE, *client, str(clients), f"{seconds:g}", "16384", "100"]


def slow_clients(port: int, pid: int, clients: int, seconds: float) -> float:
    """The server's peak RSS growth in MiB while ``clients`` slow clients download."""
    warm = [sys.executable, str(HERE / "download.py"), str(port), "/slow.bin"]
    subprocess.run(["taskset", "-c", LOAD_CORE, *warm], check=True, capture_output=True)
    before = memory_kib(pid, "VmRSS")
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
    peak = before
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.wait(0.01):
            peak = max(peak, memory_kib(pid, "VmRSS"))

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        done = subprocess.run(
            slow_command(port, clients, seconds), check=True, capture_output=True, text=True
        )
    finally:
        stop.set()
        sampler.join()
    peak = max(peak, memory_kib(pid, "VmHWM"))
    result = json.loads(done.stdout)
    if result["ok"] != clients or result["errors"]:
        raise RuntimeError(f"slow clients: {result}")
    return (peak - before) / 1024


def measure(case_name: str, port: int, pid: int, options: argparse.Namespace) -> Cell:
    """Warm the server up, then measure it once (``values`` may hold several downloads)."""
    case = CASES[case_name]
    cell = Cell()
    if case_name == "slow":
        cell.values.append(slow_clients(port, pid, options.slow_clients, options.slow_seconds))
    elif case_name == "1g":
        if options.warmup > 0:
            download(port, 1)
        before = cpu_seconds(pid)
        cell.values += download(port, options.downloads)
        work = options.downloads * FILES["big.bin"] / 1e6
        cell.per_cpu.append(work / (cpu_seconds(pid) - before))
    else:
        if options.warmup > 0:
            wrk(port, case, options.warmup)
        before = cpu_seconds(pid)
        rate = wrk(port, case, options.seconds)
        cell.values.append(rate)
        cell.per_cpu.append(rate * options.seconds / (cpu_seconds(pid) - before))
    return cell


# --- files and the report ----------------------------------------------------------------


def make_files(root: Path) -> None:
    """The served files, made once (random bytes but for river.webp) and kept."""
    root.mkdir(parents=True, exist_ok=True)
    for name, size in FILES.items():
        path = root / name
        if path.exists() and path.stat().st_size == size:
            continue
        tmp = path.with_name(name + ".part")
        with open(tmp, "wb") as out:
            if name == "river.webp":
                out.write((REPO / "examples" / name).read_bytes())
            else:
                for done in range(0, size, 16 * MIB):
                    out.write(os.urandom(min(16 * MIB, size - done)))
        tmp.rename(path)


def warm_page_cache(path: Path) -> None:
    with open(path, "rb", buffering=0) as source:
        buffer = bytearray(16 * MIB)
        while source.readinto(buffer):
            pass


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def number(value: float, unit: str) -> str:
    if math.isnan(value):  # not measured
        return "—"
    return f"{value:,.1f}" if unit == "MiB" else f"{value:,.0f}"


def report(
    results: dict[tuple[str, str], Cell],
    cases: list[str],
    names: list[str],
    shown: dict[str, str],
    commands: dict[str, Callable[[int | str], list[str]]],
    options: argparse.Namespace,
) -> None:
    rounds = options.rounds
    print(
        f"Each server on core {SERVER_CORE} (one process), the load on core {LOAD_CORE}; "
        f"median of {rounds} round(s), {options.seconds:g} s of wrk per measure "
        f"(after {options.warmup:g} s of warm-up), {options.downloads} download(s) of 1 GiB "
        f"per round (after one more as warm-up), {options.slow_seconds:g} s of slow clients."
    )
    print()
    head = " | ".join(shown[name] for name in names)
    print(f"| case | unit | {head} | rillet/Node | rillet/nginx | target |")
    print("|---|---|" + "---:|" * len(names) + "---:|---:|---|")
    for case_name in cases:
        case = CASES[case_name]
        value = {name: median(results[case_name, name].values) for name in names}
        cells = " | ".join(number(value[name], case.unit) for name in names)
        ratios = [
            f"{value['rillet'] / value[other]:.2f}"
            if "rillet" in value and other in value and case.versus
            else "—"
            for other in ("Node", "nginx")
        ]
        target = case.target
        if "rillet" in value and (case.versus in value or not case.versus):
            met = (
                value["rillet"] / value[case.versus] >= case.ratio
                if case.versus
                else value["rillet"] <= case.ratio
            )
            target += " (met)" if met else " (**missed**)"
        print(f"| {case.label} | {case.unit} | {cells} | {' | '.join(ratios)} | {target} |")
    rate_cases = [name for name in cases if name != "slow"]
    if rate_cases:
        print()
        print("Per CPU-second of the server (requests, or MB for the 1 GiB download):")
        print()
        print(f"| case | {head} |")
        print("|---|" + "---:|" * len(names))
        for case_name in rate_cases:
            cells = " | ".join(f"{median(results[case_name, name].per_cpu):,.0f}" for name in names)
            print(f"| {CASES[case_name].label} | {cells} |")
    print()
    print("Every round (in table order):")
    print()
    for case_name in cases:
        runs = "; ".join(
            ", ".join(number(v, CASES[case_name].unit) for v in results[case_name, name].values)
            for name in names
        )
        print(f"* {case_name}: {runs}")
    print()
    print("Commands (PORT: a free port; TMP: a temporary directory):")
    print()
    for name in names:
        command = shlex.join(["taskset", "-c", SERVER_CORE, *commands[name]("PORT")])
        if name == "Starlette":
            command = f"RILLET_BENCH_ROOT={options.root} {command}"
        elif name.startswith("nginx"):
            command += f"  # TMP/nginx.conf: {HERE / 'nginx.conf.template'} filled in"
        print(f"    {command}")
    print()
    for case_name in cases:
        case = CASES[case_name]
        if case.connections:
            load = wrk_command("PORT", case, options.seconds)
        elif case_name == "1g":
            load = download_command("PORT", options.downloads)
        else:
            load = slow_command("PORT", options.slow_clients, options.slow_seconds)
        print(f"    {case_name}: {shlex.join(load)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk's duration per measure")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1, help="wrk seconds before measuring")
    parser.add_argument("--downloads", type=int, default=3, help="1 GiB downloads per round")
    parser.add_argument("--slow-clients", type=int, default=200)
    parser.add_argument("--slow-seconds", type=float, default=10)
    parser.add_argument("--cases", default=",".join(CASES), help="any of " + ",".join(CASES))
    parser.add_argument(
        "--servers",
        default="rillet,nginx,Node,aiohttp,Starlette",
        help="from rillet,nginx,Node,aiohttp,Starlette,nginx-nopush-off,bare",
    )
    parser.add_argument("--root", type=Path, default=Path("/tmp/rillet-bench-serve"))
    options = parser.parse_args()
    cases, names = options.cases.split(","), options.servers.split(",")
    root: Path = options.root.resolve()
    known = server_commands(root, root)
    if unknown := [c for c in cases if c not in CASES] + [n for n in names if n not in known]:
        parser.error(f"unknown case or server: {', '.join(unknown)}")
    make_files(root)
    shown = versions()
    results = {(case, name): Cell() for case in cases for name in names}
    with tempfile.TemporaryDirectory(prefix="rillet-bench-serve-") as tmp:
        commands = server_commands(root, Path(tmp).resolve())
        for _ in range(options.rounds):
            for case_name in cases:
                if CASES[case_name].path == "/big.bin":
                    warm_page_cache(root / "big.bin")
                for name in names:
                    if name == "bare" and case_name not in ("4k", "image"):
                        continue  # no Range, and whole files in memory
                    with started(name, commands[name], root) as (port, pid):
                        check(port, root, CASES[case_name])
                        cell = measure(case_name, port, pid, options)
                    results[case_name, name].values += cell.values
                    results[case_name, name].per_cpu += cell.per_cpu
                    print(f"{case_name} {name}: {cell.values}", file=sys.stderr, flush=True)
        report(results, cases, names, shown, commands, options)


if __name__ == "__main__":
    main()
