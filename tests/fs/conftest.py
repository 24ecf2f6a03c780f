"""Helpers for the file-stream tests, as fixtures."""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import Callable

import pytest

import rillet


def _fd_is_closed(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError as exc:
        return exc.errno == errno.EBADF
    return False


def _close_event(stream: rillet.Stream) -> asyncio.Future[None]:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    stream.on("close", lambda: future.set_result(None))
    return future


@pytest.fixture
def fd_is_closed() -> Callable[[int], bool]:
    """Whether a descriptor number is closed (``fstat`` says ``EBADF``)."""
    return _fd_is_closed


@pytest.fixture
def close_event() -> Callable[[rillet.Stream], asyncio.Future[None]]:
    """A future of a stream's ``'close'`` (``rillet.once`` would fail on the ``'error'``
    that comes before it)."""
    return _close_event
