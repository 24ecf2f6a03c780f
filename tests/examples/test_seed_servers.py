"""The seed servers in ``examples/``, each run as a program and fetched over loopback:
``seed_image_server.py`` (seeds 000/001), and seed 003's file server three ways,
``seed_backpressure.py`` (by hand), ``seed_pipe.py`` and ``seed_pipeline.py``."""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[2] / "examples"
IMAGE = EXAMPLES / "river.webp"
BIG = 64 << 20
FILE_SERVERS = ["seed_backpressure.py", "seed_pipe.py", "seed_pipeline.py"]


class Example:
    """An example server running in a child process on a free port of 127.0.0.1."""

    def __init__(self, script: str, *args: str) -> None:
        self.child = subprocess.Popen(
            [sys.executable, str(EXAMPLES / script), *args, "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.child.stdout is not None
        line = self.child.stdout.readline()
        found = re.fullmatch(r"Server started at http://127\.0\.0\.1:(\d+)/\n", line)
        assert found, line
        self.port = int(found.group(1))

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)

    def peak_rss(self) -> int:
        """The process's peak resident set so far (``VmHWM``), in bytes."""
        status = Path(f"/proc/{self.child.pid}/status").read_text()
        found = re.search(r"^VmHWM:\s+(\d+) kB$", status, re.MULTILINE)
        assert found, status
        return int(found.group(1)) << 10

    def get(self, path: str = "/") -> bytes:
        """The whole body of a 200 response to ``GET path``."""
        connection = self.connect()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            assert response.status == 200
            return response.read()
        finally:
            connection.close()

    def stop(self) -> str:
        """Stop the server; what it printed after its first line."""
        self.child.terminate()
        out, _ = self.child.communicate(timeout=10)
        return out


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A 64 MiB file of random bytes and its SHA-256."""
    path = tmp_path_factory.mktemp("seed") / "big.bin"
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        for _ in range(BIG >> 20):
            block = os.urandom(1 << 20)
            digest.update(block)
            out.write(block)
    return path, digest.hexdigest()


@pytest.fixture
def image_server() -> Iterator[Example]:
    example = Example("seed_image_server.py")
    try:
        yield example
    finally:
        example.stop()


def leave_early(port: int) -> None:
    """Start a download, take a little of it, and reset the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as early:
        early.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert early.recv(1024).startswith(b"HTTP/1.1 200 OK\r\n")
        # Close with unread data: a reset, while the server is still sending.
        early.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_image_server_sends_the_image_in_timed_chunks(image_server: Example) -> None:
    connection = image_server.connect()
    connection.request("GET", "/")
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("Access-Control-Allow-Origin") == "*"
    assert response.getheader("Content-Type") == "image/webp"
    assert response.getheader("Transfer-Encoding") == "chunked"
    body = bytearray()
    first_1000 = 0.0
    while piece := response.read1(65536):
        body += piece
        if not first_1000 and len(body) >= 1000:
            first_1000 = time.monotonic()
    last = time.monotonic()
    connection.close()
    assert body == IMAGE.read_bytes()
    # 203 chunks of 1000 bytes, 10 ms apart: about 2 s from the first to the last.
    assert last - first_1000 >= 1.0


def test_image_server_goes_on_after_a_client_leaves(image_server: Example) -> None:
    leave_early(image_server.port)
    assert image_server.get("/river.webp") == IMAGE.read_bytes()


@pytest.mark.parametrize("script", FILE_SERVERS)
def test_file_server_sends_the_default_image(script: str) -> None:
    example = Example(script)
    try:
        assert example.get() == IMAGE.read_bytes()
    finally:
        example.stop()


@pytest.mark.parametrize("script", FILE_SERVERS)
def test_file_server_holds_back_for_a_slow_client(script: str, big_file: tuple[Path, str]) -> None:
    """A client that stalls, then reads in pieces with pauses, gets every byte of 64 MiB,
    and the server's peak RSS grows by far less than the file: it waited for the client."""
    path, expected = big_file
    example = Example(script, str(path))
    try:
        before = example.peak_rss()
        connection = example.connect()
        connection.request("GET", "/")
        response = connection.getresponse()
        assert response.status == 200
        digest = hashlib.sha256(response.read(65536))
        time.sleep(0.5)  # the stall: the server's writes back up meanwhile
        received = 65536
        while piece := response.read(4 << 20):
            digest.update(piece)
            received += len(piece)
            time.sleep(0.02)  # a pause per 4 MiB
        connection.close()
        grown = example.peak_rss() - before
        assert received == BIG
        assert digest.hexdigest() == expected
        assert grown < BIG // 4, f"peak RSS grew by {grown >> 20} MiB"
        # A client that leaves mid-file does not stop the server.
        leave_early(example.port)
        assert len(example.get()) == BIG
    finally:
        printed = example.stop()
    if script == "seed_pipeline.py":
        assert "GET /: ERR_STREAM_PREMATURE_CLOSE" in printed or "ECONNRESET" in printed
