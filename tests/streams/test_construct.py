"""_construct: deferred start, buffered writes, destroy during construction (R-CONSTRUCT-1)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from _writable_helpers import closed, loop_turns

from rillet import Duplex, Readable, Transform, Writable, once
from rillet.errors import NodeError

Callback = Callable[..., Any]


class Constructing:
    """A ``construct`` hook whose callback the test calls; it logs into ``log``."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.callback: Callback | None = None

    def __call__(self, _stream: Any, callback: Callback) -> None:
        self.log.append("construct")
        self.callback = callback

    def finish(self, error: BaseException | None = None) -> None:
        assert self.callback is not None
        self.callback(error)


async def test_r_construct_1_runs_on_the_next_tick() -> None:
    log: list[str] = []
    hook = Constructing(log)
    Writable(construct=hook, write=lambda _s, _c, _e, cb: cb())
    log.append("sync")
    await loop_turns(1)
    assert log == ["sync", "construct"]


async def test_r_construct_1_writes_wait_for_construct() -> None:
    log: list[str] = []
    hook = Constructing(log)
    w = Writable(
        construct=hook,
        write=lambda _s, chunk, _e, cb: (log.append(f"write:{chunk.decode()}"), cb()),
        final=lambda _s, cb: (log.append("final"), cb()),
    )
    w.on("finish", lambda: log.append("finish"))
    w.write(b"a")
    w.write(b"b")
    assert w.writable_length == 2
    w.end()
    await loop_turns()
    assert log == ["construct"]
    hook.finish()
    await closed(w)
    assert log == ["construct", "write:a", "write:b", "final", "finish"]


async def test_r_construct_1_final_waits_for_construct() -> None:
    log: list[str] = []
    hook = Constructing(log)
    w = Writable(construct=hook, final=lambda _s, cb: (log.append("final"), cb()))
    w.end()
    await loop_turns()
    assert log == ["construct"]
    hook.finish()
    await closed(w)
    assert log == ["construct", "final"]


async def test_r_construct_1_read_waits_for_construct() -> None:
    log: list[str] = []
    hook = Constructing(log)

    def read(stream: Any, _size: int) -> None:
        log.append("read")
        stream.push(None)

    r = Readable(construct=hook, read=read)
    r.resume()
    await loop_turns()
    assert log == ["construct"]
    hook.finish()
    await closed(r)
    assert log == ["construct", "read"]


@pytest.mark.parametrize("factory", [Readable, Writable, Duplex])
async def test_r_construct_1_destroy_during_construction_waits(factory: Any) -> None:
    log: list[str] = []
    hook = Constructing(log)
    s = factory(construct=hook, destroy=lambda _s, e, cb: (log.append("destroy"), cb(e)))
    s.on("close", lambda: log.append("close"))
    s.destroy(None, lambda e=None: log.append("destroy-cb"))
    assert s.destroyed
    await loop_turns()
    assert log == ["construct"]
    hook.finish()
    await closed(s)
    assert log == ["construct", "destroy", "destroy-cb", "close"]


async def test_r_construct_1_destroy_with_error_during_construction() -> None:
    log: list[str] = []
    hook = Constructing(log)
    w = Writable(construct=hook, write=lambda _s, _c, _e, cb: pytest.fail("no write"))
    w.on("error", lambda err: log.append(f"error:{err.code}"))
    w.on("close", lambda: log.append("close"))
    w.write(b"dropped", lambda e=None: log.append(f"write-cb:{getattr(e, 'code', e)}"))
    w.destroy(NodeError("kaboom", code="EKABOOM"))
    await loop_turns()
    hook.finish()
    await closed(w)
    assert log == ["construct", "write-cb:EKABOOM", "error:EKABOOM", "close"]


@pytest.mark.parametrize("when", ["sync", "async"])
async def test_r_construct_1_error_from_construct(when: str) -> None:
    loop = asyncio.get_running_loop()
    err = NodeError("test", code="ETEST")

    def construct(_s: Any, cb: Callback) -> None:
        if when == "sync":
            cb(err)
        else:
            loop.call_soon(cb, err)

    for factory in (Readable, Writable):
        s = factory(construct=construct)
        log: list[str] = []
        s.on("error", lambda e, log=log: log.append(f"error:{e.code}"))
        s.on("close", lambda log=log: log.append("close"))
        await closed(s)
        assert log == ["error:ETEST", "close"]


async def test_r_construct_1_construct_that_raises() -> None:
    def construct(_s: Any, _cb: Callback) -> None:
        raise RuntimeError("cannot construct")

    w = Writable(construct=construct)
    errors: list[Any] = []
    w.on("error", errors.append)
    await closed(w)
    assert [str(e) for e in errors] == ["cannot construct"]


async def test_r_construct_1_callback_twice_is_multiple_callback() -> None:
    def construct(_s: Any, cb: Callback) -> None:
        cb()
        cb()

    for factory in (Readable, Writable):
        s = factory(construct=construct)
        errors: list[Any] = []
        s.on("error", errors.append)
        await closed(s)
        assert [e.code for e in errors] == ["ERR_MULTIPLE_CALLBACK"]


async def test_r_construct_1_duplex_construct_called_once() -> None:
    log: list[str] = []
    hook = Constructing(log)
    d = Duplex(
        construct=hook,
        read=lambda s, _n: (log.append("read"), s.push(None)),
        write=lambda _s, _c, _e, cb: (log.append("write"), cb()),
    )
    d.resume()
    d.end(b"x")
    await loop_turns()
    assert log == ["construct"]
    hook.finish()
    await closed(d)
    assert log.count("construct") == 1
    assert sorted(log[1:]) == ["read", "write"]


async def test_r_construct_1_duplex_without_readable_side() -> None:
    log: list[str] = []
    hook = Constructing(log)
    d = Duplex(
        readable=False,
        construct=hook,
        write=lambda _s, chunk, _e, cb: (log.append(f"write:{chunk.decode()}"), cb()),
    )
    d.resume()
    d.end(b"foo")
    await loop_turns()
    hook.finish()
    await closed(d)
    assert log == ["construct", "write:foo"]


async def test_r_construct_1_transform_subclass_construct() -> None:
    class Upper(Transform):
        def _construct(self, callback: Callback) -> None:
            self.prefix = b">"
            callback()

        def _transform(self, chunk: Any, encoding: str, callback: Callback) -> None:
            callback(None, self.prefix + chunk.upper())

    t = Upper()
    t.end(b"abc")
    [chunk] = await once(t, "data")
    assert chunk == b">ABC"
