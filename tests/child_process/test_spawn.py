"""child_process.spawn over real processes: cat, head, sh; pipes, exit codes, signals."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest

import rillet
from rillet.child_process import ChildProcess, spawn


async def collect(stream: Any) -> bytes:
    return b"".join([chunk async for chunk in stream])


def record(child: ChildProcess, events: list[Any]) -> None:
    for name in ("spawn", "exit", "close"):
        child.on(name, lambda *args, name=name: events.append((name, *args)))


async def test_cat_round_trip_with_backpressure_both_ways() -> None:
    child = spawn("cat")
    events: list[Any] = []
    record(child, events)
    closed = rillet.once(child, "close")
    assert child.stdin is not None and child.stdout is not None
    data = os.urandom(8 << 20)
    written = 0
    refused = 0

    async def write_all() -> None:
        nonlocal written, refused
        assert child.stdin is not None
        for offset in range(0, len(data), 65536):
            written += 65536
            if not child.stdin.write(data[offset : offset + 65536]):
                refused += 1
                await rillet.once(child.stdin, "drain")
        child.stdin.end()

    writer = asyncio.ensure_future(write_all())
    received: list[bytes] = []
    read = 0
    largest_gap = largest_buffer = 0
    async for chunk in child.stdout:
        received.append(chunk)
        read += len(chunk)
        # Give the loop many turns: without backpressure the pipes would run ahead here.
        for _ in range(20):
            await asyncio.sleep(0)
        largest_gap = max(largest_gap, written - read)
        largest_buffer = max(largest_buffer, child.stdout.readable_length)
    await writer
    assert b"".join(received) == data
    assert refused > 5
    # In flight at once: pipes, transport buffers and high-water marks, far below 8 MiB.
    assert largest_gap < 2 << 20
    # The high-water mark plus what the transport may still deliver after pause_reading:
    # uvloop reads a pipe up to 256 KiB at a time, and once more after the pause.
    assert largest_buffer <= 65536 + 2 * 262144
    assert await closed == [0, None]
    assert [event[0] for event in events] == ["spawn", "exit", "close"]
    assert child.pid is not None and child.exit_code == 0 and child.signal_code is None


async def test_head_takes_what_it_needs_and_stdin_gets_epipe() -> None:
    child = spawn("head", ["-c", "1000"])
    closed = rillet.once(child, "close")
    assert child.stdin is not None
    errors: list[Any] = []
    child.stdin.on("error", errors.append)
    data = os.urandom(4 << 20)
    for offset in range(0, len(data), 65536):
        child.stdin.write(data[offset : offset + 65536])
    assert await collect(child.stdout) == data[:1000]
    assert await closed == [0, None]
    # Whether the broken pipe or the exit is seen first is a race (in Node too): the
    # write in flight fails with EPIPE, or stdin is destroyed at the exit.
    assert all(error.code == "EPIPE" and error.syscall == "write" for error in errors)
    assert child.stdin.destroyed


async def test_exit_code_and_close_after_stdio() -> None:
    child = spawn("sh", ["-c", "echo out; echo err >&2; exit 3"])
    closed = rillet.once(child, "close")
    order: list[Any] = []
    record(child, order)
    assert child.stdout is not None and child.stderr is not None
    stdout, stderr = child.stdout, child.stderr
    stdout.on("close", lambda: order.append("stdout closed"))
    stderr.on("close", lambda: order.append("stderr closed"))
    streams_closed_at_close: list[bool] = []
    child.on("close", lambda *_: streams_closed_at_close.append(stdout.closed and stderr.closed))
    out, err = await asyncio.gather(collect(child.stdout), collect(child.stderr))
    assert (out, err) == (b"out\n", b"err\n")
    await closed
    assert child.exit_code == 3
    assert order[0] == ("spawn",)
    assert order.index(("exit", 3, None)) < order.index(("close", 3, None))
    assert streams_closed_at_close == [True]


async def test_close_comes_even_when_nobody_reads_stdout() -> None:
    child = spawn("sh", ["-c", "echo unread"])
    assert await rillet.once(child, "close") == [0, None]
    assert child.stdout is not None and child.stdout.destroyed


async def test_kill_reports_the_signal() -> None:
    child = spawn("sleep", ["30"])
    closed = rillet.once(child, "close")
    await rillet.once(child, "spawn")
    assert child.kill() is True
    assert await rillet.once(child, "exit") == [None, "SIGTERM"]
    assert child.killed and child.signal_code == "SIGTERM" and child.exit_code is None
    assert await closed == [None, "SIGTERM"]
    assert child.kill("SIGKILL") is False  # it has gone


async def test_kill_before_spawn_is_delivered_at_spawn() -> None:
    child = spawn("sleep", ["30"])
    assert child.kill("SIGKILL") is True
    assert await rillet.once(child, "close") == [None, "SIGKILL"]
    assert child.killed


async def test_unknown_signal_raises() -> None:
    child = spawn("true")
    with pytest.raises(TypeError) as info:
        child.kill("SIGNOPE")
    assert info.value.code == "ERR_UNKNOWN_SIGNAL"  # type: ignore[attr-defined]
    await rillet.once(child, "close")


async def test_missing_command_emits_enoent_then_close() -> None:
    child = spawn("rillet-no-such-command", ["a", "b"])
    spawned: list[Any] = []
    child.on("spawn", lambda: spawned.append(True))
    closed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    child.on("close", lambda *args: closed.set_result(args))
    (error,) = await rillet.once(child, "error")  # listened to after spawn() returned
    assert error.code == "ENOENT" and str(error) == "spawn rillet-no-such-command ENOENT"
    assert error.syscall == "spawn rillet-no-such-command"
    assert error.path == "rillet-no-such-command" and error.spawnargs == ["a", "b"]
    assert isinstance(error, FileNotFoundError)
    assert await closed == (child.exit_code, None) and child.exit_code is not None
    assert child.exit_code < 0 and spawned == [] and child.pid is None


async def test_ignore_and_pipe_per_stream() -> None:
    child = spawn("sh", ["-c", "echo out; echo err >&2"], stdio=["pipe", "ignore", "pipe"])
    closed = rillet.once(child, "close")
    assert child.stdin is not None and child.stdout is None and child.stderr is not None
    assert await collect(child.stderr) == b"err\n"
    assert await closed == [0, None]


async def test_inherit_passes_our_descriptors() -> None:
    uses_uvloop = "uvloop" in type(asyncio.get_running_loop()).__module__
    script = (
        "import asyncio, uvloop, rillet\n"
        "from rillet.child_process import spawn\n"
        "async def main():\n"
        "    child = spawn('sh', ['-c', 'echo inherited; echo oops >&2'], stdio='inherit')\n"
        "    assert child.stdout is None and child.stdin is None\n"
        "    code, signal = await rillet.once(child, 'close')\n"
        "    print('exit', code, flush=True)\n"
        f"{'uvloop' if uses_uvloop else 'asyncio'}.run(main())\n"
    )
    parent = spawn(sys.executable, ["-c", script])
    out, err = await asyncio.gather(collect(parent.stdout), collect(parent.stderr))
    assert out == b"inherited\nexit 0\n" and err == b"oops\n"


async def test_cwd_env_and_shell(tmp_path: Path) -> None:
    child = spawn(
        "pwd; echo $RILLET_TEST $((40 + 2))",
        cwd=tmp_path,
        env={"RILLET_TEST": "yes", "PATH": os.environ["PATH"]},
        shell=True,
    )
    assert child.spawnfile == "/bin/sh" and child.spawnargs[1] == "-c"
    assert await collect(child.stdout) == f"{tmp_path}\nyes 42\n".encode()


async def test_bad_arguments_raise() -> None:
    with pytest.raises(TypeError) as stdio_info:
        spawn("true", stdio="sideways")
    assert stdio_info.value.code == "ERR_INVALID_ARG_VALUE"  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        spawn(["true"])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        spawn("true", ["a\0b"])
