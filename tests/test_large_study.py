"""The large fabricated study of issue 16 at 2,000 trials: built in bulk exactly as Optuna's ORM
builds it, and reported with the same findings as the committed reference
(``tests/data/large_2000_reference.json``; the rule is in ``tests/large_reference.py``).

Speed is measured by ``benchmarks/pipeline_stages.py``, never here: these tests only check that
what a faster pipeline reports is what the reference says.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path
from typing import Any

import optuna
import pytest

from tests.large_reference import REFERENCE, compact, differences, monte_carlo, report_findings
from tests.large_study import STUDY, build_bulk, build_orm, cached_study


def rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as connection:
        tables = [t for (t,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: connection.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in sorted(tables)}


def test_bulk_builder_writes_the_rows_optunas_orm_writes(tmp_path: Path) -> None:
    # 60 trials: both encoder branches, all three states, trials with and without intermediate values.
    build_orm(tmp_path / "orm.db", 60)
    build_bulk(tmp_path / "bulk.db", 60)
    orm, bulk = rows(tmp_path / "orm.db"), rows(tmp_path / "bulk.db")
    assert orm == bulk
    assert {s for (_, _, _, s, _, _) in bulk["trials"]} == {"COMPLETE", "PRUNED", "FAIL"}
    assert len(bulk["trial_intermediate_values"]) > len(bulk["trial_values"]) > 0

    def trials(path: Path) -> list[optuna.trial.FrozenTrial]:
        return optuna.load_study(study_name=STUDY, storage=f"sqlite:///{path}").trials

    read = trials(tmp_path / "bulk.db")
    assert read == trials(tmp_path / "orm.db")
    assert {t.params.get("depth") is None for t in read} == {True, False}  # the conditional branch


def test_cached_study_is_built_once_and_never_half_written(tmp_path: Path) -> None:
    path = cached_study(tmp_path, 30)
    stamp = path.stat().st_mtime_ns
    assert cached_study(tmp_path, 30) == path and path.stat().st_mtime_ns == stamp
    assert not list(tmp_path.glob("*.partial"))
    assert len(optuna.load_study(study_name=STUDY, storage=f"sqlite:///{path}").trials) == 30


@pytest.mark.slow
def test_2000_trials_keep_the_reference_findings(tmp_path: Path) -> None:
    # One test, so that the suite's workers (pytest -n 2) report on the study once.
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    build_bulk(tmp_path / "large.db", reference["n_trials"])
    findings = report_findings(tmp_path / "large.db", tmp_path / "out")
    assert differences(reference, findings) == []
    # The study exercises what speed work could break: a strong effect, an interior optimum,
    # conditional parameters, bootstrap and forest intervals, and every next-sweep action it has.
    values = reference["values"]
    assert values["directionality/use_bn/tier"] == "strong"
    assert values["directionality/lr/shape"] == "interior"
    assert values["directionality/depth/n"] < values["directionality/lr/n"]
    assert any(k.startswith("directionality/") for k in reference["monte_carlo"])
    assert any(k.startswith("importance/fanova/") for k in reference["monte_carlo"])
    comparison_catches_changes(findings)


def comparison_catches_changes(findings: dict[str, Any]) -> None:
    """The rule fails findings that changed: a tier, a deterministic number, a Monte Carlo
    interval moved beyond a quarter of its width, a warning, a boundary hit."""
    reference = {"values": compact(findings), "monte_carlo": monte_carlo(findings)}
    assert differences(reference, findings) == []

    changed = copy.deepcopy(findings)
    use_bn = next(d for d in changed["directionality"] if d["param"] == "use_bn")
    use_bn["tier"] = "suggestive"
    use_bn["effect"] *= 1 + 1e-6  # deterministic numbers are held to 1e-9 relative
    flagged = [d.split(":")[0] for d in differences(reference, changed)]
    assert flagged == ["directionality/use_bn/effect", "directionality/use_bn/tier"]

    moved = copy.deepcopy(findings)
    epsilon = next(d for d in moved["directionality"] if d["ci_method"] == "percentile")
    width = epsilon["ci_high"] - epsilon["ci_low"]
    epsilon["ci_high"] += 0.2 * width  # within a quarter of the width: Monte Carlo error
    assert differences(reference, moved) == []
    epsilon["ci_high"] += 0.2 * width  # beyond it
    assert [d.split(":")[0] for d in differences(reference, moved)] == [f"directionality/{epsilon['param']}/ci_high"]

    fewer = copy.deepcopy(findings)
    fewer["warnings"] = fewer["warnings"][1:]
    del fewer["boundary_hits"][0]
    found = differences(reference, fewer)
    assert any(d.startswith("warnings:") for d in found)
    assert any(d.startswith("missing: boundary/") for d in found)
