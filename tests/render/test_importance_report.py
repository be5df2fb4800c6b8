"""Importance in the outputs: findings.json (schema), artifacts/importances.csv, findings.md,
the ranking joined with directionality, and every real study in ../shared/studies."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace
from pathlib import Path

import jsonschema
import numpy as np
import optuna
import pytest

from generator.analysis.assemble import analyse
from generator.analysis.importance import analyse_importance, prepare_input
from generator.cli import main
from generator.config import AnalysisConfig
from generator.model.findings import Condition, Directionality
from generator.paths import schema_path
from generator.render.documents import findings_markdown
from generator.render.importance_ranking import importance_ranking
from generator.render.importance_tables import importances_table
from generator.storage import list_studies, locate
from tests.conftest import require_shared, shared_storage_files
from tests.snapshot_compare import snapshot_of, snapshot_of_study
from tests.studies import AWKWARD, sqlite_study
from tests.synthetic import conditional_depth_study


def conditional_report(tmp_path: Path) -> Path:
    study = conditional_depth_study(60, np.random.default_rng(1), name="cond")
    url = f"sqlite:///{tmp_path / 'c.db'}"
    target = optuna.create_study(storage=url, study_name="cond", direction="maximize")
    target.add_trials(study.trials)
    assert main(["--storage", url, "--study", "cond", "--out", str(tmp_path / "out"), "--quiet"]) == 0
    (version,) = [p for p in (tmp_path / "out" / "report" / "cond").iterdir() if p.is_dir()]
    return version


def test_findings_csv_and_markdown_carry_the_same_importances(tmp_path: Path) -> None:
    version = conditional_report(tmp_path)
    document = json.loads((version / "findings.json").read_text())
    jsonschema.validate(document, json.loads(schema_path().read_text()))
    importance = document["importance"]
    assert {i["method"] for i in importance} == {"fanova", "elite_mutual_info"}
    for method in ("fanova", "elite_mutual_info"):
        rows = [i for i in importance if i["method"] == method]
        assert sorted(i["param"] for i in rows) == ["ctx_heads", "depth", "encoder_type", "lr"]
        assert all(0 <= i["ci_low"] <= i["importance"] <= i["ci_high"] <= 1 for i in rows)
    assert sum(i["importance"] for i in importance if i["method"] == "fanova") == pytest.approx(1.0)
    depth = next(i for i in importance if i["method"] == "fanova" and i["param"] == "depth")
    assert depth["condition"] == {"parent": "encoder_type", "value": "cnn"}
    assert depth["importance"] > 0.3 and depth["ci_low"] > 0.1
    methods = {m["method"]: m for m in document["importance_methods"]}
    assert methods["elite_mutual_info"]["quantile"] == 0.25 and methods["fanova"]["scale"] == "normalized"
    assert methods["elite_mutual_info"]["scale"] == "elite_entropy_fraction"
    assert methods["fanova_pairwise"]["skipped"] is None and document["interactions"]

    with (version / "artifacts" / "importances.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(importance)
    csv_depth = next(r for r in rows if r["method"] == "fanova" and r["param"] == "depth")
    assert float(csv_depth["importance"]) == pytest.approx(depth["importance"], rel=1e-9)
    assert (csv_depth["condition_parent"], csv_depth["condition_value"], csv_depth["scale"]) == (
        "encoder_type",
        '"cnn"',
        "normalized",
    )

    markdown = (version / "findings.md").read_text()
    section = markdown[markdown.index("## Parameter importance") : markdown.index("## Warnings")]
    assert "| Rank | Parameter | Exists when (trials) | Importance [95% CI] | Top 25% [95% CI] |" in section
    rank_one = sorted((i for i in importance if i["method"] == "fanova"), key=lambda i: -i["importance"])[0]
    assert f"| 1 | `{rank_one['param']}` |" in section
    assert re.search(r"\| `depth` \| `encoder_type` = cnn \(\d+\) \| " + f"{depth['importance']:.3f}", section)
    assert "### Interactions" in section and " × " in section


def test_a_study_too_small_for_importance_says_why(tmp_path: Path) -> None:
    builder, directions = AWKWARD["inf_values"]
    url = sqlite_study(tmp_path / "s.db", "s", builder, directions)
    assert (
        main(
            [
                "--storage",
                url,
                "--study",
                "s",
                "--out",
                str(tmp_path / "out"),
                "--quiet",
                "--importance-min-trials",
                "8",
            ]
        )
        == 0
    )
    (version,) = [p for p in (tmp_path / "out" / "report" / "s").iterdir() if p.is_dir()]
    document = json.loads((version / "findings.json").read_text())
    assert document["importance"] == []
    assert {m["skipped"] for m in document["importance_methods"]} == {"too_few_trials"}
    (warning,) = [w for w in document["warnings"] if w["code"].startswith("importance_")]
    assert warning["message"].startswith("Parameter importance needs at least 8 complete trials")
    markdown = (version / "findings.md").read_text()
    assert warning["message"] in markdown[markdown.index("## Parameter importance") :]
    assert (version / "artifacts" / "importances.csv").read_text().startswith("param,method,importance")


def test_ranking_joins_directionality_when_present(tmp_path: Path) -> None:
    """With directionality findings the ranking table gains a direction column; without, none."""
    study = conditional_depth_study(60, np.random.default_rng(1), name="cond")
    findings = replace(
        analyse(snapshot_of_study(study, tmp_path), AnalysisConfig(), "generate-report"), directionality=()
    )
    depth = Directionality(
        "depth", "integer", "spearman", 31, 0.8, 1e-6, 1e-5, 0.8, 0.6, 0.9, Condition("encoder_type", "cnn"), "strong"
    )
    joined = replace(findings, directionality=(depth,))
    rows = importance_ranking(joined)
    assert [r.rank for r in rows] == [1, 2, 3, 4]
    assert [r.importance.importance for r in rows] == sorted((r.importance.importance for r in rows), reverse=True)
    assert {r.param: r.direction for r in rows}["depth"] == depth
    assert all(r.top_quantile is not None and r.top_quantile.param == r.param for r in rows)
    plain = findings_markdown(findings, "v")
    with_direction = findings_markdown(joined, "v")
    assert "Direction evidence" not in plain
    assert "| Direction evidence |" in with_direction
    assert "strong: spearman 0.8, q <0.0001 |" in with_direction
    section = with_direction.split("## Parameter importance", 1)[1].split("\n## ", 1)[0]
    assert section.count("not tested |") == 3


def test_importances_table_is_sorted_by_method_then_importance(tmp_path: Path) -> None:
    study = conditional_depth_study(60, np.random.default_rng(1), name="cond")
    findings = analyse(snapshot_of_study(study, tmp_path), AnalysisConfig(), "generate-report")
    table = importances_table(findings)
    for _, group in table.groupby("method"):
        assert group["importance"].is_monotonic_decreasing
    assert table["method"].tolist() == sorted(table["method"])


@pytest.mark.parametrize("path", shared_storage_files(), ids=lambda p: p.name)
def test_every_shared_study_gets_importances_or_a_stated_reason(path: Path, tmp_path: Path) -> None:
    require_shared()
    for name, counts in list_studies(locate(str(path))):
        if sum(counts.values()) == 0:
            continue
        snapshot = snapshot_of(str(path), name, tmp_path)
        analysis = analyse_importance(
            prepare_input(snapshot, AnalysisConfig(top_quantile_resamples=5, importance_resamples=100))
        )
        fanova = [i for i in analysis.importance if i.method == "fanova"]
        if fanova:
            assert {i.param for i in fanova} == set(snapshot.params["name"])
            assert sum(i.importance for i in fanova) == pytest.approx(1.0)
            assert all(i.ci_low is not None and i.ci_low <= i.importance <= i.ci_high for i in fanova)
        else:
            codes = [w.code for w in analysis.warnings]
            assert codes in (["importance_too_few_trials"], ["importance_no_predictive_power"]), (path.name, name)
        for i in analysis.importance:
            assert 0 <= i.importance <= 1 and (i.ci_low is None or 0 <= i.ci_low <= i.importance <= i.ci_high <= 1)
        for pair in analysis.interactions:
            assert 0 <= pair.ci_low <= pair.strength <= pair.ci_high <= 1, (path.name, name, pair)


def test_crypto_xgb_ranges_change_and_params_come_and_go(tmp_path: Path) -> None:
    """Optuna's evaluators return nothing here (no parameter is in every trial); we rank all six,
    each within the trials that have it."""
    require_shared()
    path = next((p for p in shared_storage_files() if p.name == "crypto_xgb.db"), None)
    if path is None:
        pytest.skip("crypto_xgb.db is absent")
    snapshot = snapshot_of(str(path), "xgboost", tmp_path)
    analysis = analyse_importance(prepare_input(snapshot, AnalysisConfig(top_quantile_resamples=5)))
    fanova = {i.param: i for i in analysis.importance if i.method == "fanova"}
    assert set(fanova) == {
        "colsample_bytree",
        "learning_rate",
        "max_depth",
        "min_child_weight",
        "num_boost_round",
        "subsample",
    }
    assert {i.n for i in fanova.values()} == {176, 178, 187}
    assert max(fanova.values(), key=lambda i: i.importance).param == "min_child_weight"
    top = [i for i in analysis.importance if i.method == "elite_mutual_info"]
    assert len(top) == 6 and all(0 <= i.importance <= 1 for i in top)


def test_every_skip_reason_has_a_sentence() -> None:
    from generator.render.env import message_for

    values = {"n": 3, "minimum": 20, "top": 5, "top_trials": 5, "quantile_percent": 25.0}
    reasons = ["too_few_trials", "no_parameters", "no_varying_parameters", "constant_objective", "no_signal"]
    codes = [f"importance_{r}" for r in reasons] + [
        "interactions_too_few_trials",
        "interactions_no_pairs",
        "top_quantile_too_few_trials",
    ]
    for code in codes:
        assert "{" not in message_for(code, values), code
    schema = json.loads(schema_path().read_text())
    assert set(reasons) | {"no_pairs"} <= set(
        schema["properties"]["importance_methods"]["items"]["properties"]["skipped"]["enum"]
    )


def test_no_assessable_pair_is_stated(tmp_path: Path) -> None:
    study = conditional_depth_study(60, np.random.default_rng(1), name="cond")
    analysis = analyse_importance(
        prepare_input(
            snapshot_of_study(study, tmp_path), AnalysisConfig(interaction_params=1, top_quantile_resamples=4)
        )
    )
    assert analysis.interactions == ()
    assert {m.method: m.skipped for m in analysis.methods}["fanova_pairwise"] == "no_pairs"
    assert [w.code for w in analysis.warnings] == ["interactions_no_pairs"]


def test_a_real_study_whose_surrogate_predicts_nothing_prints_no_shares(tmp_path: Path) -> None:
    """DQN_24_02_06 (473 trials): the main effects explain under 1% of the objective's variance
    out of sample; the report printed shares anyway before (issue 11)."""
    require_shared()
    path = next((p for p in shared_storage_files() if p.name == "ploita_dissertacao.db"), None)
    if path is None:
        pytest.skip("ploita_dissertacao.db is absent")
    findings = analyse(snapshot_of(str(path), "DQN_24_02_06", tmp_path), AnalysisConfig(), "generate-report")
    methods = {m.method: m for m in findings.importance_methods}
    assert methods["fanova"].skipped == "no_predictive_power" and methods["fanova"].fit_r2 < 0.02
    assert not [i for i in findings.importance if i.method == "fanova"] and findings.interactions == ()
    assert "importance_no_predictive_power" in {w.code for w in findings.warnings}
    section = findings_markdown(findings, "v").split("## Parameter importance", 1)[1]
    section = section.split("\n## ", 1)[0]
    assert "no better than its mean" in section and "| Rank |" not in section
