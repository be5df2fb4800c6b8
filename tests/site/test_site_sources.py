"""The typed sources the site's pages loop over: each version against the one before, and the
version page's labels for every chart kind and next-sweep file the sources can hand it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import jinja2
import pytest

from generator.render.headlines import Headline
from generator.site.sources import (
    CHART_KINDS,
    SHOWN_CONFIGS,
    Chart,
    ChartImage,
    ShownFile,
    StudySource,
    VersionDelta,
    VersionSource,
    page,
    version_delta,
)


def head(version: str, best: float | None, total: int) -> Headline:
    return Headline("s", version, "maximize", best, None if best is None else 1, total, total, None, (), 0, None, 0, 0)


def test_a_version_against_the_one_before() -> None:
    assert version_delta(head("2", 0.75, 14), None) is None
    delta = version_delta(head("2", 0.75, 14), head("1", 0.5, 20))
    assert delta is not None and (delta.best_change, delta.new_trials) == (0.25, -6)
    for after, before in ((None, 0.5), (0.5, None)):
        assert version_delta(head("2", after, 14), head("1", before, 10)) == VersionDelta(None, 4)


def test_chart_names_come_from_the_spec_path() -> None:
    chart = Chart("slice", "lr", "slice_lr", "artifacts/charts/slice_lr.vl.json", "{}", (ChartImage("a.png", "png"),))
    assert (chart.spec_name, chart.known, chart.script_path) == ("slice_lr.vl.json", True, "charts/slice_lr.js")
    assert Chart("mystery", None, "m", None, "{}", ()).known is False
    assert Chart("mystery", None, "m", None, "{}", ()).spec_name is None


def version_page(charts: tuple[Chart, ...], configs: tuple[ShownFile, ...]) -> str:
    h = head("0001", 0.5, 3)
    v = VersionSource(
        "s", "0001", Path("."), h, False, None, None, None, charts, configs, (), (), None, unplaced=charts
    )
    study = StudySource("s", "s", (v,), None)
    return page(
        "version.qmd.j2",
        {"pagetitle": "s"},
        study=study,
        v=v,
        vega={"vega": "", "vega_lite": "", "vega_embed": ""},
        top_trials="",
    )


def test_the_version_page_labels_every_chart_kind_and_shown_config() -> None:
    charts = tuple(Chart(kind, None, kind, f"artifacts/charts/{kind}.vl.json", "{}", ()) for kind in CHART_KINDS)
    configs = tuple(ShownFile(name, f"artifacts/{name}", "a: 1\n", "```") for name in SHOWN_CONFIGS)
    text = version_page(charts, configs)
    for kind in CHART_KINDS:
        assert f'aria-label="{kind}"' not in text, kind
    summaries = [line for line in text.splitlines() if line.startswith("<summary>")]
    assert len(summaries) == len(SHOWN_CONFIGS)
    assert all(f"<code>{name}</code>" in s for s, name in zip(summaries, SHOWN_CONFIGS, strict=True))
    mystery = replace(charts[0], kind="mystery", param="x", spec_path="artifacts/charts/mystery_x.vl.json")
    assert 'aria-label="mystery x"' in version_page((mystery,), ())


def test_a_config_the_page_has_no_label_for_fails_loudly() -> None:
    with pytest.raises(jinja2.UndefinedError, match="unknown.yaml"):
        version_page((), (ShownFile("unknown.yaml", "artifacts/unknown.yaml", "a: 1\n", "```"),))
