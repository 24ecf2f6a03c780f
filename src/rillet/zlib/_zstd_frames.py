"""Where zstd frames end, to tell a complete zstd stream from a truncated one.

The ``zstandard`` decoder that bounds its output (``stream_writer``) does not say
whether the input stopped inside a frame. :class:`FrameWalker` follows the frame
layout of RFC 8878 (headers and block headers only; the blocks are skipped
unread), so the cost is a few operations per block of up to 128 KiB.
"""

from __future__ import annotations

__all__ = ["FrameWalker"]

_ZSTD_MAGIC = 0xFD2FB528
_SKIPPABLE_MAGIC = 0x184D2A50  # the low four bits are free
_FCS_SIZES = (0, 2, 4, 8)  # Frame_Content_Size field size by flag (0 means 1 if single segment)
_DID_SIZES = (0, 1, 2, 4)

# What the next header field is.
_MAGIC, _DESCRIPTOR, _HEADER_REST, _BLOCK_HEADER, _SKIPPABLE_SIZE, _UNKNOWN = range(6)


class FrameWalker:
    """Feed it the compressed bytes, split anywhere; ``complete`` says whether they end
    exactly after a frame (and hold at least one)."""

    __slots__ = ("_checksum", "_field", "_frames", "_need", "_skip", "_state")

    def __init__(self) -> None:
        self._state = _MAGIC
        self._need = 4  # bytes of the field being collected
        self._field = b""
        self._skip = 0  # bytes to pass over unread (block contents, checksums)
        self._checksum = False
        self._frames = 0

    @property
    def complete(self) -> bool:
        """True when the input so far ends on a frame boundary after a frame."""
        return self._state == _MAGIC and not self._field and not self._skip and self._frames > 0

    def feed(self, data: bytes | memoryview) -> None:
        """Follow ``data``, the next bytes of the stream."""
        pos = 0
        end = len(data)
        while pos < end and self._state != _UNKNOWN:
            if self._skip:
                step = min(self._skip, end - pos)
                self._skip -= step
                pos += step
                continue
            step = min(self._need - len(self._field), end - pos)
            self._field += bytes(data[pos : pos + step])
            pos += step
            if len(self._field) == self._need:
                field = self._field
                self._field = b""
                self._advance(field)

    def _advance(self, field: bytes) -> None:
        state = self._state
        if state == _MAGIC:
            magic = int.from_bytes(field, "little")
            if magic == _ZSTD_MAGIC:
                self._expect(_DESCRIPTOR, 1)
            elif magic & 0xFFFFFFF0 == _SKIPPABLE_MAGIC:
                self._expect(_SKIPPABLE_SIZE, 4)
            else:
                self._state = _UNKNOWN  # the decoder reports it
        elif state == _DESCRIPTOR:
            descriptor = field[0]
            single_segment = bool(descriptor & 0x20)
            fcs_size = _FCS_SIZES[descriptor >> 6] or int(single_segment)
            rest = (not single_segment) + _DID_SIZES[descriptor & 3] + fcs_size
            self._checksum = bool(descriptor & 0x04)
            if rest:
                self._expect(_HEADER_REST, rest)
            else:
                self._expect(_BLOCK_HEADER, 3)
        elif state == _HEADER_REST:
            self._expect(_BLOCK_HEADER, 3)
        elif state == _BLOCK_HEADER:
            header = int.from_bytes(field, "little")
            block_type = (header >> 1) & 3
            self._skip = 1 if block_type == 1 else header >> 3  # an RLE block holds one byte
            if header & 1:  # the last block
                self._skip += 4 * self._checksum
                self._frames += 1
                self._expect(_MAGIC, 4)
        else:  # _SKIPPABLE_SIZE
            self._skip = int.from_bytes(field, "little")
            self._frames += 1
            self._expect(_MAGIC, 4)

    def _expect(self, state: int, size: int) -> None:
        self._state = state
        self._need = size
