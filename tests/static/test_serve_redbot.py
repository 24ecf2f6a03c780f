"""REDbot ("lint for HTTP", PyPI ``redbot``) against ``rillet serve`` over loopback.

REDbot always exits 0, so each run's HAR output (``-o har``: its notes with their levels,
the same notes its text output prints) is parsed: any ``BAD`` note fails, and so does any
``WARN`` but the one the HTTP layer earns on purpose (Node's ``Keep-Alive`` header). Its
active checks (gzip negotiation, If-None-Match, If-Modified-Since, a random Range) must
also have run and reported success where the resource supports them.
"""

from __future__ import annotations

import gzip
import json
import random
import shutil
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serve_support import Served, serving

REDBOT = shutil.which("redbot", path=str(Path(sys.executable).parent))
# Node sends `Keep-Alive: timeout=5` with keep-alive responses, and rillet.http does too.
ACCEPTED_WARNINGS = {"FIELD_DEPRECATED"}

pytestmark = pytest.mark.skipif(REDBOT is None, reason="redbot is not installed")


def png() -> bytes:
    """A valid 64x64 PNG of noise, some 12 KiB (REDbot checks that content matches its
    Content-Type, and asks for a range well inside it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    noise = random.Random(5).randbytes(64 * 64 * 3)
    rows = b"".join(b"\x00" + noise[row * 192 : (row + 1) * 192] for row in range(64))
    header = struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("redbot")
    (root / "notes.txt").write_bytes(b"rillet streams text, and it compresses well.\n" * 300)
    (root / "page.html").write_bytes(b"<!doctype html><title>page</title><p>hi</p>\n" * 100)
    (root / "image.png").write_bytes(png())
    script = b"console.log('precompressed');\n" * 200
    (root / "app.js").write_bytes(script)
    (root / "app.js.gz").write_bytes(gzip.compress(script))
    (root / "docs").mkdir()
    (root / "docs" / "a.txt").write_bytes(b"a")
    (root / "docs" / "b.txt").write_bytes(b"b" * 3000)
    with serving(root, "--quiet") as served:
        yield served


def redbot(url: str) -> tuple[int, list[dict[str, Any]]]:
    """The status REDbot saw and its notes, for ``url``."""
    assert REDBOT is not None
    result = subprocess.run(
        [REDBOT, "-o", "har", url], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)["log"]["entries"]
    assert len(entries) == 1, entries
    return entries[0]["response"]["status"], entries[0]["_red_messages"]


def problems(notes: list[dict[str, Any]]) -> list[str]:
    return [
        f"{note['level']} {note['note_id']}: {note['summary']}"
        for note in notes
        if note["level"] == "BAD"
        or (note["level"] == "WARN" and note["note_id"] not in ACCEPTED_WARNINGS)
    ]


def ids(notes: list[dict[str, Any]]) -> set[str]:
    return {note["note_id"] for note in notes}


@pytest.mark.parametrize(
    ("target", "status", "expected"),
    [
        # A compressible text file: negotiation, both validators and a range all checked.
        ("/notes.txt", 200, {"CONNEG_GZIP_GOOD", "INM_304", "IMS_304", "RANGE_CORRECT"}),
        ("/page.html", 200, {"CONNEG_GZIP_GOOD", "INM_304", "IMS_304", "RANGE_CORRECT"}),
        # An image: not compressed, but validated and ranged.
        ("/image.png", 200, {"INM_304", "IMS_304", "RANGE_CORRECT"}),
        # A precompressed sibling answers the gzip request.
        ("/app.js", 200, {"CONNEG_GZIP_GOOD", "INM_304", "RANGE_CORRECT"}),
        # Directory listings, validated by a digest of the body.
        ("/docs/", 200, {"INM_304"}),
        ("/", 200, {"INM_304"}),
        ("/docs", 301, set()),
        ("/missing.txt", 404, set()),
        ("/notes.txt?v=2", 200, {"INM_304", "RANGE_CORRECT"}),
    ],
)
def test_redbot_finds_no_problem(
    server: Served, target: str, status: int, expected: set[str]
) -> None:
    seen, notes = redbot(server.url.rstrip("/") + target)
    assert seen == status
    assert problems(notes) == []
    assert expected <= ids(notes), sorted(ids(notes))
    assert "CONTENT_TYPE_OPTIONS" in ids(notes)  # nosniff
