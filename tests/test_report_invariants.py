"""Reports on real-study shapes never crash and never contradict their own numbers.

Every study of ``real_shapes.REAL_SHAPES`` (the shapes that broke reports of public storages)
goes through the whole command; ``invariants.report_violations`` lists any statement its own
numbers deny. The awkward studies (test_pipeline) and ../shared/studies (test_shared_studies)
run the same check.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from generator.cli import main
from tests.conftest import REPO
from tests.invariants import report_violations
from tests.real_shapes import REAL_SHAPES
from tests.studies import sqlite_study

EXAMPLE = "visual_classifier_cnn_vs_context_cpu_v1"


def report(name: str, tmp_path: Path) -> Path:
    builder, directions = REAL_SHAPES[name]
    url = sqlite_study(tmp_path / "s.db", name, builder, directions)
    assert main(["--storage", url, "--study", name, "--out", str(tmp_path / "out"), "--quiet"]) == 0
    (version,) = sorted(p for p in (tmp_path / "out" / "report").glob("*/*") if p.is_dir())
    return version


@pytest.mark.parametrize("name", sorted(REAL_SHAPES))
def test_real_shapes_report_without_contradiction(name: str, tmp_path: Path) -> None:
    version = report(name, tmp_path)
    assert report_violations(version) == []


def test_example_study_reports_without_contradiction(tmp_path: Path) -> None:
    storage = str(REPO / "examples" / "visual_classifier_cpu_sweep.db")
    assert main(["--storage", storage, "--study", EXAMPLE, "--out", str(tmp_path / "out"), "--quiet"]) == 0
    (version,) = sorted(p for p in (tmp_path / "out" / "report").glob("*/*") if p.is_dir())
    assert report_violations(version) == []


def test_formula_strings_are_neutralised_in_every_csv(tmp_path: Path) -> None:
    version = report("formula_strings", tmp_path)
    cells = [
        cell
        for path in sorted((version / "artifacts").rglob("*.csv"))
        for row in csv.reader(path.read_text(encoding="utf-8").splitlines())
        for cell in row
    ]
    assert any("HYPERLINK" in cell for cell in cells), "the hostile name is in the tables"
    for cell in cells:
        if cell[:1] in ("=", "+", "-", "@"):
            # A number (e.g. -0.5) is data, not a formula; anything else must be neutralised.
            float(cell)


def test_single_trial_level_is_reported(tmp_path: Path) -> None:
    version = report("single_trial_level", tmp_path)
    rows = {d["param"]: d for d in json.loads((version / "findings.json").read_text())["directionality"]}
    assert {level["n"] for level in rows["optimizer"]["levels"]} == {1, 7}
    assert {level["n"] for level in rows["activation"]["levels"]} == {1, 3, 4}


def test_learning_curve_contradictions_are_caught() -> None:
    """The example report's own lines before the fix: trials 13, 26 and 33 "still improving" with
    their best a step before their last, and "likely too short" from 3 of 5 (23% to 88%)."""
    from tests.invariants import curve_table_violations, learning_curve_violations

    trial = {
        "number": 13,
        "still_improving": True,
        "best_step": 4,
        "last_step": 5,
        "best_value": 0.9,
        "last_value": 0.89,
    }
    share = {"count": 3, "of": 5, "share": 0.6, "ci_low": 0.2307, "ci_high": 0.8824}
    document = {"learning_curves": {"elite_curves": [trial], "elites_still_improving": share}}
    found = learning_curve_violations(document, "- **Training was likely too short**: most of these elites")
    assert found == [
        "trial 13 is still improving but its last value 0.89 is not its best 0.9 (step 4)",
        "training called likely too short from 3 of 5 elites, 95% interval from 0.2307",
    ]
    fixed = {"elite_curves": [{**trial, "still_improving": False}], "elites_still_improving": {**share, "ci_low": 0.61}}
    assert learning_curve_violations({"learning_curves": fixed}, "Training was likely too short") == []
    assert learning_curve_violations({"learning_curves": None}, "") == []
    # A last value that ties an earlier best is still the best.
    tie = {"elite_curves": [{**trial, "last_value": 0.9}], "elites_still_improving": {**share, "ci_low": 0.61}}
    assert learning_curve_violations({"learning_curves": tie}, "") == []
    # Every trial's row is in artifacts/learning_curves.csv (cells as written), checked the same way.
    fixed["trials_with_curves"] = 1
    row = {"number": "13", "still_improving": "True", "best_step": "4", "best_value": "0.9", "last_value": "0.89"}
    assert learning_curve_violations({"learning_curves": fixed}, "", [row]) == [
        "learning_curves.csv: trial 13 is still improving but its last value 0.89 is not its best 0.9 (step 4)"
    ]
    assert learning_curve_violations({"learning_curves": fixed}, "", [{**row, "last_value": "0.9"}]) == []
    fixed["trials_with_curves"] = 2
    assert learning_curve_violations({"learning_curves": fixed}, "", [{**row, "last_value": "0.9"}]) == [
        "learning_curves.csv has 1 rows for 2 trials with curves"
    ]
    # The table and the findings agree on whether the study has curves.
    assert curve_table_violations({"learning_curves": fixed}, table_exists=True) == []
    assert curve_table_violations({"learning_curves": None}, table_exists=False) == []
    assert curve_table_violations({"learning_curves": fixed}, table_exists=False) == [
        "findings.json has learning curves but artifacts/learning_curves.csv is missing"
    ]
    assert curve_table_violations({"learning_curves": None}, table_exists=True) == [
        "artifacts/learning_curves.csv is written but findings.json has no learning curves"
    ]
