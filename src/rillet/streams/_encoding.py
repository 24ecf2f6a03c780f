"""Node's character encodings: names, ``str`` ⇄ ``bytes``, and an incremental decoder.

Names are Node's, case-insensitive: ``utf8``/``utf-8``, ``utf16le``/``ucs2``, ``latin1``/
``binary``, ``ascii``, ``base64``, ``base64url``, ``hex``. An unknown name raises
``ERR_UNKNOWN_ENCODING`` (TypeError). Decoding follows Node's ``StringDecoder``: a
multi-byte character split across chunks is held back until it is complete, and
invalid UTF-8 becomes U+FFFD.
"""

from __future__ import annotations

import base64
import binascii
import codecs
from typing import Final

from rillet.errors import new_error

__all__ = ["StringDecoder", "decode", "encode", "is_encoding", "normalize_encoding"]

_ALIASES: Final = {
    "utf8": "utf8",
    "utf-8": "utf8",
    "utf16le": "utf16le",
    "utf-16le": "utf16le",
    "ucs2": "utf16le",
    "ucs-2": "utf16le",
    "latin1": "latin1",
    "binary": "latin1",
    "ascii": "ascii",
    "base64": "base64",
    "base64url": "base64url",
    "hex": "hex",
}


def normalize_encoding(name: str | None) -> str | None:
    """Node's canonical name for ``name``, or None if it is not an encoding."""
    if name is None:
        return None
    found = _ALIASES.get(name)
    if found is None and isinstance(name, str):
        found = _ALIASES.get(name.lower())
    return found


def is_encoding(name: object) -> bool:
    """True when ``name`` is one of Node's encodings."""
    return isinstance(name, str) and normalize_encoding(name) is not None


def checked_encoding(name: str) -> str:
    """The canonical name, or raise ``ERR_UNKNOWN_ENCODING``."""
    found = normalize_encoding(name)
    if found is None:
        raise new_error("ERR_UNKNOWN_ENCODING", name)
    return found


def _hex_to_bytes(text: str) -> bytes:
    # Node stops at the first pair that is not hex, keeping what came before.
    end = len(text) - len(text) % 2
    try:
        return bytes.fromhex(text[:end])
    except ValueError:
        out = bytearray()
        for i in range(0, end, 2):
            try:
                out.append(int(text[i : i + 2], 16))
            except ValueError:
                break
        return bytes(out)


def _base64_to_bytes(text: str) -> bytes:
    cleaned = "".join(text.split()).replace("-", "+").replace("_", "/").rstrip("=")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except binascii.Error:
        return b""


def encode(text: str, encoding: str = "utf8") -> bytes:
    """``Buffer.from(text, encoding)``."""
    enc = _ALIASES.get(encoding) or checked_encoding(encoding)
    if enc == "utf8":
        return text.encode("utf-8", "surrogatepass")
    if enc in {"latin1", "ascii"}:
        return bytes(ord(c) & 0xFF for c in text) if not text.isascii() else text.encode("ascii")
    if enc == "utf16le":
        return text.encode("utf-16-le", "surrogatepass")
    if enc == "hex":
        return _hex_to_bytes(text)
    return _base64_to_bytes(text)


def decode(data: bytes | bytearray | memoryview, encoding: str = "utf8") -> str:
    """``buffer.toString(encoding)``."""
    enc = _ALIASES.get(encoding) or checked_encoding(encoding)
    if enc == "utf8":
        return bytes(data).decode("utf-8", "replace")
    if enc == "latin1":
        return bytes(data).decode("latin-1")
    if enc == "ascii":
        return bytes(b & 0x7F for b in data).decode("ascii")
    if enc == "utf16le":
        raw = bytes(data)
        return raw[: len(raw) - len(raw) % 2].decode("utf-16-le", "replace")
    if enc == "hex":
        return bytes(data).hex()
    text = base64.b64encode(bytes(data)).decode("ascii")
    if enc == "base64url":
        return text.replace("+", "-").replace("/", "_").rstrip("=")
    return text


class StringDecoder:
    """Node's ``StringDecoder``: bytes in, whole characters out, partial ones kept."""

    __slots__ = ("_decoder", "_pending", "encoding")

    def __init__(self, encoding: str | None = "utf8") -> None:
        self.encoding = checked_encoding(encoding or "utf8")
        self._pending = b""
        self._decoder: codecs.IncrementalDecoder | None = None
        if self.encoding == "utf8":
            self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        elif self.encoding == "utf16le":
            self._decoder = codecs.getincrementaldecoder("utf-16-le")("replace")

    def write(self, data: bytes | bytearray | memoryview | str) -> str:
        """Decode ``data``, keeping an incomplete trailing character for later.

        A ``str`` is returned as it is (Node's decoder does the same).
        """
        if isinstance(data, str):
            return data
        if self._decoder is not None:
            return self._decoder.decode(data)
        if self.encoding in ("base64", "base64url"):
            data = self._pending + bytes(data)
            keep = len(data) % 3
            self._pending = data[len(data) - keep :] if keep else b""
            return decode(data[: len(data) - keep], self.encoding)
        return decode(data, self.encoding)

    def end(self, data: bytes | bytearray | memoryview | None = None) -> str:
        """Decode ``data`` and flush what is held back: a partial character becomes
        U+FFFD (UTF-16: an odd last byte is dropped, as Node does)."""
        text = self.write(data) if data else ""
        decoder = self._decoder
        if decoder is not None:
            if self.encoding == "utf16le":
                # Node drops an odd trailing byte; a lone surrogate becomes U+FFFD.
                pending = decoder.getstate()[0]
                decoder.reset()
                return text + decode(pending, "utf16le")
            return text + decoder.decode(b"", final=True)
        if self._pending:
            text += decode(self._pending, self.encoding)
            self._pending = b""
        return text
