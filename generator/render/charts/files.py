"""Chart files: ``charts/<kind>[_<param>].vl.json`` and ``contour_<a>_vs_<b>.csv``.

Determinism: Altair names every inline dataset by a hash of its content, and the JSON is
written with sorted keys, so the same chart data gives byte-identical files. File names come
from ``param_slug`` (safe for any parameter name); names that would still collide (on a
case-insensitive file system too) get a hash of the full identity appended.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
from altair.utils.plugin_registry import PluginEnabler
from altair.utils.schemapi import debug_mode

from generator.model.charts import ChartSet, ContourData
from generator.render.charts.common import TopChart
from generator.render.charts.contour import cells_table, contour_chart
from generator.render.charts.ecdf import ecdf_chart
from generator.render.charts.export import export_images
from generator.render.charts.history import history_chart
from generator.render.charts.importance import importance_chart
from generator.render.charts.learning import learning_chart
from generator.render.charts.levels import levels_chart
from generator.render.charts.parallel import parallel_chart
from generator.render.charts.pareto import pareto_chart
from generator.render.charts.slice import slice_chart
from generator.render.charts.theme import THEME
from generator.render.charts.timeline import timeline_chart
from generator.render.charts.values import DATA_TRANSFORMER
from generator.render.charts.wording import say
from generator.render.tables import to_csv
from generator.slug import param_slug

PRUNED_LABELLED = ("importance", "slice", "levels", "history", "parallel", "contour", "ecdf")
"""Charts that draw analysed values: with ``--include-pruned`` they say that pruned trials are among them."""
KINDS = (
    "importance",
    "slice",
    "levels",
    "history",
    "parallel",
    "contour",
    "learning_curves",
    "ecdf",
    "timeline",
    "pareto",
)


@dataclass(frozen=True)
class ChartFile:
    stem: str
    """File name without ``.vl.json``: ``<kind>`` or ``<kind>_<param slug>``."""
    kind: str
    params: tuple[str, ...]
    """The parameter(s) the chart is about (two for a contour)."""
    chart: TopChart
    contour: ContourData | None = None


def chart_files(charts: ChartSet) -> list[ChartFile]:
    """Every chart of a report, in a fixed order, with unique, safe file stems."""
    q = charts.elite_quantile
    entries: list[tuple[str, tuple[str, ...], TopChart, ContourData | None]] = []
    if charts.importance is not None:
        entries.append(("importance", (), importance_chart(charts.importance, q), None))
    entries += [("slice", (s.param,), slice_chart(s, q), None) for s in charts.slices]
    entries += [("levels", (lv.param,), levels_chart(lv, q), None) for lv in charts.levels]
    if charts.history is not None:
        entries.append(("history", (), history_chart(charts.history, q), None))
    if charts.parallel is not None:
        entries.append(("parallel", (), parallel_chart(charts.parallel, q), None))
    entries += [("contour", (c.axis_a.param, c.axis_b.param), contour_chart(c, q), c) for c in charts.contours]
    if charts.learning is not None:
        entries.append(("learning_curves", (), learning_chart(charts.learning, q), None))
    if charts.ecdf is not None:
        entries.append(("ecdf", (), ecdf_chart(charts.ecdf, q), None))
    if charts.timeline is not None:
        entries.append(("timeline", (), timeline_chart(charts.timeline, q), None))
    if charts.pruned_analysed:
        n, pruned = charts.n_analysed, charts.pruned_analysed
        plain = say("n_trials", n=n)
        labels = (plain, say("n_trials_with_pruned", n=n, n_complete=n - pruned, n_pruned=pruned))
        line = say("pruned_included", n=pruned)
        entries = [
            (kind, params, _with_subtitle(chart, labels, line) if kind in PRUNED_LABELLED else chart, contour)
            for kind, params, chart, contour in entries
        ]
    if charts.pareto is not None:
        entries.append(("pareto", (), pareto_chart(charts.pareto), None))
    stems = _unique_stems([(kind, params) for kind, params, _, _ in entries])
    return [
        ChartFile(stem, kind, params, chart, contour)
        for stem, (kind, params, chart, contour) in zip(stems, entries, strict=True)
    ]


def _with_subtitle(chart: TopChart, labels: tuple[str, str], line: str) -> TopChart:
    """``chart`` saying that pruned trials are drawn: its "n = N complete trials" line becomes
    ``labels[1]``; a chart without that line (a branch, a subset) gets ``line`` added instead."""
    heading = chart.title if isinstance(chart.title, alt.Title) else None
    if heading is None:
        return chart
    subtitle = list(heading.subtitle) if isinstance(heading.subtitle, list) else []
    if labels[0] in subtitle:
        subtitle = [labels[1] if s == labels[0] else s for s in subtitle]
    else:
        subtitle.append(line)
    labelled = chart.copy(deep=False)
    labelled.title = alt.Title(text=heading.text, subtitle=subtitle)
    return labelled


def _stem(kind: str, params: tuple[str, ...]) -> str:
    return "_".join([kind, "_vs_".join(param_slug(p) for p in params)]) if params else kind


def _unique_stems(entries: list[tuple[str, tuple[str, ...]]]) -> list[str]:
    stems = [_stem(kind, params) for kind, params in entries]
    clashes = Counter(s.lower() for s in stems)
    return [
        f"{stem}-{hashlib.sha256(json.dumps([kind, list(params)]).encode()).hexdigest()[:8]}"
        if clashes[stem.lower()] > 1
        else stem
        for stem, (kind, params) in zip(stems, entries, strict=True)
    ]


def spec_dict(chart: TopChart, validate: bool = False, transformer: str = DATA_TRANSFORMER) -> dict[str, Any]:
    """The Vega-Lite spec, under the project theme whatever theme is active.

    The chart data goes through our own data transformer (``values.py``: Altair's result, a
    column at a time); ``transformer="default"`` takes Altair's own, which gives the same spec
    (the tests compare them). Row limits are our own (``chart_max_points``), so Altair's
    5,000-row guard is lifted.
    Altair's JSON-schema validation costs about a second per report and never changes the spec,
    so a run skips it (and the per-object checks of Altair's debug mode); tests/render/test_charts.py
    validates every chart of every awkward study against the Vega-Lite schema instead
    (``validate=True`` is there for callers that want it)."""
    with alt.theme.enable(THEME), _data_transformer(transformer), debug_mode(validate):
        return chart.to_dict(validate=validate)


def _data_transformer(name: str) -> PluginEnabler[Any, Any]:
    return (
        alt.data_transformers.enable(name, max_rows=None) if name == "default" else alt.data_transformers.enable(name)
    )


def spec_json(chart: TopChart) -> str:
    """Sorted keys, compact separators, ASCII only, one trailing newline: byte-stable."""
    return (
        json.dumps(spec_dict(chart), sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False) + "\n"
    )


def export_charts(artifacts: Path, formats: tuple[str, ...]) -> list[Path]:
    """Images in ``formats`` of every spec ``write_charts`` wrote to ``artifacts/charts/``, as
    ``write_charts(..., export=formats)`` makes them; the paths written, by chart.

    For a caller that writes the specs in a forked process (``generator/background.py``) and
    exports in its own: vl-convert keeps a JavaScript runtime with threads of its own, which a
    child forked after its first use inherits without the threads, and would wait on forever."""
    written = []
    for spec_file in sorted((artifacts / "charts").glob("*.vl.json")):
        stem = spec_file.name.removesuffix(".vl.json")
        written += export_images(spec_file.read_text(encoding="utf-8"), spec_file.with_name(stem), formats)
    return written


def write_charts(charts: ChartSet, artifacts: Path, export: tuple[str, ...] = ()) -> list[Path]:
    """Write ``artifacts/charts/*.vl.json`` (plus images in ``export`` formats) and the
    contour CSVs; returns the paths written, in order."""
    folder = artifacts / "charts"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    # Altair validates every schema object as it is constructed (its debug mode) as well as
    # on to_dict: about a second per report, for specs that never change with it. The tests
    # build the same charts with it on and validate every spec (tests/render/test_charts.py).
    with debug_mode(False):
        items = chart_files(charts)
    for item in items:
        spec = spec_json(item.chart)
        path = folder / f"{item.stem}.vl.json"
        path.write_text(spec, encoding="utf-8")
        written.append(path)
        written += export_images(spec, folder / item.stem, export)
        if item.contour is not None:
            csv = artifacts / f"{item.stem}.csv"
            csv.write_text(to_csv(cells_table(item.contour)), encoding="utf-8")
            written.append(csv)
    return written
