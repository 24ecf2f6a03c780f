"""pipeline(): rules R-PL-1..7 of reference/node-streams.md and the API.md contract."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from rillet import (
    AbortController,
    AbortSignal,
    Duplex,
    PassThrough,
    Readable,
    Transform,
    Writable,
    pipeline,
)
from rillet._core import next_tick
from rillet.errors import AbortError


def sink(received: list[Any], **options: Any) -> Writable:
    """A Writable that records every chunk it is given."""

    def write(_s: Writable, chunk: Any, _enc: str, cb: Callable[..., None]) -> None:
        received.append(chunk)
        cb()

    return Writable(write=write, **options)


def source(*chunks: Any, **options: Any) -> Readable:
    """A Readable that already holds ``chunks`` and has ended."""
    stream = Readable(read=lambda _s, _n: None, **options)
    for chunk in chunks:
        stream.push(chunk)
    stream.push(None)
    return stream


def record(stream: Any, log: list[Any], name: str) -> None:
    """Log ``(name, event, args)`` for the lifecycle events of ``stream``."""
    for event in ("error", "close", "finish", "end"):
        stream.on(event, lambda *args, event=event: log.append((name, event, args)))


def settled() -> asyncio.Future[None]:
    """A Future done after the tick queue has run twice (callbacks queued now have run)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    next_tick(lambda: next_tick(lambda: loop.call_soon(done.set_result, None)))
    return done


# -- R-PL-1: success ----------------------------------------------------------------


async def test_r_pl_1_success_calls_back_once_after_finish_on_a_later_tick() -> None:
    received: list[bytes] = []
    calls: list[tuple[Any, Any]] = []
    dest = sink(received)
    seen_at_finish: list[int] = []
    dest.on("finish", lambda: seen_at_finish.append(len(calls)))
    result = await pipeline(
        source(b"a", b"b", b"c"), dest, callback=lambda e, v: calls.append((e, v))
    )
    assert result is None
    assert calls == [(None, None)]
    assert seen_at_finish == [0], "the callback came after 'finish', not inside it"
    assert received == [b"a", b"b", b"c"]
    await settled()
    assert len(calls) == 1


async def test_r_pl_1_list_of_stages_is_the_same_as_positional_stages() -> None:
    received: list[bytes] = []
    await pipeline([source(b"x", b"y"), sink(received)])
    assert b"".join(received) == b"xy"


async def test_r_pl_1_passthrough_chain_keeps_streams_open_that_are_not_done() -> None:
    src = PassThrough()
    dst = PassThrough()
    done = pipeline(src, dst)
    src.end()
    await done
    # dst's readable side was never consumed: pipeline does not destroy it.
    assert dst.destroyed is False
    assert dst.writable_finished is True


# -- R-PL-2: the first error destroys everything -------------------------------------


async def test_r_pl_2_first_error_destroys_all() -> None:
    boom = ValueError("kaboom")
    log: list[Any] = []
    calls: list[Any] = []
    src = Readable(read=lambda _s, _n: None)
    middle = Transform(transform=lambda _s, _c, _e, cb: cb(boom))
    dest = sink([])
    for name, stream in (("src", src), ("middle", middle), ("dest", dest)):
        record(stream, log, name)
    done = pipeline(src, middle, dest, callback=lambda e, v: calls.append(e))
    src.push(b"hello")
    with pytest.raises(ValueError) as caught:
        await done
    assert caught.value is boom
    assert calls == [boom]
    for name in ("src", "middle", "dest"):
        events = [(event, args) for n, event, args in log if n == name]
        assert ("error", (boom,)) in events, name
        assert events[-1] == ("close", ()), name
        assert [e for e, _ in events].index("error") < [e for e, _ in events].index("close")
        assert not any(e in ("end", "finish") for e, _ in events), name
    await settled()
    assert calls == [boom]


async def test_r_pl_2_a_real_error_replaces_a_premature_close() -> None:
    boom = RuntimeError("real")
    src = Readable(read=lambda _s, _n: None)
    dest = sink([])
    done = pipeline(src, dest)
    # The destination closes first (premature close), then the source fails for real.
    dest.destroy()
    src.destroy(boom)
    with pytest.raises(RuntimeError) as caught:
        await done
    assert caught.value is boom


async def test_r_pl_2_error_in_a_long_chain_closes_every_stage() -> None:
    count = 0

    def write(_s: Writable, _chunk: Any, _e: str, cb: Callable[..., None]) -> None:
        nonlocal count
        count += 1
        cb(ValueError("kaboom") if count == 5 else None)

    def push_forever(stream: Readable, _n: int) -> None:
        stream.push(b"hello")

    src = Readable(read=push_forever)
    stages = [PassThrough() for _ in range(6)]
    dest = Writable(write=write)
    closes = [asyncio.ensure_future(_wait_close(s)) for s in [src, *stages, dest]]
    with pytest.raises(ValueError, match="kaboom"):
        await pipeline(src, *stages, dest)
    await asyncio.gather(*closes)


async def _wait_close(stream: Any) -> None:
    if stream.closed:
        return
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    stream.once("close", lambda: done.done() or done.set_result(None))
    await done


# -- R-PL-3: the outcome waits for 'close' --------------------------------------------


async def test_r_pl_3_result_waits_for_close_of_a_slow_destroy() -> None:
    loop = asyncio.get_running_loop()
    destroy_called: asyncio.Future[Callable[..., None]] = loop.create_future()

    def slow_destroy(_s: Readable, err: BaseException | None, cb: Callable[..., None]) -> None:
        destroy_called.set_result(lambda: cb(err))

    src = Readable(read=lambda _s, _n: None, destroy=slow_destroy)
    dest = Writable(write=lambda _s, _c, _e, cb: cb(ValueError("bad write")))
    src.push(b"data")
    done = pipeline(src, dest)
    release = await destroy_called
    await settled()
    assert not done.done(), "the result must wait for the source's 'close'"
    assert src.destroyed and not src.closed
    release()
    with pytest.raises(ValueError, match="bad write"):
        await done
    assert src.closed


async def test_r_pl_3_success_waits_for_close_of_an_already_ended_source() -> None:
    closed = False

    def destroy(_s: Readable, err: BaseException | None, cb: Callable[..., None]) -> None:
        next_tick(cb, err)

    src = Readable(read=lambda _s, _n: None, destroy=destroy)

    def on_close() -> None:
        nonlocal closed
        closed = True

    src.on("close", on_close)
    src.push(None)
    await pipeline(src, sink([]))
    assert closed


# -- R-PL-4: finished streams are left alone ------------------------------------------


async def test_r_pl_4_ended_source_is_not_destroyed_when_the_destination_fails() -> None:
    src = source(b"a", auto_destroy=False)
    failed_final = ValueError("final failed")
    dest = Writable(
        write=lambda _s, _c, _e, cb: cb(), final=lambda _s, cb: next_tick(cb, failed_final)
    )
    with pytest.raises(ValueError, match="final failed"):
        await pipeline(src, dest)
    assert src.readable_ended is True
    assert src.destroyed is False


async def test_r_pl_4_auto_destroy_false_streams_stay_undestroyed_on_success() -> None:
    src = PassThrough(auto_destroy=False)
    dst = PassThrough(auto_destroy=False)
    done = pipeline(src, dst)
    src.end()
    await done
    assert src.destroyed is False
    assert dst.destroyed is False


# -- R-PL-5: premature close ----------------------------------------------------------


async def test_r_pl_5_source_destroyed_without_error_is_a_premature_close() -> None:
    src = Readable(read=lambda _s, _n: None)
    src.push(b"data")
    done = pipeline(src, sink([]))
    next_tick(src.destroy)
    with pytest.raises(Exception) as caught:
        await done
    assert getattr(caught.value, "code", None) == "ERR_STREAM_PREMATURE_CLOSE"


async def test_r_pl_5_destination_destroyed_while_data_flows_is_a_premature_close() -> None:
    loop = asyncio.get_running_loop()
    first: asyncio.Future[None] = loop.create_future()

    def write(_s: Writable, _c: Any, _e: str, cb: Callable[..., None]) -> None:
        if not first.done():
            first.set_result(None)
        cb()

    loop = asyncio.get_running_loop()
    src = Readable(read=lambda s, _n: loop.call_soon(s.push, b"more"))
    dest = Writable(write=write)
    done = pipeline(src, dest)
    await first
    dest.destroy()
    with pytest.raises(Exception) as caught:
        await done
    assert getattr(caught.value, "code", None) == "ERR_STREAM_PREMATURE_CLOSE"
    assert src.destroyed


async def test_r_pl_5_destroying_a_generator_destination_proxy_is_a_premature_close() -> None:
    src = PassThrough()

    async def echo(chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for chunk in chunks:
            yield chunk

    # Node returns the proxy; here it is reachable as the last stream's consumer.
    done = pipeline(src, echo)
    src.write(b"asd")
    src.destroy()
    with pytest.raises(Exception) as caught:
        await done
    assert getattr(caught.value, "code", None) == "ERR_STREAM_PREMATURE_CLOSE"


async def test_r_pl_5_close_after_eof_without_end_is_not_an_error() -> None:
    # Some readables emit 'close' before 'end': once EOF was pushed that is fine.
    src = Readable(read=lambda _s, _n: None)
    received: list[bytes] = []
    done = pipeline(src, sink(received))
    src.push(b"asd")
    src.push(None)
    src.emit("close")
    await done
    assert received == [b"asd"]


# -- R-PL-6: signal and end option ----------------------------------------------------


async def test_r_pl_6_signal_aborted_before_start_rejects_with_abort_error() -> None:
    signal = AbortSignal.abort()
    produced: list[str] = []

    async def producer() -> AsyncIterator[str]:
        produced.append("5")
        yield "5"

    dest = sink([])
    with pytest.raises(AbortError) as caught:
        await pipeline(producer, dest, signal=signal)
    assert caught.value.code == "ABORT_ERR"
    assert dest.destroyed


async def test_r_pl_6_signal_aborted_during_the_run_destroys_the_streams() -> None:
    controller = AbortController()
    received: list[str] = []

    async def producer() -> AsyncIterator[str]:
        yield "5"
        await asyncio.sleep(0)
        controller.abort()
        await asyncio.sleep(0)
        yield "8"

    dest = sink(received, decode_strings=False)
    errors: list[BaseException] = []
    dest.on("error", errors.append)
    with pytest.raises(AbortError):
        await pipeline(producer, dest, signal=controller.signal)
    assert received == ["5"]
    assert dest.destroyed
    assert [type(e) for e in errors] == [AbortError]


async def test_r_pl_6_generator_stages_get_a_signal_that_aborts_on_failure() -> None:
    seen: list[AbortSignal] = []

    async def producer(*, signal: AbortSignal) -> AsyncIterator[bytes]:
        seen.append(signal)
        yield b"a"

    async def consumer(chunks: AsyncIterator[Any], *, signal: AbortSignal) -> None:
        seen.append(signal)
        async for _ in chunks:
            raise ValueError("consumer failed")

    with pytest.raises(ValueError, match="consumer failed"):
        await pipeline(producer, consumer)
    assert len(seen) == 2 and seen[0] is seen[1]
    assert seen[0].aborted


async def test_r_pl_6_outer_signal_abort_stops_a_generator_waiting_on_its_signal() -> None:
    controller = AbortController()
    started = asyncio.get_running_loop().create_future()

    async def producer(*, signal: AbortSignal) -> AsyncIterator[bytes]:
        waiter = asyncio.get_running_loop().create_future()
        signal.add_event_listener("abort", lambda _e: waiter.set_exception(signal.reason))
        started.set_result(None)
        await waiter
        yield b"never"

    async def consumer(chunks: AsyncIterator[Any]) -> None:
        async for _ in chunks:
            pass

    done = pipeline(producer, consumer, signal=controller.signal)
    await started
    controller.abort()
    with pytest.raises(AbortError):
        await done


async def test_a_stage_whose_wait_is_cancelled_fails_the_pipeline_with_abort_error() -> None:
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[None] = loop.create_future()

    async def producer() -> AsyncIterator[bytes]:
        yield b"a"
        await waiter
        yield b"never"  # pragma: no cover

    async def consumer(chunks: AsyncIterator[Any]) -> None:
        async for _ in chunks:
            waiter.cancel()

    with pytest.raises(AbortError):
        await pipeline(producer, consumer)


async def test_r_pl_6_end_false_leaves_the_destination_open() -> None:
    src = source()
    dst = PassThrough()
    await pipeline(src, dst, end=False)
    assert dst.destroyed is False
    assert dst.writable_ended is False
    dst.end(b"still writable")
    assert dst.read() == b"still writable"


async def test_r_pl_6_end_false_with_an_iterable_source() -> None:
    received: list[bytes] = []
    dest = sink(received)
    await pipeline([b"a", b"b"], dest, end=False)
    assert received == [b"a", b"b"]
    assert dest.writable_ended is False


async def test_r_pl_6_bad_signal_is_a_type_error() -> None:
    with pytest.raises(TypeError) as caught:
        pipeline(source(), sink([]), signal=object())  # type: ignore[arg-type]
    assert getattr(caught.value, "code", None) == "ERR_INVALID_ARG_TYPE"


# -- R-PL-7: validation at the call ---------------------------------------------------


async def test_r_pl_7_fewer_than_two_stages_raise_missing_args_at_the_call() -> None:
    for stages in [(), (source(),), ([source()],)]:
        with pytest.raises(TypeError) as caught:
            pipeline(*stages)
        assert getattr(caught.value, "code", None) == "ERR_MISSING_ARGS"


async def test_r_pl_7_a_callback_that_is_not_callable_is_a_type_error() -> None:
    with pytest.raises(TypeError) as caught:
        pipeline(source(), sink([]), callback="nope")  # type: ignore[arg-type]
    assert getattr(caught.value, "code", None) == "ERR_INVALID_ARG_TYPE"


async def test_r_pl_7_piping_into_a_destroyed_stream_is_unable_to_pipe() -> None:
    dest = sink([])
    dest.destroy()
    src = source(b"a")
    with pytest.raises(Exception) as caught:
        pipeline(src, dest)
    assert getattr(caught.value, "code", None) == "ERR_STREAM_UNABLE_TO_PIPE"
    assert src.destroyed is False


async def test_r_pl_7_piping_into_a_closed_middle_stage_is_unable_to_pipe() -> None:
    middle = PassThrough()
    middle.destroy()
    await _wait_close(middle)
    with pytest.raises(Exception) as caught:
        pipeline(source(b"a"), middle, sink([]))
    assert getattr(caught.value, "code", None) == "ERR_STREAM_UNABLE_TO_PIPE"


async def test_r_pl_7_source_function_returning_a_non_iterable_is_invalid_return() -> None:
    dest = PassThrough()
    with pytest.raises(TypeError) as caught:
        pipeline(lambda: None, dest)
    assert getattr(caught.value, "code", None) == "ERR_INVALID_RETURN_VALUE"
    assert dest.destroyed is False


async def test_r_pl_7_middle_function_returning_a_sync_iterable_is_invalid_return() -> None:
    src = PassThrough()

    def sync_gen(chunks: Any) -> Any:
        yield from ()

    with pytest.raises(TypeError) as caught:
        pipeline(src, sync_gen, sink([]))
    assert getattr(caught.value, "code", None) == "ERR_INVALID_RETURN_VALUE"
    assert src.destroyed is False


async def test_r_pl_7_destination_function_returning_none_is_invalid_return() -> None:
    src = PassThrough()
    with pytest.raises(TypeError) as caught:
        pipeline(src, lambda chunks: None)
    assert getattr(caught.value, "code", None) == "ERR_INVALID_RETURN_VALUE"
    assert src.destroyed is False


async def test_r_pl_7_a_stage_that_is_not_a_stream_is_a_type_error() -> None:
    with pytest.raises(TypeError) as caught:
        pipeline(42, sink([]))
    assert getattr(caught.value, "code", None) == "ERR_INVALID_ARG_TYPE"


# -- sources --------------------------------------------------------------------------


async def test_source_sync_iterable() -> None:
    received: list[Any] = []
    await pipeline(["1", "2", "3"], sink(received, decode_strings=False))
    assert received == ["1", "2", "3"]


async def test_source_async_iterable() -> None:
    async def gen() -> AsyncIterator[bytes]:
        yield b"hello"
        yield b"world"

    received: list[bytes] = []
    await pipeline(gen(), sink(received))
    assert received == [b"hello", b"world"]


async def test_source_function_returning_a_sync_generator() -> None:
    def gen() -> Any:
        yield b"hello"
        yield b"world"

    received: list[bytes] = []
    await pipeline(gen, sink(received))
    assert received == [b"hello", b"world"]


async def test_source_async_generator_function() -> None:
    async def gen() -> AsyncIterator[bytes]:
        await asyncio.sleep(0)
        yield b"hello"
        yield b"world"

    received: list[bytes] = []
    await pipeline(gen, sink(received))
    assert received == [b"hello", b"world"]


async def test_source_bytes_is_iterated_by_the_next_function_stage_as_one_value() -> None:
    # A bytes source is one chunk (Readable.from_ semantics), never iterated per byte.
    got: list[Any] = []

    async def consume(chunks: AsyncIterator[Any]) -> None:
        async for chunk in chunks:
            got.append(chunk)

    await pipeline(b"abc", consume)
    assert got == [b"abc"]


async def test_source_generator_that_raises_destroys_the_destination() -> None:
    dest = PassThrough()

    async def gen() -> AsyncIterator[bytes]:
        raise ValueError("kaboom")
        yield b""  # pragma: no cover

    with pytest.raises(ValueError, match="kaboom"):
        await pipeline(gen, dest)
    assert dest.destroyed


async def test_source_stream_error_fails_the_pipeline() -> None:
    src = Readable(read=lambda _s, _n: None)
    src.push(b"data")
    done = pipeline(src, sink([]))
    next_tick(src.destroy, ValueError("kaboom"))
    with pytest.raises(ValueError, match="kaboom"):
        await done


async def test_backpressure_iterable_source_waits_for_drain() -> None:
    loop = asyncio.get_running_loop()
    pending: list[Callable[..., None]] = []
    first_write: asyncio.Future[None] = loop.create_future()
    pulled = 0

    def gen() -> Any:
        nonlocal pulled
        for i in range(100):
            pulled += 1
            yield bytes([i])

    def write(_s: Writable, _chunk: Any, _e: str, cb: Callable[..., None]) -> None:
        pending.append(cb)
        if not first_write.done():
            first_write.set_result(None)

    dest = Writable(write=write, high_water_mark=4)
    done = pipeline(gen(), dest)
    await first_write
    await settled()
    assert pulled <= 6, "the pump stops pulling while the destination needs a drain"
    while not done.done():
        if pending:
            pending.pop(0)()
        await settled()
    await done
    assert pulled == 100


# -- middle and last stages -----------------------------------------------------------


async def test_async_generator_middle_stage_and_async_function_destination_value() -> None:
    async def gen() -> AsyncIterator[str]:
        yield "hello"
        yield "world"

    async def upper(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        async for chunk in chunks:
            yield chunk.upper()

    async def collect(chunks: AsyncIterator[str]) -> str:
        return "".join([c async for c in chunks])

    calls: list[Any] = []
    value = await pipeline(gen, upper, collect, callback=lambda e, v: calls.append((e, v)))
    assert value == "HELLOWORLD"
    assert calls == [(None, "HELLOWORLD")]


async def test_async_function_destination_reads_a_stream() -> None:
    src = source(b"ab", b"cd")

    async def collect(chunks: AsyncIterator[bytes]) -> bytes:
        return b"".join([c async for c in chunks])

    assert await pipeline(src, PassThrough(), collect) == b"abcd"


async def test_async_function_destination_may_stop_early() -> None:
    middle = PassThrough(object_mode=True)

    async def gen() -> AsyncIterator[str]:
        for word in ("hello", "world", "world"):
            yield word

    async def first_two(chunks: AsyncIterator[str]) -> str:
        out = ""
        n = 0
        async for chunk in chunks:
            n += 1
            if n > 2:
                break
            out += chunk
        return out

    assert await pipeline(gen, middle, first_two) == "helloworld"
    assert middle.destroyed


async def test_async_generator_destination_is_drained_and_the_result_is_none() -> None:
    seen: list[str] = []

    async def gen() -> AsyncIterator[str]:
        yield "a"
        yield "b"

    async def last(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        async for chunk in chunks:
            seen.append(chunk)
            yield chunk * 2

    assert await pipeline(gen, last) is None
    assert seen == ["a", "b"]


async def test_async_function_destination_error_fails_and_destroys_the_middle() -> None:
    middle = PassThrough()

    async def gen() -> AsyncIterator[bytes]:
        yield b"hello"

    async def failing(chunks: AsyncIterator[bytes]) -> None:
        async for _ in chunks:
            raise ValueError("kaboom")

    with pytest.raises(ValueError, match="kaboom"):
        await pipeline(gen, middle, failing)
    assert middle.destroyed


async def test_transform_error_reaches_an_async_function_destination() -> None:
    got: list[Any] = []

    async def gen() -> AsyncIterator[str]:
        yield "hello"
        yield "world"

    async def collect(chunks: AsyncIterator[Any]) -> None:
        async for chunk in chunks:
            got.append(chunk)

    bad = Transform(transform=lambda _s, _c, _e, cb: next_tick(cb, ValueError("kaboom")))
    with pytest.raises(ValueError, match="kaboom"):
        await pipeline(gen, bad, collect)
    assert got == []


async def test_middle_generator_error_skips_later_stages() -> None:
    def push_later(stream: Readable, _n: int) -> None:
        next_tick(stream.push, b"hello")

    dest = sink([])
    got: list[Any] = []

    async def failing(chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for _ in chunks:
            raise ValueError("kaboom")
        yield b""  # pragma: no cover

    async def passing(chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for chunk in chunks:
            got.append(chunk)
            yield chunk

    with pytest.raises(ValueError, match="kaboom"):
        await pipeline(Readable(read=push_later), failing, passing, dest)
    assert got == []


async def test_duplex_from_a_dict_stage_is_accepted() -> None:
    received: list[bytes] = []
    inner = PassThrough()
    stage = {"writable": inner, "readable": inner}
    await pipeline(source(b"x"), stage, sink(received))
    assert received == [b"x"]


async def test_readable_duplex_as_source_keeps_its_writable_side() -> None:
    src = PassThrough()
    dst = PassThrough()
    done = pipeline(src, dst)
    src.push(None)
    await done
    assert src.writable is True
    assert src.destroyed is False


async def test_late_error_after_completion_of_the_pipe_still_fails() -> None:
    # The source ended and the pipe is done, but the destination's _final fails later.
    src = source(b"a")
    final_cb: list[Callable[..., None]] = []
    final_called = asyncio.get_running_loop().create_future()

    def final(_s: Writable, cb: Callable[..., None]) -> None:
        final_cb.append(cb)
        final_called.set_result(None)

    dest = Writable(write=lambda _s, _c, _e, cb: cb(), final=final)
    done = pipeline(src, dest)
    await final_called
    final_cb[0](ValueError("late"))
    with pytest.raises(ValueError, match="late"):
        await done


async def test_transform_flush_finishes_before_the_result() -> None:
    flushed = False

    def flush(_s: Transform, cb: Callable[..., None]) -> None:
        def later() -> None:
            nonlocal flushed
            flushed = True
            cb()

        asyncio.get_running_loop().call_soon(later)

    src = Readable(read=lambda _s, _n: None)
    src.push(None)
    await pipeline(src, Transform(transform=lambda _s, c, _e, cb: cb(None, c), flush=flush))
    assert flushed


# -- cancellation ---------------------------------------------------------------------


async def test_cancelling_the_awaiting_task_destroys_every_stream_with_abort_error() -> None:
    loop = asyncio.get_running_loop()
    got_chunk: asyncio.Future[None] = loop.create_future()

    def write(_s: Writable, _c: Any, _e: str, _cb: Callable[..., None]) -> None:
        # Never calls back: the pipeline is stuck until it is cancelled.
        if not got_chunk.done():
            got_chunk.set_result(None)

    src = Readable(read=lambda s, _n: loop.call_soon(s.push, b"x"))
    middle = PassThrough()
    dest = Writable(write=write)
    errors: dict[str, list[BaseException]] = {"src": [], "middle": [], "dest": []}
    src.on("error", errors["src"].append)
    middle.on("error", errors["middle"].append)
    dest.on("error", errors["dest"].append)
    closes = [asyncio.ensure_future(_wait_close(s)) for s in (src, middle, dest)]
    calls: list[Any] = []

    async def run() -> None:
        await pipeline(src, middle, dest, callback=lambda e, v: calls.append(e))

    task = asyncio.ensure_future(run())
    await got_chunk
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.gather(*closes)
    for name, errs in errors.items():
        assert len(errs) == 1, name
        assert isinstance(errs[0], AbortError) and errs[0].code == "ABORT_ERR", name
    await settled()
    assert len(calls) == 1 and isinstance(calls[0], AbortError)


async def test_cancelling_the_future_aborts_generator_stages() -> None:
    loop = asyncio.get_running_loop()
    started: asyncio.Future[None] = loop.create_future()
    seen: list[AbortSignal] = []

    async def producer(*, signal: AbortSignal) -> AsyncIterator[bytes]:
        seen.append(signal)
        started.set_result(None)
        await loop.create_future()  # forever, until the pipeline is torn down
        yield b""  # pragma: no cover

    dest = sink([])
    done = pipeline(producer, dest)
    await started
    done.cancel()
    await _wait_close(dest)
    assert seen[0].aborted
    assert dest.destroyed


# -- callback -------------------------------------------------------------------------


async def test_callback_gets_error_and_value_once_on_failure() -> None:
    calls: list[tuple[Any, Any]] = []
    boom = ValueError("x")
    src = Readable(read=lambda _s, _n: None)
    done = pipeline(src, sink([]), callback=lambda e, v: calls.append((e, v)))
    src.destroy(boom)
    with pytest.raises(ValueError):
        await done
    await settled()
    assert calls == [(boom, None)]


async def test_callback_form_does_not_leave_an_unretrieved_future_exception() -> None:
    # With a callback, the caller need not await: no "never retrieved" report.
    calls: list[Any] = []
    src = Readable(read=lambda _s, _n: None)
    pipeline(src, sink([]), callback=lambda e, v: calls.append(e))
    src.destroy(ValueError("ignored by the future"))
    while not calls:
        await settled()
    assert isinstance(calls[0], ValueError)


async def test_duplex_destination_is_not_destroyed_on_success() -> None:
    src = source()
    dst = Duplex(read=lambda _s, _n: None, write=lambda _s, _c, _e, cb: cb())
    await pipeline(src, dst)
    assert dst.writable_finished
    assert dst.destroyed is False


async def test_success_takes_the_pipeline_listeners_off_a_readable_last_stage() -> None:
    last = PassThrough()
    before = {e: last.listener_count(e) for e in ("error", "close", "finish", "end")}
    await pipeline(source(b"x"), last)
    after = {e: last.listener_count(e) for e in ("error", "close", "finish", "end")}
    assert after["error"] == before["error"], "its later errors are the caller's again"
    assert after["finish"] == before["finish"] and after["end"] == before["end"]
    assert last.read() == b"x"


async def test_a_later_error_of_a_readable_last_stage_is_not_swallowed(
    loop_errors: list[dict[str, Any]],
) -> None:
    last = PassThrough()
    await pipeline(source(b"x"), last)
    boom = ValueError("after the pipeline")
    last.destroy(boom)
    await settled()
    assert [c.get("exception") for c in loop_errors] == [boom]


async def test_a_destroy_hook_that_calls_end_still_reports_a_premature_close() -> None:
    def destroy(stream: Duplex, err: BaseException | None, cb: Callable[..., None]) -> None:
        stream.end()  # queued behind a write that never completes
        cb(err)

    readable = Readable(read=lambda *_: None)
    duplex = Duplex(write=lambda *_: None, read=lambda *_: None, destroy=destroy)
    finishes: list[Any] = []
    duplex.on("finish", lambda: finishes.append(True))
    done = pipeline(readable, duplex)
    readable.push(b"foo")
    await settled()
    readable.destroy()
    with pytest.raises(Exception) as caught:
        await done
    assert getattr(caught.value, "code", None) == "ERR_STREAM_PREMATURE_CLOSE"
    assert finishes == []


async def test_an_exception_in_the_callback_reaches_the_loop_and_the_future_resolves(
    loop_errors: list[dict[str, Any]],
) -> None:
    src = PassThrough()
    src.end(b"data")

    async def consume(chunks: AsyncIterator[Any]) -> None:
        async for _ in chunks:
            pass

    def callback(error: BaseException | None, _value: Any) -> None:
        assert error is None
        raise RuntimeError("from the callback")

    assert await pipeline(src, consume, callback=callback) is None
    await settled()
    assert [str(c.get("exception")) for c in loop_errors] == ["from the callback"]


async def test_a_loop_back_into_the_source_ends_in_a_premature_close() -> None:
    remote = PassThrough()
    local = Duplex(read=lambda *_: None, write=lambda _s, _c, _e, cb: cb())
    done = pipeline(remote, local, remote)
    await settled()
    remote.end()
    with pytest.raises(Exception) as caught:
        await done
    assert getattr(caught.value, "code", None) == "ERR_STREAM_PREMATURE_CLOSE"


async def test_an_empty_string_source() -> None:
    dest = PassThrough(object_mode=True)
    await pipeline("", dest)
    assert dest.writable_finished
