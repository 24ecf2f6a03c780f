"""A client that stalls for 1 s while a rillet server sends it 256 MiB (issue 3, item 6).

The server runs in a child process so that its RSS (from ``/proc/self/statm``) measures
only the sending side.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
import uvloop

from rillet import net, once

SERVER = Path(__file__).with_name("_backpressure_server.py")
TOTAL = 256 << 20


@pytest.mark.slow
@pytest.mark.timeout(120)
async def test_a_stalled_client_bounds_the_server_memory() -> None:
    # The child serves with the same loop as this run of the test.
    kind = "uvloop" if isinstance(asyncio.get_running_loop(), uvloop.Loop) else "asyncio"
    child = await asyncio.create_subprocess_exec(
        sys.executable, str(SERVER), kind, stdout=asyncio.subprocess.PIPE
    )
    assert child.stdout is not None
    try:
        port = int(await child.stdout.readline())
        client = net.connect(port, "127.0.0.1")
        client.pause()
        await once(client, "connect")
        await asyncio.sleep(1.0)  # the stall itself: the scenario's one deliberate wait
        # The client's own side is bounded too: its transport stopped reading.
        assert client.transport is not None and not client.transport.is_reading()
        assert client.readable_length <= 65536 + 262144
        received = 0
        async for chunk in client:
            received += len(chunk)
        report = json.loads(await child.stdout.readline())
        assert await child.wait() == 0
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    assert received == TOTAL
    # write() said False while the client stalled, and 'drain' followed each time.
    assert report["false_writes"] > 0
    assert report["drains"] == report["false_writes"]
    assert report["stall"] >= 0.5  # no drain while the client stalled (1 s)
    growth = report["peak"] - report["baseline"]
    assert growth < 32 << 20, f"server RSS grew by {growth / 2**20:.1f} MiB"
