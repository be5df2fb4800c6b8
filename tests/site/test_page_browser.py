"""The version page as a reader meets it, in headless Chromium, on the bundled example study and
on a 20,000-trial study: the answer on the first screen, detail folded, nothing wider than a
phone, a table of contents that reaches every heading, light pages whose charts load as they
come into view, and tooltips that name the trial's parameters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import assert_clean, launch, needs_chromium, visit
from tests.conftest import REPO
from tests.large_study import cached_study
from tests.render.test_charts import makefile_variable
from tests.site_checks import check_links, parse
from tests.site_fixtures import run

DESKTOP = (1400, 900)
PHONE = (390, 844)
FOLDED_HEIGHT_LIMIT = 10_000
"""Issue 13: the example's version page with every fold closed, charts drawn, at 1400x900."""
LARGE_TRIALS = 20_000
PAGE_BYTES_LIMIT = 1_000_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's `make report`: the bundled example study's output folder."""
    out = tmp_path_factory.mktemp("example") / "out"
    run(str(REPO / makefile_variable("EXAMPLE_STORAGE")), makefile_variable("EXAMPLE_STUDY"), out)
    return out


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("large")
    run(str(cached_study(folder, LARGE_TRIALS)), "large", folder / "out")
    return folder / "out"


def version_page(out: Path) -> Path:
    (page,) = sorted((out / "site" / "report").glob("*/0*/index.html"))
    return page


FIRST_SCREEN = """() => {
    const glance = document.getElementById('at-a-glance');
    if (!glance) return null;
    const box = glance.getBoundingClientRect();
    const commands = Array.from(glance.querySelectorAll('pre'));
    const command = commands.length ? commands[commands.length - 1] : null;
    const step = command && command.getBoundingClientRect();
    const table = document.querySelector('main table');
    return {top: box.top, bottom: box.bottom, step: step && [step.top, step.bottom],
            command: command && command.textContent,
            table: table && table.getBoundingClientRect().top, height: window.innerHeight};
}"""


@needs_chromium
@pytest.mark.parametrize("study", ["example", "large"])
def test_the_answer_and_the_next_step_fit_the_first_screen(browser, study: str, request) -> None:
    out = request.getfixturevalue(study)
    result = visit(
        browser, version_page(out).as_uri(), viewport=DESKTOP, inspect=lambda page: page.evaluate(FIRST_SCREEN)
    )
    screen = result.extra
    assert screen is not None, "no element with id at-a-glance"
    assert 0 <= screen["top"] < screen["bottom"] <= DESKTOP[1], screen
    assert screen["step"] is not None, "the at-a-glance block shows no next-step command"
    # train-sweep when the trainer ran the study, else the line for the user's own Optuna objective
    assert "train-sweep --config report/" in screen["command"] or 'load_sweep_config("report/' in screen["command"]
    assert screen["top"] <= screen["step"][0] < screen["step"][1] <= screen["bottom"], screen
    assert screen["table"] is None or screen["table"] >= screen["bottom"], "a table comes before the answer"
    assert_clean([result])


@needs_chromium
def test_the_folded_example_page_is_short_and_draws_everything(browser, example: Path) -> None:
    result = visit(browser, version_page(example).as_uri(), viewport=DESKTOP)
    assert_clean([result])
    assert result.charts >= 20  # the example draws about 30 charts, each in its section
    assert result.height < FOLDED_HEIGHT_LIMIT, result.height
    # The page can fold: the per-level tables, the YAML files and the reasons are in folds.
    html = version_page(example).read_text(encoding="utf-8")
    assert html.count("<details") >= 5


@needs_chromium
@pytest.mark.parametrize("study", ["example", "large"])
def test_no_page_scrolls_sideways_on_a_phone_and_every_chart_draws(browser, study: str, request) -> None:
    out = request.getfixturevalue(study)
    pages = sorted((out / "site").rglob("*.html"))
    assert len(pages) >= 3
    visits = [visit(browser, page.as_uri(), viewport=PHONE) for page in pages]
    assert_clean(visits)
    for v in visits:
        assert v.scroll_width <= v.client_width == PHONE[0], v
    assert sum(v.charts for v in visits) >= 20


@needs_chromium
def test_charts_load_only_as_they_come_into_view(browser, example: Path) -> None:
    loaded = "() => document.querySelectorAll('head script[src*=\"charts/\"]').length"

    def as_scrolled(page: Any) -> tuple[int, int, int]:
        page.wait_for_timeout(1_500)
        at_first = page.evaluate(loaded)
        first = page.locator("figure.vega-chart").first
        first.scroll_into_view_if_needed()
        page.wait_for_function("f => f.hasAttribute('data-rendered')", arg=first.element_handle())
        total = page.locator("figure.vega-chart").count()
        return at_first, page.evaluate(loaded), total

    result = visit(browser, version_page(example).as_uri(), viewport=DESKTOP, inspect=as_scrolled)
    at_first, after_scrolling, total = result.extra
    # Only what is near the screen loads: scrolling to the first chart loads it and its
    # neighbours, not the page's last charts.
    assert at_first < after_scrolling < total, result.extra
    assert_clean([result])
    assert result.drawn == total


def test_the_large_page_is_light_and_holds_no_chart_data(large: Path) -> None:
    page = version_page(large)
    assert page.stat().st_size < PAGE_BYTES_LIMIT, page.stat().st_size
    html = page.read_text(encoding="utf-8")
    assert '"$schema"' not in html and '"values":' not in html  # specs and their data live in the chart scripts
    assert len(parse(page).charts) >= 10


@needs_chromium
def test_the_large_page_draws_every_chart(browser, large: Path) -> None:
    result = visit(browser, version_page(large).as_uri(), viewport=DESKTOP)
    assert_clean([result])
    assert result.charts >= 10


def test_every_heading_has_an_id_that_the_table_of_contents_links_to(example: Path) -> None:
    assert check_links(example / "site") == []
    html = version_page(example).read_text(encoding="utf-8")
    main = html[html.index("<main>") : html.index("</main>")]
    headings = re.findall(r"<h([1-6])([^>]*)>", main)
    assert len(headings) > 20
    assert all(re.fullmatch(r' (?:class="title" )?id="[^"]+"', attributes) for _, attributes in headings), headings
    ids = re.findall(r'<h[1-6][^>]* id="([^"]+)"', main)
    assert len(ids) == len(set(ids))
    toc = html[
        html.index('<nav aria-label="Contents">') : html.index("</nav>", html.index('<nav aria-label="Contents">'))
    ]
    assert re.findall(r'href="#([^"]+)"', toc) == [i for i in ids if i != "page-title"]


def test_findings_md_opens_with_the_same_at_a_glance_block(example: Path) -> None:
    (findings,) = (example / "report").glob("*/0*/findings.md")
    text = findings.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# ") and lines[2] == "## At a glance"
    glance = text[text.index("## At a glance") : text.index("\n## ", text.index("## At a glance"))]
    assert "|" not in glance.replace("\\|", "")  # no table before the answer
    html = version_page(example).read_text(encoding="utf-8")
    assert "train-sweep --config" in glance and "train-sweep --config" in html


@needs_chromium
def test_a_chart_tooltip_names_the_trials_parameters(browser, example: Path) -> None:
    """Pointing at a trial in the optimization history shows its number, value and parameters
    (read from the version's trials-data.js), as the trial explorer lists them."""

    def hover(page: Any) -> dict[str, str]:
        figure = page.locator("#chart-history")
        figure.scroll_into_view_if_needed()
        page.wait_for_function("() => document.querySelector('#chart-history[data-rendered]') !== null")
        page.wait_for_function("() => window.hpoReportTrials !== undefined")
        points = figure.locator("g.mark-symbol path")
        assert points.count() >= 10
        points.nth(0).hover(force=True)
        page.wait_for_function(
            "() => { const t = document.querySelector('.chart-tooltip'); return t && t.style.display === 'block'; }"
        )
        return page.evaluate(
            "() => Object.fromEntries(Array.from(document.querySelectorAll('.chart-tooltip tr'))"
            ".map(tr => [tr.cells[0].textContent, tr.cells[1].textContent]))"
        )

    result = visit(browser, version_page(example).as_uri(), viewport=DESKTOP, inspect=hover)
    assert_clean([result])
    shown = result.extra
    (trials_csv,) = (example / "report").glob("*/0*/artifacts/trials.csv")
    import csv

    rows = {row["number"]: row for row in csv.DictReader(trials_csv.open(encoding="utf-8"))}
    number = next(value for key, value in shown.items() if key.lower().startswith("trial"))
    row = rows[number.lstrip("#")]
    params = {k.removeprefix("param_"): v for k, v in row.items() if k.startswith("param_") and v != ""}
    assert params and {k: shown.get(k) for k in params} == {k: str(v) for k, v in params.items()}
