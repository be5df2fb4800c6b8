"""The next-sweep artifacts: YAML that loads, stays byte-identical, round-trips through the
sweep-config loader, never samples outside its space; and the report section that links them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import optuna
import pytest
import yaml

from generator.analysis.assemble import analyse
from generator.cli import main
from generator.config import AnalysisConfig
from generator.render.next_sweep import (
    AGGRESSIVE_FILE,
    CONSERVATIVE_FILE,
    EMPIRICAL_FILE,
    next_sweep_files,
    sweep_config,
)
from generator.snapshot import load_snapshot
from generator.sweep_config import load_sweep_config, parse_sweep_config
from tests.conftest import REPO
from tests.snapshot_compare import snapshot_of_study
from tests.studies import AWKWARD, seed_shaped, sqlite_study
from tests.test_sweep_config import independent_violations

FILES = (EMPIRICAL_FILE, AGGRESSIVE_FILE, CONSERVATIVE_FILE)


def version_dir(out: Path, study: str) -> Path:
    (version,) = [p for p in (out / "report" / study).iterdir() if p.is_dir() and not p.name.startswith(".")]
    return version


@pytest.fixture(scope="module")
def seed_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The seed-shaped study reported twice, into two output folders: here, and in a separate
    process with another hash seed (set iteration order must not leak into any file)."""
    tmp = tmp_path_factory.mktemp("seed_files")
    url = sqlite_study(tmp / "s.db", "seed", seed_shaped, ["maximize"])
    args = ["--storage", url, "--study", "seed", "--quiet", "--no-charts"]
    assert main([*args, "--out", str(tmp / "a")]) == 0
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-m", "generator", *args, "--out", str(tmp / "b")],
        check=True,
        env=env,
        cwd=REPO,
        capture_output=True,
    )
    return version_dir(tmp / "a", "seed"), version_dir(tmp / "b", "seed")


def test_files_load_with_safe_load_and_are_byte_identical_across_runs(seed_runs: tuple[Path, Path]) -> None:
    first, second = seed_runs
    for name in FILES:
        text = (first / "artifacts" / name).read_text(encoding="utf-8")
        assert text == (second / "artifacts" / name).read_text(encoding="utf-8"), name
        assert isinstance(yaml.safe_load(text), dict)
    assert (first / "findings.md").read_text() == (second / "findings.md").read_text()


def test_generated_configs_round_trip_through_the_loader(seed_runs: tuple[Path, Path]) -> None:
    version = seed_runs[0]
    findings = analyse(load_snapshot(version / "snapshot"), AnalysisConfig(charts=False), "test")
    assert findings.next_sweep is not None
    for name, space in (
        (AGGRESSIVE_FILE, findings.next_sweep.aggressive),
        (CONSERVATIVE_FILE, findings.next_sweep.conservative),
    ):
        path = version / "artifacts" / name
        loaded = load_sweep_config(path)
        expected = sweep_config(space)
        assert loaded == expected  # unchanged in meaning (reasons aside)
        assert loaded.to_dict() == expected.to_dict()  # and reasons kept, key for key
        document = yaml.safe_load(path.read_text())
        assert document["study_name"] == f"seed_refined_{space.strategy}"
        assert document["direction"] == "maximize" and document["n_trials"] == space.n_trials
        entries = [*document["param_ranges"].values(), *document.get("dropped", {}).values()]
        entries += [v for v in document["fixed"].values() if isinstance(v, dict)]
        assert all(isinstance(e["reason"], str) and re.search(r"\d", e["reason"]) for e in entries)


@pytest.mark.parametrize("name", [AGGRESSIVE_FILE, CONSERVATIVE_FILE])
def test_a_thousand_sampled_configs_never_leave_the_generated_space(seed_runs: tuple[Path, Path], name: str) -> None:
    path = seed_runs[0] / "artifacts" / name
    document = yaml.safe_load(path.read_text())
    space = load_sweep_config(path)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen: dict[str, set[str]] = {}
    for _ in range(1000):
        trial = study.ask()
        params = space.suggest(trial)
        study.tell(trial, 0.0)
        assert space.violations(params) == []
        assert independent_violations(document, params) == []
        for k, v in params.items():
            seen.setdefault(k, set()).add(repr(v))
    # The new levels and widened bounds are actually sampled.
    assert "4" in seen["batch_size"]
    assert {"7", "8"} <= seen["depth"]
    assert ("ctx_n_head" in seen) == (document["param_ranges"]["encoder_type"]["choices"] != ["cnn"])


def test_empirical_ranges_count_what_the_trials_explored(seed_runs: tuple[Path, Path]) -> None:
    version = seed_runs[0]
    ranges = yaml.safe_load((version / "artifacts" / EMPIRICAL_FILE).read_text())
    document = json.loads((version / "findings.json").read_text())
    assert (ranges["study"], ranges["n_complete"], ranges["n_elites"]) == ("seed", 20, 5)
    params = ranges["params"]
    assert set(params) == set(document["study"]["params"])
    depth = params["depth"]
    assert (
        depth["n"] == 15 and depth["n_elites"] == 5 and depth["condition"] == {"param": "encoder_type", "value": "cnn"}
    )
    assert depth["declared"] == {"low": 2, "high": 6, "step": 1} and depth["observed"] == {"min": 2, "max": 6}
    assert depth["elites"] == {"min": 3, "max": 6}
    levels = {d["param"]: d for d in document["directionality"]}["batch_size"]["levels"]
    assert params["batch_size"]["choices_seen"] == [
        {"value": lv["level"], "n": lv["n"], "n_elites": lv["n_elite"]} for lv in levels
    ]
    assert params["lr"]["declared"] == {"low": 5e-05, "high": 0.01, "log": True}
    assert params["encoder_type"]["declared"] == {"choices": ["cnn", "context"]}
    assert sum(c["n"] for c in params["encoder_type"]["choices_seen"]) == 20


def test_the_report_section_sits_before_warnings_and_links_the_files(seed_runs: tuple[Path, Path]) -> None:
    version = seed_runs[0]
    markdown = (version / "findings.md").read_text()
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings.index("## Recommended next sweep") == headings.index("## Statistical significance assessment") + 1
    assert headings.index("## Warnings") == headings.index("## Recommended next sweep") + 1
    section = markdown.split("## Recommended next sweep")[1].split("## Warnings")[0]
    for name in FILES:
        assert f"](artifacts/{name})" in section and (version / "artifacts" / name).is_file()
    rows = {line.split("|")[1].strip(): line for line in section.splitlines() if line.startswith("| `")}
    assert "[3, 8]" in rows["`depth` (only when `encoder_type` = `cnn`)"]
    assert "fixed: `0`" in rows["`label_smoothing`"]
    assert "R² = " in section and "model estimate" in section


@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_every_awkward_study_gets_loadable_configs(name: str, tmp_path: Path) -> None:
    builder, directions = AWKWARD[name]
    study = optuna.create_study(study_name=name, directions=directions)  # type: ignore[arg-type]
    builder(study)
    snapshot = snapshot_of_study(study, tmp_path)
    settings = AnalysisConfig(n_bootstrap=100, importance_resamples=40, top_quantile_resamples=3)
    files = next_sweep_files(analyse(snapshot, settings, "test"))
    # A multi-objective study: the other objectives' configs beside (tests/analysis/test_multi_objective.py).
    extra = {f.replace(".yaml", f"_objective{i}.yaml") for f in FILES for i in range(1, len(directions))}
    assert set(files) == set(FILES) | extra
    again = next_sweep_files(analyse(snapshot, settings, "test"))
    assert again == files
    for file in (AGGRESSIVE_FILE, CONSERVATIVE_FILE):
        config = parse_sweep_config(yaml.safe_load(files[file]), file)
        params: set[str] = set(config.param_ranges) | set(config.fixed) | set(config.dropped)
        assert params == set(snapshot.params["name"].unique()), file
        assert config.direction == directions[0]
    empirical: Any = yaml.safe_load(files[EMPIRICAL_FILE])
    assert set(empirical["params"]) == set(snapshot.params["name"].unique())


def test_next_sweep_flags_are_checked_and_recorded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = sqlite_study(tmp_path / "s.db", "seed", seed_shaped, ["maximize"])
    base = ["--storage", url, "--study", "seed", "--out", str(tmp_path / "out"), "--quiet", "--no-charts"]
    code = main([*base, "--refine-fix-tier", "weak", "--gain-cv-folds", "1", "--refine-padding", "2"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    for fragment in (
        "--refine-fix-tier must be one of strong, suggestive, got 'weak'",
        "--gain-cv-folds must be 2 or more",
        "--refine-padding must be between 0 and 1",
    ):
        assert fragment in err
    assert not (tmp_path / "out" / "report").exists()
    assert main([*base, "--refine-padding", "0", "--gain-min-r2", "0.9"]) == 0
    version = version_dir(tmp_path / "out", "seed")
    assert "--refine-padding 0.0 --gain-min-r2 0.9" in (version / "findings.md").read_text()
    aggressive = yaml.safe_load((version / "artifacts" / AGGRESSIVE_FILE).read_text())
    ranges = yaml.safe_load((version / "artifacts" / EMPIRICAL_FILE).read_text())["params"]
    # No padding: the narrowed range is the elites' own, rounded outward to three digits.
    wd = aggressive["param_ranges"]["weight_decay"]
    elites = ranges["weight_decay"]["elites"]
    assert wd["low"] <= elites["min"] and wd["low"] == pytest.approx(elites["min"], rel=1e-2)
    assert wd["high"] >= elites["max"] and wd["high"] == pytest.approx(elites["max"], rel=1e-2)
    # R^2 0.54 is below the bar of 0.9: no number is printed.
    markdown = (version / "findings.md").read_text().split("### Expected gain (model estimate)")[1]
    assert "Not trustworthy" in markdown and "Predicted mean" not in markdown.split("## Warnings")[0]
