"""Sites to test: real generate-report runs, plus hand-made charts and next-sweep configs in a
version's artifacts/ (the contracts the chart and next-sweep stages write to)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import optuna
import pandas as pd
import vl_convert
import yaml

from generator.cli import main
from generator.site import build_site
from tests.studies import X, add, simple, sqlite_study

HOSTILE = "<script>alert(1)</script> \"q\" 'ü' ★/x"


def chart_specs(title_suffix: str = "") -> dict[str, dict[str, Any]]:
    """Charts shaped like the chart stage's: Altair specs, some with named datasets."""
    trials = pd.DataFrame({"x": [i / 10 for i in range(10)], "value": [1 + 2 * i / 10 for i in range(10)]})
    slice_x = (
        alt.Chart(trials).mark_point().encode(x="x:Q", y="value:Q").properties(title="Objective vs x" + title_suffix)
    )
    importance = (
        alt.Chart(alt.Data(values=[{"param": "x", "importance": 0.7}, {"param": "lr", "importance": 0.3}]))
        .mark_bar()
        .encode(x="importance:Q", y=alt.Y("param:N", sort="-x"))
        .properties(title="Importance" + title_suffix)
    )
    history = alt.Chart(trials.reset_index()).mark_line().encode(x="index:Q", y="value:Q")
    return {"slice_x": slice_x.to_dict(), "importance": importance.to_dict(), "learning_curves": history.to_dict()}


def add_charts(version_dir: Path, specs: dict[str, dict[str, Any]], svg: tuple[str, ...] = ("slice_x",)) -> None:
    charts = version_dir / "artifacts" / "charts"
    charts.mkdir(parents=True, exist_ok=True)
    for name, spec in specs.items():
        (charts / f"{name}.vl.json").write_text(json.dumps(spec, indent=2, sort_keys=True), encoding="utf-8")
        if name in svg:
            (charts / f"{name}.svg").write_text(vl_convert.vegalite_to_svg(spec), encoding="utf-8")


AGGRESSIVE = {
    "study_name": "s_refined",
    "n_trials": 50,
    "direction": "maximize",
    "fixed": {"encoder_type": "cnn"},
    "param_ranges": {"x": {"type": "float", "low": 0.6, "high": 1.0, "reason": "Spearman rho 0.9, q 0.001, n 12"}},
}


def add_configs(version_dir: Path, config: dict[str, Any] = AGGRESSIVE) -> None:
    artifacts = version_dir / "artifacts"
    (artifacts / "refined_search_space_aggressive.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (artifacts / "importances.csv").write_text("param,method,importance\nx,fanova,0.7\nlr,fanova,0.3\n")


def run(url: str, study: str, out: Path, *extra: str) -> None:
    assert main(["--storage", url, "--study", study, "--out", str(out), "--quiet", *extra]) == 0


@dataclass(frozen=True)
class BuiltSite:
    out: Path
    versions: tuple[Path, ...]
    """report/s/<version> folders of study "s", oldest first."""
    hostile_version: Path

    @property
    def site(self) -> Path:
        return self.out / "site"


def build_example_site(root: Path) -> BuiltSite:
    """Study "s" with two versions (charts and configs in the second) and a hostile-named study."""
    out = root / "out"
    url = sqlite_study(root / "s.db", "s", simple, ["maximize"])
    # The site tests check embedding with hand-made charts; the generator's own charts
    # are tested in test_charts.py and drawn in the browser tests.
    run(url, "s", out, "--no-charts")
    study = optuna.load_study(study_name="s", storage=url)
    add(study, {"x": 0.99}, {"x": X}, 40.0)
    run(url, "s", out, "--no-charts")
    hostile_url = sqlite_study(root / "h.db", HOSTILE, simple, ["minimize"])
    run(hostile_url, HOSTILE, out, "--no-charts")
    versions = tuple(sorted(p for p in (out / "report" / "s").iterdir() if p.is_dir() and p.name[0].isdigit()))
    (hostile,) = [p for p in (out / "report").glob("*/*") if p.is_dir() and p.parent.name not in ("s", "assets")]
    add_charts(versions[-1], chart_specs())
    add_configs(versions[-1])
    add_charts(hostile, chart_specs(title_suffix=" </script><script>alert(2)</script> `{{< include x >}}`"))
    build_site(out, "builtin")
    return BuiltSite(out, versions, hostile)
