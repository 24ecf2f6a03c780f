"""``examples/fetch_stream.py``: the seed's browser ``fetch`` loop, run as a program."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

from rillet import http

EXAMPLE = Path(__file__).parents[2] / "examples" / "fetch_stream.py"


async def run(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLE),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_demo_reads_the_body_chunk_by_chunk() -> None:
    code, out, err = await run()
    assert code == 0, err
    lines = out.splitlines()
    chunks = [line for line in lines if line.startswith("Chunk: <memory at ")]
    assert len(chunks) >= 5  # one per piece at least: they come 10 ms apart
    assert lines[-1] == f"200 OK: {5 * 800} bytes in {len(chunks)} chunks"


async def test_a_url_given_is_streamed() -> None:
    async def listener(req: http.IncomingMessage, res: http.ServerResponse) -> None:
        for _ in range(3):
            res.write(b"x" * 1000)
            await asyncio.sleep(0.02)
        res.end()

    server = http.create_server(listener)
    await server.listen(0, "127.0.0.1")
    address = server.address()
    assert isinstance(address, dict)
    try:
        code, out, err = await run(f"http://127.0.0.1:{address['port']}/large-data")
    finally:
        server.close_all_connections()
        await server.close()
    assert code == 0, err
    match = re.search(r"^200 OK: 3000 bytes in (\d+) chunks$", out, re.MULTILINE)
    assert match is not None, out
    assert int(match.group(1)) >= 3


async def test_a_refused_connection_is_reported() -> None:
    server = http.create_server()
    await server.listen(0, "127.0.0.1")
    address = server.address()
    assert isinstance(address, dict)
    await server.close()
    code, _, err = await run(f"http://127.0.0.1:{address['port']}/")
    assert code == 1
    assert "fetch failed" in err and "ECONNREFUSED" in err
