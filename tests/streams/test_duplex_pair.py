"""duplex_pair(): two cross-wired Duplex ends, with backpressure and end/destroy propagation."""

from __future__ import annotations

import asyncio
from typing import Any

from _writable_helpers import closed, loop_turns

from rillet import Duplex, duplex_pair, once, pipeline
from rillet.errors import NodeError


async def test_duplex_pair_returns_two_duplexes() -> None:
    a, b = duplex_pair()
    assert isinstance(a, Duplex) and isinstance(b, Duplex)
    assert a is not b


async def test_duplex_pair_writes_cross_over() -> None:
    a, b = duplex_pair()
    a.write(b"to b")
    b.write(b"to a")
    [at_b] = await once(b, "data")
    [at_a] = await once(a, "data")
    assert at_b == b"to b"
    assert at_a == b"to a"


def collect(stream: Any) -> tuple[list[Any], asyncio.Future[None]]:
    """The chunks ``stream`` emits, and a Future set at its ``'end'``.

    (``async for`` would destroy a half-open Duplex when the loop ends, as Node does.)
    """
    chunks: list[Any] = []
    ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    stream.on("data", chunks.append)
    stream.once("end", lambda: ended.set_result(None))
    return chunks, ended


async def test_duplex_pair_end_ends_the_other_readable_side() -> None:
    a, b = duplex_pair()
    events: list[str] = []
    a.on("finish", lambda: events.append("a:finish"))
    b.on("end", lambda: events.append("b:end"))
    chunks, ended = collect(b)
    a.end(b"last")
    await ended
    assert chunks == [b"last"]
    await loop_turns()
    # As in Node, the writer finishes only once the reader has seen the end.
    assert events == ["b:end", "a:finish"]
    assert b.writable and not b.destroyed


async def test_duplex_pair_finish_waits_for_the_reader() -> None:
    a, b = duplex_pair()
    events: list[str] = []
    a.on("finish", lambda: events.append("a:finish"))
    a.end(b"unread")
    await loop_turns()
    assert events == []
    b.resume()
    await once(b, "end")
    await loop_turns()
    assert events == ["a:finish"]


async def test_duplex_pair_backpressure() -> None:
    a, b = duplex_pair(high_water_mark=4)
    results = [a.write(b"xx") for _ in range(8)]
    assert False in results
    await loop_turns()
    # b's readable side fills to its mark; the rest waits in a's writable buffer
    # (the chunk whose write is held counts on both sides).
    assert 4 <= b.readable_length <= 4 + 2
    assert a.writable_length > 0
    assert b.readable_length + a.writable_length == 16 + 2
    drained = asyncio.get_running_loop().create_future()
    a.once("drain", lambda: drained.set_result(None))
    received = bytearray()
    while len(received) < 16:
        chunk = b.read()
        if chunk is None:
            await once(b, "readable")
            continue
        received += chunk
    await drained
    assert bytes(received) == b"xx" * 8
    assert a.writable_length == 0


async def test_duplex_pair_object_mode() -> None:
    a, b = duplex_pair(object_mode=True)
    items, ended = collect(b)
    a.write({"n": 1})
    a.end({"n": 2})
    await ended
    assert items == [{"n": 1}, {"n": 2}]


async def test_duplex_pair_empty_write_is_acknowledged() -> None:
    a, b = duplex_pair()
    done: list[Any] = []
    a.write(b"", lambda e=None: done.append(e))
    await loop_turns()
    assert done == [None]
    assert b.readable_length == 0


async def test_duplex_pair_destroy_with_error_destroys_the_other_side() -> None:
    a, b = duplex_pair()
    errors: list[tuple[str, Any]] = []
    a.on("error", lambda e: errors.append(("a", e)))
    b.on("error", lambda e: errors.append(("b", e)))
    err = NodeError("gone", code="EGONE")
    a.destroy(err)
    await asyncio.gather(closed(a), closed(b))
    assert errors == [("b", err), ("a", err)]


async def test_duplex_pair_destroy_without_error_ends_the_other_readable_side() -> None:
    a, b = duplex_pair()
    chunks, ended = collect(b)
    a.write(b"before close")
    a.destroy()
    await ended
    assert chunks == [b"before close"]


async def test_duplex_pair_in_a_pipeline_round_trip() -> None:
    a, b = duplex_pair()

    b.on("data", lambda chunk: b.write(chunk.upper()))
    b.on("end", b.end)
    received: list[bytes] = []

    async def consume(source: Any) -> None:
        async for chunk in source:
            received.append(chunk)

    a.write(b"hello ")
    a.end(b"world")
    await pipeline(a, consume)
    assert b"".join(received) == b"HELLO WORLD"
