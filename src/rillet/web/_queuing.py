"""Queuing strategies and the spec's ``ExtractHighWaterMark``/``ExtractSizeAlgorithm``.

A strategy is a :class:`CountQueuingStrategy`, a :class:`ByteLengthQueuingStrategy`,
any object with ``high_water_mark`` and ``size``, or a dict with those keys.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from rillet.web._util import member_of, method_of, range_error, to_number

__all__ = [
    "ByteLengthQueuingStrategy",
    "CountQueuingStrategy",
    "SizeAlgorithm",
    "check_size",
    "chunk_size",
    "extract_high_water_mark",
    "extract_size_algorithm",
]

# ``None`` stands for the default size algorithm (every chunk counts 1), which the
# controllers then skip calling.
SizeAlgorithm = Callable[[Any], Any] | None


def _init_high_water_mark(high_water_mark: Any) -> Any:
    if isinstance(high_water_mark, Mapping):
        if "high_water_mark" not in high_water_mark:
            raise TypeError("the init dictionary needs 'high_water_mark'")
        return high_water_mark["high_water_mark"]
    return high_water_mark


class CountQueuingStrategy:
    """Counts chunks: every chunk has size 1."""

    __slots__ = ("_high_water_mark",)

    def __init__(self, high_water_mark: Any) -> None:
        """``high_water_mark`` (or a dict ``{'high_water_mark': n}``) is kept as given;
        the stream constructor validates it."""
        self._high_water_mark = to_number(_init_high_water_mark(high_water_mark), "high_water_mark")

    @property
    def high_water_mark(self) -> float:
        """The number of chunks queued before backpressure applies."""
        return self._high_water_mark

    def size(self, chunk: Any = None) -> int:
        """Always 1."""
        return 1

    def __repr__(self) -> str:
        return f"CountQueuingStrategy(high_water_mark={self._high_water_mark!r})"


class ByteLengthQueuingStrategy:
    """Counts bytes: a chunk's size is its byte length."""

    __slots__ = ("_high_water_mark",)

    def __init__(self, high_water_mark: Any) -> None:
        """As :class:`CountQueuingStrategy`."""
        self._high_water_mark = to_number(_init_high_water_mark(high_water_mark), "high_water_mark")

    @property
    def high_water_mark(self) -> float:
        """The number of bytes queued before backpressure applies."""
        return self._high_water_mark

    def size(self, chunk: Any) -> int:
        """``chunk``'s byte length (``nbytes`` of a memoryview, ``len`` otherwise)."""
        if type(chunk) is memoryview:
            return chunk.nbytes
        return len(chunk)

    def __repr__(self) -> str:
        return f"ByteLengthQueuingStrategy(high_water_mark={self._high_water_mark!r})"


def extract_high_water_mark(strategy: Any, default: float) -> float:
    """The strategy's high-water mark, or ``default``. NaN or negative → ValueError."""
    value = member_of(strategy, "high_water_mark")
    if value is None:
        return default
    number = to_number(value, "high_water_mark")
    if math.isnan(number) or number < 0:
        raise range_error(f"Invalid high_water_mark: {value!r}")
    return number


def extract_size_algorithm(strategy: Any) -> SizeAlgorithm:
    """The strategy's size function (``None`` when every chunk counts 1)."""
    if type(strategy) is CountQueuingStrategy:
        return None
    if type(strategy) is ByteLengthQueuingStrategy:
        return strategy.size
    return method_of(strategy, "size")


def check_size(result: Any) -> float:
    """The spec's ``EnqueueValueWithSize`` check of a size: a finite non-negative
    number, else ValueError."""
    if type(result) is int and result >= 0:
        return result
    try:
        number = float(result)
    except (TypeError, ValueError):
        raise range_error(f"The size of a chunk must be a number, got {result!r}") from None
    if math.isnan(number) or number < 0 or math.isinf(number):
        raise range_error(f"The size of a chunk must be finite and non-negative, got {result!r}")
    return number


def chunk_size(size: Callable[[Any], Any], chunk: Any) -> float:
    """Call a size function and check its result with :func:`check_size`."""
    return check_size(size(chunk))
