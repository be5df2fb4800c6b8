"""Chart specs one chart at a time on awkward studies, the contour CSVs against an independent
recomputation from the snapshot, determinism, hostile names, huge studies and image export."""

from __future__ import annotations

import hashlib
import json
import math
import re
import struct
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
import numpy as np
import pandas as pd
import pytest
import scipy.stats
import vl_convert as vlc
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema import core

from generator.analysis.chart_data import chart_set
from generator.analysis.chart_data.importance import importance_data
from generator.cli import main
from generator.config import AnalysisConfig
from generator.model.findings import Importance
from generator.render.charts import chart_files, spec_json
from generator.render.charts.importance import importance_chart
from generator.snapshot import content_hash, load_snapshot, write_snapshot
from tests.conftest import REPO, SHARED_STUDIES
from tests.snapshot_compare import snapshot_of
from tests.studies import AWKWARD, HOSTILE_PARAMS, huge_record, interacting, sqlite_study

Spec = Callable[[str, str], dict[str, Any]]
VEGA_LITE = core.load_schema()

EXPECTED_CHARTS = {
    "simple": ["slice_lr", "slice_x", "history", "parallel", "contour_lr_vs_x", "learning_curves", "ecdf", "timeline"],
    "all_failed": ["timeline"],
    "pruned_only": ["learning_curves", "timeline"],
    "conditional": [
        "slice_batch_size",
        "slice_ctx_dropout",
        "slice_depth",
        "levels_batch_size",
        "levels_encoder_type",
        "history",
        "parallel",
        "contour_batch_size_vs_encoder_type",
        "contour_batch_size_vs_depth",
        "contour_batch_size_vs_ctx_dropout",
        "ecdf",
        "timeline",
    ],
    "dynamic_ranges": ["slice_depth", "history", "parallel", "ecdf", "timeline"],
    "multi_objective": ["slice_x", "history", "parallel", "ecdf", "timeline", "pareto"],
    "inf_values": ["slice_x", "history", "parallel", "ecdf", "timeline"],
    "none_categoricals": [
        "levels_flag",
        "levels_optimizer",
        "history",
        "parallel",
        "contour_flag_vs_optimizer",
        "ecdf",
        "timeline",
    ],
    "with_running": [
        "slice_lr",
        "slice_x",
        "history",
        "parallel",
        "contour_lr_vs_x",
        "learning_curves",
        "ecdf",
        "timeline",
    ],
    "log_params": ["slice_lr", "slice_units", "history", "parallel", "learning_curves", "ecdf", "timeline"],
    "one_level": ["slice_fixed", "slice_x", "levels_flag", "levels_only", "history", "parallel", "ecdf", "timeline"],
    "hostile_params": [
        "slice_a.b",
        "slice_back-slash-1498e0b5",
        "slice_lr-head-1-c1920942",
        "slice_q-uote-158ef06c",
        "slice_type-Q-cb04d2bf",
        "slice_x-0-f1c89e68",
        "slice_uni-49645a3b",
        "levels_datum.x",
        "history",
        "parallel",
        "contour_a.b_vs_datum.x",
        "contour_back-slash-1498e0b5_vs_datum.x",
        "contour_datum.x_vs_lr-head-1-c1920942",
        "ecdf",
        "timeline",
    ],
    "seed_shaped": [
        "slice_batch_size",
        "slice_ctx_d_model",
        "slice_ctx_dropout",
        "slice_ctx_n_head",
        "slice_depth",
        "slice_embed_dim",
        "slice_label_smoothing",
        "slice_lr",
        "slice_weight_decay",
        "slice_width_mult",
        "levels_batch_size",
        "levels_ctx_d_model",
        "levels_ctx_n_head",
        "levels_demo_agg",
        "levels_embed_dim",
        "levels_encoder_type",
        "levels_use_cosine",
        "levels_use_scheduler",
        "history",
        "parallel",
        "contour_batch_size_vs_demo_agg",
        "contour_batch_size_vs_depth",
        "contour_batch_size_vs_label_smoothing",
        "ecdf",
        "timeline",
    ],
    "mixed_minimize": [
        "slice_batch_size",
        "slice_layers",
        "slice_lr",
        "slice_momentum",
        "levels_batch_size",
        "levels_optimizer",
        "levels_use_bn",
        "history",
        "parallel",
        "contour_batch_size_vs_optimizer",
        "contour_batch_size_vs_layers",
        "contour_lr_vs_optimizer",
        "ecdf",
        "timeline",
    ],
    "no_signal": ["slice_fixed", "slice_x", "levels_fixed", "history", "parallel", "ecdf", "timeline"],
    "all_infinite": ["timeline"],
    "constant_objective": ["slice_x", "levels_flag", "history", "parallel", "ecdf", "timeline"],
    "no_params": ["history", "ecdf", "timeline"],
    "single_valued": ["slice_batch", "levels_batch", "levels_opt", "history", "parallel", "ecdf", "timeline"],
}


@pytest.fixture(scope="module")
def specs_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., dict[str, str]]:
    """Chart specs of an awkward study by file stem; each (study, tag) is built once per module."""
    cache: dict[tuple[str, str], dict[str, str]] = {}

    def build(name: str, tag: str = "a") -> dict[str, str]:
        if (name, tag) not in cache:
            folder = tmp_path_factory.mktemp(f"{name}-{tag}")
            url = sqlite_study(folder / "s.db", name, *AWKWARD[name])
            charts = chart_set(snapshot_of(url, name, folder), AnalysisConfig())
            cache[(name, tag)] = {item.stem: spec_json(item.chart) for item in chart_files(charts)}
        return cache[(name, tag)]

    return build


@pytest.fixture
def spec(specs_of: Callable[..., dict[str, str]]) -> Callable[[str, str], dict[str, Any]]:
    return lambda name, stem: json.loads(specs_of(name)[stem])


def datasets(spec: dict[str, Any]) -> list[list[dict[str, Any]]]:
    return list(spec["datasets"].values())


def layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec.get("layer") or [layer for panel in spec.get("hconcat", []) for layer in panel.get("layer", [panel])]


def rows_of(spec: dict[str, Any], layer: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows a layer draws (Altair hoists data that all layers share to the top)."""
    return spec["datasets"][(layer.get("data") or spec["data"])["name"]]


def subtitle(spec: dict[str, Any]) -> str:
    return " ".join(spec["title"]["subtitle"])


# --- every chart of every awkward study ---------------------------------------------------------


@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_every_chart_validates_and_is_byte_identical(name: str, specs_of: Callable[..., dict[str, str]]) -> None:
    first = specs_of(name, "a")
    second = specs_of(name, "b")  # the same study built again: a fresh snapshot
    assert list(first) == EXPECTED_CHARTS[name]
    assert first == second
    for text in first.values():
        document = json.loads(text)
        validate_jsonschema(document, VEGA_LITE, rootschema=VEGA_LITE)
        assert json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n" == text
        assert all(name.startswith("data-") for name in document["datasets"])  # named by content hash


# --- one chart at a time --------------------------------------------------------------------------


def test_slice_draws_the_log_axis_declared_bounds_and_elites(spec: Spec) -> None:
    chart = spec("log_params", "slice_lr")
    rules, dots = layers(chart)
    x = rules["encoding"]["x"]
    assert (x["scale"]["type"], x["scale"]["domain"], x["title"]) == ("log", [1e-5, 0.1], "lr")
    assert [r["x"] for r in rows_of(chart, rules)] == [1e-5, 0.1]
    points = rows_of(chart, dots)
    assert len(points) == 16
    assert sum(p["group"] == "elite (top 25%)" for p in points) == 4
    assert points[-1]["group"] == "elite (top 25%)"  # elites drawn last, on top
    assert "lower is better" in dots["encoding"]["y"]["title"]
    assert "Log axis" in subtitle(chart)


def test_slice_of_a_conditional_param_states_its_branch(spec: Spec) -> None:
    chart = spec("conditional", "slice_depth")
    assert "n = 15 of 20 complete trials, only where encoder_type = cnn" in subtitle(chart)
    assert len(rows_of(chart, layers(chart)[1])) == 15


def test_levels_show_n_per_level(spec: Spec) -> None:
    chart = spec("conditional", "levels_batch_size")
    x = layers(chart)[0]["encoding"]["x"]
    assert x["scale"]["domain"] == ["8 (n = 6)", "16 (n = 6)", "32 (n = 4)", "64 (n = 4)"]  # (i // 2) % 4 over 20
    one = spec("one_level", "levels_flag")
    assert layers(one)[0]["encoding"]["x"]["scale"]["domain"] == ["true (n = 8)", "false (n = 0)"]
    boxes = rows_of(one, layers(one)[2])
    assert [b["level"] for b in boxes] == ["true (n = 8)"]  # no box for an empty level


def test_history_of_a_minimize_study_falls(spec: Spec) -> None:
    chart = spec("log_params", "history")
    (by_number, by_time) = chart["hconcat"]
    best = rows_of(chart, by_number["layer"][1])
    values = [row["value"] for row in best]
    assert values == sorted(values, reverse=True)
    assert by_number["layer"][1]["mark"]["interpolate"] == "step-after"
    assert by_time["layer"][0]["encoding"]["x"]["field"] == "elapsed"
    assert "lower is better" in by_number["layer"][0]["encoding"]["y"]["title"]


def test_importance_panels_side_by_side_with_intervals() -> None:
    rows = (
        Importance("lr", "fanova", 0.6, 0.5, 0.7),
        Importance("depth", "fanova", 0.3, 0.2, 0.4),
        Importance("x.y[0]", "fanova", 0.1, None, None),
        Importance("depth", "elite_mutual_info", 0.7, 0.6, 0.8),
        Importance("lr", "elite_mutual_info", 0.2, 0.1, 0.3),
    )
    chart = json.loads(spec_json(importance_chart(importance_data(rows), 0.25)))
    validate_jsonschema(chart, VEGA_LITE, rootschema=VEGA_LITE)
    global_panel, quantile_panel = chart["hconcat"]
    # The report table's column headers ("Importance [95% CI]", "Top 25% [95% CI]").
    assert (global_panel["title"]["text"], quantile_panel["title"]["text"]) == ("Importance", "Top 25%")
    for panel in (global_panel, quantile_panel):
        assert panel["layer"][0]["encoding"]["y"]["sort"] == ["lr", "depth", "x.y[0]"]
    bars, intervals = global_panel["layer"]
    assert [r["param"] for r in rows_of(chart, bars)] == ["lr", "depth", "x.y[0]"]
    assert [(r["param"], r["ci_low"], r["ci_high"]) for r in rows_of(chart, intervals)] == [
        ("lr", 0.5, 0.7),
        ("depth", 0.2, 0.4),
    ]


def test_contour_colour_keeps_best_bright_in_both_directions(spec: Spec) -> None:
    minimize = spec("none_categoricals", "contour_flag_vs_optimizer")
    maximize = spec("conditional", "contour_batch_size_vs_depth")
    assert layers(minimize)[0]["encoding"]["color"]["scale"] == {"reverse": True, "scheme": "viridis"}
    assert layers(maximize)[0]["encoding"]["color"]["scale"] == {"reverse": False, "scheme": "viridis"}
    heat, dots = layers(maximize)
    assert sum(c["n"] for c in rows_of(maximize, heat)) == 15 == len(rows_of(maximize, dots))


def test_learning_curves_mark_pruned_trials(spec: Spec) -> None:
    chart = spec("pruned_only", "learning_curves")
    faint, pruned = layers(chart)
    assert faint["mark"]["type"] == "line" and pruned["mark"]["shape"] == "cross"
    assert sorted(r["number"] for r in rows_of(chart, pruned)) == [0, 1, 2, 3]
    assert all(r["group"] == "pruned (last reported step)" for r in rows_of(chart, pruned))


def test_timeline_and_ecdf(spec: Spec) -> None:
    timeline = spec("with_running", "timeline")
    spans = rows_of(timeline, layers(timeline)[0])
    assert sorted({r["state"] for r in spans}) == ["COMPLETE", "FAIL", "PRUNED", "RUNNING"]
    assert "RUNNING trials are drawn up to" in subtitle(timeline)
    ecdf = spec("inf_values", "ecdf")
    curve = rows_of(ecdf, layers(ecdf)[0])
    assert [r["fraction"] for r in curve] == [0.2, 0.4, 0.6, 0.8, 1.0]  # the inf value is left out
    assert "elites at or left of it" in subtitle(ecdf)


def test_parallel_names_its_axes_in_data_not_fields(spec: Spec) -> None:
    chart = spec("hostile_params", "parallel")
    names = {row["name"] for data in datasets(chart) for row in data if "name" in row}
    assert names == {"objective", *HOSTILE_PARAMS}
    fold = next(step["fold"] for layer in layers(chart) for step in layer.get("transform", []) if "fold" in step)
    assert fold == [f"p{i}" for i in range(len(HOSTILE_PARAMS) + 1)]


# --- hostile names -------------------------------------------------------------------------------------

FIXED_FIELDS = {
    "x",
    "value",
    "number",
    "group",
    "level",
    "jitter",
    "whisker_low",
    "whisker_high",
    "q1",
    "q3",
    "median",
    "mean",
    "n",
    "elapsed",
    "axis",
    "position",
    "top",
    "name",
    "label",
    "a",
    "b",
    "a_low",
    "a_high",
    "b_low",
    "b_high",
    "jitter_a",
    "jitter_b",
    "step",
    "state",
    "start",
    "end",
    "duration_s",
    "fraction",
    "param",
    "importance",
    "ci_low",
    "ci_high",
    "slot",
    "low",
    "high",
}


def fields(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["field"]} if isinstance(node.get("field"), str) else set()
        return found.union(*(fields(v) for k, v in node.items() if k != "datasets"))
    if isinstance(node, list):
        return set().union(*(fields(v) for v in node))
    return set()


def test_hostile_param_names_give_safe_files_and_charts_that_render(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "h.db", "h", *AWKWARD["hostile_params"])
    assert main(["--storage", url, "--study", "h", "--out", str(tmp_path / "out"), "--quiet"]) == 0
    (artifacts,) = (tmp_path / "out" / "report").glob("*/*/artifacts")
    files = sorted(p.name for p in artifacts.rglob("*") if p.is_file())
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name) for name in files), files
    assert len({name.lower() for name in files}) == len(files)
    for path in sorted((artifacts / "charts").glob("*.vl.json")):
        document = json.loads(path.read_text())
        # Vega field names are fixed identifiers; a name like "a.b" or "x[0]" would be read as
        # a nested field. Parameter names travel only as data values and titles.
        assert fields(document) <= FIXED_FIELDS, path.name
        svg = vlc.vegalite_to_svg(document)  # compiles in the real Vega-Lite
        for name in HOSTILE_PARAMS:
            if path.name.startswith(("slice_", "levels_")) and name in document["title"]["text"]:
                assert _xml_text(name) in svg, (path.name, name)


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# --- large studies --------------------------------------------------------------------------------------


def huge_specs(tmp_path: Path, n: int) -> dict[str, str]:
    record = huge_record(n)
    path = tmp_path / f"huge-{n}"
    write_snapshot(record, path, {"input_hash": content_hash(record)})
    charts = chart_set(load_snapshot(path), AnalysisConfig())
    return {item.stem: spec_json(item.chart) for item in chart_files(charts)}


MAX_SPEC_BYTES = 300_000


@pytest.mark.slow
def test_a_20000_trial_study_gives_small_charts(tmp_path: Path) -> None:
    big = huge_specs(tmp_path, 20_000)
    smaller = huge_specs(tmp_path, 5_000)
    assert set(big) == set(smaller) and len(big) == 14
    limit = AnalysisConfig().chart_max_points
    for stem, text in big.items():
        assert len(text) <= MAX_SPEC_BYTES, (stem, len(text))
        # Bounded, not growing with the study: 4x the trials, about the same size.
        assert len(text) <= 1.25 * len(smaller[stem]), stem
        document = json.loads(text)
        assert all(len(rows) <= 2 * limit for rows in datasets(document)), stem
        if stem != "importance":
            assert "Large study" in subtitle(document) or "curves" in subtitle(document), stem


# --- pipeline: files, CSVs, determinism, export -------------------------------------------------------


def generate(url: str, study: str, out: Path, *extra: str) -> Path:
    assert main(["--storage", url, "--study", study, "--out", str(out), "--quiet", *extra]) == 0
    (version,) = sorted(p for p in (out / "report").glob("*/*") if p.is_dir())
    return version


def digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_chart_files_are_byte_identical_across_runs(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "c.db", "c", *AWKWARD["conditional"])
    first = generate(url, "c", tmp_path / "one")
    with alt.theme.enable("dark"):  # a theme someone else enabled must not leak into our specs
        second = generate(url, "c", tmp_path / "two")
    assert digest(first / "artifacts") == digest(second / "artifacts")
    # The pipeline also has the importance analysis, hence the importance chart.
    names = sorted(p.name.removesuffix(".vl.json") for p in (first / "artifacts" / "charts").glob("*.vl.json"))
    assert "importance" in names
    assert len(names) == len(EXPECTED_CHARTS["conditional"]) + 1


def recompute_contour(snapshot_path: Path, param_a: str, param_b: str, max_bins: int = 10) -> list[tuple]:
    """Binned means of the objective over a pair, straight from the snapshot's Parquet tables with
    DuckDB and scipy, following the documented rules (not the generator's code)."""
    con = duckdb.connect()
    try:
        values = con.execute(
            f"SELECT v.number, v.value FROM '{snapshot_path}/trial_values.parquet' v "
            f"JOIN '{snapshot_path}/trials.parquet' t USING (number) "
            "WHERE t.state = 'COMPLETE' AND v.objective = 0 AND isfinite(v.value)"
        ).df()
        params = con.execute(
            f"SELECT * FROM '{snapshot_path}/params.parquet' WHERE name IN (?, ?)", [param_a, param_b]
        ).df()
    finally:
        con.close()
    a = params[params["name"] == param_a].set_index("number")
    b = params[params["name"] == param_b].set_index("number")
    numbers = sorted(set(values["number"]) & set(a.index) & set(b.index))
    objective = values.set_index("number").loc[numbers, "value"].to_numpy()
    bins = min(max_bins, max(2, int(math.sqrt(len(numbers) / 2))))
    coded_a, edges_a, centre_a = _code(a, numbers, bins)
    coded_b, edges_b, centre_b = _code(b, numbers, bins)
    means = scipy.stats.binned_statistic_2d(coded_a, coded_b, objective, "mean", bins=[edges_a, edges_b])
    counts = scipy.stats.binned_statistic_2d(coded_a, coded_b, objective, "count", bins=[edges_a, edges_b])
    return [
        (centre_a[i], centre_b[j], int(counts.statistic[i, j]), float(means.statistic[i, j]))
        for i in range(len(edges_a) - 1)
        for j in range(len(edges_b) - 1)
        if counts.statistic[i, j] > 0
    ]


def _code(rows: pd.DataFrame, numbers: list[int], bins: int) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """A parameter as numbers to bin: its value on its scale (numeric), or its level's index."""
    picked = rows.loc[numbers]
    if (rows["dist_type"] == "categorical").any():
        declared = [json.dumps(c) for c in json.loads(rows["choices_json"].dropna().iloc[0])]
        choices = list(declared)
        if all(isinstance(json.loads(c), int | float) and not isinstance(json.loads(c), bool) for c in choices):
            choices.sort(key=lambda c: float(json.loads(c)))
        labels = [json.loads(c) if isinstance(json.loads(c), str) else c for c in choices]
        if len(set(labels)) < len(labels):
            labels = choices
        # Optuna stores a categorical's value as the index of its declared choice.
        code = np.array([choices.index(declared[int(i)]) for i in picked["internal"]], dtype=float)
        return code, np.arange(len(choices) + 1) - 0.5, labels
    low, high, log = rows["low"].min(), rows["high"].max(), bool(rows["log"].any())
    x = picked["internal"].to_numpy(dtype=float)  # a number's internal value is the number itself
    step = rows["step"].dropna().iloc[0] if rows["step"].notna().any() else 1.0
    if (rows["dist_type"] == "int").all() and not log and (high - low) / step + 1 <= bins:
        edges = low - step / 2 + step * np.arange(int(round((high - low) / step)) + 2)
        return x, edges, list((edges[:-1] + edges[1:]) / 2)
    scaled = np.log10 if log else (lambda v: v)
    edges = np.linspace(scaled(low), scaled(high), bins + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    return scaled(x), edges, list(10**centres if log else centres)


def assert_csv_matches(version: Path) -> int:
    csvs = sorted((version / "artifacts").glob("contour_*.csv"))
    for path in csvs:
        table = pd.read_csv(path, keep_default_na=False, dtype={"a_center": str, "b_center": str})
        param_a, param_b = table["param_a"].iloc[0], table["param_b"].iloc[0]
        assert (version / "artifacts" / "charts" / f"{path.stem}.vl.json").is_file()
        expected = recompute_contour(version / "snapshot", param_a, param_b)
        assert len(table) == len(expected), path.name
        for row, (centre_a, centre_b, n, mean) in zip(table.itertuples(index=False), expected, strict=True):
            for got, want in ((row.a_center, centre_a), (row.b_center, centre_b)):
                if isinstance(want, str):
                    assert str(got) == want
                else:
                    assert float(got) == pytest.approx(float(want), rel=1e-8)
            assert (row.n, row.mean) == (n, pytest.approx(mean, rel=1e-8))
    return len(csvs)


@pytest.mark.parametrize("name", ["simple", "conditional", "none_categoricals", "hostile_params"])
def test_contour_csvs_match_binned_means_from_the_snapshot(name: str, tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", name, *AWKWARD[name])
    version = generate(url, name, tmp_path / "out")
    assert assert_csv_matches(version) == sum(s.startswith("contour_") for s in EXPECTED_CHARTS[name])


def test_contour_csvs_of_a_larger_study_match(tmp_path: Path) -> None:
    """80 trials: 6 bins per numeric axis, a log axis, a levels axis with a None level."""
    url = sqlite_study(tmp_path / "s.db", "i", interacting, ["minimize"])
    version = generate(url, "i", tmp_path / "out")
    assert assert_csv_matches(version) == 3
    table = pd.read_csv(version / "artifacts" / "contour_lr_vs_units.csv")
    assert table["a_low"].nunique() == 6 and table["b_low"].nunique() == 6


def makefile_variable(name: str) -> str:
    match = re.search(rf"^{name}\s*[:?]?=\s*(\S+)", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert match, name
    return match.group(1)


@pytest.fixture(scope="module")
def example_version(tmp_path_factory: pytest.TempPathFactory) -> Path:
    storage = REPO / makefile_variable("EXAMPLE_STORAGE")
    out = tmp_path_factory.mktemp("example")
    return generate(str(storage), makefile_variable("EXAMPLE_STUDY"), out, "--export", "png,svg")


@pytest.mark.slow
def test_example_study_exports_png_and_svg_for_every_chart(example_version: Path) -> None:
    specs = sorted((example_version / "artifacts" / "charts").glob("*.vl.json"))
    assert len(specs) >= 8
    for path in specs:
        stem = path.name.removesuffix(".vl.json")
        png = (path.parent / f"{stem}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
        width, height = struct.unpack(">II", png[16:24])
        assert 400 <= width <= 4000 and 200 <= height <= 3000, (stem, width, height)
        root = ET.parse(path.parent / f"{stem}.svg").getroot()
        assert root.tag.endswith("svg")
        assert float(root.get("width")) > 200 and float(root.get("height")) > 100
        # The PNG is the same drawing at twice the scale.
        assert width == pytest.approx(2 * float(root.get("width")), abs=2)


@pytest.mark.slow
def test_example_study_contour_csvs_match(example_version: Path) -> None:
    assert assert_csv_matches(example_version) >= 1


# --- CLI ---------------------------------------------------------------------------------------------


def test_export_and_chart_flags_are_validated(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", "s", *AWKWARD["simple"])
    code = main(
        ["--storage", url, "--study", "s", "--out", str(tmp_path / "o"), "--export", "png,bmp", "--contour-bins", "1"]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "--export takes png, svg, pdf, got bmp" in err and "--contour-bins must be 2 or more" in err


def test_no_charts_and_the_reproduce_command(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", "s", *AWKWARD["simple"])
    version = generate(url, "s", tmp_path / "off", "--no-charts")
    assert not (version / "artifacts" / "charts").exists()
    assert not list((version / "artifacts").glob("contour_*.csv"))
    version = generate(url, "s", tmp_path / "svg", "--export", "svg", "--contour-pairs", "1")
    command = json.loads((version / "findings.json").read_text())["provenance"]["command"]
    assert command.endswith("--export svg --contour-pairs 1")
    assert sorted(p.suffix for p in (version / "artifacts" / "charts").glob("history.*")) == [".json", ".svg"]


@pytest.mark.slow
def test_a_shared_study_exports_every_chart(tmp_path: Path) -> None:
    path = SHARED_STUDIES / "optuna_dashboard_sample.sqlite3"
    if not path.is_file():
        pytest.skip("../shared/studies is absent")
    version = generate(str(path), "pytorch_simple", tmp_path / "out", "--export", "svg,pdf")
    charts = version / "artifacts" / "charts"
    stems = sorted(p.name.removesuffix(".vl.json") for p in charts.glob("*.vl.json"))
    assert "learning_curves" in stems and "timeline" in stems
    for stem in stems:
        assert (charts / f"{stem}.pdf").read_bytes()[:5] == b"%PDF-"
        assert ET.parse(charts / f"{stem}.svg").getroot().tag.endswith("svg")
