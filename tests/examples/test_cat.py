"""``examples/cat.py``: run as a program over pipes and files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).parents[2] / "examples" / "cat.py"


def run_cat(*args: str, **options: Any) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, str(EXAMPLE), *args],
        capture_output=True,
        check=False,
        timeout=30,
        **options,
    )


def test_copies_a_pipe_to_standard_output() -> None:
    data = os.urandom(5 << 20)
    done = run_cat(input=data)
    assert done.returncode == 0, done.stderr
    assert done.stdout == data


def test_copies_a_redirected_file(tmp_path: Path) -> None:
    path = tmp_path / "in.bin"
    path.write_bytes(os.urandom(300_000))
    with path.open("rb") as stdin:
        done = run_cat(stdin=stdin)
    assert done.returncode == 0 and done.stdout == path.read_bytes()


def test_concatenates_files_and_standard_input(tmp_path: Path) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_bytes(b"first\n")
    second.write_bytes(b"second\n")
    done = run_cat(str(first), "-", str(second), input=b"piped\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"first\npiped\nsecond\n"


def test_a_missing_file_is_reported_and_the_rest_copied(tmp_path: Path) -> None:
    present = tmp_path / "here.txt"
    present.write_bytes(b"here\n")
    done = run_cat(str(tmp_path / "missing.txt"), str(present), str(tmp_path))
    assert done.returncode == 1
    assert done.stdout == b"here\n"
    lines = done.stderr.decode().splitlines()
    assert lines[0].startswith("cat: ENOENT: ") and lines[0].endswith("missing.txt'")
    assert lines[1].startswith("cat: EISDIR: ")
