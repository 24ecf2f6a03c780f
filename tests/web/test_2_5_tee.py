"""Reference §2.5, "tee"."""

from __future__ import annotations

from typing import Any

import pytest
from web_helpers import Source, flush_async_events

from rillet.web import CountQueuingStrategy, ReadableStream, ReadResult


def byte_source(chunks: list[bytes] | None = None, *, manual: bool = False) -> Source:
    source = Source(chunks, manual=manual)
    source.type = "bytes"  # type: ignore[attr-defined]
    return source


async def test_2_5_default_tee_gives_both_branches_the_same_object() -> None:
    chunk = {"a": 1}
    first, second = ReadableStream(Source([chunk])).tee()
    one = await first.get_reader().read()
    two = await second.get_reader().read()
    assert one.value is chunk and two.value is chunk


async def test_2_5_default_branches_have_count_hwm_1() -> None:
    source = Source(manual=True)
    first, _second = ReadableStream(source).tee()
    assert first._controller._high_water_mark == 1


async def test_2_5_only_one_source_read_is_outstanding_at_a_time() -> None:
    source = Source(manual=True)
    first, second = ReadableStream(source, CountQueuingStrategy(0)).tee()
    await flush_async_events()
    reader1, reader2 = first.get_reader(), second.get_reader()
    reader1.read()
    reader2.read()
    await flush_async_events()
    assert source.pulls == 1
    source.controller.enqueue("x")
    await flush_async_events()


async def test_2_5_chunks_reach_both_branches_one_tick_after_the_read() -> None:
    source = Source(manual=True)
    first, _second = ReadableStream(source, CountQueuingStrategy(0)).tee()
    reader = first.get_reader()
    read = reader.read()
    source.controller.enqueue("x")
    assert not read.done()
    await flush_async_events()
    assert read.result() == ReadResult("x", False)


async def test_2_5_the_source_is_read_whenever_either_branch_pulls() -> None:
    source = Source(list(range(10)))
    fast, slow = ReadableStream(source, CountQueuingStrategy(0)).tee()
    got = [chunk async for chunk in fast]
    assert got == list(range(10))
    # The slow branch buffered everything the fast one read.
    assert slow._controller._queue_total_size == 10


async def test_2_5_pull_counts_match_the_spec() -> None:
    source = Source(manual=True)
    rs = ReadableStream(source, CountQueuingStrategy(0))
    first, second = rs.tee()
    await flush_async_events()
    assert source.pulls == 1  # the branches have HWM 1, so one pull at start
    source.controller.enqueue("a")
    await flush_async_events()
    r1, r2 = first.get_reader(), second.get_reader()
    assert (await r1.read()).value == "a"
    assert (await r2.read()).value == "a"
    await flush_async_events()
    assert source.pulls == 2


async def test_2_5_cancelling_one_branch_leaves_the_other_and_the_source() -> None:
    source = Source(["a", "b"])
    first, second = ReadableStream(source).tee()
    first.cancel("one")
    await flush_async_events()
    assert source.cancels == []
    assert [chunk async for chunk in second] == ["a", "b"]


async def test_2_5_cancelling_both_cancels_the_source_with_both_reasons() -> None:
    source = Source(manual=True)
    first, second = ReadableStream(source).tee()
    cancel2 = second.cancel("two")
    cancel1 = first.cancel("one")
    assert await cancel1 is None and await cancel2 is None
    assert source.cancels == [["one", "two"]]


async def test_2_5_both_branch_cancels_settle_with_the_source_cancel_outcome() -> None:
    boom = RuntimeError("cancel failed")

    def cancel(_reason: Any) -> None:
        raise boom

    first, second = ReadableStream({"cancel": cancel}).tee()
    cancel1 = first.cancel("one")
    cancel2 = second.cancel("two")
    for awaitable in (cancel1, cancel2):
        with pytest.raises(RuntimeError) as caught:
            await awaitable
        assert caught.value is boom


async def test_2_5_branch_cancel_resolves_if_the_source_closes_first() -> None:
    source = Source(manual=True)
    first, second = ReadableStream(source).tee()
    cancel1 = first.cancel("one")
    await flush_async_events()
    source.controller.close()
    await flush_async_events()
    assert await cancel1 is None
    assert await second.get_reader().read() == ReadResult(None, True)


async def test_2_5_a_source_error_errors_both_branches() -> None:
    source = Source(manual=True)
    first, second = ReadableStream(source).tee()
    boom = RuntimeError("boom")
    source.controller.error(boom)
    for branch in (first, second):
        with pytest.raises(RuntimeError) as caught:
            await branch.get_reader().read()
        assert caught.value is boom


async def test_2_5_erroring_a_branch_discards_its_queued_chunks() -> None:
    source = Source(manual=True)
    first, _second = ReadableStream(source, CountQueuingStrategy(0)).tee()
    await flush_async_events()
    source.controller.enqueue("queued")
    await flush_async_events()
    assert first._controller._queue_total_size == 1
    source.controller.error(RuntimeError("boom"))
    await flush_async_events()
    assert first._controller._queue_total_size == 0
    with pytest.raises(RuntimeError):
        await first.get_reader().read()


async def test_2_5_closing_the_source_closes_both_branches_after_their_queues() -> None:
    first, second = ReadableStream(Source(["a", "b"])).tee()
    assert [chunk async for chunk in first] == ["a", "b"]
    assert [chunk async for chunk in second] == ["a", "b"]


async def test_2_5_byte_tee_gives_each_branch_its_own_copy() -> None:
    first, second = ReadableStream(byte_source([b"abc"])).tee()
    one = (await first.get_reader().read()).value
    two = (await second.get_reader().read()).value
    assert bytes(one) == bytes(two) == b"abc"
    assert one.obj is not two.obj


async def test_2_5_byte_tee_reads_into_a_branch_byob_buffer() -> None:
    source = byte_source(manual=True)
    first, second = ReadableStream(source).tee()
    buffer = bytearray(8)
    reader = first.get_reader(mode="byob")
    read = reader.read(memoryview(buffer))
    await flush_async_events()
    source.controller.enqueue(b"hey")
    result = await read
    assert bytes(result.value) == b"hey"
    assert result.value.obj is buffer
    assert bytes((await second.get_reader().read()).value) == b"hey"


async def test_2_5_byte_tee_branches_are_byte_streams_with_hwm_0() -> None:
    first, second = ReadableStream(byte_source(manual=True)).tee()
    for branch in (first, second):
        assert branch._controller._high_water_mark == 0
        branch.get_reader(mode="byob")


async def test_2_5_byte_tee_closes_pending_byob_reads_on_both_branches() -> None:
    source = byte_source(manual=True)
    first, second = ReadableStream(source).tee()
    read1 = first.get_reader(mode="byob").read(memoryview(bytearray(4)))
    read2 = second.get_reader(mode="byob").read(memoryview(bytearray(4)))
    await flush_async_events()
    source.controller.close()
    source.controller.byob_request.respond(0)
    for read in (read1, read2):
        result = await read
        assert result.done and bytes(result.value) == b""
