"""What the ``rillet serve`` black-box tests share (no tests): the server as a child process
on 127.0.0.1, requests through ``http.client``, raw exchanges over asyncio sockets, a
``multipart/byteranges`` parser, and the process's memory and open files."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

STARTUP = re.compile(
    r"^rillet serving (?P<root>.+) at (?P<url>(?P<scheme>https?)://(?P<host>[^/]+):(?P<port>\d+)/)$"
)
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def rillet_command(*args: str) -> list[str]:
    """``python -m rillet ARGS`` with this interpreter."""
    return [sys.executable, "-m", "rillet", *args]


def read_line(stream: Any, timeout: float) -> str:
    """One line of a child's pipe, waiting at most ``timeout`` seconds ('' at EOF)."""
    deadline = time.monotonic() + timeout
    fd = stream.fileno()
    data = b""
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError(f"no line within {timeout} s (so far {data!r})")
        piece = os.read(fd, 1)
        if not piece:
            break
        data += piece
    return data.decode("utf-8")


@dataclass
class Reply:
    """One response: status, headers (case-insensitive), body."""

    status: int
    headers: Message
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


class Served:
    """A ``rillet serve ROOT ARGS`` child process; stderr (the access log) goes to a file."""

    def __init__(self, root: str | Path | None, *args: str, startup_timeout: float = 15) -> None:
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        where = [str(root)] if root is not None else []
        command = rillet_command("serve", *where, "--port", "0", *args)
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL
        )
        try:
            self.first_line = read_line(self.process.stdout, startup_timeout).rstrip("\n")
        except BaseException:
            self.process.kill()
            self.process.wait()
            raise
        match = STARTUP.match(self.first_line)
        if match is None:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"unexpected first line {self.first_line!r}: {self.log()}")
        self.root = match["root"]
        self.url = match["url"]
        self.scheme = match["scheme"]
        self.port = int(match["port"])

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        """Everything written to standard error so far."""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def connection(self, timeout: float = 10) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(
        self,
        method: str,
        target: str,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Reply:
        """One request on a new connection."""
        connection = self.connection()
        try:
            return exchange(connection, method, target, headers, body)
        finally:
            connection.close()

    def get(self, target: str, **headers: str) -> Reply:
        """GET with headers given as keywords (``if_none_match`` → ``If-None-Match``)."""
        return self.request("GET", target, _keywords(headers))

    def head(self, target: str, **headers: str) -> Reply:
        return self.request("HEAD", target, _keywords(headers))

    def raw(self, data: bytes, timeout: float = 10) -> bytes:
        """Send ``data`` as is on a new connection; everything received until the server
        closes (or ``timeout``, then what came so far)."""
        return asyncio.run(raw_exchange(self.port, data, timeout))

    def rss(self) -> int:
        """The resident set size of the server process, in bytes."""
        with open(f"/proc/{self.pid}/statm") as statm:
            return int(statm.read().split()[1]) * PAGE_SIZE

    def open_files(self) -> list[str]:
        """What the server's file descriptors point to (sockets as ``socket:[...]``)."""
        fds = f"/proc/{self.pid}/fd"
        names = []
        for fd in os.listdir(fds):
            with contextlib.suppress(OSError):
                names.append(os.readlink(f"{fds}/{fd}"))
        return names

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 5) -> int:
        """Send ``signum`` and wait (at most ``timeout`` s) for the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def close(self) -> None:
        if self.process.poll() is None:
            self.stop()
        assert self.process.stdout is not None
        self.process.stdout.close()
        self._log.close()


@contextlib.contextmanager
def serving(root: str | Path | None, *args: str) -> Iterator[Served]:
    """A running ``rillet serve``; on exit it gets SIGTERM and must exit with status 0."""
    served = Served(root, *args)
    try:
        yield served
        status = served.stop()
        assert status == 0, f"exit status {status}: {served.log()}"
    finally:
        served.close()


def _keywords(headers: dict[str, str]) -> dict[str, str]:
    return {name.replace("_", "-"): value for name, value in headers.items()}


def exchange(
    connection: http.client.HTTPConnection,
    method: str,
    target: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Reply:
    """One request/response on ``connection`` (kept open)."""
    connection.request(method, target, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    return Reply(response.status, response.headers, data)


async def raw_exchange(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Send ``data`` on a new connection and read until the server closes it (or ``timeout``)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        received = b""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                piece = await asyncio.wait_for(reader.read(65536), left)
            except (TimeoutError, ConnectionResetError):
                break
            if not piece:
                break
            received += piece
        return received
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def parse_head(data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names; the last of repeated ones) and what follows the
    head of a raw response."""
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split(" ")[1]), headers, rest


def parse_byteranges(kind: str, body: bytes) -> list[tuple[dict[str, str], bytes]]:
    """The parts of a ``multipart/byteranges`` body, checking its framing exactly: each part
    is CRLF ``--BOUNDARY`` CRLF, header lines ending in CRLF, an empty line, the bytes; the
    body ends with CRLF ``--BOUNDARY--`` CRLF. Raises AssertionError on any deviation."""
    match = re.fullmatch(r"multipart/byteranges; boundary=([0-9A-Za-z'()+_,./:=?-]{1,70})", kind)
    assert match, kind
    delimiter = b"\r\n--" + match[1].encode("ascii")
    assert body.startswith(delimiter + b"\r\n"), body[:80]
    assert body.endswith(delimiter + b"--\r\n"), body[-80:]
    chunks = body[: -len(delimiter) - 4].split(delimiter)
    assert chunks[0] == b""
    parts = []
    for chunk in chunks[1:]:
        assert chunk.startswith(b"\r\n"), chunk[:40]
        head, separator, data = chunk[2:].partition(b"\r\n\r\n")
        assert separator, chunk[:200]
        headers = {}
        for line in head.split(b"\r\n"):
            name, colon, value = line.decode("latin-1").partition(":")
            assert colon and name == name.strip(), line
            headers[name.lower()] = value.strip()
        parts.append((headers, data))
    return parts


def content_range(value: str) -> tuple[int, int, int]:
    """``bytes FIRST-LAST/SIZE`` as three numbers."""
    match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", value)
    assert match, value
    return int(match[1]), int(match[2]), int(match[3])


def pattern(size: int) -> bytes:
    """``size`` bytes where every offset is distinguishable (a slice names its position)."""
    block = bytes(range(251))  # a prime period: misplaced ranges do not line up by chance
    return (block * (size // 251 + 1))[:size]
