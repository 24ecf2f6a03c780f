"""The tick queue: Node's process.nextTick on asyncio."""

from __future__ import annotations

import asyncio
from typing import Any

from rillet._core import next_tick


async def drained() -> None:
    """Wait until the ticks queued so far have run."""
    future = asyncio.get_running_loop().create_future()
    next_tick(future.set_result, None)
    await future


async def test_ticks_run_in_fifo_order_after_the_sync_code() -> None:
    log: list[Any] = []
    for n in range(5):
        next_tick(log.append, n)
    log.append("sync")
    await drained()
    assert log == ["sync", 0, 1, 2, 3, 4]


async def test_ticks_pass_their_arguments() -> None:
    log: list[Any] = []
    next_tick(lambda *args: log.append(args), 1, "two", None)
    await drained()
    assert log == [(1, "two", None)]


async def test_ticks_queued_during_a_drain_run_in_the_same_drain() -> None:
    loop = asyncio.get_running_loop()
    log: list[str] = []

    def first() -> None:
        log.append("first")
        loop.call_soon(log.append, "call_soon from first")
        next_tick(nested)

    def nested() -> None:
        log.append("nested")
        next_tick(log.append, "nested again")

    next_tick(first)
    next_tick(log.append, "second")
    await drained()
    for _ in range(3):
        await asyncio.sleep(0)
    assert log == ["first", "second", "nested", "nested again", "call_soon from first"]


async def test_ticks_run_before_callbacks_scheduled_after_them() -> None:
    loop = asyncio.get_running_loop()
    log: list[str] = []
    next_tick(log.append, "tick")
    loop.call_soon(log.append, "soon")
    next_tick(log.append, "tick 2")
    for _ in range(3):
        await asyncio.sleep(0)
    assert log == ["tick", "tick 2", "soon"]


async def test_an_exception_in_a_tick_reaches_the_handler_and_later_ticks_run(
    loop_errors: list[dict[str, Any]],
) -> None:
    log: list[str] = []

    def failing() -> None:
        raise ValueError("tick failed")

    next_tick(log.append, "before")
    next_tick(failing)
    next_tick(log.append, "after")
    await drained()
    assert log == ["before", "after"]
    assert len(loop_errors) == 1
    assert isinstance(loop_errors[0]["exception"], ValueError)
    assert "failing" in loop_errors[0]["message"]


async def test_a_tick_queued_by_a_failing_tick_still_runs(
    loop_errors: list[dict[str, Any]],
) -> None:
    log: list[str] = []

    def failing() -> None:
        next_tick(log.append, "queued before the raise")
        raise RuntimeError("boom")

    next_tick(failing)
    await drained()
    assert log == ["queued before the raise"]
    assert [type(c["exception"]) for c in loop_errors] == [RuntimeError]


async def test_many_ticks_in_one_drain() -> None:
    count = 0

    def bump(remaining: int) -> None:
        nonlocal count
        count += 1
        if remaining:
            next_tick(bump, remaining - 1)

    next_tick(bump, 9999)
    await drained()
    await asyncio.sleep(0)
    assert count == 10000


def test_ticks_queued_without_a_loop_run_first_on_the_next_loop() -> None:
    log: list[str] = []
    next_tick(log.append, "queued before any loop")
    assert log == []

    async def main() -> None:
        next_tick(log.append, "queued in the loop")
        await drained()

    asyncio.run(main())
    assert log == ["queued before any loop", "queued in the loop"]


def test_each_loop_has_its_own_queue() -> None:
    log: list[str] = []

    async def main(name: str) -> None:
        next_tick(log.append, name)
        await drained()

    asyncio.run(main("first loop"))
    asyncio.run(main("second loop"))
    assert log == ["first loop", "second loop"]


def test_ticks_queued_between_two_runs_of_a_loop_run_on_its_next_run() -> None:
    log: list[str] = []

    async def queue_one() -> None:
        next_tick(log.append, "first run")
        await drained()

    with asyncio.Runner() as runner:
        runner.run(queue_one())
        next_tick(log.append, "between runs")
        assert log == ["first run"]
        runner.run(asyncio.sleep(0))
        assert log == ["first run", "between runs"]
