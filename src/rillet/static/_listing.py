"""Directory listings: HTML for browsers, JSON for ``Accept: application/json``.

Directories come first, then files, each group in name order (case-insensitive, then
exact); every name is escaped in HTML and percent-encoded in links. Dotfiles are left
out unless the policy allows them.
"""

from __future__ import annotations

import html
import json
import os
import stat
from dataclasses import dataclass
from urllib.parse import quote

from rillet.static._validators import http_date

__all__ = ["Entry", "read_entries", "render_html", "render_json"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One listed name."""

    name: str
    is_dir: bool
    size: int
    mtime: float


def read_entries(directory: str, *, show_dotfiles: bool) -> list[Entry]:
    """The sorted entries of ``directory`` (symlinks are listed as what they point to;
    broken ones are left out)."""
    entries: list[Entry] = []
    with os.scandir(directory) as scan:
        for item in scan:
            if item.name.startswith(".") and not show_dotfiles:
                continue
            try:
                info = item.stat()
            except OSError:
                continue
            is_dir = stat.S_ISDIR(info.st_mode)
            entries.append(Entry(item.name, is_dir, 0 if is_dir else info.st_size, info.st_mtime))
    entries.sort(key=lambda e: (not e.is_dir, e.name.casefold(), e.name))
    return entries


def _size_text(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def render_html(url_path: str, entries: list[Entry]) -> str:
    """An HTML page listing ``entries`` of the directory at ``url_path``."""
    title = html.escape(f"Index of {url_path}")
    rows = []
    if url_path != "/":
        rows.append('<tr><td><a href="../">../</a></td><td></td><td></td></tr>')
    for entry in entries:
        label = entry.name + ("/" if entry.is_dir else "")
        href = quote(entry.name) + ("/" if entry.is_dir else "")
        size = "" if entry.is_dir else _size_text(entry.size)
        rows.append(
            f'<tr><td><a href="{html.escape(href, quote=True)}">{html.escape(label)}</a></td>'
            f"<td>{size}</td><td>{http_date(entry.mtime)}</td></tr>"
        )
    body = "\n".join(rows)
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{title}</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:2em}"
        "td{padding:.2em 1.2em .2em 0}td:nth-child(2){text-align:right}</style>"
        f"</head><body><h1>{title}</h1>\n<table>\n"
        "<tr><th>Name</th><th>Size</th><th>Modified</th></tr>\n"
        f"{body}\n</table></body></html>\n"
    )


def render_json(entries: list[Entry]) -> str:
    """A JSON array of ``{name, type, size, mtime}`` for ``entries``."""
    return json.dumps(
        [
            {
                "name": entry.name,
                "type": "directory" if entry.is_dir else "file",
                "size": entry.size,
                "mtime": http_date(entry.mtime),
            }
            for entry in entries
        ]
    )
