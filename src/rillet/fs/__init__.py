"""Files as streams (Node's ``fs`` streams and ``fs/promises`` ``open``).

``create_read_stream(path, start=, end=)`` reads a file, or a byte range of it (``end``
inclusive), as a Readable; ``create_write_stream(path, flags=)`` writes one as a
Writable; ``await open(path)`` gives a :class:`FileHandle`. Reads of cached data run
on the event loop without a thread; anything that may wait for the disk runs in the
loop's default executor (``rillet.fs._io`` explains the strategy and its costs).
"""

from rillet.fs._file_handle import FileHandle, ReadResult, WriteResult, open
from rillet.fs._read_stream import ReadStream, create_read_stream
from rillet.fs._write_stream import WriteStream, create_write_stream

__all__ = [
    "FileHandle",
    "ReadResult",
    "ReadStream",
    "WriteResult",
    "WriteStream",
    "create_read_stream",
    "create_write_stream",
    "open",
]
