"""compose(*stages): one Duplex that writes into the first stage and reads from the last."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from rillet import (
    AbortController,
    Duplex,
    PassThrough,
    Readable,
    Transform,
    Writable,
    compose,
    finished,
    pipeline,
)
from rillet.errors import AbortError


def upper() -> Transform:
    return Transform(transform=lambda _s, chunk, _e, cb: cb(None, bytes(chunk).upper()))


def doubler() -> Transform:
    return Transform(transform=lambda _s, chunk, _e, cb: cb(None, bytes(chunk) * 2))


async def read_all(stream: Any) -> bytes:
    return b"".join([bytes(c) if not isinstance(c, str) else c.encode() async for c in stream])


async def double(source: AsyncIterator[Any]) -> AsyncIterator[bytes]:
    async for chunk in source:
        yield bytes(chunk) * 2


async def shout(source: AsyncIterator[Any]) -> AsyncIterator[str]:
    async for chunk in source:
        yield (chunk.decode() if isinstance(chunk, bytes) else str(chunk)).upper()


async def passing(source: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for chunk in source:
        yield chunk


def collector(into: list[Any]) -> Callable[[AsyncIterator[Any]], Awaitable[None]]:
    async def collect(source: AsyncIterator[Any]) -> None:
        async for chunk in source:
            into.append(chunk)

    return collect


async def test_writes_go_into_the_first_and_reads_come_from_the_last() -> None:
    composed = compose(doubler(), upper())
    assert isinstance(composed, Duplex)
    assert composed.readable and composed.writable
    composed.end(b"asd")
    assert await read_all(composed) == b"ASDASD"


async def test_async_generator_functions_first_and_last() -> None:
    composed = compose(double, shout)
    composed.end(b"asd")
    assert await read_all(composed) == b"ASDASD"


async def test_a_single_function_is_duplex_from() -> None:
    composed = compose(double)
    composed.end(b"asd")
    assert await read_all(composed) == b"asdasd"


async def test_a_readable_first_makes_a_read_only_duplex() -> None:
    composed = compose(Readable.from_([b"asd"]), upper())
    assert composed.writable is False
    assert await read_all(composed) == b"ASD"


async def test_an_async_iterable_first_is_a_source() -> None:
    async def gen() -> AsyncIterator[bytes]:
        yield b"asd"

    composed = compose(gen(), upper())
    assert await read_all(composed) == b"ASD"


async def test_a_string_first_is_one_chunk() -> None:
    buf: list[str] = []

    composed = compose("HelloWorld", shout, collector(buf))
    await finished(composed)
    assert buf == ["HELLOWORLD"]


async def test_a_writable_last_makes_a_write_only_duplex() -> None:
    received: list[bytes] = []

    def write(_s: Writable, chunk: Any, _e: str, cb: Callable[..., None]) -> None:
        received.append(bytes(chunk))
        cb()

    composed = compose(upper(), passing, Writable(write=write))
    assert composed.readable is False
    finish = asyncio.get_running_loop().create_future()
    composed.on("finish", lambda: finish.set_result(None))
    composed.end(b"asd")
    await finish
    assert received == [b"ASD"]


async def test_an_async_function_last_is_a_sink() -> None:
    received: list[bytes] = []

    async def sink(source: AsyncIterator[Any]) -> None:
        async for chunk in source:
            received.append(bytes(chunk))

    composed = compose(upper(), sink)
    assert composed.readable is False
    composed.end(b"asd")
    await finished(composed)
    assert received == [b"ASD"]


async def test_an_async_function_last_that_returns_a_value_is_invalid_return() -> None:
    async def gen() -> AsyncIterator[str]:
        yield "a"

    async def sink(source: AsyncIterator[Any]) -> str:
        return "".join([c async for c in source])

    composed = compose(gen(), sink)
    with pytest.raises(TypeError) as caught:
        await finished(composed)
    assert getattr(caught.value, "code", None) == "ERR_INVALID_RETURN_VALUE"


async def test_composed_duplexes_compose_again() -> None:
    buf: list[str] = []

    async def gen() -> AsyncIterator[str]:
        yield "Hello"
        yield "World"

    whole = compose(compose(gen()), compose(shout), compose(collector(buf)))
    await finished(whole)
    assert "".join(buf) == "HELLOWORLD"


async def test_object_mode_ends_are_kept() -> None:
    wrap = Transform(object_mode=True, transform=lambda _s, c, _e, cb: cb(None, {"chunk": c}))

    wrap2 = Transform(object_mode=True, transform=lambda _s, c, _e, cb: cb(None, {"chunk": c}))
    composed = compose(wrap, passing, wrap2)
    composed.end(True)
    assert await composed.to_array() == [{"chunk": {"chunk": True}}]


async def test_an_error_in_the_first_stage_destroys_the_composed_duplex() -> None:
    boom = ValueError("asd")
    later_called: list[Any] = []
    first = Transform(object_mode=True, transform=lambda _s, _c, _e, cb: cb(boom))
    last = Transform(
        object_mode=True,
        transform=lambda _s, c, _e, cb: (later_called.append(c), cb(None, c)),
    )

    composed = compose(first, passing, last)
    errors: list[BaseException] = []
    composed.on("error", errors.append)
    data: list[Any] = []
    composed.on("data", data.append)
    composed.end(True)
    with pytest.raises(ValueError):
        await finished(composed)
    assert errors == [boom]
    assert data == [] and later_called == []
    assert composed.destroyed


async def test_an_error_in_a_middle_generator_reaches_the_composed_duplex() -> None:
    boom = ValueError("asd")

    async def failing(source: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for _ in source:
            raise boom
        yield None  # pragma: no cover

    composed = compose(PassThrough(object_mode=True), failing, PassThrough(object_mode=True))
    composed.on("error", lambda _e: None)
    composed.end(True)
    with pytest.raises(ValueError) as caught:
        await finished(composed)
    assert caught.value is boom


async def test_destroying_the_composed_duplex_destroys_the_stages() -> None:
    head = PassThrough()
    tail = PassThrough()
    composed = compose(head, tail)
    errors: list[BaseException] = []
    composed.on("error", errors.append)
    boom = RuntimeError("stop")
    composed.destroy(boom)
    with pytest.raises(RuntimeError):
        await finished(composed)
    assert head.destroyed and tail.destroyed
    assert errors == [boom]


async def test_destroying_without_error_aborts_the_stages() -> None:
    head = PassThrough()
    tail = PassThrough()
    head_errors: list[BaseException] = []
    head.on("error", head_errors.append)
    composed = compose(head, tail)
    composed.destroy()
    with pytest.raises(AbortError):
        await finished(composed)
    assert head.destroyed and tail.destroyed
    assert [type(e) for e in head_errors] == [AbortError]


async def test_backpressure_flows_through_the_composed_duplex() -> None:
    head = PassThrough(high_water_mark=4)
    tail = PassThrough(high_water_mark=4)
    composed = compose(head, tail)
    for _ in range(20):
        composed.write(b"xxxx")
    # The head takes one chunk past its mark, the rest waits in the composed Duplex.
    assert head.writable_length <= 4
    assert composed.writable_length >= 4 * 18
    composed.end()
    data = await read_all(composed)
    assert data == b"xxxx" * 20


async def test_composed_duplex_in_a_pipeline() -> None:
    received: list[bytes] = []
    await pipeline(Readable.from_([b"a", b"b"]), compose(doubler(), upper()), collector(received))
    assert b"".join(received) == b"AABB"


async def test_no_stage_is_missing_args() -> None:
    with pytest.raises(TypeError) as caught:
        compose()
    assert getattr(caught.value, "code", None) == "ERR_MISSING_ARGS"


async def test_an_unreadable_first_stage_is_invalid_arg_value() -> None:
    with pytest.raises(TypeError) as caught:
        compose(Writable(write=lambda *_: None), PassThrough())
    assert getattr(caught.value, "code", None) == "ERR_INVALID_ARG_VALUE"


async def test_an_unwritable_middle_stage_is_invalid_arg_value() -> None:
    with pytest.raises(TypeError) as caught:
        compose(PassThrough(), Readable(read=lambda *_: None), PassThrough())
    assert getattr(caught.value, "code", None) == "ERR_INVALID_ARG_VALUE"


async def test_an_unreadable_middle_stage_is_invalid_arg_value() -> None:
    with pytest.raises(TypeError) as caught:
        compose(PassThrough(), Writable(write=lambda *_: None), PassThrough())
    assert getattr(caught.value, "code", None) == "ERR_INVALID_ARG_VALUE"


async def test_readable_compose_method_with_signal() -> None:
    controller = AbortController()
    src = Readable(read=lambda *_: None)
    composed = src.compose(upper(), signal=controller.signal)
    errors: list[BaseException] = []
    composed.on("error", errors.append)
    controller.abort()
    with pytest.raises(AbortError):
        await finished(composed)
    assert src.destroyed
    assert [type(e) for e in errors] == [AbortError]


async def test_readable_compose_method_transforms() -> None:
    src = Readable.from_([b"ab", b"c"], object_mode=False)
    assert await read_all(src.compose(upper())) == b"ABC"
