"""Reference §1: constructors, strategies, controllers and the public names."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest
from web_helpers import Sink, Source

import rillet.web
from rillet.web import (
    ByteLengthQueuingStrategy,
    CountQueuingStrategy,
    ReadableByteStreamController,
    ReadableStream,
    ReadableStreamBYOBRequest,
    ReadableStreamDefaultController,
    ReadResult,
    TransformStream,
    TransformStreamDefaultController,
    WritableStream,
    WritableStreamDefaultController,
)


def test_1_public_names_match_the_api_contract() -> None:
    expected = {
        "ReadableStream",
        "WritableStream",
        "TransformStream",
        "ByteLengthQueuingStrategy",
        "CountQueuingStrategy",
        "TextEncoderStream",
        "TextDecoderStream",
        "CompressionStream",
        "DecompressionStream",
        "ReadableStreamDefaultController",
        "ReadableByteStreamController",
        "WritableStreamDefaultController",
        "TransformStreamDefaultController",
        "ReadableStreamDefaultReader",
        "ReadableStreamBYOBReader",
        "ReadableStreamBYOBRequest",
        "WritableStreamDefaultWriter",
        "ReadResult",
    }
    assert set(rillet.web.__all__) == expected
    for name in expected:
        assert hasattr(rillet.web, name)


def test_1_read_result_is_a_named_tuple() -> None:
    result = ReadResult("v", False)
    value, done = result
    assert (value, done) == ("v", False) and result.value == "v" and result.done is False


@pytest.mark.parametrize(
    "cls",
    [
        ReadableStreamDefaultController,
        ReadableByteStreamController,
        WritableStreamDefaultController,
        TransformStreamDefaultController,
        ReadableStreamBYOBRequest,
    ],
)
def test_1_controllers_cannot_be_constructed(cls: type) -> None:
    with pytest.raises(TypeError):
        cls()


def test_1_queuing_strategies() -> None:
    count = CountQueuingStrategy(high_water_mark=4)
    assert count.high_water_mark == 4 and count.size("anything") == 1
    length = ByteLengthQueuingStrategy({"high_water_mark": 16})
    assert length.high_water_mark == 16 and length.size(b"abc") == 3
    assert length.size(memoryview(bytearray(8)).cast("I")) == 8
    with pytest.raises(TypeError):
        CountQueuingStrategy()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        CountQueuingStrategy({})


@pytest.mark.parametrize("hwm", [-1, math.nan])
def test_1_a_nan_or_negative_high_water_mark_is_a_value_error(hwm: float) -> None:
    with pytest.raises(ValueError):
        ReadableStream(None, CountQueuingStrategy(hwm))
    with pytest.raises(ValueError):
        WritableStream(None, {"high_water_mark": hwm})
    with pytest.raises(ValueError):
        TransformStream(None, None, {"high_water_mark": hwm})


def test_1_infinite_high_water_mark_is_allowed() -> None:
    source = Source(manual=True)
    ReadableStream(source, CountQueuingStrategy(math.inf))
    assert source.controller.desired_size == math.inf


def test_1_a_size_that_is_not_callable_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        ReadableStream(None, {"size": 3})


@pytest.mark.parametrize("size", [math.nan, math.inf, -1, "x"])
async def test_1_a_bad_size_result_errors_the_stream_and_raises(size: Any) -> None:
    source = Source(manual=True)
    rs = ReadableStream(source, {"high_water_mark": 1, "size": lambda _c: size})
    with pytest.raises(ValueError):
        source.controller.enqueue("a")
    assert rs._state == "errored"


def test_1_start_raising_makes_the_constructors_raise() -> None:
    def start(_controller: Any) -> None:
        raise KeyError("start")

    with pytest.raises(KeyError):
        ReadableStream({"start": start})
    with pytest.raises(KeyError):
        WritableStream({"start": start})


async def test_1_a_rejected_start_errors_the_stream() -> None:
    async def start(_controller: Any) -> None:
        raise KeyError("start")

    with pytest.raises(KeyError):
        await ReadableStream({"start": start}).get_reader().read()
    with pytest.raises(KeyError):
        await WritableStream({"start": start}).get_writer().closed


def test_1_a_sink_type_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        WritableStream({"type": "bytes"})


def test_1_a_member_that_is_not_a_function_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        ReadableStream({"pull": 3})


async def test_1_a_source_may_be_an_object_with_methods() -> None:
    class Numbers:
        def __init__(self) -> None:
            self.n = 0

        def pull(self, controller: ReadableStreamDefaultController) -> None:
            self.n += 1
            if self.n > 2:
                controller.close()
            else:
                controller.enqueue(self.n)

    assert [chunk async for chunk in ReadableStream(Numbers())] == [1, 2]


async def test_1_callbacks_may_be_coroutine_functions() -> None:
    async def pull(controller: Any) -> None:
        controller.enqueue("async")
        controller.close()

    written: list[Any] = []

    async def write(chunk: Any, _controller: Any) -> None:
        written.append(chunk)

    await ReadableStream({"pull": pull}).pipe_to(WritableStream({"write": write}))
    assert written == ["async"]


async def test_1_default_controller_refuses_enqueue_and_close_after_close() -> None:
    source = Source(manual=True)
    ReadableStream(source)
    source.controller.close()
    with pytest.raises(TypeError):
        source.controller.enqueue("a")
    with pytest.raises(TypeError):
        source.controller.close()
    source.controller.error(RuntimeError("no-op"))  # not readable: ignored


async def test_1_byte_controller_refuses_empty_chunks_and_enqueue_after_close() -> None:
    source = Source(manual=True)
    source.type = "bytes"  # type: ignore[attr-defined]
    ReadableStream(source)
    with pytest.raises(TypeError):
        source.controller.enqueue(b"")
    with pytest.raises(TypeError):
        source.controller.enqueue("not bytes")
    source.controller.close()
    with pytest.raises(TypeError):
        source.controller.enqueue(b"a")
    with pytest.raises(TypeError):
        source.controller.close()


async def test_1_writable_controller_error_when_not_writable_is_a_no_op() -> None:
    sink = Sink()
    ws = WritableStream(sink)
    await ws.close()
    sink.controller.error(RuntimeError("ignored"))
    assert ws._state == "closed"


async def test_1_transform_controller_refuses_enqueue_when_the_readable_cannot_take_it() -> None:
    controller: Any = None

    def start(c: Any) -> None:
        nonlocal controller
        controller = c

    ts = TransformStream({"start": start})
    await ts.readable.cancel()
    with pytest.raises(TypeError):
        controller.enqueue("x")
    assert controller.desired_size == 0


async def test_1_transform_controller_desired_size_is_the_readable_side() -> None:
    controller: Any = None

    def start(c: Any) -> None:
        nonlocal controller
        controller = c

    TransformStream({"start": start}, None, CountQueuingStrategy(3))
    assert controller.desired_size == 3
    controller.enqueue("a")
    assert controller.desired_size == 2


def test_1_streams_can_be_made_and_piped_before_the_loop_runs() -> None:
    source = Source(["a", "b"])
    out = ReadableStream(source).pipe_through(TransformStream())

    async def drain() -> list[Any]:
        return [chunk async for chunk in out]

    assert asyncio.run(drain()) == ["a", "b"]
