"""The terminal view of ``rillet serve`` as a user sees it: under a pseudo-terminal
(pexpect) a live table of active transfers and a log line per finished request;
``--quiet`` shows neither; with plain pipes, plain log lines only."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

# Escape sequences (colours, cursor moves, line erases) and carriage returns: what is
# left is the text drawn on the screen, in order.
CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>78]|\r")
STARTUP = re.compile(r"rillet serving \S+ at http://127\.0\.0\.1:(\d+)/\n")
BAR = "[│|]"  # rich draws box characters, or ASCII on a terminal that lacks them
LOG_LINE = re.compile(r'127\.0\.0\.1 "GET (\S+) HTTP/1\.1" (\d{3}) \d+ [\d.]+ms( \(aborted\))?')
BIG = 2 * 1024 * 1024


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "small.txt").write_bytes(b"a small file\n")
    (tmp_path / "big.bin").write_bytes(os.urandom(BIG))
    with open(tmp_path / "huge.bin", "wb") as huge:
        huge.truncate(256 * 1024 * 1024)  # sparse: a large body that costs no disk
    return tmp_path


class Terminal:
    """``rillet serve`` on a pseudo-terminal, and the text it has drawn so far."""

    def __init__(self, *args: str) -> None:
        env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", COLUMNS="160")
        command = ["-m", "rillet", "serve", *args, "--port", "0"]
        self.child = pexpect.spawn(sys.executable, command, dimensions=(40, 160), env=env)
        self.text = ""
        self.port = int(self.wait_for(STARTUP)[1])

    def _read(self, timeout: float) -> bool:
        try:
            data = self.child.read_nonblocking(65536, timeout=timeout)
        except pexpect.TIMEOUT:
            return True
        except pexpect.EOF:
            return False
        self.text += CONTROL.sub("", data.decode("utf-8", "replace"))
        return True

    def wait_for(
        self, pattern: re.Pattern[str], since: int = 0, timeout: float = 15
    ) -> re.Match[str]:
        """The first match of ``pattern`` in what was drawn (from offset ``since`` on),
        waiting for it to appear."""
        deadline = time.monotonic() + timeout
        while (match := pattern.search(self.text, since)) is None:
            left = deadline - time.monotonic()
            assert left > 0, f"{pattern.pattern!r} not on the screen:\n{self.text[-3000:]}"
            assert self._read(min(left, 0.25)), f"exited: {self.text[-3000:]}"
        return match

    def stop(self) -> int:
        """SIGTERM; everything up to the exit is read; the exit status."""
        self.child.kill(signal.SIGTERM)
        deadline = time.monotonic() + 15
        while self._read(0.25):
            assert time.monotonic() < deadline, "no exit after SIGTERM"
        self.child.close()
        return int(self.child.exitstatus)


@pytest.fixture
def terminal() -> Iterator[list[Terminal]]:
    """Terminals a test opens; any still running is killed at the end."""
    opened: list[Terminal] = []
    yield opened
    for term in opened:
        if term.child.isalive():
            term.child.kill(signal.SIGKILL)
        term.child.close()


def _download(port: int, path: str, receive_buffer: int | None = None) -> socket.socket:
    """A GET whose response nobody reads yet."""
    client = socket.socket()
    if receive_buffer is not None:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    client.connect(("127.0.0.1", port))
    client.sendall(f"GET {path} HTTP/1.1\r\nHost: view\r\n\r\n".encode())
    return client


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _row(path: str, total: str, state: str) -> re.Pattern[str]:
    return re.compile(
        rf"{BAR} {re.escape(path)} +{BAR} 127\.0\.0\.1:(\d+) +{BAR} +[\d.]+ (B|KiB|MiB) "
        rf"of {re.escape(total)} {BAR} +[\d.]+ (B|KiB|MiB)/s {BAR} {state} +{BAR}"
    )


def test_tty_shows_the_active_transfer_and_a_line_per_request(
    root: Path, terminal: list[Terminal]
) -> None:
    term = Terminal(str(root), "--rate", "100k")
    terminal.append(term)
    term.wait_for(re.compile(r"rillet: active transfers"))
    download = _download(term.port, "/big.bin")
    row = term.wait_for(_row("/big.bin", "2.0 MiB", "sending"))
    assert int(row[1]) == download.getsockname()[1]  # the client column names the peer
    assert _get(term.port, "/small.txt") == 200
    term.wait_for(re.compile(r'127\.0\.0\.1 "GET /small\.txt HTTP/1\.1" 200 \d+ [\d.]+ms\n'))
    download.close()
    term.wait_for(re.compile(r'"GET /big\.bin HTTP/1\.1" 200 \d+ [\d.]+ms \(aborted\)'))
    # Once it is gone, the table is empty again.
    term.wait_for(re.compile(rf"{BAR} \(none\) "), since=len(term.text))
    assert term.stop() == 0


def test_tty_shows_a_transfer_waiting_on_its_client(root: Path, terminal: list[Terminal]) -> None:
    term = Terminal(str(root))
    terminal.append(term)
    # The client reads nothing: the socket buffers fill and the server waits.
    stalled = _download(term.port, "/huge.bin", receive_buffer=8192)
    term.wait_for(_row("/huge.bin", "256.0 MiB", "waiting on client"))
    stalled.close()
    term.wait_for(re.compile(r'"GET /huge\.bin HTTP/1\.1" 200 \d+ [\d.]+ms \(aborted\)'))
    assert term.stop() == 0


def test_quiet_tty_shows_no_table_and_no_log(root: Path, terminal: list[Terminal]) -> None:
    term = Terminal(str(root), "--quiet", "--rate", "100k")
    terminal.append(term)
    download = _download(term.port, "/big.bin")
    assert download.recv(1024).startswith(b"HTTP/1.1 200")
    assert _get(term.port, "/small.txt") == 200
    assert _get(term.port, "/missing") == 404
    download.close()
    assert term.stop() == 0
    # The startup line is all there ever was (a table is drawn at once when the view is on).
    assert STARTUP.fullmatch(term.text), term.text


def test_without_a_tty_plain_log_lines_on_stderr(root: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "rillet", "serve", str(root), "--port", "0", "--rate", "100k"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        match = STARTUP.fullmatch(process.stdout.readline())
        assert match, "no startup line"
        port = int(match[1])
        download = _download(port, "/big.bin")
        assert download.recv(1024).startswith(b"HTTP/1.1 200")
        assert _get(port, "/small.txt") == 200
        download.close()
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0
    assert out == ""
    lines = err.splitlines()
    assert "\x1b" not in err and "active transfers" not in err
    assert all(LOG_LINE.fullmatch(line) for line in lines), err
    logged = {LOG_LINE.fullmatch(line)[1]: line for line in lines}  # type: ignore[index]
    assert set(logged) == {"/big.bin", "/small.txt"}
    assert logged["/big.bin"].endswith("(aborted)")
