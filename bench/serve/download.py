"""The download client of the file-server benchmark: ``python download.py PORT PATH [COUNT
[DEADLINE]]``.

Downloads ``http://127.0.0.1:PORT/PATH`` COUNT times (default 1), each on a fresh
connection, reading the body into one reused 1 MiB buffer (``recv_into``: the bytes are
discarded), and prints one JSON line per download: the status, the Content-Length, the
body bytes received and the seconds from sending the request to the last byte. A
download still running DEADLINE seconds (default 60) after its request stops there and
reports what it had, with ``"cut": true``.
"""

from __future__ import annotations

import json
import socket
import sys
import time

HEAD_END = b"\r\n\r\n"


def download(port: int, path: str, deadline: float) -> dict[str, object]:
    """One GET of ``path``; the body is read and dropped."""
    buffer = memoryview(bytearray(1 << 20))
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.settimeout(deadline)
        start = time.perf_counter()
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        connection.sendall(request.encode())
        head = b""
        while HEAD_END not in head:
            count = connection.recv_into(buffer)
            if not count:
                raise ConnectionError(f"closed before the end of the head: {head!r}")
            head += buffer[:count]
        head, _, body = head.partition(HEAD_END)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        fields = dict(line.split(":", 1) for line in lines[1:])
        length = int({k.lower(): v for k, v in fields.items()}["content-length"])
        received = len(body)
        cut = False
        while received < length:
            count = connection.recv_into(buffer)
            if not count:
                break
            received += count
            if time.perf_counter() - start > deadline:
                cut = True
                break
        seconds = time.perf_counter() - start
    return {"status": status, "length": length, "bytes": received, "seconds": seconds, "cut": cut}


def main() -> None:
    port, path = int(sys.argv[1]), sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    deadline = float(sys.argv[4]) if len(sys.argv) > 4 else 60.0
    for _ in range(count):
        print(json.dumps(download(port, path, deadline)), flush=True)


if __name__ == "__main__":
    main()
