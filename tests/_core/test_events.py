"""EventEmitter and the once()/on() helpers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from rillet import AbortController, EventEmitter, on, once
from rillet.errors import AbortError, NodeError


def test_listeners_run_in_order_with_the_arguments() -> None:
    e = EventEmitter()
    log: list[Any] = []
    e.on("x", lambda *a: log.append(("first", a)))
    e.add_listener("x", lambda *a: log.append(("second", a)))
    assert e.emit("x", 1, 2) is True
    assert log == [("first", (1, 2)), ("second", (1, 2))]
    assert e.emit("nobody") is False


def test_on_returns_the_emitter() -> None:
    e = EventEmitter()
    assert e.on("x", print) is e
    assert e.once("x", print) is e
    assert e.off("x", print) is e


def test_once_fires_once() -> None:
    e = EventEmitter()
    log: list[int] = []
    e.once("x", log.append)
    e.emit("x", 1)
    e.emit("x", 2)
    assert log == [1]
    assert e.listener_count("x") == 0


def test_once_listener_reentrant_emit_fires_once() -> None:
    e = EventEmitter()
    log: list[int] = []

    def listener(n: int) -> None:
        log.append(n)
        e.emit("x", n + 1)

    e.once("x", listener)
    e.emit("x", 1)
    assert log == [1]


def test_prepend_listener_and_prepend_once_listener() -> None:
    e = EventEmitter()
    log: list[str] = []
    e.on("x", lambda: log.append("on"))
    e.prepend_listener("x", lambda: log.append("prepended"))
    e.prepend_once_listener("x", lambda: log.append("prepended once"))
    e.emit("x")
    e.emit("x")
    assert log == ["prepended once", "prepended", "on", "prepended", "on"]


def test_removing_during_emit_does_not_change_the_current_emit() -> None:
    e = EventEmitter()
    log: list[str] = []

    def a() -> None:
        log.append("a")
        e.remove_listener("x", b)
        e.on("x", c)

    def b() -> None:
        log.append("b")

    def c() -> None:
        log.append("c")

    e.on("x", a)
    e.on("x", b)
    e.emit("x")
    assert log == ["a", "b"]
    log.clear()
    e.emit("x")
    assert log == ["a", "c"]  # the c added during this emit waits for the next one
    assert e.listeners("x") == [a, c, c]


def test_remove_listener_removes_the_last_registration() -> None:
    e = EventEmitter()
    log: list[str] = []

    def a() -> None:
        log.append("a")

    def b() -> None:
        log.append("b")

    e.on("x", a)
    e.on("x", b)
    e.on("x", a)
    e.remove_listener("x", a)
    e.emit("x")
    assert log == ["a", "b"]
    e.remove_listener("x", lambda: None)  # unknown listener: nothing happens
    assert e.listener_count("x") == 2


def test_once_listener_can_be_removed_with_the_original_function() -> None:
    e = EventEmitter()
    log: list[int] = []
    e.once("x", log.append)
    assert e.listeners("x") == [log.append]
    assert e.raw_listeners("x") != [log.append]
    e.off("x", log.append)
    e.emit("x", 1)
    assert log == []


def test_bound_methods_compare_equal() -> None:
    class Holder:
        def __init__(self) -> None:
            self.calls = 0

        def handle(self) -> None:
            self.calls += 1

    holder = Holder()
    e = EventEmitter()
    e.on("x", holder.handle)
    e.remove_listener("x", holder.handle)
    e.emit("x")
    assert holder.calls == 0


def test_new_listener_and_remove_listener_events() -> None:
    e = EventEmitter()
    log: list[Any] = []

    def listener() -> None:
        pass

    e.on("removeListener", lambda event, fn: log.append(("removed", event, fn)))
    e.on("newListener", lambda event, fn: log.append(("new", event, fn, e.listener_count(event))))
    e.once("x", listener)
    e.remove_listener("x", listener)
    # newListener fires before the listener is added, with the user's function.
    assert log == [("new", "x", listener, 0), ("removed", "x", listener)]


def test_new_listener_may_add_a_listener_that_runs_first() -> None:
    e = EventEmitter()
    log: list[str] = []

    def on_new(event: str, _fn: Any) -> None:
        if event == "x" and not log:
            log.append("newListener")
            e.on("x", lambda: log.append("added by newListener"))

    e.on("newListener", on_new)
    e.on("x", lambda: log.append("user"))
    e.emit("x")
    assert log == ["newListener", "added by newListener", "user"]


def test_error_without_listener_raises_the_error() -> None:
    e = EventEmitter()
    err = NodeError("unhandled", code="EUNHANDLED")
    with pytest.raises(NodeError) as info:
        e.emit("error", err)
    assert info.value is err


def test_error_without_listener_and_non_exception_value() -> None:
    e = EventEmitter()
    with pytest.raises(NodeError) as info:
        e.emit("error", "just a string")
    assert info.value.code == "ERR_UNHANDLED_ERROR"
    assert "just a string" in str(info.value)


def test_error_with_listener_does_not_raise() -> None:
    e = EventEmitter()
    seen: list[Any] = []
    e.on("error", seen.append)
    err = ValueError("x")
    assert e.emit("error", err) is True
    assert seen == [err]


def test_listener_count_and_event_names() -> None:
    e = EventEmitter()

    def a() -> None:
        pass

    e.on("x", a)
    e.on("x", a)
    e.once("y", a)
    e.on("y", print)
    assert e.listener_count("x") == 2
    assert e.listener_count("x", a) == 2
    assert e.listener_count("y", a) == 1
    assert e.listener_count("z") == 0
    assert e.event_names() == ["x", "y"]
    e.remove_all_listeners("x")
    assert e.event_names() == ["y"]
    e.remove_all_listeners()
    assert e.event_names() == []


def test_remove_all_listeners_emits_remove_listener() -> None:
    e = EventEmitter()
    removed: list[str] = []
    e.on("removeListener", lambda event, _fn: removed.append(event))
    e.on("x", print)
    e.on("y", print)
    e.remove_all_listeners()
    assert sorted(removed) == ["x", "y"]
    assert e.event_names() == []


def test_non_callable_listener_is_a_type_error() -> None:
    e = EventEmitter()
    with pytest.raises(TypeError) as info:
        e.on("x", "not callable")  # type: ignore[arg-type]
    assert getattr(info.value, "code", None) == "ERR_INVALID_ARG_TYPE"


def test_max_listeners() -> None:
    e = EventEmitter()
    assert e.get_max_listeners() == 10
    assert e.set_max_listeners(3) is e
    assert e.get_max_listeners() == 3


def test_subclass_with_custom_emit_is_used() -> None:
    seen: list[str] = []

    class Spy(EventEmitter):
        def emit(self, event: str, *args: Any) -> bool:
            seen.append(event)
            return super().emit(event, *args)

    spy = Spy()
    spy.on("x", lambda: None)
    spy.emit("x")
    assert seen == ["x"]


# -- once() and on() ---------------------------------------------------------------------------


async def test_once_helper_resolves_with_the_arguments() -> None:
    e = EventEmitter()
    future = once(e, "ready")
    e.emit("ready", 1, "two")
    assert await future == [1, "two"]
    assert e.listener_count("ready") == 0
    assert e.listener_count("error") == 0


async def test_once_helper_rejects_on_error() -> None:
    e = EventEmitter()
    future = once(e, "ready")
    err = NodeError("failed", code="EFAILED")
    e.emit("error", err)
    with pytest.raises(NodeError) as info:
        await future
    assert info.value is err
    assert e.event_names() == []


async def test_once_helper_for_the_error_event() -> None:
    e = EventEmitter()
    future = once(e, "error")
    err = ValueError("v")
    e.emit("error", err)
    assert await future == [err]


async def test_once_helper_with_signal() -> None:
    e = EventEmitter()
    controller = AbortController()
    future = once(e, "never", signal=controller.signal)
    controller.abort()
    with pytest.raises(AbortError):
        await future
    assert e.event_names() == []
    already = once(e, "never", signal=controller.signal)
    with pytest.raises(AbortError):
        await already


async def test_once_helper_cancel_removes_listeners() -> None:
    e = EventEmitter()
    future = once(e, "x")
    future.cancel()
    await asyncio.sleep(0)
    assert e.event_names() == []


async def test_on_helper_iterates_events() -> None:
    e = EventEmitter()
    received: list[list[Any]] = []

    async def consume() -> None:
        async for args in on(e, "item"):
            received.append(args)
            if len(received) == 3:
                break

    task = asyncio.ensure_future(consume())
    await asyncio.sleep(0)
    e.emit("item", 1)
    e.emit("item", 2, "b")  # queued while the consumer is busy
    e.emit("item", 3)
    await task
    assert received == [[1], [2, "b"], [3]]
    assert e.event_names() == []


async def test_on_helper_raises_on_error() -> None:
    e = EventEmitter()
    received: list[Any] = []

    async def consume() -> None:
        async for args in on(e, "item"):
            received.append(args)

    task = asyncio.ensure_future(consume())
    await asyncio.sleep(0)
    e.emit("item", "a")
    e.emit("error", NodeError("bad", code="EBAD"))
    with pytest.raises(NodeError):
        await task
    assert received == [["a"]]
    assert e.event_names() == []


async def test_on_helper_with_signal() -> None:
    e = EventEmitter()
    controller = AbortController()

    async def consume() -> None:
        async for _args in on(e, "item", signal=controller.signal):
            pass

    task = asyncio.ensure_future(consume())
    await asyncio.sleep(0)
    controller.abort()
    with pytest.raises(AbortError):
        await task
    assert e.event_names() == []
    with pytest.raises(AbortError):
        async for _args in on(e, "item", signal=controller.signal):
            pass
