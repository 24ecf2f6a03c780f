"""WHATWG Streams on asyncio: ``ReadableStream``, ``WritableStream``, ``TransformStream``.

Names follow the standard in PEP 8 spelling (``get_reader``, ``pipe_to``,
``desired_size``); every promise is an ``asyncio.Future``; JavaScript's TypeError is
Python's TypeError and RangeError is ValueError. The bridges to rillet's Node-style
streams are ``Readable.to_web``/``from_web`` and friends.
"""

from rillet.web._byte_stream import (
    ReadableByteStreamController,
    ReadableStreamBYOBReader,
    ReadableStreamBYOBRequest,
)
from rillet.web._compression import CompressionStream, DecompressionStream
from rillet.web._encoding_streams import TextDecoderStream, TextEncoderStream
from rillet.web._queuing import ByteLengthQueuingStrategy, CountQueuingStrategy
from rillet.web._readable_stream import (
    ReadableStream,
    ReadableStreamDefaultController,
    ReadableStreamDefaultReader,
    ReadResult,
)
from rillet.web._transform_stream import TransformStream, TransformStreamDefaultController
from rillet.web._writable_stream import (
    WritableStream,
    WritableStreamDefaultController,
    WritableStreamDefaultWriter,
)

__all__ = [
    "ByteLengthQueuingStrategy",
    "CompressionStream",
    "CountQueuingStrategy",
    "DecompressionStream",
    "ReadResult",
    "ReadableByteStreamController",
    "ReadableStream",
    "ReadableStreamBYOBReader",
    "ReadableStreamBYOBRequest",
    "ReadableStreamDefaultController",
    "ReadableStreamDefaultReader",
    "TextDecoderStream",
    "TextEncoderStream",
    "TransformStream",
    "TransformStreamDefaultController",
    "WritableStream",
    "WritableStreamDefaultController",
    "WritableStreamDefaultWriter",
]
