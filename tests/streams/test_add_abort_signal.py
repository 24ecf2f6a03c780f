"""add_abort_signal(signal, stream): destroy the stream when the signal aborts."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from rillet import (
    AbortController,
    AbortSignal,
    PassThrough,
    Readable,
    Writable,
    add_abort_signal,
    finished,
    pipeline,
)
from rillet.errors import AbortError


def code_of(err: BaseException) -> str | None:
    return getattr(err, "code", None)


async def test_returns_the_stream() -> None:
    stream = PassThrough()
    assert add_abort_signal(AbortController().signal, stream) is stream


async def test_abort_destroys_the_stream_with_abort_error_caused_by_the_reason() -> None:
    controller = AbortController()
    stream = Readable(read=lambda *_: None)
    add_abort_signal(controller.signal, stream)
    errors: list[BaseException] = []
    stream.on("error", errors.append)
    reason = RuntimeError("why")
    controller.abort(reason)
    assert stream.destroyed, "destroyed synchronously inside abort()"
    with pytest.raises(AbortError):
        await finished(stream)
    assert len(errors) == 1
    assert isinstance(errors[0], AbortError) and errors[0].code == "ABORT_ERR"
    assert errors[0].cause is reason


async def test_an_already_aborted_signal_destroys_at_once() -> None:
    stream = Writable(write=lambda *_: None)
    stream.on("error", lambda _e: None)
    add_abort_signal(AbortSignal.abort(), stream)
    assert stream.destroyed


async def test_the_listener_goes_once_the_stream_is_done() -> None:
    controller = AbortController()
    stream = Writable(write=lambda _s, _c, _e, cb: cb(), auto_destroy=False)
    add_abort_signal(controller.signal, stream)
    stream.end(b"x")
    await finished(stream)
    controller.abort()
    assert stream.destroyed is False


@pytest.mark.parametrize("signal", [None, "signal", object()])
async def test_a_bad_signal_is_a_type_error(signal: Any) -> None:
    with pytest.raises(TypeError) as caught:
        add_abort_signal(signal, PassThrough())
    assert code_of(caught.value) == "ERR_INVALID_ARG_TYPE"


@pytest.mark.parametrize("stream", [None, "stream", object(), [1, 2]])
async def test_a_bad_stream_is_a_type_error(stream: Any) -> None:
    with pytest.raises(TypeError) as caught:
        add_abort_signal(AbortController().signal, stream)
    assert code_of(caught.value) == "ERR_INVALID_ARG_TYPE"


async def test_aborting_a_pipeline_destination_fails_the_pipeline() -> None:
    controller = AbortController()
    count = 0

    async def numbers() -> Any:
        nonlocal count
        while count < 1000:
            count += 1
            yield str(count)
            await asyncio.sleep(0)
            if count == 5:
                controller.abort()

    received: list[Any] = []
    sink = Writable(write=lambda _s, c, _e, cb: (received.append(c), cb()))
    src = Readable.from_(numbers())
    with pytest.raises(AbortError):
        await pipeline(src, add_abort_signal(controller.signal, sink))
    assert sink.destroyed and src.destroyed
    assert 4 <= len(received) <= 5


async def test_a_web_readable_stream_is_cancelled() -> None:
    from rillet.web import ReadableStream

    cancelled: list[Any] = []
    stream = ReadableStream({"cancel": lambda reason: cancelled.append(reason)})
    controller = AbortController()
    assert add_abort_signal(controller.signal, stream) is stream
    controller.abort()
    # The spec's steps up to the first wait run inside cancel(): no loop turn needed.
    assert len(cancelled) == 1 and isinstance(cancelled[0], AbortError)
