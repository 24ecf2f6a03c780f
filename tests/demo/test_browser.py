"""The demo page in Debian's Chromium (Playwright, headless): every panel works.

One ``rillet serve --upload`` child process and one browser page serve the whole module.
Screenshots go to ``test-artifacts/demo/`` at the repository root: the progressive JPEG
mid-transfer and complete, and the whole page at the end.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Response, sync_playwright
from png_pixels import decode, mean_difference, share_of_colour

from rillet.demo import SITE

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

CHROMIUM = "/usr/bin/chromium"
# Headless, and nothing that reaches out to Google's services (the network is closed).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "demo"
VIDEO_SIZE = os.path.getsize(os.path.join(SITE, "media", "clock.webm"))


def _first_line(process: subprocess.Popen[bytes], timeout: float) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        assert left > 0 and select.select([process.stdout], [], [], left)[0], "no startup line"
        piece = os.read(process.stdout.fileno(), 1)
        assert piece, "the server exited before its startup line"
        line += piece
    return line.decode()


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    """``rillet serve --port 0 --quiet --upload`` (the demo site): its URL."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "rillet", "serve", "--port", "0", "--quiet", "--upload"],
            stdout=subprocess.PIPE,
            stderr=errors,
            stdin=subprocess.DEVNULL,
        )
        try:
            match = re.search(r" at (http://\S+/)$", _first_line(process, 15).strip())
            assert match, "unexpected startup line"
            yield match[1]
        finally:
            process.send_signal(signal.SIGTERM)
            status = process.wait(15)
            assert process.stdout is not None
            process.stdout.close()
            errors.seek(0)
            assert status == 0, errors.read().decode(errors="replace")


@pytest.fixture(scope="module")
def page_errors() -> list[str]:
    """Uncaught exceptions and console errors of the page."""
    return []


@pytest.fixture(scope="module")
def page(demo_url: str, page_errors: list[str]) -> Iterator[Page]:
    """The demo page in a fresh Chromium profile; a screenshot of it at the end."""
    assert os.path.exists(CHROMIUM), "Debian's chromium is needed (./scripts/test installs it)"
    with (
        tempfile.TemporaryDirectory(prefix="rillet-chromium-") as profile,
        sync_playwright() as playwright,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1200, "height": 900},
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.on("pageerror", lambda error: page_errors.append(f"exception: {error}"))
            page.on(
                "console",
                lambda message: (
                    message.type == "error" and page_errors.append(f"console: {message.text}")
                ),
            )
            page.goto(demo_url, wait_until="domcontentloaded")
            yield page
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=ARTIFACTS / "demo-page.png", full_page=True)
        finally:
            context.close()


@pytest.fixture(autouse=True)
def no_page_errors(page_errors: list[str]) -> Iterator[None]:
    yield
    assert page_errors == []


def _colour(css: str) -> tuple[int, int, int]:
    red, green, blue = (int(n) for n in re.findall(r"\d+", css)[:3])
    return red, green, blue


def test_progressive_jpeg_is_drawn_while_it_arrives(page: Page) -> None:
    image = page.locator("#img-jpeg")
    complete = "document.getElementById('img-jpeg').complete"
    image.scroll_into_view_if_needed()
    page.click("#reload-images")  # a fresh, slow load whatever ran before
    shots = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        shot = image.screenshot()
        if page.evaluate(complete):
            break
        shots.append(shot)  # the image was still incomplete after this was taken
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0 && img.dataset.complete === 'true'",
        arg=image.element_handle(),
    )
    assert image.evaluate("img => img.naturalWidth") == 2000
    final_png = image.screenshot()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "progressive-jpeg-final.png").write_bytes(final_png)
    final = decode(final_png)
    blank = _colour(image.evaluate("img => getComputedStyle(img).backgroundColor"))
    assert share_of_colour(final, blank) < 0.02
    # Mid-transfer screenshots with something drawn must differ from the finished
    # picture (a coarse first pass, sharpened by later ones). The artifact is the one
    # closest to half drawn: the first pass arriving from the top down.
    partial = []
    for shot in shots:
        mid = decode(shot)
        empty = share_of_colour(mid, blank)
        if empty > 0.95:
            continue  # nothing drawn yet
        difference = mean_difference(mid, final)
        if difference < 0.5:
            break  # from here on, only the finest passes are missing
        partial.append((abs(empty - 0.5), shot))
        if empty < 0.02:
            break  # covered: the later shots are only sharper
    assert partial, f"no partly drawn screenshot among {len(shots)} taken mid-transfer"
    best = min(partial, key=lambda item: item[0])[1]
    (ARTIFACTS / "progressive-jpeg-mid-transfer.png").write_bytes(best)


def _content_range_start(response: Response) -> int:
    match = re.fullmatch(r"bytes (\d+)-\d+/\d+", response.headers.get("content-range", ""))
    return int(match[1]) if match else -1


def test_video_plays_and_a_seek_asks_for_a_range(page: Page) -> None:
    video = page.locator("#clock")
    video.scroll_into_view_if_needed()
    video.evaluate("async (v) => { v.muted = true; await v.play(); }")
    page.wait_for_function("document.getElementById('clock').currentTime > 0.3")

    def far_ahead(response: Response) -> bool:
        # Beyond what the paced download has reached, before the cues at the file's end.
        start = _content_range_start(response)
        return (
            "clock.webm" in response.url
            and response.status == 206
            and VIDEO_SIZE // 2 <= start < VIDEO_SIZE - 65536
        )

    with page.expect_response(far_ahead, timeout=20_000) as answer:
        video.evaluate("(v) => { v.currentTime = 10.5; }")
    start = _content_range_start(answer.value)
    page.wait_for_function("document.getElementById('clock').currentTime > 10.7")
    # The server reports the ranges it answered through the statistics stream. (The
    # browser's cache may have asked for less: the end of the file came with the cues.)
    page.wait_for_function(
        "(text) => [...document.querySelectorAll('#range-log li')]"
        ".some((item) => item.textContent.includes(text))",
        arg=f"/media/clock.webm: bytes {start}-",
    )


def _rows(page: Page) -> int:
    return int(page.evaluate("document.querySelectorAll('#feed-rows li').length"))


def test_feed_renders_rows_as_it_scrolls(page: Page) -> None:
    box = page.locator("#feed-box")
    box.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelectorAll('#feed-rows li').length >= 30")
    for _ in range(3):
        before = _rows(page)
        box.evaluate("(box) => { box.scrollTop = box.scrollHeight; }")
        page.wait_for_function(
            "(n) => document.querySelectorAll('#feed-rows li').length > n", arg=before
        )
    rows = _rows(page)
    numbers = page.eval_on_selector_all("#feed-rows li b", "(bs) => bs.map((b) => b.textContent)")
    assert numbers == [f"#{n}" for n in range(rows)]
    assert page.inner_text("#feed-count") == str(rows)
    # The server made at least what was read (the rest waits in buffers).
    page.wait_for_function(
        "(n) => Number(document.getElementById('feed-made').textContent) >= n", arg=rows
    )


def test_stats_panel_updates(page: Page) -> None:
    counter = "Number(document.getElementById('stat-updates').textContent)"
    page.wait_for_function(f"{counter} >= 1")
    first = page.evaluate(counter)
    page.wait_for_function(f"(n) => {counter} > n", arg=first)
    connections = int(page.inner_text("#stat-connections"))
    assert connections >= 1  # at least the statistics stream itself
    assert re.fullmatch(r"\d+", page.inner_text("#stat-active"))
    assert re.fullmatch(r"\d+", page.inner_text("#stat-waiting"))
    assert re.fullmatch(r"[\d.]+ (B|KiB|MiB|GiB)/s", page.inner_text("#stat-rate"))
    assert re.fullmatch(r"[\d.]+ (B|KiB|MiB|GiB)", page.inner_text("#stat-total"))


def test_upload_box_streams_a_file(page: Page, demo_url: str, tmp_path: Path) -> None:
    panel = page.locator("#upload")
    panel.wait_for(state="visible")  # shown because the server runs with --upload
    panel.scroll_into_view_if_needed()
    data = os.urandom(3 * 1024 * 1024)
    upload = tmp_path / "river notes.bin"
    upload.write_bytes(data)
    page.set_input_files("#upload-file", upload)
    page.wait_for_function(
        "document.getElementById('upload-state').textContent.startsWith('stored (HTTP 201)')"
    )
    assert page.evaluate("document.getElementById('upload-progress').value") == 1
    with urllib.request.urlopen(demo_url + "uploads/river%20notes.bin", timeout=10) as reply:
        assert reply.read() == data
