"""Duplex.from_(): a Duplex from every kind of input Node's Duplex.from accepts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from rillet import Duplex, PassThrough, Readable, Writable, finished, once, pipeline
from rillet.errors import AbortError


def one_shot(*chunks: Any) -> Readable:
    """A Readable that pushes ``chunks`` and EOF when first read."""

    def read(stream: Readable, _n: int) -> None:
        for chunk in chunks:
            stream.push(chunk)
        stream.push(None)

    return Readable(read=read)


def collecting(into: list[Any]) -> Writable:
    def write(_s: Writable, chunk: Any, _e: str, cb: Callable[..., None]) -> None:
        into.append(chunk)
        cb()

    return Writable(write=write)


async def test_a_duplex_is_returned_as_is() -> None:
    d = PassThrough()
    assert Duplex.from_(d) is d


async def test_a_readable_read_on_a_later_loop_turn_keeps_its_data() -> None:
    d = Duplex.from_(one_shot(b"late"))
    await once(d, "readable")
    await asyncio.sleep(0)
    assert await d.to_array() == [b"late"]
    await finished(d)


async def test_a_readable_becomes_a_read_only_duplex() -> None:
    d = Duplex.from_(one_shot(b"asd"))
    assert d.readable is True and d.writable is False
    await once(d, "readable")
    assert d.read() == b"asd"
    await once(d, "end")
    assert d.readable is False


async def test_a_writable_becomes_a_write_only_duplex() -> None:
    got: list[bytes] = []
    d = Duplex.from_(collecting(got))
    assert d.readable is False and d.writable is True
    d.end(b"asd")
    await once(d, "finish")
    assert d.writable is False
    assert got == [b"asd"]


async def test_a_readable_that_fails_destroys_the_duplex() -> None:
    src = Readable(read=lambda s, _n: s.destroy(ValueError("error!")))
    d = Duplex.from_(src)
    errors: list[BaseException] = []
    d.on("error", errors.append)
    d.resume()
    with pytest.raises(ValueError, match="error!"):
        await finished(d)
    assert [str(e) for e in errors] == ["error!"]


async def test_a_writable_that_fails_destroys_the_duplex() -> None:
    d = Duplex.from_(Writable(write=lambda _s, _c, _e, cb: cb(ValueError("error!"))))
    errors: list[BaseException] = []
    d.on("error", errors.append)
    d.write(b"test")
    with pytest.raises(ValueError, match="error!"):
        await finished(d)
    assert [str(e) for e in errors] == ["error!"]


async def test_a_readable_writable_dict() -> None:
    got: list[bytes] = []
    d = Duplex.from_({"readable": one_shot(b"asd"), "writable": collecting(got)})
    assert d.readable is True and d.writable is True
    d.end(b"in")
    assert await d.to_array() == [b"asd"]
    await finished(d)
    assert got == [b"in"]


async def test_a_dict_with_only_readable() -> None:
    d = Duplex.from_({"readable": one_shot(b"hello")})
    assert d.writable is False
    assert await d.to_array() == [b"hello"]


async def test_a_dict_with_only_writable() -> None:
    got: list[bytes] = []
    d = Duplex.from_({"writable": collecting(got)})
    assert d.readable is False
    d.end(b"hello")
    await finished(d)
    assert got == [b"hello"]


async def test_a_dict_piped_into_itself() -> None:
    got: list[bytes] = []
    d = Duplex.from_({"readable": one_shot(b"hello"), "writable": collecting(got)})
    d.pipe(d)
    await finished(d)
    assert got == [b"hello"]


async def test_an_object_with_readable_and_writable_attributes() -> None:
    class Pair:
        def __init__(self) -> None:
            self.readable = one_shot(b"r")
            self.writable = PassThrough()

    d = Duplex.from_(Pair())
    assert d.readable and d.writable
    d.end()
    assert await d.to_array() == [b"r"]


async def test_a_list_is_a_readable_source() -> None:
    d = Duplex.from_([1, 2, 3])
    assert d.writable is False
    assert await d.to_array() == [1, 2, 3]


async def test_an_async_iterable_is_a_readable_source() -> None:
    async def gen() -> AsyncIterator[str]:
        yield "a"
        yield "b"

    assert await Duplex.from_(gen()).to_array() == ["a", "b"]


@pytest.mark.parametrize("body", ["asd", b"asd"])
async def test_str_and_bytes_are_one_chunk(body: Any) -> None:
    d = Duplex.from_(body)
    assert d.writable is False
    assert await d.to_array() == [body]


async def test_an_awaitable_is_a_one_chunk_source() -> None:
    loop = asyncio.get_running_loop()
    value: asyncio.Future[str] = loop.create_future()
    d = Duplex.from_(value)
    assert d.readable is True and d.writable is False
    value.set_result("asd")
    assert await d.to_array() == ["asd"]


async def test_a_coroutine_is_an_awaitable_source() -> None:
    async def compute() -> bytes:
        return b"computed"

    assert await Duplex.from_(compute()).to_array() == [b"computed"]


async def test_an_awaitable_resolving_to_none_is_empty() -> None:
    async def nothing() -> None:
        return None

    assert await Duplex.from_(nothing()).to_array() == []


async def test_a_rejected_awaitable_emits_error() -> None:
    async def failing() -> None:
        raise ValueError("myCustomError")

    d = Duplex.from_(failing())
    err = (await asyncio.gather(once(d, "error"), return_exceptions=True))[0]
    assert isinstance(err, list) and isinstance(err[0], ValueError)


async def test_an_async_generator_function_is_a_transform() -> None:
    async def lines(source: AsyncIterator[Any]) -> AsyncIterator[str]:
        rest = ""
        async for chunk in source:
            *complete, rest = (rest + bytes(chunk).decode()).split("\n")
            for line in complete:
                yield line
        yield rest

    d = Duplex.from_(lines)
    assert d.readable and d.writable
    got: list[str] = []

    async def collect(source: AsyncIterator[str]) -> None:
        async for line in source:
            got.append(line)

    await pipeline([b"abc\ndef\ngh", b"i"], d, collect)
    assert got == ["abc", "def", "ghi"]


async def test_a_transform_function_sees_every_write_in_order() -> None:
    async def echo(source: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for chunk in source:
            yield chunk

    d = Duplex.from_(echo)
    for i in range(5):
        d.write(i)
    d.end()
    assert await d.to_array() == [0, 1, 2, 3, 4]


async def test_an_async_function_is_a_sink() -> None:
    got: list[Any] = []

    async def sink(source: AsyncIterator[Any]) -> None:
        async for chunk in source:
            got.append(chunk)

    d = Duplex.from_(sink)
    assert d.readable is False and d.writable is True
    d.write("a")
    d.end("b")
    await finished(d)
    assert got == ["a", "b"]


async def test_a_sink_finishes_only_after_the_function_returns() -> None:
    loop = asyncio.get_running_loop()
    release: asyncio.Future[None] = loop.create_future()
    log: list[str] = []

    async def sink(source: AsyncIterator[Any]) -> None:
        async for _ in source:
            pass
        await release
        log.append("returned")

    d = Duplex.from_(sink)
    d.on("finish", lambda: log.append("finish"))
    d.end("x")
    await asyncio.sleep(0)
    assert log == []
    release.set_result(None)
    await finished(d)
    assert log == ["returned", "finish"]


async def test_an_async_function_that_fails_emits_error() -> None:
    async def sink(_source: AsyncIterator[Any]) -> None:
        raise ValueError("myCustomError")

    d = Duplex.from_(sink)
    errors: list[BaseException] = []
    d.on("error", errors.append)
    with pytest.raises(ValueError, match="myCustomError"):
        await finished(d)
    assert len(errors) == 1


async def test_a_sink_returning_a_value_is_invalid_return() -> None:
    async def sink(source: AsyncIterator[Any]) -> str:
        return "".join([c async for c in source])

    d = Duplex.from_(sink)
    d.on("error", lambda _e: None)
    d.end("x")
    with pytest.raises(TypeError) as caught:
        await finished(d)
    assert getattr(caught.value, "code", None) == "ERR_INVALID_RETURN_VALUE"


async def test_a_plain_function_returning_nothing_raises_at_the_call() -> None:
    with pytest.raises(TypeError) as caught:
        Duplex.from_(lambda source: None)
    assert getattr(caught.value, "code", None) == "ERR_INVALID_RETURN_VALUE"


async def test_destroying_a_transform_function_duplex_aborts_its_signal() -> None:
    seen: list[Any] = []
    started = asyncio.get_running_loop().create_future()

    async def echo(source: AsyncIterator[Any], *, signal: Any) -> AsyncIterator[Any]:
        seen.append(signal)
        started.set_result(None)
        async for chunk in source:
            yield chunk

    d = Duplex.from_(echo)
    d.write("x")
    d.resume()
    await started
    d.destroy()
    await asyncio.gather(finished(d), return_exceptions=True)
    assert seen[0].aborted


async def test_destroy_without_error_on_a_pair_is_an_abort() -> None:
    inner_r = one_shot(b"x")
    inner_w = collecting([])
    errors: list[BaseException] = []
    inner_r.on("error", errors.append)
    d = Duplex.from_({"readable": inner_r, "writable": inner_w})
    d.destroy()
    await asyncio.gather(finished(d), return_exceptions=True)
    assert inner_r.destroyed and inner_w.destroyed
    assert [type(e) for e in errors] == [AbortError]


async def test_not_convertible_is_a_type_error() -> None:
    with pytest.raises(TypeError) as caught:
        Duplex.from_(42)
    assert getattr(caught.value, "code", None) == "ERR_INVALID_ARG_TYPE"


async def test_a_web_readable_stream_is_a_byte_mode_source() -> None:
    from rillet.web import ReadableStream

    def start(controller: Any) -> None:
        controller.enqueue(b"a")
        controller.enqueue(b"b")
        controller.close()

    d = Duplex.from_(ReadableStream({"start": start}))
    assert d.writable is False
    # As Node's Readable.fromWeb: byte mode unless asked otherwise.
    assert b"".join(await d.to_array()) == b"ab"


async def test_a_web_transform_stream() -> None:
    from rillet.web import TransformStream

    def transform(chunk: Any, controller: Any) -> None:
        controller.enqueue(bytes(chunk).upper())

    d = Duplex.from_(TransformStream({"transform": transform}))
    assert d.readable and d.writable
    d.write(b"a")
    d.end(b"b")
    assert b"".join(await d.to_array()) == b"AB"
