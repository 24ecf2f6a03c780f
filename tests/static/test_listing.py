"""Directory listings."""

from __future__ import annotations

import json
from pathlib import Path

from rillet.static._listing import read_entries, render_html, render_json


def make_tree(root: Path) -> None:
    (root / "b-dir").mkdir()
    (root / "A-dir").mkdir()
    (root / "z.txt").write_text("zz")
    (root / "a.txt").write_text("a")
    (root / "<script>.txt").write_text("x")
    (root / ".hidden").write_text("h")


def test_directories_first_then_names_in_order(tmp_path: Path) -> None:
    make_tree(tmp_path)
    names = [e.name for e in read_entries(str(tmp_path), show_dotfiles=False)]
    assert names == ["A-dir", "b-dir", "<script>.txt", "a.txt", "z.txt"]
    assert ".hidden" in [e.name for e in read_entries(str(tmp_path), show_dotfiles=True)]


def test_html_escapes_names_and_encodes_links(tmp_path: Path) -> None:
    make_tree(tmp_path)
    page = render_html("/x/", read_entries(str(tmp_path), show_dotfiles=False))
    assert "<script>.txt" not in page
    assert "&lt;script&gt;.txt" in page
    assert 'href="%3Cscript%3E.txt"' in page
    assert 'href="A-dir/"' in page
    assert 'href="../"' in page


def test_json_lists_types_and_sizes(tmp_path: Path) -> None:
    make_tree(tmp_path)
    data = json.loads(render_json(read_entries(str(tmp_path), show_dotfiles=False)))
    assert data[0] == {"name": "A-dir", "type": "directory", "size": 0, "mtime": data[0]["mtime"]}
    last = data[-1]
    assert (last["name"], last["type"], last["size"]) == ("z.txt", "file", 2)
