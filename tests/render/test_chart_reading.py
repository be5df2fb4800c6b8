"""What a reader needs from the charts beside the report's text (issue 13): panel titles in the
tables' words and why the two importance panels can disagree, base-2 log axes for power-of-two
ordinals, a brushable parallel-coordinates chart that draws exactly as a static one while
nothing is brushed, and every per-trial mark carrying its trial ``number`` (the page's
tooltips look the trial's parameters up by it)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import vl_convert as vlc
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema import core

from generator.analysis.chart_data import chart_set
from generator.analysis.chart_data.importance import importance_data
from generator.cli import main
from generator.config import AnalysisConfig
from generator.model.charts import Sampling, SliceData, SlicePoint
from generator.model.findings import Importance
from generator.render.charts import chart_files, spec_json
from generator.render.charts.importance import importance_chart
from generator.render.charts.parallel import AXES, BRUSH, RANGE
from generator.render.charts.slice import slice_chart
from tests.snapshot_compare import snapshot_of
from tests.studies import AWKWARD, sqlite_study

VEGA_LITE = core.load_schema()
BASE = "Bars: importance; lines: 95% intervals."

IMPORTANCE = (
    Importance("lr", "fanova", 0.6, 0.5, 0.7),
    Importance("depth", "fanova", 0.4, 0.3, 0.5),
    Importance("depth", "elite_mutual_info", 0.7, 0.6, 0.8),
    Importance("lr", "elite_mutual_info", 0.2, 0.1, 0.3),
)


def spec_of(chart: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(spec_json(chart))
    validate_jsonschema(document, VEGA_LITE, rootschema=VEGA_LITE)
    return document


# --- importance: the table's words -----------------------------------------------------------------


@pytest.mark.parametrize(("quantile", "shown"), [(0.25, "25"), (0.125, "12.5"), (0.1, "10"), (1 / 3, "33.3")])
def test_importance_panels_are_titled_and_explained_in_the_tables_words(quantile: float, shown: str) -> None:
    chart = spec_of(importance_chart(importance_data(IMPORTANCE), quantile))
    assert [panel["title"]["text"] for panel in chart["hconcat"]] == ["Importance", f"Top {shown}%"]
    assert chart["title"]["subtitle"] == [
        BASE,
        "The panels can disagree: Importance is the share of the objective's variance that a parameter's",
        f"average effect carries over all trials; Top {shown}% is how well it tells the best {shown}% of trials"
        " apart from the rest.",
    ]


def test_one_importance_panel_has_nothing_to_disagree_with() -> None:
    chart = spec_of(importance_chart(importance_data(IMPORTANCE[:2]), 0.25))
    assert [panel["title"]["text"] for panel in chart["hconcat"]] == ["Importance"]
    assert chart["title"]["subtitle"] == [BASE]


def test_report_table_and_chart_use_the_same_column_words(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "c.db", "c", *AWKWARD["conditional"])
    out = tmp_path / "out"
    assert main(["--storage", url, "--study", "c", "--out", str(out), "--quiet", "--elite-quantile", "0.3"]) == 0
    (version,) = (p for p in (out / "report").glob("*/*") if p.is_dir())
    header = next(line for line in (version / "findings.md").read_text().splitlines() if line.startswith("| Rank |"))
    columns = re.findall(r"\| (Importance|Top [\d.]+%) \[95% CI\]", header)
    assert columns == ["Importance", "Top 30%"]
    chart = json.loads((version / "artifacts" / "charts" / "importance.vl.json").read_text())
    assert [panel["title"]["text"] for panel in chart["hconcat"]] == columns
    assert any("Top 30% is how well" in line for line in chart["title"]["subtitle"])


# --- base-2 log axes ---------------------------------------------------------------------------------


def _slice(low: float, high: float, ticks: tuple[float, ...], log: bool = False) -> SliceData:
    points = tuple(SlicePoint(i, x, 0.1 * i, i == 0) for i, x in enumerate((low, high)))
    return SliceData("p", "ordinal", log, low, high, None, 2, 2, "maximize", points, Sampling("all", 2, 2, 100), ticks)


def test_a_power_of_two_ordinal_slice_has_a_base_2_axis_with_a_tick_per_choice() -> None:
    chart = spec_of(slice_chart(_slice(16.0, 128.0, (16.0, 32.0, 128.0)), 0.25))
    for layer in chart["layer"]:
        x = layer["encoding"]["x"]
        assert x["scale"] == {
            "type": "log",
            "base": 2,
            "domain": [16.0, 128.0],
            "zero": False,
            "nice": False,
            "padding": 12,
        }
        assert x["axis"]["values"] == [16.0, 32.0, 128.0]
    assert "Base-2 log axis" in " ".join(chart["title"]["subtitle"])
    # Drawn: the axis labels are the choices (vl-convert's SVG text).
    svg = vlc.vegalite_to_svg(chart)
    assert {"16", "32", "128"} <= set(re.findall(r">(\d+)</text>", svg))


def test_other_ordinals_keep_their_linear_or_log10_axis() -> None:
    linear = spec_of(slice_chart(_slice(10.0, 50.0, ()), 0.25))
    x = linear["layer"][0]["encoding"]["x"]
    assert x["scale"]["type"] == "linear" and "base" not in x["scale"] and "axis" not in x
    logged = spec_of(slice_chart(_slice(1e-4, 1e-1, (), log=True), 0.25))
    x = logged["layer"][0]["encoding"]["x"]
    assert x["scale"]["type"] == "log" and "base" not in x["scale"]
    assert "Base-2" not in " ".join(logged["title"]["subtitle"])


def test_the_seed_shaped_batch_size_slice_is_drawn_on_log2(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", "s", *AWKWARD["conditional"])
    charts = chart_set(snapshot_of(url, "s", tmp_path), AnalysisConfig())
    (batch,) = [s for s in charts.slices if s.param == "batch_size"]
    assert batch.log2_ticks == (8.0, 16.0, 32.0, 64.0)
    stems = {item.stem: json.loads(spec_json(item.chart)) for item in chart_files(charts)}
    x = stems["slice_batch_size"]["layer"][0]["encoding"]["x"]
    assert (x["scale"]["type"], x["scale"]["base"], x["axis"]["values"]) == ("log", 2, [8.0, 16.0, 32.0, 64.0])
    # Levels charts stay one band per level (a box per level, not a numeric axis).
    assert stems["levels_batch_size"]["layer"][0]["encoding"]["x"]["type"] == "nominal"


# --- parallel coordinates: the brush -------------------------------------------------------------------


Built = tuple[dict[str, dict[str, Any]], set[int]]


@pytest.fixture(scope="module")
def charts_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Built]:
    """Chart specs of an awkward study by stem, and the study's trial numbers."""
    cache: dict[str, Built] = {}

    def build(name: str) -> Built:
        if name not in cache:
            folder = tmp_path_factory.mktemp(name)
            url = sqlite_study(folder / "s.db", name, *AWKWARD[name])
            snapshot = snapshot_of(url, name, folder)
            charts = chart_set(snapshot, AnalysisConfig())
            specs = {item.stem: json.loads(spec_json(item.chart)) for item in chart_files(charts)}
            cache[name] = (specs, {int(n) for n in snapshot.trials["number"]})
        return cache[name]

    return build


def static_twin(spec: dict[str, Any]) -> dict[str, Any]:
    """The parallel chart without its brush: no params, no brushed-range layer, plain opacities."""
    twin = copy.deepcopy(spec)
    del twin["params"]
    twin["layer"] = [
        layer for layer in twin["layer"] if not any(RANGE in t.get("filter", "") for t in layer.get("transform", []))
    ]
    assert len(twin["layer"]) == len(spec["layer"]) - 1
    for layer in twin["layer"]:
        layer.pop("name", None)
        opacity = layer["encoding"].pop("opacity", None)
        if opacity is not None:
            layer["mark"]["opacity"] = opacity["value"]
            layer["transform"] = [t for t in layer["transform"] if t.get("as") != "shade"]
    return twin


@pytest.mark.parametrize("name", ["conditional", "simple", "hostile_params"])
def test_parallel_brush_draws_nothing_until_used(name: str, charts_of: Callable[[str], Built]) -> None:
    spec = charts_of(name)[0]["parallel"]
    validate_jsonschema(spec, VEGA_LITE, rootschema=VEGA_LITE)
    params = {p["name"]: p for p in spec["params"]}
    assert params[BRUSH]["select"]["type"] == "interval"
    assert params[BRUSH]["select"]["encodings"] == ["x", "y"]
    assert params[BRUSH]["select"]["zoom"] is False  # the page scrolls over the chart
    assert set(params) == {BRUSH, RANGE, AXES}
    lines = [layer for layer in spec["layer"] if layer["mark"]["type"] == "line"]
    assert lines and all(layer["transform"][0]["as"] == "shade" for layer in lines)
    # Unbrushed, vl-convert draws exactly what the chart without the brush draws.
    assert vlc.vegalite_to_png(spec) == vlc.vegalite_to_png(static_twin(spec))
    svg = vlc.vegalite_to_svg(spec)
    assert "brush_brush" in svg


def test_parallel_axes_sit_at_slots_named_in_data(charts_of: Callable[[str], Built]) -> None:
    spec = charts_of("conditional")[0]["parallel"]
    rules = spec["datasets"][spec["layer"][0]["data"]["name"]]
    assert [r["slot"] for r in rules] == list(range(len(rules)))
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"] == [-0.5, len(rules) - 0.5]


# --- every per-trial mark keeps its trial number ---------------------------------------------------------

PER_TRIAL = {
    # stem: the mark types whose data rows are trials (one row or one line per trial)
    "history": {"point"},
    "slice_depth": {"point"},
    "levels_batch_size": {"point"},
    "parallel": {"line"},
    "timeline": {"rule", "tick"},
    "ecdf": {"line"},
    "contour_batch_size_vs_depth": {"point"},
    "learning_curves": {"line", "point"},
    "pareto": {"point"},
}


def unit_layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    if "mark" in spec:
        return [spec]
    found = []
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for child in spec.get(key, []):
            found += (
                unit_layers(child) if any(k in child for k in ("layer", "hconcat", "vconcat", "concat")) else [child]
            )
    return found


def rows(spec: dict[str, Any], layer: dict[str, Any]) -> list[dict[str, Any]]:
    data = layer.get("data") or spec.get("data")
    return spec["datasets"][data["name"]] if data else []


@pytest.mark.parametrize("name", ["conditional", "pruned_only", "multi_objective", "with_running"])
def test_every_per_trial_mark_keeps_its_trial_number(name: str, charts_of: Callable[[str], Built]) -> None:
    specs, numbers = charts_of(name)
    checked = set()
    for stem, marks in PER_TRIAL.items():
        for layer in unit_layers(specs.get(stem, {})):
            mark = layer["mark"]["type"]
            if mark not in marks:
                continue
            data = rows(specs[stem], layer)
            assert data, (stem, mark)
            # An int naming one of the study's trials, on every row; the tooltip shows it first.
            assert all(type(row["number"]) is int and row["number"] in numbers for row in data), (stem, mark)
            assert layer["encoding"]["tooltip"][0]["field"] == "number", (stem, mark)
            checked.add(stem)
    expected = {stem for stem in PER_TRIAL if stem in specs}
    assert checked == expected and expected, (name, sorted(specs))
