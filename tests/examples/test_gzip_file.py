"""``examples/gzip_file.py``: run as a program, its output checked with ``gzip``."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

fs = pytest.importorskip("rillet.fs", reason="rillet.fs (file streams) is not there yet")
if not hasattr(fs, "create_read_stream") or not hasattr(fs, "create_write_stream"):
    pytest.skip(
        "rillet.fs has no create_read_stream/create_write_stream yet", allow_module_level=True
    )

EXAMPLE = Path(__file__).parents[2] / "examples" / "gzip_file.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLE), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_compresses_a_file(tmp_path):
    source = tmp_path / "in.bin"
    data = os.urandom(300_000) + b"compressible text\n" * 50_000
    source.write_bytes(data)
    target = tmp_path / "out.gz"
    done = _run(str(source), str(target))
    assert done.returncode == 0, done.stderr
    compressed = target.read_bytes()
    assert len(compressed) < len(data)
    assert gzip.decompress(compressed) == data
    if shutil.which("gzip"):
        tool = subprocess.run(["gzip", "-dc", str(target)], capture_output=True, check=True)
        assert tool.stdout == data


def test_an_empty_file_gives_an_empty_gzip(tmp_path):
    source = tmp_path / "empty"
    source.write_bytes(b"")
    assert _run(str(source), str(tmp_path / "empty.gz")).returncode == 0
    assert gzip.decompress((tmp_path / "empty.gz").read_bytes()) == b""


def test_a_missing_input_fails_with_enoent(tmp_path):
    done = _run(str(tmp_path / "missing"), str(tmp_path / "out.gz"))
    assert done.returncode == 1
    assert "ENOENT" in done.stderr


def test_usage():
    done = _run()
    assert done.returncode == 2
    assert "usage" in done.stderr
