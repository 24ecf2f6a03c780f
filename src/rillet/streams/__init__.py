"""The stream core: Readable, Writable, Duplex, Transform, pipe, pipeline, finished.

No I/O happens here; every I/O module builds on these classes.
"""

from rillet.streams._add_abort_signal import add_abort_signal
from rillet.streams._compose import compose
from rillet.streams._destroy import destroyer as destroy
from rillet.streams._duplex import Duplex, DuplexOptions
from rillet.streams._duplex_pair import duplex_pair
from rillet.streams._end_of_stream import finished
from rillet.streams._legacy import Stream
from rillet.streams._pipeline import pipeline
from rillet.streams._readable import Readable, ReadableOptions
from rillet.streams._state import get_default_high_water_mark, set_default_high_water_mark
from rillet.streams._transform import PassThrough, Transform, TransformOptions
from rillet.streams._utils import (
    is_destroyed,
    is_disturbed,
    is_errored,
    is_readable,
    is_writable,
)
from rillet.streams._writable import Writable, WritableOptions, WriteRequest

__all__ = [
    "Duplex",
    "DuplexOptions",
    "PassThrough",
    "Readable",
    "ReadableOptions",
    "Stream",
    "Transform",
    "TransformOptions",
    "Writable",
    "WritableOptions",
    "WriteRequest",
    "add_abort_signal",
    "compose",
    "destroy",
    "duplex_pair",
    "finished",
    "get_default_high_water_mark",
    "is_destroyed",
    "is_disturbed",
    "is_errored",
    "is_readable",
    "is_writable",
    "pipeline",
    "set_default_high_water_mark",
]
