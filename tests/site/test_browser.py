"""The built site in a real headless Chromium: every chart draws, no console error, no
request leaves the machine; from file://, and over HTTP under a sub-path (like GitHub Pages).

The page's own structure (answer first, folds, phones, the table of contents, a 20,000-trial
study) is tested in test_page_browser.py.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import assert_clean, launch, needs_chromium, visit
from tests.conftest import REPO
from tests.site_checks import check_links
from tests.site_fixtures import BuiltSite, build_example_site, run

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from launch()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return build_example_site(tmp_path_factory.mktemp("browser-site"))


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
    (tmp_path / "bad.js").write_text(
        "window.hpoReportCharts = window.hpoReportCharts || {};\n"
        'window.hpoReportCharts["bad"] = {"mark": "no-such-mark", "data": {"values": []}};\n'
    )
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><body>"
        '<figure class="vega-chart" data-chart="bad" data-script="bad.js"><div class="vega-target"></div>'
        "</figure>"
        '<img src="https://cdn.example.com/x.png">'
        f'<script src="{assets}/vega-bundle.js"></script><script src="{assets}/charts.js"></script>'
        "</body></html>"
    )
    result = visit(browser, page.as_uri())
    assert result.charts == 1 and result.drawn == 0
    assert any("could not be drawn" in e for e in result.errors)
    assert result.outside == ["https://cdn.example.com/x.png"]
