"""The built tiny book in headless Chromium: no console errors, images load, links resolve.

The book is served from a local thread-based HTTP server on 127.0.0.1.  Chromium is
Debian's ``/usr/bin/chromium``, driven by Playwright; ``make venv`` installs it.
Screenshots of the checked pages are written to ``<build>/tiny/screenshots/``.
"""

from __future__ import annotations

import functools
import http.server
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Page name -> (path to open, path of the page shown).  The index redirects to the
# introduction; the chapter is the first notebook page.
PAGES = {
    "index": ("index.html", "book/intro.html"),
    "chapter": ("notebooks/01_monte_carlo.html", "notebooks/01_monte_carlo.html"),
}
# Milliseconds to wait for a page; generous because the 2-core CI machine may be busy.
TIMEOUT_MS = 60_000

pytestmark = pytest.mark.slow


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def book_url(tiny_book):
    handler = functools.partial(QuietHandler, directory=str(tiny_book.layout.html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} not found: run `make venv`, which installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def visited(browser, book_url, tiny_book):
    """Open each page once and record its console errors, images, links and screenshot."""
    screenshots = tiny_book.layout.profile_build_dir / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    records = {}
    for name, (path, shown) in PAGES.items():
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(TIMEOUT_MS)
        errors = record_errors(page)

        page.goto(book_url + path, wait_until="load")
        page.wait_for_url(book_url + shown)
        page.wait_for_load_state("networkidle")
        # Lazy images below the fold load only when scrolled to, so load them all now.
        page.evaluate("() => document.querySelectorAll('img').forEach(img => { img.loading = 'eager'; })")
        page.wait_for_function("() => Array.from(document.images).every(img => img.complete)")
        page.wait_for_load_state("networkidle")
        page.evaluate("async () => { if (window.MathJax?.startup?.promise) await MathJax.startup.promise; }")

        records[name] = {
            "url": page.url,
            "errors": errors,
            "images": page.eval_on_selector_all(
                "img", "images => images.map(img => [img.currentSrc || img.src, img.naturalWidth])"
            ),
            "links": page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)"),
            "anchors": page.eval_on_selector_all("[id]", "elements => elements.map(element => element.id)"),
            "math": page.locator("mjx-container").count(),
            # Output blocks: their CSS white-space, and the start of those wider than the page.
            "output_white_space": page.eval_on_selector_all(
                "div.cell_output pre", "blocks => blocks.map(block => getComputedStyle(block).whiteSpace)"
            ),
            "overflowing_outputs": page.eval_on_selector_all(
                "div.cell_output pre",
                "blocks => blocks.filter(block => block.scrollWidth > block.clientWidth + 1)"
                ".map(block => block.textContent.slice(0, 80))",
            ),
        }
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
        page.close()
    return records


def record_errors(page) -> list[str]:
    """Collect the page's console errors, uncaught exceptions and failed requests."""
    errors = []

    def on_console(message):
        if message.type == "error":
            # A failed request of the browser itself (such as /favicon.ico) reaches only
            # the console, with its URL in the message's location.
            errors.append(f"{message.text} ({message.location.get('url', 'unknown URL')})")

    def on_response(response):
        if response.status >= 400:
            errors.append(f"HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda request: errors.append(f"request failed: {request.url}"))
    page.on("response", on_response)
    return errors


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_console_errors(visited, name):
    assert visited[name]["errors"] == [], f"{name}: {visited[name]['errors']}"


def test_index_redirects_to_introduction(visited):
    assert visited["index"]["url"].endswith("book/intro.html")


def test_introduction_math_renders_offline(visited):
    assert visited["index"]["math"] > 0, "MathJax typeset no equation on the introduction"


def test_chapter_shows_images(visited):
    assert visited["chapter"]["images"], "the first chapter shows no image; its figures did not reach the book"


@pytest.mark.parametrize("name", PAGES)
def test_images_load(visited, name):
    broken = [source for source, width in visited[name]["images"] if width == 0]
    assert not broken, f"{name}: images that did not load: {broken}"


@pytest.mark.parametrize("name", PAGES)
def test_internal_links_resolve(visited, book_url, name):
    targets = {urllib.parse.urldefrag(link).url for link in visited[name]["links"] if link.startswith(book_url)}
    assert targets, f"{name}: no internal links found"
    broken = sorted(url for url in targets if status_of(url) != 200)
    assert not broken, f"{name}: internal links without HTTP 200: {broken}"


@pytest.mark.parametrize("name", PAGES)
def test_same_page_anchors_exist(visited, name):
    page_url = urllib.parse.urldefrag(visited[name]["url"]).url
    anchors = set(visited[name]["anchors"])
    missing = []
    for link in visited[name]["links"]:
        url, fragment = urllib.parse.urldefrag(link)
        if url == page_url and fragment and urllib.parse.unquote(fragment) not in anchors:
            missing.append(fragment)
    assert not missing, f"{name}: links to anchors that are not on the page: {missing}"


def test_chapter_outputs_wrap_instead_of_overflowing(visited):
    white_space = visited["chapter"]["output_white_space"]
    assert white_space, "the first chapter shows no text output to check"
    assert set(white_space) == {"pre-wrap"}, f"output blocks not wrapped by book/_static/wrap-output.css: {white_space}"
    assert visited["chapter"]["overflowing_outputs"] == []


def test_favicon_is_served_at_the_root(book_url):
    # The redirecting index.html has no icon link, so browsers may request /favicon.ico.
    assert status_of(book_url + "favicon.ico") == 200


def test_screenshots_saved(visited, tiny_book):
    for name in PAGES:
        assert (tiny_book.layout.profile_build_dir / "screenshots" / f"{name}.png").stat().st_size > 0
