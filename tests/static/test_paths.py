"""Path safety: nothing outside ROOT in any encoding."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rillet.static import Verdict, resolve


@pytest.fixture
def root(tmp_path: Path) -> str:
    site = tmp_path / "site"
    (site / "sub").mkdir(parents=True)
    (site / "index.html").write_text("home")
    (site / "sub" / "a b.txt").write_text("a")
    (site / ".secret").write_text("s")
    (site / "sub" / ".hidden").mkdir()
    (tmp_path / "outside.txt").write_text("o")
    os.symlink(tmp_path / "outside.txt", site / "escape.txt")
    os.symlink(site / "index.html", site / "inside-link.html")
    return os.path.realpath(site)


def test_plain_file_resolves_inside_root(root: str) -> None:
    result = resolve(root, "/sub/a%20b.txt?x=1")
    assert result.verdict is Verdict.OK
    assert result.path == os.path.join(root, "sub", "a b.txt")
    assert result.url_path == "/sub/a b.txt"


@pytest.mark.parametrize(
    "target",
    [
        "/../outside.txt",
        "/%2e%2e/outside.txt",
        "/%2E%2E/outside.txt",
        "/sub/../../outside.txt",
        "/..%2foutside.txt",
        "/sub%2f..%2f..%2foutside.txt",
        "/..\\outside.txt",
        "/sub\\..\\..\\outside.txt",
        "/index.html%00.txt",
        "/escape.txt",
    ],
)
def test_every_way_out_of_root_is_not_found(root: str, target: str) -> None:
    assert resolve(root, target).verdict is Verdict.NOT_FOUND


def test_dot_segments_inside_root_are_normalised(root: str) -> None:
    result = resolve(root, "/sub/../index.html")
    assert result.verdict is Verdict.OK
    assert result.path == os.path.join(root, "index.html")


def test_symlink_that_stays_inside_is_served(root: str) -> None:
    assert resolve(root, "/inside-link.html").path == os.path.join(root, "index.html")


@pytest.mark.parametrize(
    ("policy", "verdict"),
    [("ignore", Verdict.NOT_FOUND), ("deny", Verdict.FORBIDDEN), ("allow", Verdict.OK)],
)
def test_dotfiles_policy(root: str, policy: str, verdict: Verdict) -> None:
    assert resolve(root, "/.secret", policy).verdict is verdict  # type: ignore[arg-type]
    assert resolve(root, "/sub/.hidden/", policy).verdict is verdict  # type: ignore[arg-type]


@pytest.mark.parametrize("target", ["relative", "/%ff%fe", "*", "/%", "/a%zz", "/a%2", "/%%41"])
def test_malformed_targets_are_bad_requests(root: str, target: str) -> None:
    assert resolve(root, target).verdict is Verdict.BAD_REQUEST


def test_absolute_form_target(root: str) -> None:
    result = resolve(root, "http://127.0.0.1:4000/index.html")
    assert result.verdict is Verdict.OK
    assert result.path.endswith("index.html")


def test_trailing_slash_is_reported(root: str) -> None:
    assert resolve(root, "/sub/").trailing_slash
    assert not resolve(root, "/sub").trailing_slash


def test_walk_without_symlinks_returns_the_files_stat(root: str) -> None:
    result = resolve(root, "/sub/a%20b.txt")
    assert result.info is not None
    assert result.info.st_ino == os.stat(result.path).st_ino


def test_walk_through_a_symlink_leaves_the_stat_to_the_caller(root: str) -> None:
    assert resolve(root, "/inside-link.html").info is None


def test_missing_names_resolve_inside_root_without_a_stat(root: str) -> None:
    result = resolve(root, "/sub/missing/deeper.txt")
    assert result.verdict is Verdict.OK
    assert result.path == os.path.join(root, "sub", "missing", "deeper.txt")
    assert result.info is None


def test_a_symlinked_directory_leading_out_is_not_found(root: str, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "file.txt").write_text("x")
    os.symlink(tmp_path / "elsewhere", Path(root) / "away")
    assert resolve(root, "/away/file.txt").verdict is Verdict.NOT_FOUND
