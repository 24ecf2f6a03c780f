"""Whole-program event orders: each test runs a small program whose full event log
was recorded by running the same program, alone, on Node v20 (``setImmediate``
there is ``loop.call_soon`` here, ``process.nextTick`` is ``next_tick``).

Node drains its tick queue after every ``setImmediate`` callback; rillet's tick
queue is one ``call_soon`` callback, so it runs after the callbacks queued before
it. The programs here do not depend on that difference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from _readable_helpers import later, ticks

from rillet import Readable, Writable
from rillet._core import next_tick


def program(**options: Any) -> tuple[list[str], Readable]:
    """An empty log and a Readable whose ``_read`` does nothing (the program pushes)."""
    return [], Readable(read=lambda _s, _n: None, **options)


def text(chunk: Any) -> str:
    return chunk.decode() if isinstance(chunk, bytes) else str(chunk)


def drain_readable(stream: Readable, log: list[str], size: int | None = None) -> None:
    """A 'readable' listener that logs the event and reads until null."""

    def on_readable() -> None:
        log.append("readable")
        while (chunk := stream.read(size)) is not None:
            log.append(f"read:{text(chunk)}")

    stream.on("readable", on_readable)


def on_events(emitter: Any, log: list[str], prefix: str, *names: str) -> None:
    for name in names:
        emitter.on(name, lambda *_a, name=name: log.append(prefix + name))


def counter_read(log: list[str], count: int, *, deferred: bool = False) -> Callable[..., None]:
    """A ``_read`` that logs itself and pushes "0".."count-1", then EOF."""
    produced = iter(range(count))

    def read(stream: Readable, size: int) -> None:
        log.append(f"_read:{size}")
        value = next(produced, None)
        chunk = None if value is None else str(value)
        if deferred:
            later(stream.push, chunk)
        else:
            stream.push(chunk)

    return read


async def test_r_ready_1_once_readable_cycles() -> None:
    log, stream = program()

    def wait() -> None:
        def on_readable() -> None:
            log.append("readable")
            while (chunk := stream.read()) is not None:
                log.append(text(chunk))
            wait()

        stream.once("readable", on_readable)

    wait()
    stream.on("end", lambda: log.append("end"))
    later(lambda: (stream.push("a"), later(lambda: (stream.push("b"), stream.push(None)))))
    await ticks(30)
    assert log == ["readable", "a", "readable", "b", "readable", "end"]


async def test_r_flow_5_readable_removed_in_the_same_tick_then_data_flows() -> None:
    log, stream = program()
    stream.push("x")

    def on_readable() -> None:
        log.append("readable")

    stream.on("readable", on_readable)
    stream.on("data", lambda chunk: log.append(f"data:{text(chunk)}"))
    stream.on("resume", lambda: log.append("resume"))
    stream.remove_listener("readable", on_readable)
    log.append(f"flowing:{stream.readable_flowing}")
    next_tick(lambda: log.append(f"flowing-nt:{stream.readable_flowing}"))
    later(lambda: (log.append(f"flowing-later:{stream.readable_flowing}"), stream.push(None)))
    stream.on("end", lambda: log.append("end"))
    await ticks(30)
    assert log == [
        "flowing:False",
        "flowing-nt:True",
        "resume",
        "data:x",
        "flowing-later:True",
        "end",
    ]


async def test_r_flow_4_resume_then_readable_listener_reads_by_read() -> None:
    log, stream = program()
    stream.resume()
    drain_readable(stream, log)
    stream.on("data", lambda chunk: log.append(f"data:{text(chunk)}"))
    stream.on("resume", lambda: log.append("resume"))
    stream.push("x")
    stream.push(None)
    stream.on("end", lambda: log.append("end"))
    log.append(f"flowing:{stream.readable_flowing}")
    await ticks(30)
    assert log == ["flowing:False", "resume", "readable", "data:x", "read:x", "end"]


async def test_r_flow_4_read_n_in_readable_emits_data_for_each_piece() -> None:
    log, stream = program()
    drain_readable(stream, log, 1)
    stream.on("data", lambda chunk: log.append(f"data:{text(chunk)}"))
    stream.push("ab")
    stream.push(None)
    stream.on("end", lambda: log.append("end"))
    await ticks(30)
    assert log == ["readable", "data:a", "read:a", "data:b", "read:b", "end"]


async def test_r_read_5_synchronous_read_calls_in_flowing_mode() -> None:
    log: list[str] = []
    stream = Readable(read=counter_read(log, 5), high_water_mark=3)
    stream.on("data", lambda chunk: log.append(f"data:{text(chunk)}"))
    on_events(stream, log, "", "end", "close")
    await ticks(30)
    assert log == [
        "_read:3",
        "_read:3",
        "data:0",
        "_read:3",
        "data:1",
        "_read:3",
        "data:2",
        "_read:3",
        "data:3",
        "_read:3",
        "data:4",
        "end",
        "close",
    ]


async def test_r_ready_1_asynchronous_pushes_with_a_readable_consumer() -> None:
    log: list[str] = []
    stream = Readable(read=counter_read(log, 3, deferred=True), high_water_mark=2)
    drain_readable(stream, log)
    stream.on("end", lambda: log.append("end"))
    await ticks(30)
    assert [entry.split(":")[0] if entry.startswith("_read") else entry for entry in log] == [
        "_read",
        "readable",
        "_read",
        "read:0",
        "readable",
        "_read",
        "read:1",
        "readable",
        "_read",
        "read:2",
        "readable",
        "end",
    ]


async def test_r_push_1_high_water_mark_0_pulls_one_chunk_per_read() -> None:
    log: list[str] = []
    stream = Readable(read=counter_read(log, 2), high_water_mark=0)
    drain_readable(stream, log)
    stream.on("end", lambda: log.append("end"))
    await ticks(30)
    assert log == [
        "_read:0",
        "readable",
        "read:0",
        "_read:0",
        "read:1",
        "_read:0",
        "readable",
        "readable",
        "end",
    ]


async def test_r_flow_3_pause_inside_data_and_resume_later() -> None:
    log, stream = program()
    for chunk in ("a", "b", "c"):
        stream.push(chunk)

    def resume_later() -> None:
        log.append("resume!")
        stream.resume()
        later(stream.push, None)

    def on_data(chunk: bytes) -> None:
        log.append(f"data:{text(chunk)}")
        if chunk == b"a":
            stream.pause()
            later(resume_later)

    stream.on("data", on_data)
    on_events(stream, log, "", "pause", "resume", "end")
    await ticks(30)
    assert log == ["resume", "data:a", "pause", "resume!", "resume", "data:b", "data:c", "end"]


async def test_r_unshift_1_unshift_in_a_readable_listener() -> None:
    log, stream = program()
    stream.push("hello world")
    stream.push(None)
    first = True

    def on_readable() -> None:
        nonlocal first
        chunk = stream.read()
        log.append(f"read:{None if chunk is None else text(chunk)}")
        if chunk is not None and first:
            first = False
            stream.unshift(chunk[5:])
            log.append(f"len:{stream.readable_length}")

    stream.on("readable", on_readable)
    stream.on("end", lambda: log.append("end"))
    await ticks(30)
    assert log == ["read:hello world", "len:6", "read: world", "end"]


async def test_destroy_inside_data_still_delivers_the_chunk_being_flowed() -> None:
    log, stream = program()
    stream.push("a")
    stream.push("b")

    def on_data(chunk: bytes) -> None:
        log.append(f"data:{text(chunk)}")
        stream.destroy()

    stream.on("data", on_data)
    on_events(stream, log, "", "close", "end")
    await ticks(30)
    assert log == ["data:a", "data:b", "close"]


async def test_r_push_3_push_after_eof_order() -> None:
    log, stream = program()
    stream.on("error", lambda error: log.append(f"error:{error.code}"))
    stream.on("close", lambda: log.append("close"))
    stream.push(None)
    log.append(f"ret:{stream.push('x')}")
    log.append(f"ret:{stream.push('y')}")
    await ticks(30)
    assert log == ["ret:False", "ret:False", "error:ERR_STREAM_PUSH_AFTER_EOF", "close"]


async def test_r_pipe_1_full_event_order_with_a_slow_destination() -> None:
    log: list[str] = []
    source = Readable(read=counter_read(log, 3), high_water_mark=2)

    def write(_s: Writable, chunk: bytes, _e: str, callback: Callable[..., Any]) -> None:
        log.append(f"write:{text(chunk)}")
        later(callback)

    sink = Writable(write=write, high_water_mark=1)
    on_events(source, log, "r:", "pause", "resume", "end", "close")
    on_events(sink, log, "w:", "drain", "finish", "close", "pipe", "unpipe")
    source.pipe(sink)
    await ticks(30)
    assert [entry.split(":")[0] if entry.startswith("_read") else entry for entry in log] == [
        "w:pipe",
        "_read",
        "r:resume",
        "_read",
        "write:0",
        "r:pause",
        "_read",
        "w:drain",
        "r:resume",
        "_read",
        "write:1",
        "r:pause",
        "w:drain",
        "r:resume",
        "write:2",
        "r:pause",
        "r:end",
        "r:close",
        "w:finish",
        "w:unpipe",
        "w:close",
    ]


async def test_r_pipe_5_unpipe_the_slow_one_of_two_destinations() -> None:
    log: list[str] = []
    source = Readable(read=lambda _s, _n: None)
    slow = Writable(
        high_water_mark=1, write=lambda _s, chunk, _e, _cb: log.append(f"slow:{text(chunk)}")
    )
    fast = Writable(write=lambda _s, chunk, _e, cb: (log.append(f"fast:{text(chunk)}"), cb()))
    on_events(source, log, "", "pause", "resume")
    slow.on("unpipe", lambda *_: log.append("slow:unpipe"))
    fast.on("finish", lambda: log.append("fast:finish"))
    source.pipe(slow)
    source.pipe(fast)

    def step_one() -> None:
        source.push("a")
        source.push("b")
        later(step_two)

    def step_two() -> None:
        source.unpipe(slow)
        later(lambda: (source.push("c"), source.push(None)))

    later(step_one)
    await ticks(30)
    assert log == [
        "resume",
        "slow:a",
        "pause",
        "fast:a",
        "slow:unpipe",
        "resume",
        "fast:b",
        "fast:c",
        "fast:finish",
        "pause",
    ]


async def test_r_iter_2_break_order() -> None:
    log: list[str] = []
    stream = Readable(read=lambda _s, _n: None, object_mode=True)
    for item in (1, 2, 3):
        stream.push(item)
    stream.on("error", lambda error: log.append(f"error:{error.code}"))
    stream.on("close", lambda: log.append("close"))
    async for item in stream:
        log.append(f"item:{item}")
        if item == 2:
            break
    log.append(f"after loop:{stream.destroyed}")
    await ticks(30)
    assert log == ["item:1", "item:2", "after loop:True", "error:ABORT_ERR", "close"]


async def test_r_iter_4_destroyed_with_an_error_mid_iteration_order() -> None:
    log: list[str] = []
    stream = Readable(read=lambda _s, _n: None, object_mode=True)
    stream.push(1)
    stream.on("close", lambda: log.append("close"))
    try:
        async for item in stream:
            log.append(f"item:{item}")
            later(stream.destroy, RuntimeError("boom"))
    except RuntimeError as exc:
        log.append(f"threw:{exc}")
    assert log == ["item:1", "close", "threw:boom"]


async def test_from_destroy_in_data_closes_the_generator_first() -> None:
    log: list[str] = []

    def numbers() -> Iterator[int]:
        try:
            yield 1
            yield 2
            yield 3
        finally:
            log.append("finally")

    stream = Readable.from_(numbers())

    def on_data(item: int) -> None:
        log.append(f"data:{item}")
        if item == 2:
            stream.destroy()

    stream.on("data", on_data)
    stream.on("close", lambda: log.append("close"))
    await ticks(30)
    assert log == ["data:1", "data:2", "finally", "data:3", "close"]


async def test_construct_order_with_a_data_consumer() -> None:
    log: list[str] = []

    def construct(_stream: Readable, callback: Callable[..., Any]) -> None:
        log.append("construct")
        later(lambda: (log.append("constructed"), callback()))

    def read(stream: Readable, _size: int) -> None:
        log.append("_read")
        stream.push("x")
        stream.push(None)

    stream = Readable(construct=construct, read=read)
    stream.on("data", lambda chunk: log.append(f"data:{text(chunk)}"))
    on_events(stream, log, "", "end", "close", "resume")
    log.append("sync")
    await ticks(30)
    assert log == ["sync", "construct", "resume", "constructed", "_read", "data:x", "end", "close"]


async def test_destroy_during_construct_order() -> None:
    log: list[str] = []

    def construct(_stream: Readable, callback: Callable[..., Any]) -> None:
        log.append("construct")
        later(lambda: (log.append("constructed"), callback()))

    def destroy(_s: Readable, error: BaseException | None, callback: Callable[..., Any]) -> None:
        log.append(f"_destroy:{error}")
        callback(error)

    stream = Readable(construct=construct, read=lambda _s, _n: log.append("_read"), destroy=destroy)
    stream.on("error", lambda error: log.append(f"error:{error}"))
    stream.on("close", lambda: log.append("close"))
    stream.destroy(RuntimeError("x"))
    log.append("sync")
    await ticks(30)
    assert log == ["sync", "construct", "constructed", "_destroy:x", "error:x", "close"]


async def test_r_enc_1_async_iteration_of_a_decoding_stream() -> None:
    stream = Readable(read=lambda _s, _n: None)
    stream.set_encoding("utf8")
    for chunk in (bytes([0xE2, 0x82]), bytes([0xAC]), "x", None):
        stream.push(chunk)
    assert [chunk async for chunk in stream] == ["€x"]


async def test_r_pipe_4_failing_write_unpipes_and_pauses_the_source() -> None:
    log: list[str] = []
    source = Readable(read=lambda _s, _n: None)

    def write(_s: Writable, chunk: bytes, _e: str, callback: Callable[..., Any]) -> None:
        log.append(f"write:{text(chunk)}")
        callback(RuntimeError("wfail"))

    sink = Writable(write=write)
    sink.on("error", lambda error: log.append(f"w:error:{error}"))
    on_events(sink, log, "w:", "unpipe", "close")
    source.on("pause", lambda: log.append("r:pause"))
    source.pipe(sink)
    source.push("a")
    source.push("b")
    await ticks(30)
    assert log == ["write:a", "r:pause", "w:unpipe", "w:error:wfail", "w:close"]
    assert (source.destroyed, source.readable_flowing, source.readable_length) == (False, False, 1)


async def test_r_iter_2_destroy_on_return_false_then_a_second_loop() -> None:
    log: list[str] = []
    stream = Readable(read=lambda _s, _n: None, object_mode=True)
    for item in (1, 2, 3, 4, None):
        stream.push(item)
    stream.on("close", lambda: log.append("close"))
    async for item in stream.iterator(destroy_on_return=False):
        log.append(f"a:{item}")
        if item == 2:
            break
    counts = "/".join(str(stream.listener_count(name)) for name in ("readable", "error", "end"))
    log.append(f"destroyed:{stream.destroyed} listeners:{counts}")
    async for item in stream:
        log.append(f"b:{item}")
    log.append(f"done:{stream.destroyed}")
    assert log == [
        "a:1",
        "a:2",
        "destroyed:False listeners:0/0/0",
        "b:3",
        "b:4",
        "close",
        "done:True",
    ]


async def test_r_flow_2_resume_and_pause_in_one_tick() -> None:
    log, stream = program()
    on_events(stream, log, "", "pause", "resume")
    stream.resume()
    stream.pause()
    stream.resume()
    stream.pause()
    stream.resume()
    log.append("sync")
    await ticks(30)
    assert log == ["pause", "pause", "sync", "resume"]
    assert stream.readable_flowing is True


async def test_r_push_1_return_values_and_lengths_around_the_mark() -> None:
    stream = Readable(read=lambda _s, _n: None, high_water_mark=5)
    assert [stream.push("abc"), stream.push("de"), stream.push("f")] == [True, False, False]
    assert stream.readable_length == 6
    assert stream.read(2) == b"ab"
    assert stream.push("g") is False
    assert stream.readable_length == 5


async def test_r_read_6_read_inside_a_data_listener() -> None:
    log, stream = program()
    stream.push("a")
    stream.push("b")

    def on_data(chunk: bytes) -> None:
        log.append(f"data:{text(chunk)}")
        if chunk == b"a":
            log.append(f"nested:{text(stream.read())}")

    stream.on("data", on_data)
    stream.on("end", lambda: log.append("end"))
    later(stream.push, None)
    await ticks(30)
    assert log == ["data:a", "data:b", "nested:b", "end"]


async def test_r_enc_2_set_encoding_in_the_middle_of_the_flow() -> None:
    log, stream = program()

    def on_data(chunk: Any) -> None:
        log.append(f"{type(chunk).__name__}:{text(chunk)}")
        if chunk == b"a":
            stream.set_encoding("hex")

    stream.on("data", on_data)
    for chunk in ("a", "b", None):
        stream.push(chunk)
    await ticks(30)
    assert log == ["bytes:a", "str:62"]


async def test_destroy_with_error_leaves_the_buffer_readable_until_close() -> None:
    log, stream = program()
    stream.on("readable", lambda: log.append("readable"))
    stream.on("error", lambda _e: log.append("error"))
    stream.on("close", lambda: log.append("close"))
    stream.push("x")
    stream.destroy(RuntimeError("e"))
    log.append(f"len:{stream.readable_length} read:{text(stream.read())}")
    await ticks(30)
    assert log == ["len:1 read:x", "error", "close"]
