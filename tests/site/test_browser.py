"""The built site in a real headless Chromium: every chart draws, no console error, no
request leaves the machine; from file://, and over HTTP under a sub-path (like GitHub Pages).

Debian's Chromium (``scripts/ensure-chromium.sh``, run by ``make test``) driven by
Playwright's Python package; Playwright's own browser download does not work here.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.site_checks import check_links
from tests.site_fixtures import BuiltSite, build_example_site, run

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
CHART_TIMEOUT_MS = 60_000
"""Generous: the machines running the suite are shared and slow; charts draw in well under 1 s."""

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is missing: run scripts/ensure-chromium.sh")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return build_example_site(tmp_path_factory.mktemp("browser-site"))


@dataclass
class Visit:
    url: str
    charts: int = 0
    drawn: int = 0
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    """Requests that would have left the machine (blocked)."""
    failed: list[str] = field(default_factory=list)
    """Local requests answered with an error or not answered."""


def visit(browser, url: str, local_origin: str | None = None) -> Visit:
    """Open one page, wait for every chart, and record what went wrong."""
    result = Visit(url)
    context = browser.new_context()

    def is_local(request_url: str) -> bool:
        return request_url.startswith(LOCAL_SCHEMES) or (
            local_origin is not None and request_url.startswith(local_origin)
        )

    def guard(route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            if route.request.url not in result.outside:
                result.outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("console", lambda m: result.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: result.errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: result.failed.append(r.url) if is_local(r.url) else None)
    page.on("response", lambda r: result.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    # Requests the route cannot see (none expected) still show up here.
    page.on("request", lambda r: None if is_local(r.url) or r.url in result.outside else result.outside.append(r.url))
    page.goto(url, wait_until="load")
    result.charts = page.locator("figure.vega-chart").count()
    if result.charts:
        page.wait_for_function(
            "n => document.querySelectorAll('figure.vega-chart[data-rendered]').length === n",
            arg=result.charts,
            timeout=CHART_TIMEOUT_MS,
        )
        # A chart counts as drawn when its SVG holds marks, not merely an empty <svg>.
        result.drawn = page.evaluate(
            "() => Array.from(document.querySelectorAll('figure.vega-chart .vega-target svg'))"
            ".filter(svg => svg.querySelectorAll('path, rect, circle, line, text').length > 3).length"
        )
    context.close()
    return result


def assert_clean(visits: list[Visit]) -> None:
    for v in visits:
        assert v.errors == [], v
        assert v.outside == [], v
        assert v.failed == [], v
        assert v.drawn == v.charts, v


def test_every_page_draws_its_charts_offline_from_file(browser, built: BuiltSite) -> None:
    assert check_links(built.site) == []
    visits = [visit(browser, page.as_uri()) for page in sorted(built.site.rglob("*.html"))]
    assert_clean(visits)
    # Study pages draw the best-value chart; the latest version of "s" and the hostile study
    # draw the three hand-made charts each; the three trial explorers (trials.html) draw none.
    assert sorted(v.charts for v in visits) == [0, 0, 0, 0, 0, 1, 1, 3, 3]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(built: BuiltSite) -> Iterator[str]:
    """The output folder over HTTP, so the site lives under the sub-path /site/."""
    handler = functools.partial(_QuietHandler, directory=str(built.out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_site_works_over_http_under_a_sub_path(browser, built: BuiltSite, served: str) -> None:
    urls = [f"{served}/site/{p.relative_to(built.site).as_posix()}" for p in sorted(built.site.rglob("*.html"))]
    visits = [visit(browser, url, local_origin=served + "/") for url in urls]
    assert_clean(visits)
    assert sum(v.charts for v in visits) == 8


def test_the_example_study_report_draws_from_disk(browser, tmp_path: Path) -> None:
    """The README's `make report`: the bundled example study, opened from site/index.html."""
    out = tmp_path / "out"
    from tests.render.test_charts import makefile_variable

    run(str(REPO / makefile_variable("EXAMPLE_STORAGE")), makefile_variable("EXAMPLE_STUDY"), out)
    assert check_links(out / "site") == []
    home = visit(browser, (out / "site" / "index.html").as_uri())
    assert_clean([home])
    visits = [visit(browser, p.as_uri()) for p in sorted((out / "site" / "report").rglob("index.html"))]
    assert_clean(visits)
    assert sum(v.charts for v in visits) >= 1


def test_the_checks_catch_a_broken_chart_and_an_outside_request(browser, built: BuiltSite, tmp_path: Path) -> None:
    """The browser checks above can fail: a bad spec and a CDN image are both caught."""
    assets = (built.site / "report" / "assets").as_uri()
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><body>"
        '<figure class="vega-chart"><div class="vega-target"></div>'
        '<script type="application/json" class="vega-spec">{"mark": "no-such-mark", "data": {"values": []}}</script>'
        "</figure>"
        '<img src="https://cdn.example.com/x.png">'
        f'<script src="{assets}/vega-bundle.js"></script><script src="{assets}/charts.js"></script>'
        "</body></html>"
    )
    result = visit(browser, page.as_uri())
    assert result.charts == 1 and result.drawn == 0
    assert any("chart failed" in e for e in result.errors)
    assert result.outside == ["https://cdn.example.com/x.png"]
