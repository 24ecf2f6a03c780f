"""WHATWG Streams (``ReadableStream``, ``WritableStream``, ``TransformStream``)."""

from rillet.web._bridges import ReadableStream, WritableStream

__all__ = ["ReadableStream", "WritableStream"]
