"""Headless Chromium for the page tests: Debian's browser (scripts/ensure-chromium.sh, run by
``make test``) driven by Playwright's Python package; Playwright's own download does not work here.

``visit`` opens a page the way a reader would (scrolling every chart into view, since charts
draw as they near the screen) and records console errors, requests that would leave the machine
(blocked) and local requests that failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

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

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is missing: run scripts/ensure-chromium.sh")


def launch() -> Iterator[Any]:
    """A Chromium for a module's tests (use as a generator fixture)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


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
    scroll_width: int = 0
    client_width: int = 0
    """The document's, once every chart is drawn: a page wider than the window scrolls sideways."""
    height: int = 0
    """The document's height with every chart drawn and every fold (``<details>``) closed."""
    extra: Any = None
    """What the ``inspect`` callback returned."""


def visit(
    browser: Any,
    url: str,
    local_origin: str | None = None,
    viewport: tuple[int, int] = (1400, 900),
    inspect: Callable[[Any], Any] | None = None,
) -> Visit:
    """Open one page, bring every chart into view and wait for it, and record what went wrong.

    ``inspect(page)`` runs first, on the page as loaded (nothing scrolled, no chart forced).
    """
    result = Visit(url)
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})

    def is_local(request_url: str) -> bool:
        return request_url.startswith(LOCAL_SCHEMES) or (
            local_origin is not None and request_url.startswith(local_origin)
        )

    def guard(route: Any) -> None:
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
    if inspect is not None:
        result.extra = inspect(page)
    result.charts = page.locator("figure.vega-chart").count()
    # Charts draw as they near the screen: bring each into view, as a reader scrolling would
    # (opening the fold around it first).
    for figure in page.locator("figure.vega-chart").all():
        figure.evaluate(OPEN_FOLDS_AROUND)
        figure.scroll_into_view_if_needed()
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
    result.scroll_width, result.client_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    page.evaluate("() => document.querySelectorAll('main details').forEach(d => { d.open = false; })")
    result.height = page.evaluate("() => document.documentElement.scrollHeight")
    context.close()
    return result


OPEN_FOLDS_AROUND = (
    "f => { for (let d = f.closest('details'); d; d = d.parentElement.closest('details')) d.open = true; }"
)


def assert_clean(visits: list[Visit]) -> None:
    for v in visits:
        assert v.errors == [], v
        assert v.outside == [], v
        assert v.failed == [], v
        assert v.drawn == v.charts, v
