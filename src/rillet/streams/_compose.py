"""``compose(*stages)``: several stages behind one Duplex (Node's ``compose.js``).

Writes go into the first stage, reads come from the last; the stages are connected
with ``pipeline``. An error anywhere destroys the composed Duplex with it.
"""

from __future__ import annotations

from typing import Any

from rillet.errors import invalid_arg_value, new_error
from rillet.streams._duplex import Duplex
from rillet.streams._duplexify import duplexify, wrap_ends
from rillet.streams._utils import (
    is_node_stream,
    is_readable,
    is_readable_stream,
    is_transform_stream,
    is_web_stream,
    is_writable,
    is_writable_stream,
)

__all__ = ["compose"]


def compose(*stages: Any) -> Duplex:
    """One Duplex for ``stages`` (see the module docstring).

    No stage raises ``ERR_MISSING_ARGS``; a stage that cannot be read from (before the
    last) or written to (after the first) raises ``ERR_INVALID_ARG_VALUE``.
    """
    from rillet.streams._pipeline import run_pipeline

    if not stages:
        raise new_error("ERR_MISSING_ARGS", '"streams"')
    if len(stages) == 1:
        return duplexify(stages[0], "streams[0]")
    streams = list(stages)
    if callable(streams[0]) and not is_node_stream(streams[0]):
        streams[0] = duplexify(streams[0], "streams[0]")
    if callable(streams[-1]) and not is_node_stream(streams[-1]):
        streams[-1] = duplexify(streams[-1], f"streams[{len(streams) - 1}]")
    for n, stream in enumerate(streams):
        if not is_node_stream(stream) and not is_web_stream(stream):
            continue
        if n < len(streams) - 1 and not (
            is_readable(stream) or is_readable_stream(stream) or is_transform_stream(stream)
        ):
            raise invalid_arg_value(f"streams[{n}]", stages[n])
        if n > 0 and not (
            is_writable(stream) or is_writable_stream(stream) or is_transform_stream(stream)
        ):
            raise invalid_arg_value(f"streams[{n}]", stages[n])
    streams = [
        duplexify(s, f"streams[{n}]") if is_web_stream(s) else s for n, s in enumerate(streams)
    ]
    head, tail = streams[0], streams[-1]
    duplex, ends = wrap_ends(head, tail, writes_finished_by="tail")
    still_open = duplex.readable or duplex.writable

    def on_pipeline_done(err: BaseException | None, _value: Any) -> None:
        ends.on_finished(err, still_open)

    run_pipeline(streams, on_pipeline_done)
    return duplex
