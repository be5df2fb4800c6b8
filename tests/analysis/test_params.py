"""Parameter kinds, merged declared ranges and conditional-parent detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.analysis.frames import elite_count, elite_numbers, param_table
from generator.analysis.params import classify, param_specs
from generator.model.findings import Condition
from tests.snapshot_compare import snapshot_of
from tests.studies import AWKWARD, sqlite_study


@pytest.mark.parametrize(
    ("dist_type", "choices", "kind"),
    [
        ("float", (), "continuous"),
        ("int", (), "integer"),
        ("categorical", (8, 16, 32, 64), "ordinal"),
        ("categorical", (0.9, 0.99), "ordinal"),
        ("categorical", (True, False), "boolean"),
        ("categorical", ("cnn", "context"), "categorical"),
        ("categorical", ("adam", "sgd", None), "categorical"),
        ("categorical", (1, "a"), "categorical"),
        ("categorical", (True, 1), "categorical"),
    ],
)
def test_classify(dist_type: str, choices: tuple, kind: str) -> None:
    assert classify(dist_type, choices) == kind


def test_conditional_parent_detected(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", "c", AWKWARD["conditional"][0], ["maximize"])
    specs = param_specs(snapshot_of(url, "c", tmp_path))
    assert specs["depth"].condition == Condition("encoder_type", "cnn")
    assert specs["ctx_dropout"].condition == Condition("encoder_type", "context")
    assert specs["encoder_type"].condition is None and specs["encoder_type"].always_present
    assert (specs["depth"].n_present, specs["depth"].n_structure) == (15, 20)
    assert specs["batch_size"].kind == "ordinal"


def test_dynamic_range_is_the_union(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", "d", AWKWARD["dynamic_ranges"][0], ["minimize"])
    spec = param_specs(snapshot_of(url, "d", tmp_path))["depth"]
    assert (spec.low, spec.high, spec.n_distributions, spec.dynamic) == (2.0, 30.0, 2, True)


def test_elites_are_the_top_quantile_with_number_tiebreak(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", "c", AWKWARD["conditional"][0], ["maximize"])
    snapshot = snapshot_of(url, "c", tmp_path)
    table = param_table(snapshot, 0)
    assert elite_count(20, 0.25) == 5 and elite_count(3, 0.25) == 1 and elite_count(0, 0.25) == 0
    elites = elite_numbers(snapshot, 0, "maximize", 0.25)
    ordered = table.sort_values(["value", "number"], ascending=[False, True])
    assert elites == frozenset(ordered["number"].iloc[:5])
    assert set(table.columns) >= {"number", "value", "depth", "encoder_type", "batch_size"}
