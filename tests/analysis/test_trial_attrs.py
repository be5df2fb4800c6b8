"""What the trials carry beside the value: every number checked against numpy/scipy/statsmodels.

Literal studies record per-class accuracies, a chance baseline, a champion retrained over seeds,
parameter counts, throughput and other numeric attributes, exactly as ``trainer/`` writes them;
studies without them get no section and no error.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution
from scipy import stats
from statsmodels.stats.multitest import multipletests

from generator.analysis.sample import analysed_sample
from generator.analysis.trial_attrs import NEAR_BEST, trial_attributes
from generator.cli import main
from generator.config import AnalysisConfig
from generator.paths import schema_path
from tests.conftest import REPO
from tests.invariants import report_violations
from tests.snapshot_compare import snapshot_of_study
from tests.studies import AWKWARD, LR, X, add, build, simple, sqlite_study

CLASSES = ["cat", "dog", "bird"]
ENC2 = CategoricalDistribution(["a", "b"])
OPT3 = CategoricalDistribution(["adam", "sgd", "rmsprop"])
N = 12


def _trial(i: int) -> dict[str, Any]:
    """Trial i of the literal study: its x, value and user attributes."""
    x = (i * 0.37) % 1.0
    value = 0.4 + 0.5 * x + 0.001 * i
    enc = "a" if i % 2 == 0 else "b"
    return {
        "x": x,
        "enc": enc,
        "opt": ["adam", "sgd", "rmsprop"][i % 3],
        "value": value,
        "per_class_acc": {
            "cat": 0.5 + 0.4 * x,  # above chance (1/3) in every trial
            "dog": (0.6 if enc == "a" else 0.1) + 0.3 * x,  # above chance in some trials; depends on enc
            "bird": 0.3 * ((i * 7) % 5) / 4,  # at most 0.3: never above 1/3
        },
        "n_params": 1000 + 500 * ((i * 5) % 7),
        "train_samples_per_s": 300.0 + 40 * ((i * 3) % 11),
        "noise": float((i * 13) % 17),
        "score_copy": 1 - value,  # the objective restated (an error rate): left out
        "worker_pid": 4000 + i,  # bookkeeping: left out
        "epochs_run": 6,
        "tag": "text",  # not numeric: left out
    }


TRIALS = [_trial(i) for i in range(N)]
RUNS = [0.81, 0.84, 0.79, 0.83]
CHAMPION_TRIAL = max(range(N), key=lambda i: TRIALS[i]["value"])


def _champion_record(epochs: int) -> dict[str, Any]:
    return {
        "trial": CHAMPION_TRIAL,
        "trial_value": TRIALS[CHAMPION_TRIAL]["value"],
        "epochs": epochs,
        "seeds": [1, 2, 3, 4],
        "baseline": 1 / 3,
        "val_acc": {"mean": 0.85, "std": 0.01, "min": 0.84, "max": 0.86, "n": 4},
        "test_acc": {"mean": float(np.mean(RUNS)), "std": float(np.std(RUNS, ddof=1)), "n": 4},
        "runs": [{"seed": s, "test_acc": a} for s, a in zip([1, 2, 3, 4], RUNS, strict=True)],
        "test_per_class_acc": {"cat": 0.97, "dog": 0.88, "bird": 0.31},
    }


def attr_study(direction: str = "maximize", epochs: int = 6, champion: bool = True) -> optuna.Study:
    study = optuna.create_study(direction=direction, study_name=f"attrs-{direction}-{epochs}-{champion}")
    study.set_user_attr("baseline", 1 / 3)
    study.set_user_attr("class_names", CLASSES)
    if champion:
        study.set_user_attr("champion_validation", _champion_record(epochs))
    for t in TRIALS:
        attrs = {k: v for k, v in t.items() if k not in ("x", "enc", "opt", "value")}
        value = t["value"] if direction == "maximize" else -t["value"]
        add(study, {k: t[k] for k in ("x", "enc", "opt")}, {"x": X, "enc": ENC2, "opt": OPT3}, value, user_attrs=attrs)
    # A pruned trial's attributes are not analysed.
    add(study, {"x": 0.5}, {"x": X}, None, state=optuna.trial.TrialState.PRUNED, user_attrs={"n_params": 1})
    return study


def analyse(study: optuna.Study, tmp_path: Path, direction: str = "maximize"):
    snapshot = snapshot_of_study(study, tmp_path)
    sample = analysed_sample(snapshot, AnalysisConfig(elite_quantile=0.25))
    assert sample.direction == direction
    return trial_attributes(snapshot, sample, dict(study.user_attrs), "holm", 0.05, 0.10)


def test_per_class_numbers(tmp_path: Path) -> None:
    t = analyse(attr_study(), tmp_path)
    pc = t.per_class
    assert pc.class_names == tuple(CLASSES) and pc.class_chance == pytest.approx(1 / 3)
    assert pc.n == N and pc.n_elites == math.ceil(0.25 * N)
    values = np.array([tr["value"] for tr in TRIALS])
    best = int(np.argmax(values))
    elites = set(np.argsort(-values)[: math.ceil(0.25 * N)].tolist())
    assert pc.best_number == best
    for row in pc.classes:
        acc = np.array([tr["per_class_acc"][row.name] for tr in TRIALS])
        elite_acc = acc[sorted(elites)]
        assert row.best == pytest.approx(acc[best])
        assert (row.n, row.n_elites) == (N, len(elites))
        assert (row.min, row.median, row.max) == pytest.approx((acc.min(), np.median(acc), acc.max()))
        assert (row.elite_min, row.elite_median, row.elite_max) == pytest.approx(
            (elite_acc.min(), np.median(elite_acc), elite_acc.max())
        )
        assert row.n_above_chance == int(np.sum(acc > 1 / 3))
        assert row.n_elites_above_chance == int(np.sum(elite_acc > 1 / 3))
    learned = {row.name: row.learned for row in pc.classes}
    assert learned == {"cat": "all", "dog": "some", "bird": "none"}
    assert pc.never_learned == ("bird",) and pc.sometimes_learned == ("dog",)


def test_baseline_and_champion(tmp_path: Path) -> None:
    t = analyse(attr_study(epochs=6), tmp_path)
    best = max(tr["value"] for tr in TRIALS)
    b = t.baseline
    assert (b.best, b.baseline, b.source, b.n) == (pytest.approx(best), pytest.approx(1 / 3), "user_attr:baseline", N)
    assert b.ratio == pytest.approx(best * 3)
    assert b.headroom_used == pytest.approx((best - 1 / 3) / (2 / 3))
    assert b.better and not b.low

    c = t.champion
    runs = np.array(RUNS)
    low, high = stats.t.interval(0.95, len(runs) - 1, loc=runs.mean(), scale=stats.sem(runs))
    assert (c.trial, c.n, c.source, c.epochs, c.sweep_epochs) == (CHAMPION_TRIAL, 4, "runs", 6, 6)
    assert c.test_mean == pytest.approx(runs.mean())
    assert c.test_std == pytest.approx(runs.std(ddof=1))
    assert (c.test_ci_low, c.test_ci_high) == pytest.approx((low, high))
    assert (c.test_min, c.test_max) == pytest.approx((runs.min(), runs.max()))
    assert (c.val_mean, c.val_std, c.val_n) == (pytest.approx(0.85), pytest.approx(0.01), 4)
    assert c.gap == pytest.approx(runs.mean() - best)
    assert (c.gap_ci_low, c.gap_ci_high) == pytest.approx((low - best, high - best))
    assert c.gap_ci_high < 0, "the literal champion scores below its sweep value: a measured selection bias"
    assert c.same_training is True
    assert c.test_per_class == {"cat": 0.97, "dog": 0.88, "bird": 0.31}

    longer = analyse(attr_study(epochs=30), tmp_path).champion
    assert longer.same_training is False and longer.epochs == 30


def test_champion_from_summary_only(tmp_path: Path) -> None:
    study = optuna.create_study(direction="maximize", study_name="summary-only")
    study.set_user_attr("champion_validation", {"trial": 0, "test_acc": {"mean": 0.9, "std": 0.02, "n": 5}})
    simple(study)
    c = analyse(study, tmp_path).champion
    low, high = stats.t.interval(0.95, 4, loc=0.9, scale=0.02 / math.sqrt(5))
    assert (c.source, c.n, c.test_mean, c.test_std) == ("summary", 5, 0.9, 0.02)
    assert (c.test_ci_low, c.test_ci_high) == pytest.approx((low, high))
    assert c.trial_value is None and c.gap is None and c.same_training is None and c.test_per_class is None


@pytest.mark.parametrize("direction", ["maximize", "minimize"])
def test_correlations_against_scipy(direction: str, tmp_path: Path) -> None:
    t = analyse(attr_study(direction), tmp_path, direction)
    sign = 1 if direction == "maximize" else -1
    values = np.array([sign * tr["value"] for tr in TRIALS])
    rows = {c.attr: c for c in t.correlations}
    # score_copy is the objective, worker_pid bookkeeping, tag text: none of them is correlated.
    assert sorted(rows) == ["epochs_run", "n_params", "noise", "train_samples_per_s"]
    assert rows["epochs_run"].untested_reason == "constant" and rows["epochs_run"].tier == "not tested"
    tested = ["n_params", "noise", "train_samples_per_s"]
    p = []
    for name in tested:
        x = np.array([tr[name] for tr in TRIALS], dtype=float)
        rho, pvalue = stats.spearmanr(x, values)
        row = rows[name]
        assert (row.n, row.n_missing, row.p_method) == (N, 0, "t approximation")
        assert row.rho == pytest.approx(sign * rho)
        assert row.p == pytest.approx(pvalue)
        half = stats.norm.ppf(0.975) * math.sqrt((1 + rho**2 / 2) / (N - 3))
        ends = sorted(sign * np.tanh(np.arctanh(rho) + np.array([-half, half])))
        assert (row.ci_low, row.ci_high) == pytest.approx(tuple(ends))
        p.append(pvalue)
    q = multipletests(p, method="holm")[1]
    for name, expected in zip(tested, q, strict=True):
        assert rows[name].q == pytest.approx(expected)


def test_cheapest_near_best(tmp_path: Path) -> None:
    t = analyse(attr_study(), tmp_path)
    values = np.array([tr["value"] for tr in TRIALS])
    best = int(np.argmax(values))
    threshold = values[best] * (1 - NEAR_BEST)
    near = [i for i in range(N) if values[i] >= threshold]
    cost = {c.attr: c for c in t.cost}
    assert sorted(cost) == ["n_params", "train_samples_per_s"]
    n_params = cost["n_params"]
    cheapest = min(near, key=lambda i: (TRIALS[i]["n_params"], -values[i], i))
    assert (n_params.best_number, n_params.best_cost) == (best, TRIALS[best]["n_params"])
    assert n_params.threshold == pytest.approx(threshold) and n_params.n_near_best == len(near)
    assert (n_params.cheapest_number, n_params.cheapest_cost) == (cheapest, TRIALS[cheapest]["n_params"])
    fastest = max(near, key=lambda i: (TRIALS[i]["train_samples_per_s"], values[i], -i))
    assert cost["train_samples_per_s"].cheapest_number == fastest
    assert cost["train_samples_per_s"].cheaper == "higher"
    assert n_params.correlation == next(c for c in t.correlations if c.attr == "n_params")


@pytest.mark.parametrize("name", ["simple", "all_failed", "pruned_only", "multi_objective", "inf_values"])
def test_awkward_studies_carry_nothing(name: str, tmp_path: Path) -> None:
    builder, directions = AWKWARD[name]
    study = build("sqlite:///" + str(tmp_path / "a.db"), name, builder, directions)
    assert analyse(study, tmp_path, directions[0]) is None


def test_list_accuracies_and_no_class_names(tmp_path: Path) -> None:
    study = optuna.create_study(direction="minimize", study_name="lists")
    for i in range(6):
        add(study, {"lr": 10.0 ** -(i % 4 + 1)}, {"lr": LR}, float(i), user_attrs={"per_class_acc": [0.9, 0.1 * i]})
    t = analyse(study, tmp_path, "minimize")
    assert t.per_class.class_names == ("0", "1") and t.per_class.class_chance == 0.5
    assert t.baseline is None and t.champion is None and t.cost == () and t.correlations == ()
    row = t.per_class.classes[1]
    assert (row.best, row.max, row.n_above_chance, row.learned) == (0.0, pytest.approx(0.5), 0, "none")


def _report(tmp_path: Path, study_name: str, builder, direction: str = "maximize") -> Path:
    url = sqlite_study(tmp_path / "s.db", study_name, builder, [direction])
    assert main(["--storage", url, "--study", study_name, "--out", str(tmp_path / "out"), "--quiet"]) == 0
    (version,) = sorted(p for p in (tmp_path / "out" / "report").glob("*/*") if p.is_dir())
    return version


def test_report_shows_sections(tmp_path: Path) -> None:
    def builder(study: optuna.Study) -> None:
        source = attr_study(epochs=30)
        for key, value in source.user_attrs.items():
            study.set_user_attr(key, value)
        for trial in source.trials:
            study.add_trial(trial)

    version = _report(tmp_path, "attrs-report", builder)
    document = json.loads((version / "findings.json").read_text())
    jsonschema.validate(document, json.loads(schema_path().read_text()))
    assert report_violations(version) == []
    md = (version / "findings.md").read_text()
    assert "## What the trials record beside the value" in md
    assert "| `bird` |" in md and "**No trial learns** `bird`" in md
    assert "Test score, mean ± std | 0.8175 ± 0.02217 (n = 4 seeds)" in md
    assert "mixes the effect of training longer" in md
    assert "| Best against chance |" in md
    assert "Champion test (n = 4 seeds) |" in md and "| 0.31 |" in md
    (warning,) = [w for w in document["warnings"] if w["code"] == "classes_never_learned"]
    assert warning["values"] == {
        "classes": "bird",
        "count": 1,
        "n_classes": 3,
        "class_chance": pytest.approx(1 / 3),
        "n": N,
    }
    assert warning["message"].startswith(
        "No trial learns bird: 1 of 3 classes score at or below the chance level 0.3333"
    )
    champion = document["trial_attributes"]["champion"]
    assert champion["test_mean"] == pytest.approx(np.mean(RUNS))


def test_report_without_attributes_has_no_section(tmp_path: Path) -> None:
    version = _report(tmp_path, "plain", simple)
    document = json.loads((version / "findings.json").read_text())
    assert document["trial_attributes"] is None
    assert not [w for w in document["warnings"] if w["code"] == "classes_never_learned"]
    md = (version / "findings.md").read_text()
    assert "beside the value" not in md and "Best against chance" not in md
    assert report_violations(version) == []


def test_example_study_report(tmp_path: Path) -> None:
    """The example study's report shows its per-class table and its champion, with its numbers."""
    db = tmp_path / "example.db"
    shutil.copyfile(REPO / "examples" / "visual_classifier_cpu_sweep.db", db)
    name = "visual_classifier_cnn_vs_context_cpu_v1"
    study = optuna.load_study(study_name=name, storage=f"sqlite:///{db}")
    assert main(["--storage", str(db), "--study", name, "--out", str(tmp_path / "out"), "--quiet"]) == 0
    (version,) = sorted(p for p in (tmp_path / "out" / "report").glob("*/*") if p.is_dir())
    t = json.loads((version / "findings.json").read_text())["trial_attributes"]
    md = (version / "findings.md").read_text()
    complete = [tr for tr in study.trials if tr.state == optuna.trial.TrialState.COMPLETE]
    best = study.best_trial
    names = study.user_attrs["class_names"]
    assert t["per_class"]["class_names"] == names and t["per_class"]["n"] == len(complete)
    for row in t["per_class"]["classes"]:
        acc = np.array([tr.user_attrs["per_class_acc"][row["name"]] for tr in complete])
        assert row["best"] == pytest.approx(best.user_attrs["per_class_acc"][row["name"]])
        assert (row["min"], row["median"], row["max"]) == pytest.approx((acc.min(), np.median(acc), acc.max()))
        assert f"| `{row['name']}` |" in md
    runs = np.array([r["test_acc"] for r in study.user_attrs["champion_validation"]["runs"]])
    champion = t["champion"]
    assert (champion["n"], champion["trial"]) == (len(runs), best.number)
    assert champion["test_mean"] == pytest.approx(runs.mean())
    assert champion["test_std"] == pytest.approx(runs.std(ddof=1))
    low, high = stats.t.interval(0.95, len(runs) - 1, loc=runs.mean(), scale=stats.sem(runs))
    assert (champion["test_ci_low"], champion["test_ci_high"]) == pytest.approx((low, high))
    assert champion["gap"] == pytest.approx(runs.mean() - best.value)
    assert "| Test score, mean ± std | 0.9711 ± 0.006759 (n = 3 seeds) |" in md
    assert t["baseline"]["ratio"] == pytest.approx(best.value / study.user_attrs["baseline"])
    # The example's importance_effect_disagree warning on depth (q = 0.069) predates this section
    # and is another check's business; nothing else may be contradicted.
    assert [v for v in report_violations(version) if "importance_effect_disagree" not in v] == []


def test_class_accuracy_by_configuration(tmp_path: Path) -> None:
    """Each class x categorical parameter: Mann-Whitney or Kruskal-Wallis, Holm over all of them."""
    pc = analyse(attr_study(), tmp_path).per_class
    rows = {(d.name, d.param): d for d in pc.by_config}
    assert sorted(rows) == sorted((c, p) for c in CLASSES for p in ("enc", "opt"))
    p = {}
    for (name, param), d in rows.items():
        acc = np.array([t["per_class_acc"][name] for t in TRIALS])
        levels = ["a", "b"] if param == "enc" else ["adam", "sgd", "rmsprop"]
        groups = [acc[[i for i in range(N) if TRIALS[i][param] == level]] for level in levels]
        assert [lv.level for lv in d.levels] == levels
        assert [(lv.n, lv.median) for lv in d.levels] == [(len(g), pytest.approx(np.median(g))) for g in groups]
        assert [lv.n_above_chance for lv in d.levels] == [int(np.sum(g > 1 / 3)) for g in groups]
        if param == "enc":
            # bird's accuracies tie: the exact p is the permutation p (scipy's "exact" assumes no ties)
            exact_ties = stats.PermutationMethod(n_resamples=np.inf)
            test = stats.mannwhitneyu(groups[0], groups[1], method=exact_ties)
            assert (d.test, d.statistic, d.p_method) == ("mann_whitney", test.statistic, "exact permutation")
            assert d.p == pytest.approx(test.pvalue)
            assert d.effect == pytest.approx(2 * test.statistic / (len(groups[0]) * len(groups[1])) - 1)
        else:
            h = stats.kruskal(*groups).statistic
            exact = stats.permutation_test(
                groups,
                lambda *g, axis=-1: stats.kruskal(*g, axis=axis).statistic,
                alternative="greater",
                n_resamples=np.inf,
                vectorized=True,
            ).pvalue
            assert (d.test, d.p_method) == ("kruskal_wallis", "exact permutation")
            assert (d.statistic, d.effect, d.p) == pytest.approx((h, h / (N - 1), exact))
        p[(name, param)] = d.p
    keys = list(p)
    q = dict(zip(keys, multipletests([p[k] for k in keys], method="holm")[1], strict=True))
    for key, d in rows.items():
        assert d.q == pytest.approx(q[key])
    dog = rows[("dog", "enc")]
    assert dog.effect == 1.0 and dog.tier == "strong" and dog.ci_low > 0, "every a-trial beats every b-trial"
    assert pc.by_config[0] == dog, "sorted by q"
