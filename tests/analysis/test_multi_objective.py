"""Multi-objective studies: the Pareto front against Optuna's ``best_trials``, the hypervolume
against hand computation, one single-objective block per objective (each its own correction
family), and full reports and sites for the awkward, a 3-objective and the shared studies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution
from optuna.trial import TrialState, create_trial
from scipy.stats import fisher_exact
from statsmodels.stats.multitest import multipletests

from generator.analysis.assemble import analyse
from generator.analysis.chart_data.pareto import pareto_data
from generator.analysis.pareto import hypervolume_history, pareto_front, pool
from generator.cli import main
from generator.cli_flags import reproduce_command
from generator.config import AnalysisConfig
from generator.paths import schema_path
from generator.sweep_config import load_sweep_config
from tests.conftest import SHARED_STUDIES
from tests.invariants import report_violations
from tests.snapshot_compare import snapshot_of, snapshot_of_study
from tests.studies import AWKWARD, LR, X, add, sqlite_study

OPT = CategoricalDistribution(["adam", "sgd"])


def two_objectives(study: optuna.Study) -> None:
    """Loss (minimize) against accuracy (maximize), a trade-off: the adam trials lie on the front
    (lower loss, lower accuracy), each sgd trial is beaten by its adam neighbour; and two trials
    with identical values on the front (Optuna keeps both)."""
    for i in range(16):
        t = i / 15
        opt = ["adam", "sgd"][i % 2]
        lr = 10 ** (-5 + 4 * t)
        add(study, {"lr": lr, "opt": opt}, {"lr": LR, "opt": OPT}, [t + 0.3 * (i % 2), t - 0.2 * (i % 2)])
    add(study, {"lr": 1e-3, "opt": "adam"}, {"lr": LR, "opt": OPT}, [0.5, 0.5])
    add(study, {"lr": 1e-3, "opt": "sgd"}, {"lr": LR, "opt": OPT}, [0.5, 0.5])


def three_objectives(study: optuna.Study) -> None:
    for i in range(24):
        x, y = (i * 7 % 24) / 24, (i * 5 % 24) / 24
        opt = ["adam", "sgd"][i % 2]
        add(
            study,
            {"x": x, "y": y, "opt": opt},
            {"x": X, "y": X, "opt": OPT},
            [x + 0.1 * y, (1 - x) ** 2 + y, 1 - y + 0.05 * (opt == "sgd")],
        )


STUDIES = {
    "two": (two_objectives, ["minimize", "maximize"]),
    "three": (three_objectives, ["minimize", "minimize", "maximize"]),
    "multi_objective": AWKWARD["multi_objective"],
}


def build(tmp_path: Path, name: str) -> tuple[str, optuna.Study]:
    builder, directions = STUDIES[name]
    url = sqlite_study(tmp_path / f"{name}.db", name, builder, directions)
    return url, optuna.load_study(study_name=name, storage=url)


@pytest.mark.parametrize("name", sorted(STUDIES))
def test_front_is_optunas_best_trials(name: str, tmp_path: Path) -> None:
    url, study = build(tmp_path, name)
    snapshot = snapshot_of(url, name, tmp_path)
    table, n_infinite, constrained, _ = pool(snapshot)
    front = pareto_front(snapshot, table)
    expected = sorted(study.best_trials, key=lambda t: t.number)
    assert [t.number for t in front] == [t.number for t in expected]
    assert [list(t.values) for t in front] == [t.values for t in expected]
    assert [t.params for t in front] == [t.params for t in expected]
    assert (n_infinite, constrained) == (0, False)
    if name == "two":
        assert [t.number for t in front] == [0, 2, 4, 6, 8, 10, 12, 14, 16, 17], "identical values: both kept"


def test_front_with_constraints_and_infinite_values(tmp_path: Path) -> None:
    study = optuna.create_study(directions=["minimize", "minimize"])
    rows = [((1.0, 3.0), [0.0]), ((2.0, 2.0), [0.5]), ((0.5, 0.5), [1.0]), ((3.0, 1.0), [-1.0]), ((4.0, 4.0), [0.0])]
    for values, constraints in rows:
        study.add_trial(
            create_trial(
                values=list(values),
                params={"x": 0.1},
                distributions={"x": X},
                system_attrs={"constraints": constraints},
            )
        )
    study.add_trial(create_trial(values=[float("inf"), 0.0], params={"x": 0.2}, distributions={"x": X}))
    snapshot = snapshot_of_study(study, tmp_path)
    table, n_infinite, constrained, n_infeasible = pool(snapshot)
    # Trial 2 dominates everything but violates its constraint; trial 5 has an infinite value.
    assert (constrained, n_infeasible, n_infinite) == (True, 2, 1)
    assert [t.number for t in pareto_front(snapshot, table)] == [0, 3]
    finite = [t.number for t in study.best_trials if all(np.isfinite(t.values))]
    assert finite == [0, 3], "Optuna's feasible front, less the infinite trial"


def test_hypervolume_by_hand_2d(tmp_path: Path) -> None:
    study = optuna.create_study(directions=["minimize", "minimize"])
    for values in ([1.0, 3.0], [2.0, 2.0], [3.0, 3.0], [3.0, 1.0]):
        add(study, {"x": 0.5}, {"x": X}, values)
    table, *_ = pool(snapshot_of_study(study, tmp_path))
    history = hypervolume_history(table, ("minimize", "minimize"))
    assert history is not None
    # Reference: worst (3, 3) plus 10% of the range (2): (3.2, 3.2). Staircase areas, summed:
    # (1,3): 2.2 * 0.2; + (2,2): 1.2 * 1.0; + (3,1): 0.2 * 1.0. Trial 2 (3,3) is dominated.
    assert history.reference_point == pytest.approx((3.2, 3.2))
    assert [p.number for p in history.points] == [0, 1, 3]
    assert [p.hypervolume for p in history.points] == pytest.approx([0.44, 1.64, 1.84])
    assert [p.front_size for p in history.points] == [1, 2, 3]
    assert history.final == pytest.approx(1.84)


def test_hypervolume_by_hand_3d_with_a_maximized_objective(tmp_path: Path) -> None:
    study = optuna.create_study(directions=["minimize", "minimize", "maximize"])
    add(study, {"x": 0.5}, {"x": X}, [0.0, 0.0, -1.0])
    add(study, {"x": 0.5}, {"x": X}, [1.0, 1.0, 0.0])
    table, *_ = pool(snapshot_of_study(study, tmp_path))
    history = hypervolume_history(table, ("minimize", "minimize", "maximize"))
    assert history is not None
    # As losses: (0, 0, 1) and (1, 1, 0), reference (1.1, 1.1, 1.1): boxes of 0.121 and 0.011
    # overlapping in 0.1^3, so the union is 0.131; the reference in the objectives' directions.
    assert history.reference_point == pytest.approx((1.1, 1.1, -1.1))
    assert [p.hypervolume for p in history.points] == pytest.approx([0.121, 0.131])


def test_every_objective_is_its_own_family(tmp_path: Path) -> None:
    url, study = build(tmp_path, "two")
    snapshot = snapshot_of(url, "two", tmp_path)
    findings = analyse(snapshot, AnalysisConfig(n_bootstrap=0), "cmd")
    assert [o.index for o in findings.objectives] == [0, 1]
    assert findings.study.objective == 0
    alone = analyse(snapshot, AnalysisConfig(n_bootstrap=0, objective=1), "cmd")
    block = findings.objectives[1]
    assert block.direction == "maximize"
    assert block.directionality == alone.directionality
    assert block.summary == alone.summary
    assert block.importance == alone.importance
    tested = [d for d in block.directionality if d.p is not None]
    assert [d.q for d in tested] == pytest.approx(list(multipletests([d.p for d in tested], method="holm")[1]))
    assert findings.objectives[0].directionality == findings.directionality
    mo = findings.multi_objective
    assert mo is not None and mo.elite_basis == "pareto_front" and mo.analysed == (0, 1)
    assert mo.pareto_elites is not None and mo.pareto_elites.n_elites == len(study.best_trials) == 10
    # The front is 9 of the 9 adam trials and 1 of the 9 sgd ones: one-sided Fisher per level, Holm.
    levels = {lv.level: lv for lv in mo.pareto_elites.levels}
    p_adam = fisher_exact([[9, 1], [0, 8]], alternative="greater").pvalue
    p_sgd = fisher_exact([[1, 9], [8, 0]], alternative="greater").pvalue
    assert (levels["adam"].n_elite, levels["sgd"].n_elite) == (9, 1)
    assert [levels["adam"].p, levels["sgd"].p] == pytest.approx([p_adam, p_sgd])
    assert [levels["adam"].q, levels["sgd"].q] == pytest.approx(list(multipletests([p_adam, p_sgd], method="holm")[1]))
    assert levels["adam"].tier == "strong"
    assert [w.code for w in findings.warnings if w.code.startswith("multi")] == ["multi_objective_all"]
    # Study-wide warnings are the same in every block (so the report lists them once).
    assert [w for w in block.warnings if w.code == "multi_objective_all"] == [
        w for w in findings.warnings if w.code == "multi_objective_all"
    ]
    # Explicit --objective keeps the one-objective report (Pareto front shown for reference).
    assert [o.index for o in alone.objectives] == [1]
    assert alone.multi_objective is not None and alone.multi_objective.elite_basis == "objective"
    assert alone.multi_objective.pareto_elites is None
    assert [w.code for w in alone.warnings if w.code.startswith("multi")] == ["multi_objective"]
    assert [t.number for t in alone.pareto_front] == [t.number for t in findings.pareto_front]
    # Not given and given as 0 are different settings; only the latter is in the command.
    assert "--objective" not in reproduce_command("two", "x.db", AnalysisConfig())
    assert "--objective 0" in reproduce_command("two", "x.db", AnalysisConfig(objective=0))


def test_pareto_chart_data_marks_the_front(tmp_path: Path) -> None:
    url, study = build(tmp_path, "three")
    data = pareto_data(snapshot_of(url, "three", tmp_path), 2000)
    assert data is not None and data.n == 24
    assert sorted(p.number for p in data.points if p.on_front) == sorted(t.number for t in study.best_trials)
    thinned = pareto_data(snapshot_of(url, "three", tmp_path), 10)
    assert thinned is not None and thinned.sampling.rule == "front_and_number_spread"
    assert {p.number for p in thinned.points if p.on_front} == {t.number for t in study.best_trials}


def check_report(version: Path, front: list[int], n_objectives: int) -> None:
    document = json.loads((version / "findings.json").read_text())
    jsonschema.validate(document, json.loads(schema_path().read_text()))
    assert report_violations(version) == []
    assert [t["number"] for t in document["pareto_front"]] == front
    assert all(len(t["values"]) == n_objectives for t in document["pareto_front"])
    assert len(document["study"]["directions"]) == n_objectives
    assert [o["index"] for o in document["objectives"]] == list(range(n_objectives))
    assert set(document["objectives"][0]) >= {"summary", "directionality", "importance", "warnings", "elites"}
    markdown = (version / "findings.md").read_text()
    assert "## Multi-objective: Pareto front" in markdown
    assert f"## Objective {n_objectives} of {n_objectives}:" in markdown
    # Each objective's section gives its own reason (importance needs 5 trials, interactions 20),
    # not a bare "none computed" where the top-level objective's same section explains it.
    fallbacks = {
        "importance_": "No parameter importance was computed for this study.",
        "interactions_": "No pair of important parameters was assessed.",
    }
    for prefix, sentence in fallbacks.items():
        codes = [
            {w["code"] for w in o["warnings"] if w["code"] != "importance_effect_disagree"}
            for o in document["objectives"]
        ]
        without_reason = sum(not any(c.startswith(prefix) for c in block) for block in codes)
        assert markdown.count(sentence) <= without_reason, sentence
    assert (version / "artifacts" / "charts" / "pareto.vl.json").is_file()
    csv_rows = (version / "artifacts" / "pareto_front.csv").read_text().splitlines()
    assert len(csv_rows) == len(front) + 1
    for index in range(n_objectives):
        suffix = "" if index == 0 else f"_objective{index}"
        config = load_sweep_config(version / "artifacts" / f"refined_search_space_aggressive{suffix}.yaml")
        assert config.direction == document["study"]["directions"][index]
        assert config.reason.startswith(f"Serves objective {index} of {n_objectives}")
    page = (version.parents[2] / "site" / "report" / version.parent.name / version.name / "index.html").read_text()
    assert "Pareto front" in page and "pareto.vl.json" in page and "Hypervolume over the study" in page


@pytest.mark.parametrize("name", ["multi_objective", "three"])
def test_full_report_and_site(name: str, tmp_path: Path) -> None:
    url, study = build(tmp_path, name)
    assert main(["--storage", url, "--study", name, "--out", str(tmp_path / "out"), "--quiet"]) == 0
    (version,) = sorted(p for p in (tmp_path / "out" / "report").glob("*/*") if p.is_dir())
    check_report(version, sorted(t.number for t in study.best_trials), len(study.directions))


def test_shared_multi_objective_studies(tmp_path: Path) -> None:
    files = sorted((SHARED_STUDIES / "optuna_schema_versions").glob("*.db"))
    if not files:
        pytest.skip("../shared/studies is absent")
    reported = 0
    for path in files:
        out = tmp_path / path.stem
        code = main(["--storage", str(path), "--study", "multi", "--out", str(out), "--quiet"])
        if code != 0:  # schemas before multi-objective studies (2.4) hold no study "multi"
            assert not (out / "report").exists()
            continue
        (version,) = sorted(p for p in (out / "report").glob("*/*") if p.is_dir())
        check_report(version, [0], 2)
        reported += 1
    assert reported >= 5


def all_failed_two(study: optuna.Study) -> None:
    for i in range(3):
        add(study, {"x": i / 3}, {"x": X}, None, state=TrialState.FAIL)


def four_with_infinite(study: optuna.Study) -> None:
    for i in range(12):
        x = i / 12
        add(study, {"x": x}, {"x": X}, [x, 1 - x, (x - 0.5) ** 2, float("inf") if i == 3 else x * x])


@pytest.mark.parametrize(
    ("builder", "directions", "front", "n_infinite"),
    [
        (all_failed_two, ["minimize", "maximize"], [], 0),
        (four_with_infinite, ["minimize", "minimize", "minimize", "maximize"], [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11], 1),
    ],
)
def test_no_front_and_four_objectives_still_report(
    builder: Any, directions: list[str], front: list[int], n_infinite: int, tmp_path: Path
) -> None:
    url = sqlite_study(tmp_path / "s.db", "s", builder, directions)
    assert main(["--storage", url, "--study", "s", "--out", str(tmp_path / "out"), "--quiet"]) == 0
    (version,) = sorted(p for p in (tmp_path / "out" / "report").glob("*/*") if p.is_dir())
    document = json.loads((version / "findings.json").read_text())
    jsonschema.validate(document, json.loads(schema_path().read_text()))
    assert report_violations(version) == []
    assert [t["number"] for t in document["pareto_front"]] == front
    assert document["multi_objective"]["n_infinite"] == n_infinite
    assert len(document["objectives"]) == len(directions)
    assert (document["hypervolume_history"] is None) == (not front)
    assert not (version / "artifacts" / "charts" / "pareto.vl.json").exists(), "no chart: no front, or 4 objectives"


def test_hypervolume_table_does_not_end_short_of_the_front(tmp_path: Path) -> None:
    """Trial 17 joins the front with the same values as trial 16: the hypervolume does not change,
    so the table's last row (front of 9) would contradict the front of 10 above it unless said."""
    from generator.render.documents import findings_markdown

    url, study = build(tmp_path, "two")
    findings = analyse(snapshot_of(url, "two", tmp_path), AnalysisConfig(n_bootstrap=0), "cmd")
    hv = findings.hypervolume_history
    assert hv is not None and len(study.best_trials) == len(findings.pareto_front) == 10
    assert hv.points[-1].number == 16 and hv.points[-1].front_size == 9
    markdown = findings_markdown(findings, "v")
    assert "The front ends with 10 trials, not 9: later trials changed it without changing the hypervolume" in markdown
