"""AbortController and AbortSignal."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from rillet import AbortController, AbortSignal
from rillet.errors import AbortError, AbortTimeoutError


def test_abort_sets_the_state_then_runs_listeners_in_order() -> None:
    controller = AbortController()
    signal = controller.signal
    log: list[Any] = []
    signal.onabort = lambda event: log.append(("onabort", event.type, signal.aborted))
    signal.add_event_listener("abort", lambda event: log.append(("first", event.target)))
    signal.add_event_listener("abort", lambda event: log.append(("second", signal.reason)))
    assert not signal.aborted and signal.reason is None
    controller.abort()
    assert signal.aborted
    assert isinstance(signal.reason, AbortError)
    assert signal.reason.code == "ABORT_ERR"
    assert log == [("onabort", "abort", True), ("first", signal), ("second", signal.reason)]


def test_abort_happens_once() -> None:
    controller = AbortController()
    calls: list[Any] = []
    controller.signal.add_event_listener("abort", calls.append)
    controller.abort("first")
    controller.abort("second")
    assert controller.signal.reason == "first"
    assert len(calls) == 1


def test_abort_with_a_custom_reason() -> None:
    controller = AbortController()
    reason = ValueError("why")
    controller.abort(reason)
    assert controller.signal.reason is reason


def test_once_listeners_and_removal() -> None:
    controller = AbortController()
    signal = controller.signal
    log: list[str] = []

    def listener(_event: Any) -> None:
        log.append("listener")

    signal.add_event_listener("abort", listener)
    signal.add_event_listener("abort", listener)  # the same listener is added once
    signal.add_event_listener("abort", lambda _e: log.append("removed"))
    signal.remove_event_listener("abort", listener)
    signal.add_event_listener("abort", lambda _e: log.append("once"), once=True)
    signal.add_event_listener("other", lambda _e: log.append("other type"))
    controller.abort()
    assert log == ["removed", "once"]


def with_a_failing_listener(log: list[str]) -> AbortController:
    """A controller whose first 'abort' listener raises and whose second logs."""

    def failing(_event: Any) -> None:
        raise RuntimeError("listener failed")

    controller = AbortController()
    controller.signal.add_event_listener("abort", failing)
    controller.signal.add_event_listener("abort", lambda _e: log.append("second"))
    return controller


def test_a_failing_listener_does_not_stop_the_others() -> None:
    log: list[str] = []
    controller = with_a_failing_listener(log)
    with pytest.raises(RuntimeError):
        controller.abort()  # with no loop running, the error is raised after the others ran
    assert log == ["second"]
    assert controller.signal.aborted


async def test_a_failing_listener_is_reported_to_the_loop(loop_errors: list[Any]) -> None:
    log: list[str] = []
    with_a_failing_listener(log).abort()
    assert log == ["second"]
    assert [type(c["exception"]) for c in loop_errors] == [RuntimeError]


def test_throw_if_aborted() -> None:
    controller = AbortController()
    controller.signal.throw_if_aborted()
    reason = KeyError("k")
    controller.abort(reason)
    with pytest.raises(KeyError) as info:
        controller.signal.throw_if_aborted()
    assert info.value is reason
    plain = AbortController()
    plain.abort("a string reason")
    with pytest.raises(AbortError):
        plain.signal.throw_if_aborted()


def test_static_abort() -> None:
    signal = AbortSignal.abort()
    assert signal.aborted
    assert isinstance(signal.reason, AbortError)
    assert AbortSignal.abort("why").reason == "why"


async def test_timeout_aborts_with_a_timeout_error() -> None:
    signal = AbortSignal.timeout(10)
    assert not signal.aborted
    aborted = asyncio.get_running_loop().create_future()
    signal.add_event_listener("abort", lambda _e: aborted.set_result(None))
    await asyncio.wait_for(aborted, 5)
    assert isinstance(signal.reason, AbortTimeoutError)
    assert isinstance(signal.reason, TimeoutError)
    assert signal.reason.code == "ABORT_ERR"
    assert signal.reason.name == "TimeoutError"


async def test_any_of_a_pending_timeout_is_pending() -> None:
    signal = AbortSignal.timeout(60_000)
    combined = AbortSignal.any([signal])
    assert not combined.aborted


def test_any_follows_the_first_signal_to_abort() -> None:
    a, b = AbortController(), AbortController()
    combined = AbortSignal.any([a.signal, b.signal])
    assert not combined.aborted
    b.abort("b first")
    a.abort("a second")
    assert combined.aborted
    assert combined.reason == "b first"


def test_any_with_an_already_aborted_signal() -> None:
    a = AbortController()
    a.abort("early")
    combined = AbortSignal.any([AbortController().signal, a.signal])
    assert combined.aborted
    assert combined.reason == "early"


def test_any_of_nothing_never_aborts() -> None:
    assert not AbortSignal.any([]).aborted
