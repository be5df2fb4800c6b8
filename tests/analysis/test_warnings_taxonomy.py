"""The warning taxonomy: every code has a sentence, every sentence is produced by some study."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from scipy.stats import hypergeom
from statsmodels.stats.multitest import multipletests

from generator.analysis.assemble import analyse
from generator.analysis.warnings import SEVERITY_ORDER
from generator.config import AnalysisConfig
from generator.paths import templates_dir
from generator.render.env import fmt_value, message_for
from tests.snapshot_compare import snapshot_of
from tests.studies import AWKWARD, add, seed_shaped, sqlite_study


def test_every_code_is_raised_by_an_awkward_study_and_renders(tmp_path: Path) -> None:
    messages = yaml.safe_load((templates_dir() / "messages.yaml").read_text())
    seen: dict[str, set[str]] = {}
    for name, (builder, directions) in AWKWARD.items():
        url = sqlite_study(tmp_path / f"{name}.db", name, builder, directions)
        findings = analyse(snapshot_of(url, name, tmp_path), AnalysisConfig(n_bootstrap=0), "cmd")
        keys = [(SEVERITY_ORDER[w.severity], w.code, w.params) for w in findings.warnings]
        assert keys == sorted(keys), "warnings are sorted by severity, code, params"
        for w in findings.warnings:
            message = messages[w.code]
            if isinstance(message, dict):  # one sentence per measured reason
                message = message[w.values["reason"]]
            fields = {f for _, f, _, _ in string.Formatter().parse(message) if f}
            assert fields <= set(w.values), (w.code, fields - set(w.values))
            assert " None" not in message_for(w.code, w.values).replace("None of", ""), w.code
            seen.setdefault(w.code, set()).add(name)
    # Raised only by conditions the awkward studies cannot hold, each proven where named:
    elsewhere = {
        # needs an importance run that assesses no pair of its top parameters
        "interactions_no_pairs": "tests/render/test_importance_report.py::test_no_assessable_pair_is_stated",
        # defensive: a fitted surrogate whose main effects have exactly zero variance while
        # parameters vary and the objective does not stay constant (floating point makes it
        # practically unreachable); its sentence is checked in test_every_skip_reason_has_a_sentence
        "importance_no_signal": "tests/render/test_importance_report.py::test_every_skip_reason_has_a_sentence",
        # needs two parameters that move together in every trial
        "confounded_params": "tests/analysis/test_influence_confounding.py::test_confounded_pairs_are_one_finding",
        # needs 30+ trials with a few extreme ones driving a finding
        "driven_by_few_trials": "tests/analysis/test_influence_confounding.py::test_three_extreme_trials_driving_importance_are_named",
        # needs enough trials at a level for its lack of elites to survive the correction
        "level_never_elite": "tests/analysis/test_warnings_taxonomy.py::test_levels_are_quoted_in_sentences_so_an_empty_string_shows",
        # needs elites whose learning curves still rise at their last steps
        "under_trained": "tests/analysis/test_learning_curves.py::test_curves_still_rising_at_the_last_step_warn_under_trained",
        # needs per-class accuracies (trial user attribute per_class_acc) with a class never above chance
        "classes_never_learned": "tests/analysis/test_trial_attrs.py::test_report_shows_sections",
        # needs --objective on a multi-objective study (without it: multi_objective_all)
        "multi_objective": "tests/analysis/test_multi_objective.py::test_every_objective_is_its_own_family",
    }
    assert set(messages) - set(elsewhere) == set(seen), (
        f"never raised: {sorted(set(messages) - set(seen) - set(elsewhere))}"
    )
    assert "no_significant_effect" in seen and "single_value_param" in seen


def _findings(tmp_path: Path, name: str, builder, direction: str = "maximize", **config):
    url = sqlite_study(tmp_path / f"{name}.db", name, builder, [direction])
    return analyse(snapshot_of(url, name, tmp_path), AnalysisConfig(n_bootstrap=0, **config), "cmd")


def _codes(findings, *codes: str) -> list:
    return [w for w in findings.warnings if w.code in codes]


def test_no_widen_warning_on_a_switch_or_a_categorical_at_its_last_choice(tmp_path: Path) -> None:
    # Choices declared (1, 0), every elite at 0 (the last declared choice): the boundary table keeps
    # both ends of a 0/1 switch, so no warning may ask to widen them. A string categorical has no bound.
    def build(study) -> None:
        dists = {"flag": CategoricalDistribution([1, 0]), "opt": CategoricalDistribution(["a", "b", "c"])}
        for i in range(20):
            flag = 0 if i < 10 else 1
            add(study, {"flag": flag, "opt": "abc"[i % 3]}, dists, value=float(100 - i))

    f = _findings(tmp_path, "switch", build)
    (hit,) = [h for h in f.boundary_hits if h.param == "flag"]
    assert (hit.side, hit.n_elites_in_zone, hit.n_elites) == ("low", 5, 5)
    # The zone is the choice 0, whose Fisher test the elite table corrects: crowded only if that q is.
    (level,) = [lv for lv in f.elites.levels if lv.param == "flag" and lv.level == 0]
    assert hit.p_enrichment == pytest.approx(level.p) and hit.crowded == (level.q < 0.05)
    assert hit.suggested_bound is None  # the table row reads "keep (natural bound)"
    assert _codes(f, "boundary_hit", "boundary_best_trial") == []


def test_no_widen_warning_on_a_fraction_at_1(tmp_path: Path) -> None:
    # subsample in [0.5, 1.0] with the elites at 1.0: a fraction's 1 is a natural bound.
    def build(study) -> None:
        dists = {"subsample": FloatDistribution(0.5, 1.0), "depth": IntDistribution(2, 20)}
        for i in range(20):
            sub = 1.0 if i < 6 else 0.5 + 0.4 * i / 20
            add(study, {"subsample": sub, "depth": 2 + (7 * i) % 19}, dists, value=float(100 - i))

    f = _findings(tmp_path, "fraction", build)
    (hit,) = [h for h in f.boundary_hits if h.param == "subsample"]
    assert (hit.side, hit.crowded, hit.suggested_bound) == ("high", True, None)
    assert [w.params for w in _codes(f, "boundary_hit", "boundary_best_trial")] == [
        ("depth",) for h in f.boundary_hits if h.param == "depth" and h.suggested_bound is not None
    ]
    assert not any("subsample" in w.params for w in f.warnings if w.code.startswith("boundary"))


def test_a_widen_warning_names_the_tables_suggested_bound(tmp_path: Path) -> None:
    def build(study) -> None:
        dists = {"depth": IntDistribution(2, 6)}
        for i in range(12):
            add(study, {"depth": 6 if i < 4 else 2 + i % 4}, dists, value=float(100 - i))

    f = _findings(tmp_path, "depth", build)
    (hit,) = [h for h in f.boundary_hits if h.param == "depth" and h.side == "high"]
    (w,) = _codes(f, "boundary_hit")
    assert (w.values["side"], w.values["suggested_bound"], hit.suggested_bound) == ("high", 8.0, 8.0)
    assert "widen that bound to 8 in the next sweep" in message_for(w.code, w.values)


def test_never_elite_levels_that_chance_explains_raise_no_warning(tmp_path: Path) -> None:
    # 8 levels x 4 trials, 8 elites (top quarter) on levels 0-3: each of levels 4-7 has no elite,
    # with a chance of none of C(28, 8) / C(32, 8) = 0.2955 each. Not evidence of anything.
    def build(study) -> None:
        dists = {"level": CategoricalDistribution([f"l{k}" for k in range(8)])}
        for k in range(8):
            for j in range(4):
                good = k < 4 and j < 2
                add(study, {"level": f"l{k}"}, dists, value=float(100 + k + j if good else k - j))

    f = _findings(tmp_path, "eight", build)
    empty = [lv for lv in f.elites.levels if lv.param == "level" and lv.n_elite == 0]
    assert len(empty) == 4
    assert hypergeom.pmf(0, 32, 4, 8) == pytest.approx(0.2955, abs=1e-4)
    assert _codes(f, "level_never_elite") == []


def _never_elite_study(study) -> None:
    # 4 levels x 30 trials; the 30 elites of 120 are 10 at each of "a", "b", "c" and none at "".
    dists = {"opt": CategoricalDistribution(["", "a", "b", "c"])}
    for k, level in enumerate(["", "a", "b", "c"]):
        for j in range(30):
            good = k > 0 and j < 10
            add(study, {"opt": level}, dists, value=float(1000 + 10 * j + k if good else j + k))


def test_a_level_no_elite_used_warns_with_p_and_q_corrected_over_every_level_checked(tmp_path: Path) -> None:
    f = _findings(tmp_path, "never", _never_elite_study)
    (w,) = _codes(f, "level_never_elite")
    p_none = hypergeom.pmf(0, 120, 30, 30)
    ps = [p_none] + [hypergeom.cdf(10, 120, 30, 30)] * 3  # levels "", "a", "b", "c" (order of the table)
    qs = multipletests(ps, method="holm")[1]
    assert w.params == ("opt",) and w.values["level"] == ""
    assert w.values["p"] == pytest.approx(p_none) and w.values["p_chance"] == pytest.approx(p_none)
    assert w.values["q"] == pytest.approx(qs[0]) and w.values["m"] == 4 and w.values["correction"] == "holm"
    assert w.values["q"] < 0.05 and w.values["expected"] == pytest.approx(7.5)
    # Another correction, another q: the family's correction is the report's.
    (tmp_path / "bh").mkdir()
    f_bh = _findings(tmp_path / "bh", "never", _never_elite_study, correction="fdr_bh")
    (w_bh,) = _codes(f_bh, "level_never_elite")
    assert w_bh.values["q"] == pytest.approx(multipletests(ps, method="fdr_bh")[1][0])


def test_levels_are_quoted_in_sentences_so_an_empty_string_shows(tmp_path: Path) -> None:
    f = _findings(tmp_path, "never", _never_elite_study)
    (w,) = _codes(f, "level_never_elite")
    sentence = message_for(w.code, w.values)
    assert sentence.startswith('Level "" was used by 30 of 120 trials but by none of the 30 elites')
    assert "q = " in sentence and "holm correction over the 4 levels checked" in sentence
    assert message_for(w.code, {**w.values, "level": "adam"}).startswith('Level "adam" was used')
    assert message_for(w.code, {**w.values, "level": 16}).startswith("Level 16 was used")
    assert message_for(w.code, {**w.values, "level": True}).startswith("Level true was used")
    assert message_for(w.code, {**w.values, "level": None}).startswith("Level null was used")
    assert fmt_value("") == '""' and fmt_value(" a") == '" a"' and fmt_value("a") == "a"


def test_no_warning_says_significant_where_its_own_numbers_say_not(tmp_path: Path) -> None:
    """Every warning that carries a corrected q must have q below the report's alpha."""
    studies = dict(AWKWARD)
    studies["never"] = (_never_elite_study, ["maximize"])
    studies["seed_shaped"] = (seed_shaped, ["maximize"])
    checked = 0
    for name, (builder, directions) in studies.items():
        url = sqlite_study(tmp_path / f"{name}.db", name, builder, directions)
        config = AnalysisConfig(n_bootstrap=0)
        findings = analyse(snapshot_of(url, name, tmp_path), config, "cmd")
        for w in findings.warnings:
            if w.code == "no_significant_effect":
                continue  # its point is that nothing is significant
            if "q" in w.values:
                assert w.values["q"] < config.alpha, (name, w)
                checked += 1
            if w.code in ("boundary_hit", "boundary_best_trial"):
                assert w.values["suggested_bound"] is not None, (name, w)
    assert checked >= 1
