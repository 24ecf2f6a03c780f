"""The slow clients of the file-server benchmark's memory case: ``python slow_clients.py
PORT PATH [CLIENTS [SECONDS [READ_BYTES [PAUSE_MS]]]]``.

CLIENTS (default 200) concurrent downloads of ``http://127.0.0.1:PORT/PATH`` from one
asyncio process, each on its own connection reading READ_BYTES (default 16384) at a
time and then pausing PAUSE_MS (default 100), so the server has far more to send than
the clients take and must wait on backpressure. After SECONDS (default 10) every
connection is closed, the downloads unfinished. Prints one JSON line: clients that got a
``200`` head, body-and-head bytes received in all, and errors (by type).
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from collections import Counter


async def slow_download(
    port: int, path: str, stop_at: float, read_bytes: int, pause: float, tally: Counter[str]
) -> None:
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    sock.setblocking(False)
    try:
        await loop.sock_connect(sock, ("127.0.0.1", port))
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
        await loop.sock_sendall(sock, request)
        first = True
        while loop.time() < stop_at:
            timeout = stop_at - loop.time()
            data = await asyncio.wait_for(loop.sock_recv(sock, read_bytes), timeout)
            if not data:
                tally["closed by the server"] += 1
                return
            if first:
                tally["200" if data.startswith(b"HTTP/1.1 200 ") else "other status"] += 1
                first = False
            tally["bytes"] += len(data)
            await asyncio.sleep(pause)
    except TimeoutError:
        pass  # the deadline fell during a read: the normal end
    except OSError as error:
        tally[type(error).__name__] += 1
    finally:
        sock.close()


async def run(port: int, path: str, clients: int, seconds: float, read: int, pause: float) -> None:
    tally: Counter[str] = Counter()
    stop_at = asyncio.get_running_loop().time() + seconds
    await asyncio.gather(
        *(slow_download(port, path, stop_at, read, pause, tally) for _ in range(clients))
    )
    bytes_received = tally.pop("bytes", 0)
    ok = tally.pop("200", 0)
    print(json.dumps({"clients": clients, "ok": ok, "bytes": bytes_received, "errors": tally}))


def main() -> None:
    args = sys.argv[1:]
    port, path = int(args[0]), args[1]
    clients = int(args[2]) if len(args) > 2 else 200
    seconds = float(args[3]) if len(args) > 3 else 10.0
    read = int(args[4]) if len(args) > 4 else 16384
    pause = float(args[5]) / 1000 if len(args) > 5 else 0.1
    asyncio.run(run(port, path, clients, seconds, read, pause))


if __name__ == "__main__":
    main()
