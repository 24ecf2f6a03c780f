"""The heap pad that spares a page fault per large socket read (rillet.net._heap)."""

from __future__ import annotations

import ctypes
import platform

import pytest

from rillet import net
from rillet.net import _heap
from rillet.streams import finished


def _is_glibc() -> bool:
    return platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not _is_glibc(), reason="mallopt is glibc's")
def test_the_pad_is_set_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, int]] = []

    class FakeLibc:
        @staticmethod
        def mallopt(option: int, value: int) -> int:
            calls.append((option, value))
            return 1

    fake = FakeLibc()
    monkeypatch.setattr(_heap, "_done", False)
    monkeypatch.setattr(ctypes, "CDLL", lambda _name: fake)
    assert _heap.keep_heap_pad() is True
    assert _heap.keep_heap_pad() is False
    assert calls == [(-2, _heap.HEAP_PAD)]


@pytest.mark.skipif(not _is_glibc(), reason="mallopt is glibc's")
def test_glibc_accepts_the_pad(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_heap, "_done", False)
    assert _heap.keep_heap_pad() is True


async def test_a_connection_sets_the_pad(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_heap, "_done", False)
    server = net.create_server(lambda socket: socket.end())
    await server.listen(0, "127.0.0.1")
    address = server.address()
    assert isinstance(address, dict)
    client = net.connect(address["port"], "127.0.0.1")
    client.resume()
    await finished(client)
    await server.close()
    assert _heap._done is True
