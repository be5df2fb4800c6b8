"""generate-report --compare-with: two sweeps compared, statistics checked against scipy."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import optuna
import pytest
import sqlalchemy
from optuna.distributions import FloatDistribution
from scipy import stats

from generator.analysis.compare import (
    AGREE,
    DISAGREE,
    NEITHER,
    ONLY_NEW,
    ONLY_OLD,
    Space,
    _Untested,
    agreement,
    curve_steps,
    p_best_of_n,
    space_changes,
)
from generator.analysis.rank_tests import rank_biserial_interval
from generator.analysis.resampling import sample_rng
from generator.cli import main
from tests.invariants import report_violations
from tests.site_checks import check_links, page_chart_specs
from tests.studies import X, add, build, with_sweep_config

# Literal values: the objective rises with x (so OLD's surrogate fits and predicts a gain);
# NEW searches x in [0.5, 1] and is shifted up (a known shift); SAME is drawn like OLD.
_rng = np.random.default_rng(20261128)
XS_OLD = np.round(np.linspace(0.0, 1.0, 20), 4)
XS_NEW = np.round(np.linspace(0.5, 1.0, 18), 4)
OLD = np.round(0.4 + 0.2 * XS_OLD + _rng.normal(0, 0.03, 20), 4)
NEW = np.round(0.5 + 0.2 * XS_NEW + _rng.normal(0, 0.03, 18), 4)
SAME = np.round(0.4 + 0.2 * XS_OLD[::-1] + _rng.normal(0, 0.03, 20), 4)
NARROW = FloatDistribution(0.5, 1.0)


def sweep(values: np.ndarray, xs: np.ndarray, dist: FloatDistribution = X) -> Callable[[optuna.Study], None]:
    def builder(study: optuna.Study) -> None:
        for v, x in zip(values, xs, strict=True):
            add(study, {"x": float(x)}, {"x": dist}, float(v))

    return builder


def report(out: Path, *args: str) -> int:
    return main([*args, "--out", str(out), "--quiet", "--no-charts", "--renderer", "builtin"])


def comparison(out: Path, study: str) -> tuple[Path, dict]:
    (version,) = sorted((out / "report" / study).glob("*/comparison.json"))
    return version.parent, json.loads(version.read_text())


@pytest.fixture(scope="module")
def shifted(tmp_path_factory) -> tuple[Path, dict]:
    """maximize: NEW (run from OLD's generated aggressive config) better than OLD, one SQLite file."""
    tmp = tmp_path_factory.mktemp("shifted")
    url = f"sqlite:///{tmp / 's.db'}"
    build(url, "old", sweep(OLD, XS_OLD), ["maximize"])
    config = {
        "study_name": "old_refined_aggressive",
        "n_trials": 18,
        "direction": "maximize",
        "fixed": {},
        "param_ranges": {"x": {"type": "float", "low": 0.5, "high": 1.0}},
    }
    build(url, "new", with_sweep_config(sweep(NEW, XS_NEW, NARROW), config), ["maximize"])
    out = tmp / "out"
    assert report(out, "--storage", url, "--study", "old") == 0
    assert report(out, "--storage", url, "--study", "new", "--compare-with", "old") == 0
    return out, {"url": url}


def test_shift_matches_scipy_and_is_positive_when_new_is_better(shifted) -> None:
    out, _ = shifted
    _, doc = comparison(out, "new")
    s = doc["shift"]
    expected = stats.mannwhitneyu(NEW, OLD, alternative="two-sided")
    assert s["test"] == "mann_whitney_u"
    assert s["statistic"] == pytest.approx(expected.statistic)
    assert s["p"] == pytest.approx(expected.pvalue, rel=1e-9)
    assert s["effect"] == pytest.approx(2 * expected.statistic / (len(NEW) * len(OLD)) - 1)
    ci = rank_biserial_interval(NEW, OLD)
    assert (s["ci_low"], s["ci_high"]) == pytest.approx((ci.low, ci.high))
    assert s["p"] < 0.05 and s["ci_low"] > 0 and s["verdict"] == "new_better"
    assert s["median_difference"] == pytest.approx(np.median(NEW) - np.median(OLD))
    # The median interval is scipy's BCa bootstrap, each sweep resampled on its own, seeded from the data.
    boot = stats.bootstrap(
        (NEW, OLD),
        lambda a, b, axis=-1: np.median(a, axis=axis) - np.median(b, axis=axis),
        vectorized=True,
        n_resamples=2000,
        method="BCa",
        rng=sample_rng(0, "compare:median", (NEW, OLD)),
    )
    assert s["median_ci"] == pytest.approx(list(boot.confidence_interval))
    assert s["median_ci"][0] > 0
    # Top decile: ceil(0.1 n) best of each.
    top = np.sort(NEW)[-2:].mean() - np.sort(OLD)[-2:].mean()
    assert s["top_mean_ci"][0] <= top <= s["top_mean_ci"][1]
    assert s["top_mean_difference"] == pytest.approx(top)
    welch = stats.ttest_ind(NEW, OLD, equal_var=False).confidence_interval(0.95)
    assert s["mean_ci"] == pytest.approx([welch.low, welch.high])
    assert doc["old"]["study"] == "old" and doc["new"]["study"] == "new"
    assert doc["old"]["best"]["value"] == pytest.approx(OLD.max())
    assert doc["new"]["trials"]["complete"] == len(NEW)
    assert doc["new"]["distribution"]["median"] == pytest.approx(np.median(NEW))
    assert doc["old"]["top_decile"]["mean"] == pytest.approx(np.sort(OLD)[-2:].mean())


def test_best_so_far_curves_targets_and_win_probability(shifted) -> None:
    out, _ = shifted
    _, doc = comparison(out, "new")
    b = doc["best_so_far"]
    old_curve, new_curve = np.maximum.accumulate(OLD), np.maximum.accumulate(NEW)
    assert [p["n"] for p in b["points"]] == list(range(1, 21))
    for p in b["points"]:
        n = p["n"]
        assert p["old"] == pytest.approx(old_curve[n - 1])
        assert p["old_low"] <= p["old_high"]
        if n <= len(NEW):
            assert p["new"] == pytest.approx(new_curve[n - 1])
        else:
            assert p["new"] is None
        assert 0 <= p["p_new_better"] <= 1
    # n = 1: P(X > Y) + P(X = Y) / 2 over all pairs is U / (n_new n_old).
    first = b["points"][0]
    u = stats.mannwhitneyu(NEW, OLD).statistic
    assert first["p_new_better"] + first["p_tie"] / 2 == pytest.approx(u / (len(NEW) * len(OLD)))
    # The whole order ends at the study's best, so the last band is a point.
    last_old = b["points"][-1]
    assert last_old["old_low"] == last_old["old_high"] == pytest.approx(OLD.max())
    targets = {t["name"]: t for t in b["targets"]}
    t = targets["old_best"]
    assert t["value"] == pytest.approx(OLD.max())
    assert t["old_trials"] == int(np.argmax(OLD)) + 1
    k_new = int(np.sum(NEW >= OLD.max()))
    assert t["new_expected"] == (pytest.approx((len(NEW) + 1) / (k_new + 1)) if k_new else None)
    assert t["old_expected"] == pytest.approx((len(OLD) + 1) / 2)


def test_p_best_of_n_is_exact_for_iid_draws() -> None:
    """Against enumeration of every pair of n-draw sequences (with replacement), ties included."""
    new, old = np.array([1.0, 3.0, 3.0, 5.0]), np.array([2.0, 3.0, 4.0])
    for n in (1, 2, 3):
        better = tie = Fraction(0)
        weight = Fraction(1, (len(new) * len(old)) ** n)
        for xs in itertools.product(new, repeat=n):
            for ys in itertools.product(old, repeat=n):
                better += weight * (max(xs) > max(ys))
                tie += weight * (max(xs) == max(ys))
        got = p_best_of_n(new, old, n)
        assert got == pytest.approx((float(better), float(tie)), abs=1e-12)


def test_expected_trials_to_reach_is_the_average_over_orders() -> None:
    from generator.analysis.compare import _expected_reach, _first_reach

    values = np.array([0.1, 0.9, 0.4, 0.9, 0.2])
    for target in (0.1, 0.4, 0.9):
        firsts = [_first_reach(np.array(p), target) for p in itertools.permutations(values)]
        assert _expected_reach(values, target) == pytest.approx(np.mean(firsts))
    assert _expected_reach(values, 1.0) is None and _first_reach(values, 1.0) is None
    assert curve_steps(3) == [1, 2, 3]
    steps = curve_steps(20_000)
    assert steps[:50] == list(range(1, 51)) and steps[-1] == 20_000 and len(steps) < 110


def test_predicted_gain_is_the_old_reports_and_realised_is_new_minus_old(shifted) -> None:
    out, _ = shifted
    _, doc = comparison(out, "new")
    pr = doc["predicted_vs_realised"]
    assert pr["config_study_name"] == "old_refined_aggressive" and pr["strategy"] == "aggressive"
    (old_version,) = sorted((out / "report" / "old").glob("*/findings.json"))
    old_findings = json.loads(old_version.read_text())
    gain = old_findings["next_sweep"]["expected_gain"]
    assert gain["trustworthy"], gain["cv_r2"]
    estimate = next(e for e in gain["estimates"] if e["space"] == "aggressive")
    assert pr["available"] is True
    rows = {r["quantity"]: r for r in pr["rows"]}
    mean, top = rows["mean"], rows["top_decile"]
    assert mean["predicted_gain"] == estimate["gain_mean"]
    assert (mean["predicted_low"], mean["predicted_high"]) == (estimate["gain_mean_low"], estimate["gain_mean_high"])
    assert top["predicted_gain"] == estimate["gain_top"]
    assert mean["realised_gain"] == pytest.approx(NEW.mean() - OLD.mean())
    assert top["realised_gain"] == pytest.approx(np.sort(NEW)[-2:].mean() - np.sort(OLD)[-2:].mean())
    assert mean["within"] == (mean["predicted_low"] <= mean["realised_gain"] <= mean["predicted_high"])
    assert pr["best_difference"] == pytest.approx(NEW.max() - OLD.max())
    # "no" alone would read as a refutation: the rows say whether the realised CI reaches the prediction.
    for r in (mean, top):
        overlap = r["realised_low"] <= r["predicted_high"] and r["predicted_low"] <= r["realised_high"]
        assert r["intervals_overlap"] is overlap
    markdown = (comparison(out, "new")[0] / "comparison.md").read_text()
    cell = {True: "no, but the intervals overlap", False: "no, the intervals are apart"}
    for r in (mean, top):
        assert ("| yes |" if r["within"] else f"| {cell[r['intervals_overlap']]} |") in markdown
    assert "so positive means the new sweep is better, as above" in markdown and "not signed" not in markdown
    assert "| Fewer trials, expected over orders |" in markdown


def test_parameters_side_by_side_and_space_changes(shifted) -> None:
    out, _ = shifted
    _, doc = comparison(out, "new")
    (x,) = doc["parameters"]
    assert x["param"] == "x" and x["space_changes"] == ["narrowed_low"]
    assert x["old_space"]["low"] == 0.0 and x["new_space"]["low"] == 0.5
    old_doc = json.loads(next((out / "report" / "old").glob("*/findings.json")).read_text())
    (row,) = old_doc["directionality"]
    assert x["old_tier"] == row["tier"] and x["old_effect"] == row["effect"]


def test_agreement_and_space_change_rules() -> None:
    def row(tier: str, effect: float, measure: str = "rho") -> _Untested:
        return _Untested(tier=tier, effect=effect, effect_measure=measure)

    assert agreement(row("strong", 0.5), row("suggestive", 0.3)) == AGREE
    assert agreement(row("strong", 0.5), row("strong", -0.3)) == DISAGREE
    assert agreement(row("strong", 0.5), row("not enough evidence", -0.3)) == ONLY_OLD
    assert agreement(row("not enough evidence", 0.5), row("strong", 0.3)) == ONLY_NEW
    assert agreement(row("not enough evidence", 0.5), row("not tested", 0.3)) == NEITHER
    flipped_old = _Untested("strong", 0.4, "rank_biserial", "a", "b")
    flipped_new = _Untested("strong", -0.4, "rank_biserial", "b", "a")
    assert agreement(flipped_old, flipped_new) == AGREE
    wide = Space("continuous", 0.0, 1.0, False, None, ())
    assert space_changes(wide, Space("continuous", -1.0, 0.5, False, None, ())) == ("widened_low", "narrowed_high")
    assert space_changes(None, wide) == ("added",) and space_changes(wide, None) == ("removed",)
    cats = Space("categorical", None, None, False, None, ("a", "b"))
    assert space_changes(cats, Space("categorical", None, None, False, None, ("b", "c"))) == (
        "choices_removed",
        "choices_added",
    )


def test_comparison_page_is_on_the_site_linked_from_both_studies(shifted) -> None:
    out, _ = shifted
    version, _ = comparison(out, "new")
    site = out / "site"
    assert check_links(site) == []
    page = site / "report" / "new" / version.name / "comparison.html"
    html = page.read_text()
    assert "Predicted against realised gain" in html
    # The best-so-far chart: one spec with both sweeps' curves, in its own script beside the page.
    (spec,) = page_chart_specs(page)
    rows = spec["datasets"][next(iter(spec["datasets"]))] if "datasets" in spec else spec["data"]["values"]
    assert {r["sweep"] for r in rows} == {"old (old)", "new (new)"}
    assert len(rows) == 20 + 18
    assert html.count('<script src="../../../report/assets/vega-bundle.js"></script>') == 1
    link = f"report/new/{version.name}/comparison.html"
    assert f'href="{link}"' in (site / "index.html").read_text()
    for study in ("new", "old"):
        assert f'href="../../{link}"' in (site / "report" / study / "index.html").read_text()
    assert 'href="comparison.html"' in (site / "report" / "new" / version.name / "index.html").read_text()
    assert report_violations(version) == []
    assert (version / "comparison.md").read_text().startswith("## Comparison: `new` against `old`")


def test_minimize_sign_convention_and_no_shift(tmp_path: Path) -> None:
    """minimize: NEW lower is better, so every difference is positive; SAME against OLD: no shift."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    build(url, "old", sweep(OLD, XS_OLD), ["minimize"])
    build(url, "lower", sweep(OLD - 0.25, XS_OLD), ["minimize"])
    build(url, "same", sweep(SAME, XS_OLD), ["minimize"])
    out = tmp_path / "out"
    assert report(out, "--storage", url, "--study", "lower", "--compare-with", "old") == 0
    _, doc = comparison(out, "lower")
    s = doc["shift"]
    assert s["statistic"] == pytest.approx(stats.mannwhitneyu(OLD, OLD - 0.25).statistic)
    assert s["effect"] > 0 and s["ci_low"] > 0 and s["verdict"] == "new_better"
    assert s["median_difference"] == pytest.approx(0.25) and s["median_ci"][0] > 0
    assert s["top_mean_difference"] == pytest.approx(0.25)
    assert doc["best_so_far"]["points"][0]["old"] == pytest.approx(OLD[0])
    assert doc["best_so_far"]["points"][2]["new"] == pytest.approx(np.minimum.accumulate(OLD - 0.25)[2])
    assert all(p["old_low"] <= p["old_high"] and p["new_low"] <= p["new_high"] for p in doc["best_so_far"]["points"])
    # Every order ends at the minimum: the last band is that point.
    assert doc["best_so_far"]["points"][-1]["new_low"] == pytest.approx((OLD - 0.25).min())
    assert doc["best_so_far"]["points"][-1]["new_high"] == pytest.approx((OLD - 0.25).min())
    assert doc["predicted_vs_realised"]["reason"] == "no_sweep_config"

    assert report(out, "--storage", url, "--study", "same", "--compare-with", "old") == 0
    _, doc = comparison(out, "same")
    s = doc["shift"]
    expected = stats.mannwhitneyu(-SAME, -OLD, alternative="two-sided")
    assert s["p"] == pytest.approx(expected.pvalue, rel=1e-9)
    assert s["p"] > 0.05 and s["verdict"] == "not_enough_evidence"
    assert s["ci_low"] < 0 < s["ci_high"] and s["median_ci"][0] < 0 < s["median_ci"][1]


def test_identical_input_gives_identical_comparison(shifted, tmp_path: Path) -> None:
    out, info = shifted
    """Also when the comparison is added to an existing, unchanged version: no new version, and a
    re-run rewrites nothing."""
    again = tmp_path / "again"
    assert report(again, "--storage", info["url"], "--study", "new") == 0
    assert not list((again / "report" / "new").glob("*/comparison.json"))
    assert report(again, "--storage", info["url"], "--study", "new", "--compare-with", "old") == 0
    first, _ = comparison(out, "new")
    second, _ = comparison(again, "new")
    assert len([p for p in (again / "report" / "new").iterdir() if p.is_dir()]) == 1
    for name in ("comparison.json", "comparison.md"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    stamps = {p: p.stat().st_mtime_ns for p in again.rglob("*") if p.is_file()}
    assert report(again, "--storage", info["url"], "--study", "new", "--compare-with", "old") == 0
    assert {p: p.stat().st_mtime_ns for p in again.rglob("*") if p.is_file()} == stamps


def test_bad_input_is_one_line_and_writes_nothing(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    build(url, "old", sweep(OLD, XS_OLD), ["maximize"])
    build(url, "min", sweep(SAME, XS_OLD), ["minimize"])
    out = tmp_path / "out"
    for extra, words in (
        (["--study", "old", "--compare-with", "missing"], "no study named 'missing'"),
        (["--study", "min", "--compare-with", "old"], "cannot compare"),
        (["--study", "old", "--compare-storage", url], "--compare-storage needs --compare-with"),
    ):
        capsys.readouterr()
        assert report(out, "--storage", url, *extra) != 0
        err = capsys.readouterr().err
        assert err.startswith("error: ") and words in err and err.count("\n") == 1, err
        assert not (out / "report").exists() and not (out / "site").exists()


def test_old_in_sqlite_new_in_postgresql(postgres_url: str, tmp_path: Path) -> None:
    """Two storages; a password in the URL never reaches an output."""
    url = sqlalchemy.engine.make_url(postgres_url).set(password="topsecret-pw").render_as_string(hide_password=False)
    sqlite = f"sqlite:///{tmp_path / 'old.db'}"
    build(sqlite, "old", sweep(OLD, XS_OLD), ["maximize"])
    build(url, "new", sweep(NEW, XS_NEW, NARROW), ["maximize"])
    out = tmp_path / "out"
    assert report(out, "--storage", url, "--study", "new", "--compare-with", "old", "--compare-storage", sqlite) == 0
    version, doc = comparison(out, "new")
    assert doc["old"]["storage_kind"] == "sqlite" and doc["new"]["storage_kind"] == "postgresql"
    assert doc["shift"]["statistic"] == pytest.approx(stats.mannwhitneyu(NEW, OLD).statistic)
    new_findings = json.loads((version / "findings.json").read_text())
    assert doc["new"]["storage"] == new_findings["provenance"]["storage"]
    for path in out.rglob("*"):
        if path.is_file():
            assert b"topsecret-pw" not in path.read_bytes(), path
    # The other way round: OLD in PostgreSQL, NEW in SQLite.
    out2 = tmp_path / "out2"
    assert report(out2, "--storage", sqlite, "--study", "old", "--compare-with", "new", "--compare-storage", url) == 0
    _, doc = comparison(out2, "old")
    assert doc["shift"]["effect"] == pytest.approx(-comparison(out, "new")[1]["shift"]["effect"])


def test_an_interior_optimum_is_named_beside_the_monotone_test(tmp_path: Path) -> None:
    """OLD's lr has an interior optimum (its report leads with it) while its monotone test is not
    enough evidence: the comparison row must name the shape, not read as "no evidence" alone."""
    from tests.analysis.test_shape import interior_lr

    url = f"sqlite:///{tmp_path / 'i.db'}"
    build(url, "old", interior_lr, ["maximize"])
    build(url, "new", interior_lr, ["maximize"])
    out = tmp_path / "out"
    assert report(out, "--storage", url, "--study", "old") == 0
    assert report(out, "--storage", url, "--study", "new", "--compare-with", "old") == 0
    version, doc = comparison(out, "new")
    (old_doc,) = [json.loads(p.read_text()) for p in (out / "report" / "old").glob("*/findings.json")]
    lr = next(d for d in old_doc["directionality"] if d["param"] == "lr")
    assert lr["shape"] == "interior"
    (row,) = [r for r in doc["parameters"] if r["param"] == "lr"]
    assert row["old_interior_q"] == lr["shape_test"]["q"] == row["new_interior_q"]
    markdown = (version / "comparison.md").read_text()
    (line,) = [line for line in markdown.splitlines() if line.startswith("| lr |")]
    assert line.count("; interior optimum (curvature q ") == 2
