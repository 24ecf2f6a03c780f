"""Pixels of a PNG screenshot with the standard library only (zlib), and the two
statistics the browser test compares screenshots by (no tests)."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {2: 3, 6: 4}  # colour type: RGB, RGBA


@dataclass(frozen=True)
class Image:
    """Rows of 8-bit pixels, ``channels`` bytes each (RGB or RGBA)."""

    width: int
    height: int
    channels: int
    rows: list[bytes]

    def pixels(self) -> list[tuple[int, int, int]]:
        """Every pixel's red, green and blue."""
        step = self.channels
        return [
            (row[x], row[x + 1], row[x + 2]) for row in self.rows for x in range(0, len(row), step)
        ]


def decode(data: bytes) -> Image:
    """A non-interlaced 8-bit RGB/RGBA PNG (what Chromium's screenshots are)."""
    assert data.startswith(_SIGNATURE), "not a PNG"
    position = len(_SIGNATURE)
    compressed = []
    header = b""
    while position < len(data):
        (length, kind) = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            compressed.append(body)
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in _CHANNELS and interlace == 0, (depth, colour, interlace)
    channels = _CHANNELS[colour]
    raw = zlib.decompress(b"".join(compressed))
    stride = width * channels
    previous = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        line = bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(raw[start], line, previous, channels)
        rows.append(bytes(line))
        previous = line
    return Image(width, height, channels, rows)


def _unfilter(kind: int, line: bytearray, above: bytearray, step: int) -> None:
    if kind == 1:  # Sub
        for x in range(step, len(line)):
            line[x] = (line[x] + line[x - step]) & 255
    elif kind == 2:  # Up
        for x in range(len(line)):
            line[x] = (line[x] + above[x]) & 255
    elif kind == 3:  # Average
        for x in range(len(line)):
            left = line[x - step] if x >= step else 0
            line[x] = (line[x] + ((left + above[x]) >> 1)) & 255
    elif kind == 4:  # Paeth
        for x in range(len(line)):
            a = line[x - step] if x >= step else 0
            b = above[x]
            c = above[x - step] if x >= step else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            predictor = a if pa <= pb and pa <= pc else b if pb <= pc else c
            line[x] = (line[x] + predictor) & 255
    else:
        assert kind == 0, f"unknown PNG filter {kind}"


def share_of_colour(image: Image, colour: tuple[int, int, int], tolerance: int = 4) -> float:
    """The fraction of pixels within ``tolerance`` of ``colour`` in every channel."""
    pixels = image.pixels()
    red, green, blue = colour
    near = sum(
        1
        for r, g, b in pixels
        if abs(r - red) <= tolerance and abs(g - green) <= tolerance and abs(b - blue) <= tolerance
    )
    return near / len(pixels)


def mean_difference(one: Image, other: Image) -> float:
    """The mean absolute difference per channel (0-255) of two images of one size."""
    assert (one.width, one.height) == (other.width, other.height)
    total = sum(
        abs(r - s) + abs(g - t) + abs(b - u)
        for (r, g, b), (s, t, u) in zip(one.pixels(), other.pixels(), strict=True)
    )
    return total / (one.width * one.height * 3)
