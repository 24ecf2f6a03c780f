"""Default high-water marks and the validation of ``high_water_mark`` options."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from rillet.errors import invalid_arg_value

__all__ = ["get_default_high_water_mark", "high_water_mark_from", "set_default_high_water_mark"]

_default_bytes = 65536
_default_objects = 16


def get_default_high_water_mark(object_mode: bool) -> int:
    """The high-water mark new streams get: 65536 bytes, or 16 objects in object mode."""
    return _default_objects if object_mode else _default_bytes


def _validated(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_arg_value(name, value, kind="property")
    if isinstance(value, float):
        if math.isnan(value) or value < 0 or not value.is_integer():
            raise invalid_arg_value(name, value, kind="property")
        value = int(value)
    if value < 0:
        raise invalid_arg_value(name, value, kind="property")
    return value


def set_default_high_water_mark(object_mode: bool, value: int) -> None:
    """Change the default for streams created afterwards (process-wide)."""
    global _default_bytes, _default_objects
    checked = _validated(value, "value")
    if object_mode:
        _default_objects = checked
    else:
        _default_bytes = checked


def high_water_mark_from(
    options: Mapping[str, Any], side_key: str | None, object_mode: bool, is_duplex: bool
) -> int:
    """The HWM in effect: ``high_water_mark``, else (for a Duplex side) ``side_key``,
    else the default. None means "use the default"; invalid values raise
    ``ERR_INVALID_ARG_VALUE`` naming the option (for a Duplex, the side's option).
    """
    value = options.get("high_water_mark")
    name = "options.high_water_mark"
    if is_duplex and side_key is not None:
        # As Node, a Duplex's error names the side's option, whichever was given.
        name = f"options.{side_key}"
        if value is None:
            value = options.get(side_key)
    if value is None:
        return get_default_high_water_mark(object_mode)
    return _validated(value, name)
