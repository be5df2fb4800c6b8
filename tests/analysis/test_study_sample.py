"""The study sample is built once per analysed objective and handed to every stage (issue 12).

A stage that selected its trials again (finite values, parameter specs, elites, the importance
input) from the snapshot would cost a rebuild per stage and could drift from the others; these
tests count the builders wherever a module imported them, so a stage that calls one again fails.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.analysis import frames, params, sample
from generator.analysis.assemble import analyse
from generator.analysis.chart_data import chart_set
from generator.analysis.importance import _base
from generator.analysis.sample import analysed_sample
from generator.config import AnalysisConfig
from generator.model.serialize import dumps
from generator.snapshot import Snapshot
from tests.conftest import REPO
from tests.snapshot_compare import snapshot_of
from tests.studies import AWKWARD, sqlite_study

EXAMPLE = REPO / "examples" / "visual_classifier_cpu_sweep.db"
EXAMPLE_STUDY = "visual_classifier_cnn_vs_context_cpu_v1"
BUILDERS: dict[str, Callable[..., Any]] = {
    "finite_objective_values": frames.finite_objective_values,
    "param_specs": params.param_specs,
    "importance_input": _base.importance_input,
    "analysed_sample": sample.analysed_sample,
}


def count_builders(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Calls of each builder from now on, through every generator module that holds it."""
    calls: Counter[str] = Counter()

    def counting(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return original(*args, **kwargs)

        return wrapper

    for module in [m for name, m in sys.modules.items() if name.startswith("generator.") and m is not None]:
        for name, original in BUILDERS.items():
            if getattr(module, name, None) is original:
                monkeypatch.setattr(module, name, counting(name, original))
    return calls


def awkward(name: str, tmp_path: Path) -> Snapshot:
    return snapshot_of(sqlite_study(tmp_path / "s.db", name, *AWKWARD[name]), name, tmp_path)


def example(tmp_path: Path) -> Snapshot:
    return snapshot_of(str(EXAMPLE), EXAMPLE_STUDY, tmp_path)


@pytest.mark.parametrize(
    ("study", "config", "n_objectives"),
    [
        ("conditional", AnalysisConfig(), 1),
        ("example", AnalysisConfig(include_pruned=True), 1),
        ("multi_objective", AnalysisConfig(), 2),
        ("multi_objective", AnalysisConfig(objective=1), 1),
    ],
)
def test_one_sample_per_analysed_objective_for_findings_and_charts(
    study: str, config: AnalysisConfig, n_objectives: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = example(tmp_path) if study == "example" else awkward(study, tmp_path)
    calls = count_builders(monkeypatch)
    built = sample.analysed_sample(snapshot, config)  # through the module: counted
    findings = analyse(snapshot, config, "", built)
    chart_set(snapshot, config, findings.importance, findings.interactions, built)
    # specs are the study's, shared by every objective; the rest is per objective
    assert calls == {
        "param_specs": 1,
        "analysed_sample": n_objectives,
        "finite_objective_values": n_objectives,
        "importance_input": n_objectives,
    }


@pytest.mark.parametrize("config", [AnalysisConfig(), AnalysisConfig(include_pruned=True)])
def test_a_prebuilt_sample_changes_nothing(config: AnalysisConfig, tmp_path: Path) -> None:
    snapshot = example(tmp_path)
    built = analysed_sample(snapshot, config)
    alone = analyse(snapshot, config, "cmd")
    assert dumps(analyse(snapshot, config, "cmd", built)) == dumps(alone)
    fresh = chart_set(snapshot, config, alone.importance, alone.interactions)
    assert repr(chart_set(snapshot, config, alone.importance, alone.interactions, built)) == repr(fresh)
    assert built.n == alone.summary.n == fresh.n_analysed
    assert built.elites == frames.elite_numbers(
        snapshot if not config.include_pruned else sample.analysed_view(snapshot, config),
        0,
        built.direction,
        config.elite_quantile,
    )


def test_a_sample_built_with_other_settings_is_refused(tmp_path: Path) -> None:
    snapshot = awkward("conditional", tmp_path)
    built = analysed_sample(snapshot, AnalysisConfig())
    with pytest.raises(ValueError, match="other settings"):
        analyse(snapshot, AnalysisConfig(elite_quantile=0.5), "", built)
    with pytest.raises(ValueError, match="other settings"):
        chart_set(snapshot, AnalysisConfig(include_pruned=True), sample=built)
