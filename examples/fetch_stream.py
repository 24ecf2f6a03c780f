"""The browser example of a streamed response, in Python: ``python fetch_stream.py [URL]``.

As the seed writes it in JavaScript::

    const response = await fetch("/large-data");
    const reader = response.body.getReader();
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      console.log("Chunk:", value);
    }

With a URL, the body of that URL is read chunk by chunk as it arrives. Without one, a small
rillet server on 127.0.0.1 answers ``/large-data`` with five pieces, 10 ms apart, and the
example reads that. Each chunk is a ``memoryview`` read from the socket only as the loop asks
for it; a last line counts what arrived.
"""

from __future__ import annotations

import asyncio
import sys

from rillet import http


async def read_in_chunks(url: str) -> None:
    """The seed's loop, as written in Python."""
    response = await http.fetch(url)
    reader = response.body.get_reader()
    total = chunks = 0
    while True:
        result = await reader.read()
        if result.done:
            break
        print("Chunk:", result.value)
        total += len(result.value)
        chunks += 1
    print(f"{response.status} {response.status_text}: {total} bytes in {chunks} chunks")


async def demo() -> None:
    """Serve ``/large-data`` in five timed pieces and read it with :func:`read_in_chunks`."""

    async def large_data(req: http.IncomingMessage, res: http.ServerResponse) -> None:
        for index in range(5):
            res.write(f"piece {index} ".encode() * 100)
            await asyncio.sleep(0.01)
        res.end()

    server = http.create_server(large_data)
    await server.listen(0, "127.0.0.1")
    address = server.address()
    assert isinstance(address, dict)
    try:
        await read_in_chunks(f"http://127.0.0.1:{address['port']}/large-data")
    finally:
        http.global_agent.destroy()
        server.close_all_connections()
        await server.close()


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print("usage: fetch_stream.py [URL]", file=sys.stderr)
        return 2
    try:
        asyncio.run(read_in_chunks(argv[0]) if argv else demo())
    except TypeError as error:  # fetch failed: the cause says why (ECONNREFUSED...)
        print(f"fetch_stream: {error}: {error.__cause__}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
