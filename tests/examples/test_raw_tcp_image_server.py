"""``examples/raw_tcp_image_server.py``: run as a program, fetched over a raw socket."""

from __future__ import annotations

import re
import socket
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[2] / "examples"
IMAGE = EXAMPLES / "river.webp"


@pytest.fixture
def port() -> Iterator[int]:
    """The example running on a free port of 127.0.0.1."""
    with subprocess.Popen(
        [sys.executable, str(EXAMPLES / "raw_tcp_image_server.py"), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            assert child.stdout is not None
            line = child.stdout.readline()
            found = re.fullmatch(r"Server started on http://127\.0\.0\.1:(\d+)/\n", line)
            assert found, line
            yield int(found.group(1))
        finally:
            child.terminate()
            child.wait(timeout=10)


def fetch(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        parts = []
        while chunk := client.recv(65536):
            parts.append(chunk)
    return b"".join(parts)


def test_the_image_is_a_real_webp_of_about_200_kib() -> None:
    data = IMAGE.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    assert struct.unpack("<I", data[4:8])[0] + 8 == len(data)
    assert 150_000 < len(data) < 250_000


def test_serves_the_image_after_a_minimal_head(port: int) -> None:
    head, separator, body = fetch(port).partition(b"\r\n\r\n")
    assert separator
    assert head.split(b"\r\n")[0] == b"HTTP/1.1 200 OK"
    assert b"Content-Type: image/webp" in head.split(b"\r\n")
    assert body == IMAGE.read_bytes()


def test_a_client_that_leaves_early_does_not_stop_the_server(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as early:
        early.sendall(b"GET / HTTP/1.1\r\n\r\n")
        assert early.recv(1024)
        # Close with unread data: a reset, while the server is still sending.
        early.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    for _ in range(3):
        assert fetch(port).endswith(IMAGE.read_bytes())
