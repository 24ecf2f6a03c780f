"""``spawn`` and ``ChildProcess``: Node's ``child_process.spawn`` on asyncio subprocesses.

The child runs under ``loop.subprocess_exec`` with a protocol of rillet's own, so each
pipe keeps the pipe's backpressure (see :mod:`rillet.process._pipes`): a child's
stdout that nobody reads fills the pipe and blocks the child, and ``stdin.write()``
returns False while the child does not keep up.

Events, as Node's: ``'spawn'`` once the process runs; ``'exit'`` ``(code, signal)``
when it ends (one of the two is None; ``signal`` is a name such as ``'SIGTERM'``),
after which ``stdin`` is destroyed; ``'close'`` ``(code, signal)`` after ``'exit'``
and after every stdout/stderr stream has closed; ``'error'`` when the process could
not be spawned (``ENOENT`` for a missing command, emitted on a later tick, then
``'close'``) or signalled.
"""

from __future__ import annotations

import asyncio
import os
import signal as signals
import subprocess
from collections.abc import Mapping, Sequence
from typing import Any, Final, cast

from rillet._core import EventEmitter, next_tick
from rillet.errors import (
    from_os_error,
    invalid_arg_type,
    invalid_arg_value,
    new_error,
    system_error,
)
from rillet.process._pipes import PipeReader, PipeWriter

__all__ = ["ChildProcess", "spawn"]

Stdio = str | int | None
_CHOICES: Final = {"pipe": subprocess.PIPE, "ignore": subprocess.DEVNULL, "inherit": None}
_tasks: set[asyncio.Task[None]] = set()


def _signal_number(sig: str | int) -> int:
    if isinstance(sig, int) and not isinstance(sig, bool):
        return sig
    if isinstance(sig, str):
        try:
            return int(signals.Signals[sig])
        except KeyError:
            pass
    raise new_error("ERR_UNKNOWN_SIGNAL", sig)


class ChildProcess(EventEmitter):
    """A spawned child process (Node's ``ChildProcess``), made by :func:`spawn`.

    ``stdin`` (a Writable), ``stdout`` and ``stderr`` (Readables) exist for the
    streams spawned with ``'pipe'``, else they are None; ``stdio`` lists all three.
    ``pid`` is set from ``'spawn'`` on (unlike Node, not at once: asyncio starts the
    process on the loop). ``exit_code``/``signal_code`` are set at ``'exit'``;
    ``killed`` says whether :meth:`kill` delivered a signal.
    """

    def __init__(self, command: str, args: list[str], stdio: list[Stdio]) -> None:
        EventEmitter.__init__(self)
        self.spawnfile = command
        self.spawnargs = [command, *args]
        self.pid: int | None = None
        self.exit_code: int | None = None
        self.signal_code: str | None = None
        self.killed = False
        self.stdin = PipeWriter() if stdio[0] == "pipe" else None
        self.stdout = PipeReader() if stdio[1] == "pipe" else None
        self.stderr = PipeReader() if stdio[2] == "pipe" else None
        self.stdio: list[Any] = [self.stdin, self.stdout, self.stderr]
        self._transport: asyncio.SubprocessTransport | None = None
        self._exited = False
        self._pending_signal: int | None = None
        # 'close' waits for the exit and for each readable pipe's 'close' (Node's maybeClose).
        self._closes_needed = 1
        for reader in (self.stdout, self.stderr):
            if reader is not None:
                self._closes_needed += 1
                reader.on("close", self._maybe_close)

    def kill(self, signal: str | int = "SIGTERM") -> bool:
        """Send ``signal`` (a name such as ``'SIGKILL'``, or a number) to the child.

        Returns True if it was sent (before ``'spawn'``, it is sent at ``'spawn'``),
        False once the child has exited. Raises ``ERR_UNKNOWN_SIGNAL`` for an unknown
        name.
        """
        number = _signal_number(signal)
        if self._exited:
            return False
        if self._transport is None:
            self._pending_signal = number
            return True
        try:
            self._transport.send_signal(number)
        except ProcessLookupError:
            return False
        except OSError as exc:
            self.emit("error", from_os_error(exc, "kill"))
            return False
        self.killed = True
        return True

    # -- the process's life, from the protocol -----------------------------------------

    async def _run(self, program: str, args: list[str], options: dict[str, Any]) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.subprocess_exec(lambda: _ChildProtocol(self), program, *args, **options)
        except Exception as exc:
            self._failed(exc)

    def _spawned(self, transport: asyncio.SubprocessTransport) -> None:
        self._transport = transport
        self.pid = transport.get_pid()
        for fd, stream in enumerate(self.stdio):
            if stream is not None:
                stream._attach(transport.get_pipe_transport(fd))
        self.emit("spawn")
        pending, self._pending_signal = self._pending_signal, None
        if pending is not None:
            self.kill(pending)

    def _on_exit(self, returncode: int) -> None:
        self._exited = True
        if returncode < 0:
            self.signal_code = signals.Signals(-returncode).name
        else:
            self.exit_code = returncode
        if self.stdin is not None:
            self.stdin.destroy()
        self.emit("exit", self.exit_code, self.signal_code)
        # As Node: after a tick, drain the pipes nobody reads so that 'close' can come.
        next_tick(self._flush_stdio)
        self._maybe_close()

    def _flush_stdio(self) -> None:
        for reader in (self.stdout, self.stderr):
            if (
                reader is not None
                and reader.readable
                and not reader._readable_state.readable_listening
            ):
                reader.resume()

    def _maybe_close(self) -> None:
        self._closes_needed -= 1
        if self._closes_needed == 0:
            if self._transport is not None:
                self._transport.close()
            self.emit("close", self.exit_code, self.signal_code)

    def _failed(self, exc: Exception) -> None:
        """The spawn failed: ``'error'`` (Node's ``spawn CMD ENOENT``), then ``'close'``
        (no stream of a process that never ran is waited for)."""
        error: BaseException = exc
        if isinstance(exc, OSError) and exc.errno is not None:
            syscall = f"spawn {self.spawnfile}"
            error = system_error(
                exc.errno,
                syscall,
                path=self.spawnfile,
                message=f"{syscall} {from_os_error(exc, syscall).code}",
                spawnargs=self.spawnargs[1:],
            )
            self.exit_code = -exc.errno
        self._exited = True
        self._closes_needed = 1
        if self.stdin is not None:
            self.stdin._attach(None)
        for stream in self.stdio:
            if stream is not None:
                stream.remove_listener("close", self._maybe_close)
                stream.destroy()
        next_tick(self._emit_failure, error)

    def _emit_failure(self, error: BaseException) -> None:
        self.emit("error", error)
        self._maybe_close()


class _ChildProtocol(asyncio.SubprocessProtocol):
    """Routes the transport's calls to the ChildProcess and its pipe streams."""

    def __init__(self, child: ChildProcess) -> None:
        self._child = child
        self._transport: asyncio.SubprocessTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's process transport is no asyncio.SubprocessTransport subclass.
        process = cast(asyncio.SubprocessTransport, transport)
        self._transport = process
        self._child._spawned(process)

    def pipe_data_received(self, fd: int, data: bytes | str) -> None:
        reader = self._child.stdio[fd]
        assert isinstance(reader, PipeReader) and isinstance(data, bytes)
        reader._on_data(data)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        stream = self._child.stdio[fd]
        if isinstance(stream, PipeWriter):
            stream._on_lost(exc)
        elif isinstance(stream, PipeReader):
            stream._on_eof(exc)

    def process_exited(self) -> None:
        assert self._transport is not None
        returncode = self._transport.get_returncode()
        assert returncode is not None
        self._child._on_exit(returncode)

    def pause_writing(self) -> None:
        if self._child.stdin is not None:
            self._child.stdin._pause_writing()

    def resume_writing(self) -> None:
        if self._child.stdin is not None:
            self._child.stdin._resume_writing()


def _normalize_stdio(stdio: str | Sequence[Stdio]) -> list[Stdio]:
    entries: list[Stdio] = [stdio] * 3 if isinstance(stdio, str) else list(stdio)
    entries += [None] * (3 - len(entries))
    normalized: list[Stdio] = []
    for entry in entries[:3]:
        value = "pipe" if entry is None else entry
        if not (value in _CHOICES or (isinstance(value, int) and not isinstance(value, bool))):
            raise invalid_arg_value("stdio", stdio)
        normalized.append(value)
    return normalized


def _popen_stdio(mode: Stdio) -> int | None:
    return _CHOICES[mode] if isinstance(mode, str) else mode


def spawn(
    command: str,
    args: Sequence[str] = (),
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    stdio: str | Sequence[Stdio] = "pipe",
    shell: bool | str = False,
) -> ChildProcess:
    """Start ``command`` with ``args`` (Node's ``child_process.spawn``).

    ``stdio`` is ``'pipe'`` (a stream for each), ``'inherit'``, ``'ignore'``, or a list
    of those (or descriptor numbers) for stdin, stdout and stderr; a missing or None
    entry is ``'pipe'``. ``shell=True`` runs ``/bin/sh -c "command args..."`` (a string
    names the shell). ``env`` replaces the environment (default: ``os.environ``).
    Must be called with a running loop. Raises ``ERR_INVALID_ARG_TYPE``/
    ``ERR_INVALID_ARG_VALUE`` for a bad command, argument or stdio entry.
    """
    if not isinstance(command, str):
        raise invalid_arg_type("file", "of type string", command)
    if not command:
        raise invalid_arg_value("file", command)
    argv = list(args)
    for arg in (command, *argv):
        if not isinstance(arg, str):
            raise invalid_arg_type("args", "an instance of Array", arg)
        if "\0" in arg:
            raise invalid_arg_value("args", arg)
    modes = _normalize_stdio(stdio)
    if shell:
        program = "/bin/sh" if shell is True else str(shell)
        argv = ["-c", " ".join([command, *argv])]
    else:
        program = command
    child = ChildProcess(program, argv, modes)
    options: dict[str, Any] = {
        "stdin": _popen_stdio(modes[0]),
        "stdout": _popen_stdio(modes[1]),
        "stderr": _popen_stdio(modes[2]),
        "cwd": cwd,
        "env": None if env is None else dict(env),
    }
    task = asyncio.get_running_loop().create_task(child._run(program, argv, options))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return child
