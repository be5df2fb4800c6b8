"""Brushing the parallel-coordinates chart in a real Chromium, with the Vega bundle the site
ships: dragging down one axis keeps exactly the trials whose line crosses that axis inside the
dragged range (counted from the chart's own data), fades the rest, and a double-click clears.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.analysis.chart_data import chart_set
from generator.config import AnalysisConfig
from generator.render.charts import chart_files, spec_json
from generator.render.charts.parallel import FADED, SHOWN
from generator.site.vendor import BUNDLE_NAME, bundle
from tests.browser import CHROMIUM, LOCAL_SCHEMES, launch
from tests.snapshot_compare import snapshot_of
from tests.studies import AWKWARD, sqlite_study

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is missing: run scripts/ensure-chromium.sh")

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><script src="{bundle}"></script><script src="spec.js"></script></head>
<body style="margin:0"><div id="chart"></div><script>
window.vegaEmbed("#chart", window.SPEC, {{renderer: "svg", actions: false}})
  .then(function (result) {{ window.VIEW = result.view; }});
</script></body></html>
"""

COUNT_LINES = """() => {
  // One line per trial (Vega-Lite draws each trial's line in a group of its own): its opacity.
  const counts = {};
  const walk = (node) => {
    if (node.marktype === "line") {
      if (node.items.length) counts[node.items[0].opacity] = (counts[node.items[0].opacity] || 0) + 1;
      return;
    }
    (node.items || []).forEach(walk);
  };
  walk(window.VIEW.scenegraph().root);
  return counts;
}"""

AT = """([slot, position]) => {
  // Page coordinates of a point of the plot (axes at x = slot, positions 0..1 upwards).
  const view = window.VIEW, origin = view.origin(), padding = view.padding();
  const box = view.container().querySelector("svg").getBoundingClientRect();
  return [box.left + padding.left + origin[0] + view.scale("x")(slot),
          box.top + padding.top + origin[1] + view.scale("y")(position)];
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()


@pytest.fixture(scope="module")
def page_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A page holding the parallel chart of a 20-trial study with a conditional branch."""
    folder = tmp_path_factory.mktemp("brush")
    url = sqlite_study(folder / "s.db", "c", *AWKWARD["conditional"])
    charts = chart_set(snapshot_of(url, "c", folder), AnalysisConfig())
    (parallel,) = [item for item in chart_files(charts) if item.stem == "parallel"]
    spec = json.loads(spec_json(parallel.chart))
    (folder / BUNDLE_NAME).write_text(bundle(), encoding="utf-8")
    (folder / "spec.js").write_text(f"window.SPEC = {json.dumps(spec)};\n", encoding="utf-8")
    (folder / "index.html").write_text(PAGE.format(bundle=BUNDLE_NAME), encoding="utf-8")
    return folder, spec


def trials(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per drawn trial (``number``, ``p0``, ``p1``, ...), from the spec's own data."""
    return [row for rows in spec["datasets"].values() for row in rows if "p0" in row]


def expected_inside(spec: dict[str, Any], slots: range, low: float, high: float) -> int:
    """Trials whose position on every one of ``slots`` lies within [low, high]."""
    rows = trials(spec)
    # The drag lands on whole pixels: no position may sit near an end of the range.
    assert all(abs(row[f"p{i}"] - edge) > 0.02 for row in rows for i in slots for edge in (low, high))
    return sum(all(low <= row[f"p{i}"] <= high for i in slots) for row in rows)


@pytest.mark.parametrize(
    ("slot", "low", "high", "drift", "upward"),
    [
        (0, 0.45, 1.05, 0, False),  # the objective axis, straight down: a brush of no width
        (3, 0.2, 0.5, 0, True),  # an ordinal's middle level, dragged upwards
        (2, -0.2, 0.3, 4, False),  # a conditional parameter's "absent" and low end, a hand's drift
        (4, 0.5, 0.8, -3, True),
        (2, 0.1, 0.8, "next", False),  # dragged across to the next axis: a trial must pass both
    ],
)
def test_dragging_along_an_axis_keeps_the_trials_crossing_it_there(
    browser: Any,
    page_dir: tuple[Path, dict[str, Any]],
    slot: int,
    low: float,
    high: float,
    drift: int | str,
    upward: bool,
) -> None:
    folder, spec = page_dir
    total = len(trials(spec))
    inside = expected_inside(spec, range(slot, slot + (2 if drift == "next" else 1)), low, high)
    assert 0 < inside < total  # the drag must change something, and not everything
    if drift == "next":  # the second axis must matter
        assert inside < expected_inside(spec, range(slot, slot + 1), low, high)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    outside: list[str] = []
    errors: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto((folder / "index.html").as_uri())
        page.wait_for_function("window.VIEW !== undefined", timeout=60_000)
        before = page.evaluate(COUNT_LINES)
        assert sum(before.values()) == total and str(FADED) not in {str(k) for k in before}

        x, top = page.evaluate(AT, [slot, high])
        _, bottom = page.evaluate(AT, [slot, low])
        if drift == "next":
            drift = page.evaluate(AT, [slot + 1, high])[0] - x
        assert isinstance(drift, int | float)
        start, end = (bottom, top) if upward else (top, bottom)
        page.mouse.move(x, start)
        page.mouse.down()
        page.mouse.move(x + drift / 2, (start + end) / 2, steps=5)
        page.mouse.move(x + drift, end, steps=5)
        page.mouse.up()
        page.wait_for_function(f"Object.keys(({COUNT_LINES})()).length > 0 && ({COUNT_LINES})()['{FADED}'] > 0")
        after = page.evaluate(COUNT_LINES)
        assert after == {str(SHOWN): inside, str(FADED): total - inside}

        page.mouse.dblclick(x + 40, (top + bottom) / 2)  # clears the brush: every line as before
        page.wait_for_function(f"({COUNT_LINES})()['{FADED}'] === undefined")
        assert page.evaluate(COUNT_LINES) == before
    finally:
        context.close()
    assert outside == [] and errors == []
