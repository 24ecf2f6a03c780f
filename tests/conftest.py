"""Test harness: every ``async def`` test runs once under uvloop and once under asyncio.

An exception that reaches the loop's exception handler (an ``'error'`` nobody
listened to, a task whose exception nobody retrieved) fails the test, unless the
test takes the ``loop_errors`` fixture and inspects them itself.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
from collections.abc import Callable
from typing import Any

import pytest
import uvloop

LOOP_FACTORIES: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "uvloop": uvloop.new_event_loop,
    "asyncio": asyncio.new_event_loop,
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if inspect.iscoroutinefunction(metafunc.function):
        if "loop_kind" not in metafunc.fixturenames:
            metafunc.fixturenames.append("loop_kind")
        metafunc.parametrize("loop_kind", list(LOOP_FACTORIES), scope="function")


@pytest.fixture
def loop_errors() -> list[dict[str, Any]]:
    """The contexts given to the loop's exception handler during the test."""
    return []


def _timeout_of(item: pytest.Function) -> float:
    """The test's time limit in seconds (its timeout marker, else the ini value), less a
    margin so the in-loop limit fires before pytest-timeout's."""
    marker = item.get_closest_marker("timeout")
    if marker is not None and marker.args:
        seconds = float(marker.args[0])
    else:
        seconds = float(item.config.getini("timeout") or 0)
    return max(seconds - 2.0, 1.0) if seconds else 0.0


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    function = pyfuncitem.obj
    if not inspect.iscoroutinefunction(function):
        return None
    kind = pyfuncitem.callspec.params["loop_kind"]
    own_errors = "loop_errors" in pyfuncitem.funcargs
    errors: list[dict[str, Any]] = pyfuncitem.funcargs["loop_errors"] if own_errors else []
    names = inspect.signature(function).parameters
    kwargs = {name: pyfuncitem.funcargs[name] for name in names if name in pyfuncitem.funcargs}
    if "loop_kind" in names:
        kwargs["loop_kind"] = kind

    def handler(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        errors.append(context)

    limit = _timeout_of(pyfuncitem)

    async def bounded() -> None:
        # Enforced inside the loop: pytest-timeout's signal cannot wake uvloop's wait.
        async with asyncio.timeout(limit):
            await function(**kwargs)

    with asyncio.Runner(loop_factory=LOOP_FACTORIES[kind]) as runner:
        runner.get_loop().set_exception_handler(handler)
        runner.run(bounded() if limit else function(**kwargs))
        # Collect garbage while the loop is alive, so "never retrieved" reports land here.
        gc.collect()
        runner.run(asyncio.sleep(0))
    if errors and not own_errors:
        details = "\n".join(
            f"{context.get('message')}: {context.get('exception')!r}" for context in errors
        )
        pytest.fail(f"unhandled errors reached the event loop:\n{details}")
    return True
