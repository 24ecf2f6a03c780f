"""Reference §2.6, "Byte streams and BYOB"."""

from __future__ import annotations

from typing import Any

import pytest
from web_helpers import Source, flush_async_events

from rillet.web import ReadableStream, ReadResult, WritableStream


def byte_stream(**extra: Any) -> tuple[ReadableStream, Source]:
    source = Source(manual=True)
    source.type = "bytes"  # type: ignore[attr-defined]
    for name, value in extra.items():
        setattr(source, name, value)
    return ReadableStream(source), source


def released(view: memoryview) -> bool:
    try:
        view.nbytes  # noqa: B018
    except ValueError:
        return True
    return False


@pytest.mark.parametrize(
    "make_view",
    [
        lambda: memoryview(bytearray(0)),
        lambda: memoryview(bytearray(4))[2:2],
        lambda: memoryview(b"read-only"),
        lambda: b"bytes",
        lambda: "text",
        lambda: None,
    ],
    ids=["empty", "empty-slice", "read-only", "bytes", "str", "none"],
)
async def test_2_6_read_rejects_an_empty_read_only_or_non_view_with_type_error(
    make_view: Any,
) -> None:
    rs, source = byte_stream()
    with pytest.raises(TypeError):
        await rs.get_reader(mode="byob").read(make_view())
    assert source.pulls == 0


async def test_2_6_read_rejects_a_detached_view_with_type_error() -> None:
    rs, _ = byte_stream()
    view = memoryview(bytearray(4))
    view.release()
    with pytest.raises(TypeError):
        await rs.get_reader(mode="byob").read(view)


async def test_2_6_read_rejects_min_0_with_type_error() -> None:
    rs, _ = byte_stream()
    with pytest.raises(TypeError):
        await rs.get_reader(mode="byob").read(memoryview(bytearray(4)), min=0)


async def test_2_6_read_rejects_min_beyond_the_element_count_with_value_error() -> None:
    rs, _ = byte_stream()
    reader = rs.get_reader(mode="byob")
    with pytest.raises(ValueError):
        await reader.read(memoryview(bytearray(4)), min=5)
    with pytest.raises(ValueError):
        await reader.read(memoryview(bytearray(8)).cast("I"), min=3)


async def test_2_6_read_on_a_released_reader_rejects_with_type_error() -> None:
    rs, _ = byte_stream()
    reader = rs.get_reader(mode="byob")
    reader.release_lock()
    with pytest.raises(TypeError):
        await reader.read(memoryview(bytearray(4)))


async def test_2_6_read_transfers_the_view_and_gives_a_same_type_view_of_the_memory() -> None:
    rs, source = byte_stream()
    buffer = bytearray(8)
    view = memoryview(buffer).cast("H")
    read = rs.get_reader(mode="byob").read(view)
    assert released(view)
    source.controller.enqueue(b"\x01\x00\x02\x00")
    result = await read
    assert result.value.format == "H" and result.value.tolist() == [1, 2]
    assert result.value.obj is buffer and result.value.nbytes == 4


async def test_2_6_enqueue_transfers_the_chunk() -> None:
    rs, source = byte_stream()
    chunk = memoryview(bytearray(b"abc"))
    source.controller.enqueue(chunk)
    assert released(chunk)
    with pytest.raises(TypeError):
        source.controller.enqueue(chunk)
    assert bytes((await rs.get_reader().read()).value) == b"abc"


async def test_2_6_a_byob_read_waits_for_min_elements() -> None:
    rs, source = byte_stream()
    read = rs.get_reader(mode="byob").read(memoryview(bytearray(8)), min=6)
    source.controller.enqueue(b"abcd")
    await flush_async_events()
    assert not read.done()
    source.controller.enqueue(b"efgh")
    assert bytes((await read).value) == b"abcdefgh"


async def test_2_6_a_partial_element_stays_at_the_head_of_the_queue() -> None:
    rs, source = byte_stream()
    source.controller.enqueue(b"\x01\x00\x02")
    reader = rs.get_reader(mode="byob")
    result = await reader.read(memoryview(bytearray(8)).cast("H"))
    assert result.value.tolist() == [1]
    source.controller.enqueue(b"\x00")
    assert (await reader.read(memoryview(bytearray(2)).cast("H"))).value.tolist() == [2]


async def test_2_6_queued_bytes_fill_the_view_first_and_the_rest_stays_queued() -> None:
    rs, source = byte_stream()
    source.controller.enqueue(b"abcdef")
    reader = rs.get_reader(mode="byob")
    assert bytes((await reader.read(memoryview(bytearray(4)))).value) == b"abcd"
    assert source.controller.desired_size == -2
    reader.release_lock()
    assert bytes((await rs.get_reader().read()).value) == b"ef"


async def test_2_6_close_resolves_a_pending_byob_read_with_an_empty_view_and_done() -> None:
    rs, source = byte_stream()
    buffer = bytearray(4)
    read = rs.get_reader(mode="byob").read(memoryview(buffer))
    source.controller.close()
    source.controller.byob_request.respond(0)
    result = await read
    assert result.done and result.value.nbytes == 0 and result.value.obj is buffer


async def test_2_6_cancel_resolves_a_pending_byob_read_with_none_and_done() -> None:
    rs, _ = byte_stream()
    reader = rs.get_reader(mode="byob")
    read = reader.read(memoryview(bytearray(4)))
    await reader.cancel()
    assert await read == ReadResult(None, True)


async def test_2_6_byob_request_exists_only_while_a_pull_into_is_pending() -> None:
    rs, source = byte_stream()
    controller = source.controller
    assert controller.byob_request is None
    read = rs.get_reader(mode="byob").read(memoryview(bytearray(4)))
    assert controller.byob_request is not None
    controller.enqueue(b"abcd")
    assert controller.byob_request is None
    await read


async def test_2_6_byob_request_view_covers_the_unfilled_part() -> None:
    rs, source = byte_stream()
    buffer = bytearray(8)
    read = rs.get_reader(mode="byob").read(memoryview(buffer), min=4)
    request = source.controller.byob_request
    assert request.view.nbytes == 8 and request.view.obj is buffer
    request.view[:2] = b"ab"
    request.respond(2)
    view = source.controller.byob_request.view
    assert view.nbytes == 6
    view[:2] = b"cd"
    source.controller.byob_request.respond(2)
    assert bytes((await read).value) == b"abcd"


async def test_2_6_respond_0_on_a_readable_stream_is_a_type_error() -> None:
    rs, source = byte_stream()
    rs.get_reader(mode="byob").read(memoryview(bytearray(4)))
    with pytest.raises(TypeError):
        source.controller.byob_request.respond(0)


async def test_2_6_respond_beyond_the_view_is_a_value_error() -> None:
    rs, source = byte_stream()
    rs.get_reader(mode="byob").read(memoryview(bytearray(4)))
    with pytest.raises(ValueError):
        source.controller.byob_request.respond(5)


async def test_2_6_respond_on_a_closed_stream_must_be_0() -> None:
    rs, source = byte_stream()
    rs.get_reader(mode="byob").read(memoryview(bytearray(4)))
    source.controller.close()
    with pytest.raises(TypeError):
        source.controller.byob_request.respond(1)


async def test_2_6_after_respond_the_request_is_gone_and_its_view_detached() -> None:
    rs, source = byte_stream()
    read = rs.get_reader(mode="byob").read(memoryview(bytearray(4)))
    request = source.controller.byob_request
    view = request.view
    view[0] = 1
    request.respond(1)
    assert source.controller.byob_request is None
    assert request.view is None and released(view)
    with pytest.raises(TypeError):
        request.respond(1)
    await read


async def test_2_6_respond_with_new_view_uses_the_view_length() -> None:
    rs, source = byte_stream()
    read = rs.get_reader(mode="byob").read(memoryview(bytearray(8)))
    view = source.controller.byob_request.view
    view[:3] = b"xyz"
    source.controller.byob_request.respond_with_new_view(view[:3])
    assert bytes((await read).value) == b"xyz"


@pytest.mark.parametrize("where", ["offset", "other-buffer", "too-long"])
async def test_2_6_respond_with_new_view_over_the_wrong_region_is_a_value_error(where: str) -> None:
    rs, source = byte_stream()
    rs.get_reader(mode="byob").read(memoryview(bytearray(8))[:4])
    request = source.controller.byob_request
    view = request.view
    if where == "offset":
        wrong = view[1:3]
    elif where == "other-buffer":
        wrong = memoryview(bytearray(8))[:2]
    else:
        wrong = memoryview(view.obj)[:6]
    with pytest.raises(ValueError):
        request.respond_with_new_view(wrong)


async def test_2_6_auto_allocate_chunk_size_gives_default_reads_a_byob_request() -> None:
    rs, source = byte_stream(auto_allocate_chunk_size=16)
    read = rs.get_reader().read()
    request = source.controller.byob_request
    assert request is not None and request.view.nbytes == 16
    request.view[:2] = b"hi"
    request.respond(2)
    assert bytes((await read).value) == b"hi"


async def test_2_6_auto_allocate_chunk_size_0_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        byte_stream(auto_allocate_chunk_size=0)


async def test_2_6_release_lock_rejects_a_pending_byob_read_and_keeps_its_bytes() -> None:
    rs, source = byte_stream()
    reader = rs.get_reader(mode="byob")
    read = reader.read(memoryview(bytearray(4)))
    request = source.controller.byob_request
    reader.release_lock()
    with pytest.raises(TypeError):
        await read
    # The source may still respond; the bytes go to the queue for the next reader.
    request.view[:2] = b"ok"
    request.respond(2)
    assert bytes((await rs.get_reader().read()).value) == b"ok"


async def test_2_6_close_with_a_partial_element_pending_errors_and_raises() -> None:
    rs, source = byte_stream()
    read = rs.get_reader(mode="byob").read(memoryview(bytearray(2)).cast("H"))
    request = source.controller.byob_request
    request.view[0] = 1
    request.respond(1)
    with pytest.raises(TypeError):
        source.controller.close()
    with pytest.raises(TypeError):
        await read
    assert rs._state == "errored"


async def test_2_6_a_byob_read_that_cannot_be_filled_on_a_closing_stream_errors() -> None:
    rs, source = byte_stream()
    source.controller.enqueue(b"\x01")
    source.controller.close()
    with pytest.raises(TypeError):
        await rs.get_reader(mode="byob").read(memoryview(bytearray(2)).cast("H"))
    assert rs._state == "errored"


async def test_2_6_pipe_to_from_a_byte_stream() -> None:
    rs, source = byte_stream()
    got: list[bytes] = []
    piping = rs.pipe_to(WritableStream({"write": lambda chunk, _c: got.append(bytes(chunk))}))
    await flush_async_events()
    source.controller.enqueue(b"ab")
    source.controller.enqueue(b"cd")
    source.controller.close()
    await piping
    assert b"".join(got) == b"abcd"
