"""Run by ``test_backpressure.py`` as a child process: a rillet server that sends 256 MiB
to its first client, honouring ``write()``/``'drain'``, and reports how its memory grew.

Usage: ``python _backpressure_server.py uvloop|asyncio``. Prints the port, then (after
the transfer) one JSON line: ``baseline``/``peak`` RSS in bytes, the number of writes
that returned False and of ``'drain'`` events, and ``stall``, the longest wait from a
False to the ``'drain'`` that followed it.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from typing import Any

import uvloop

from rillet import net

TOTAL = 256 << 20
CHUNK = b"x" * 16384  # below the high-water mark: only a backed-up transport says False
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[1]) * PAGE


async def main() -> None:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    report: dict[str, Any] = {"false_writes": 0, "drains": 0, "peak": 0, "stall": 0.0}
    waiting_since = 0.0

    def sample() -> None:
        report["peak"] = max(report["peak"], rss())

    def on_connection(socket: net.Socket) -> None:
        sent = 0

        def pump() -> None:
            nonlocal sent, waiting_since
            while sent < TOTAL:
                sent += len(CHUNK)
                if not socket.write(CHUNK):
                    report["false_writes"] += 1
                    waiting_since = time.monotonic()
                    sample()
                    return
            socket.end()

        def on_drain() -> None:
            report["drains"] += 1
            report["stall"] = max(report["stall"], time.monotonic() - waiting_since)
            sample()
            pump()

        socket.on("drain", on_drain)
        socket.on("close", lambda had_error: done.set_result(None))
        socket.resume()
        pump()

    server = net.create_server(on_connection)
    await server.listen(0, "127.0.0.1")
    address = server.address()
    assert isinstance(address, dict)
    report["baseline"] = rss()
    print(address["port"], flush=True)
    await done
    sample()
    print(json.dumps(report), flush=True)
    await server.close()


if __name__ == "__main__":
    if sys.argv[1] == "uvloop":
        uvloop.run(main())
    else:
        asyncio.run(main())
