"""The receiving end of the TCP benchmark: ``python reader.py``.

Listens on a free port of 127.0.0.1 and prints ``listening PORT``; then, for each
connection in turn, reads until EOF into one reused 1 MiB buffer (``recv_into``: the
bytes are discarded) and prints a JSON line with the bytes received and the seconds from
the accept to EOF. Runs until killed.
"""

from __future__ import annotations

import json
import socket
import time


def main() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        print(f"listening {server.getsockname()[1]}", flush=True)
        buffer = memoryview(bytearray(1 << 20))
        while True:
            connection, _ = server.accept()
            start = time.perf_counter()
            total = 0
            with connection:
                while count := connection.recv_into(buffer):
                    total += count
            seconds = time.perf_counter() - start
            print(json.dumps({"bytes": total, "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()
