"""train-sweep, train-champion, train-bench: tiny real runs on the CPU, and PostgreSQL workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import optuna
import pytest
import yaml
from optuna.trial import TrialState

from tests.conftest import REPO

torch = pytest.importorskip("torch")

from generator.errors import UserError  # noqa: E402
from generator.sweep_config import load_sweep_config  # noqa: E402
from trainer import champion, sweep  # noqa: E402
from trainer.config import config_from_params  # noqa: E402
from trainer.task import N_CLASSES, TRANSFORMS  # noqa: E402

BIN = Path(sys.executable).parent

# Small enough for seconds per trial; lr 1e-7 learns nothing, so the median pruner has
# something to prune once a good trial completed.
TINY_SWEEP = """
study_name: tiny
n_trials: 3
direction: maximize
fixed: {epochs: 3, train_size: 512, val_size: 180, test_size: 90, batch_size: 16, depth: 2, width_mult: 0.5,
        embed_dim: 32, mlp_hidden: 64, ctx_d_model: 16, ctx_n_layers: 1, ctx_n_head: 2}
param_ranges:
  lr: {type: categorical, choices: [0.01, 1.0e-7]}
  encoder_type: {type: categorical, choices: [cnn, context]}
  use_coords: {type: categorical, choices: [true, false], condition: {param: encoder_type, value: cnn}}
"""
PRUNE_EARLY = ["--pruner-startup-trials", "1", "--pruner-warmup-epochs", "0"]


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture(scope="module")
def tiny_study(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The 3-trial tiny sweep, run once through the CLI (seed 2: trial 0 learns, 1 and 2 are pruned)."""
    root = tmp_path_factory.mktemp("tiny")
    config = write(root / "tiny.yaml", TINY_SWEEP)
    url = f"sqlite:///{root / 'tiny.db'}"
    assert sweep.main(["--config", str(config), "--storage", url, "--seed", "2", "--quiet", *PRUNE_EARLY]) == 0
    return url, config


def test_tiny_sweep_records_intermediate_values_pruning_and_attrs(tiny_study: tuple[str, Path]) -> None:
    url, config = tiny_study
    study = optuna.load_study(study_name="tiny", storage=url)
    trials = study.get_trials()
    assert [t.number for t in trials] == [0, 1, 2]
    assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.PRUNED, TrialState.PRUNED]
    best = trials[0]
    assert best.value > 2 / N_CLASSES  # it learned: the median pruner had a real reference
    assert sorted(best.intermediate_values) == [0, 1, 2]
    assert best.value == max(best.intermediate_values.values())
    for t in trials[1:]:
        assert sorted(t.intermediate_values) == [0]  # pruned after the first epoch
        assert t.params["lr"] == 1e-7 and t.value == t.intermediate_values[0]
        assert t.user_attrs["epochs_run"] == 1
    for t in trials:
        attrs = t.user_attrs
        assert attrs["budget_slot"] == t.number
        assert attrs["device"] == "cpu" and attrs["precision"] == "fp32"
        assert attrs["n_params"] > 1000
        assert list(attrs["per_class_acc"]) == list(TRANSFORMS)
        assert all(0 <= a <= 1 for a in attrs["per_class_acc"].values())
        # The recorded config rebuilds the run: suggested values and fixed values both in it.
        cfg = config_from_params(attrs["config"])
        assert cfg.lr == t.params["lr"] and cfg.model.encoder_type == t.params["encoder_type"]
        assert cfg.epochs == 3 and cfg.task.train_size == 512
    assert best.user_attrs["epochs_run"] == 3 and best.user_attrs["best_epoch"] in (0, 1, 2)
    confusion = best.user_attrs["confusion"]
    assert len(confusion) == N_CLASSES and sum(map(sum, confusion)) == 180
    assert sum(confusion[i][i] for i in range(N_CLASSES)) / 180 == pytest.approx(best.value)
    attrs = study.user_attrs
    assert attrs["baseline"] == pytest.approx(1 / 9) and attrs["n_classes"] == 9
    assert attrs["class_names"] == list(TRANSFORMS) and attrs["n_trials_budget"] == 3
    assert attrs["sweep_config"] == load_sweep_config(config).to_dict()
    assert attrs["sweep_config_source"] == config.resolve().as_posix()  # outside the working directory: absolute
    assert attrs["task"]["train_size"] == 512 and attrs["task"]["grid_size"] == 6


def test_rerunning_a_finished_sweep_adds_nothing_and_a_larger_budget_extends_it(tmp_path: Path) -> None:
    config = write(tmp_path / "t.yaml", TINY_SWEEP.replace("epochs: 3", "epochs: 1"))
    url = f"sqlite:///{tmp_path / 't.db'}"
    args = ["--config", str(config), "--storage", url, "--seed", "0", "--quiet", "--n-trials", "2"]
    assert sweep.main(args) == 0
    assert sweep.main(args) == 0
    assert len(optuna.load_study(study_name="tiny", storage=url).trials) == 2
    assert sweep.main([*args[:-1], "3"]) == 0
    study = optuna.load_study(study_name="tiny", storage=url)
    assert [t.number for t in study.trials] == [0, 1, 2] and study.user_attrs["n_trials_budget"] == 3
    assert all(t.state.is_finished() for t in study.trials)


REFINED = """
# Written the way the generator writes refined_search_space_aggressive.yaml: safe_dump'ed,
# every decision with its evidence, a conditional parameter, a dropped branch.
study_name: visual_classifier_cnn_refined_v3
n_trials: 2
direction: maximize
reason: {rule: n_trials proportional to the remaining space, old_space: 17 params, new_space: 7 params}
fixed:
  encoder_type: {value: cnn, reason: {test: fisher_exact, n: 20, elite_share: 1.0, q: 0.012}}
  batch_size: {value: 16, reason: "ordinal: rho=-0.669, q=0.017 (strong)"}
  demo_agg: flatten
  use_scheduler: true
  use_cosine: false
  label_smoothing: {value: 0.0, reason: "monotone, at the low bound"}
param_ranges:
  lr: {type: float, low: 6.7e-05, high: 0.00025, log: true, reason: elite range padded 10% on the log scale}
  weight_decay: {type: float, low: 1.0e-07, high: 0.015, log: true}
  embed_dim: {type: categorical, choices: [128, 512]}
  depth: {type: int, low: 4, high: 9, reason: {boundary_hit: high, elite_share: 1.0}}
  use_coords: {type: categorical, choices: [true, false], condition: {param: encoder_type, value: cnn}}
  mlp_hidden: {type: categorical, choices: [256, 2048]}
  width_mult: {type: float, low: 1.13, high: 4.5}
dropped:
  ctx_d_model: {reason: "branch encoder_type=context eliminated"}
  ctx_n_head: {reason: "branch encoder_type=context eliminated"}
  ctx_n_layers: {reason: "branch encoder_type=context eliminated"}
  ctx_dropout: {reason: "branch encoder_type=context eliminated"}
"""


def test_a_refined_config_runs_as_it_is(tmp_path: Path) -> None:
    config = write(tmp_path / "refined_search_space_aggressive.yaml", REFINED)
    # The generator emits it with yaml.safe_dump: prove that form runs too, unchanged in meaning.
    dumped = tmp_path / "dumped.yaml"
    dumped.write_text(yaml.safe_dump(load_sweep_config(config).to_dict(), sort_keys=False))
    assert load_sweep_config(dumped) == load_sweep_config(config)
    url = f"sqlite:///{tmp_path / 'r.db'}"
    tiny_run = ["--set", "epochs=1", "--set", "train_size=48", "--set", "val_size=45", "--quiet", "--seed", "0"]
    assert sweep.main(["--config", str(dumped), "--storage", url, *tiny_run]) == 0
    study = optuna.load_study(study_name="visual_classifier_cnn_refined_v3", storage=url)
    assert len(study.trials) == 2 and all(t.state == TrialState.COMPLETE for t in study.trials)
    for t in study.trials:
        cfg = t.user_attrs["config"]
        assert cfg["encoder_type"] == "cnn" and cfg["batch_size"] == 16 and cfg["label_smoothing"] == 0.0
        assert 4 <= cfg["depth"] <= 9 and 6.7e-05 <= cfg["lr"] <= 0.00025 and cfg["epochs"] == 1
        assert set(t.params) == {"lr", "weight_decay", "embed_dim", "depth", "use_coords", "mlp_hidden", "width_mult"}


@pytest.mark.parametrize("path", sorted((REPO / "configs" / "hpo").glob("*.yaml")), ids=lambda p: p.name)
def test_every_point_of_the_shipped_spaces_is_a_valid_run(path: Path) -> None:
    space = load_sweep_config(path)
    base = sweep.check_sweep(space, {})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    branches = set()
    for _ in range(200):
        trial = study.ask()
        params = space.suggest(trial)
        study.tell(trial, 0.0)
        cfg = config_from_params(params, base)  # raises on an invalid combination
        branches.add(cfg.model.encoder_type)
    assert branches == {"cnn", "context"}


@pytest.mark.parametrize(
    ("yaml_text", "extra", "message"),
    [
        (
            TINY_SWEEP.replace("lr:", "optimizer: {type: categorical, choices: [adam]}\n  lr:"),
            [],
            "param_ranges.optimizer: unknown knob",
        ),
        (TINY_SWEEP.replace("epochs: 3", "epochs: 3, dpeth: 4"), [], "fixed.dpeth: unknown knob"),
        (TINY_SWEEP, ["--set", "lr=0.1"], "--set lr: lr is tuned in param_ranges"),
        (TINY_SWEEP, ["--set", "epoch=1"], "--set epoch: unknown knob"),
        (
            TINY_SWEEP.replace(
                "fixed: {", "fixed: {dropout: {value: 0.1, condition: {param: encoder_type, value: cnn}}, "
            ),
            [],
            "fixed.dropout: unknown knob",
        ),
        (TINY_SWEEP, ["--set", "epochs"], "--set expects KNOB=VALUE"),
        (TINY_SWEEP.replace("n_trials: 3", "n_trials: 0"), [], "n_trials: must be an integer >= 1"),
    ],
)
def test_bad_sweeps_fail_before_any_trial(
    tmp_path: Path, capsys, yaml_text: str, extra: list[str], message: str
) -> None:
    config = write(tmp_path / "bad.yaml", yaml_text)
    url = f"sqlite:///{tmp_path / 'bad.db'}"
    assert sweep.main(["--config", str(config), "--storage", url, "--quiet", *extra]) == UserError.exit_code
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "bad.db").exists()  # rejected before the storage was touched


def test_two_worker_processes_share_one_postgresql_study(tmp_path: Path, postgres_url: str) -> None:
    """Two train-sweep commands started together (one of them with two local workers) on one
    PostgreSQL study: exactly the requested trials, each run once, none left behind."""
    config = write(tmp_path / "tiny.yaml", TINY_SWEEP.replace("epochs: 3", "epochs: 2"))
    n_trials = 8
    command = [
        str(BIN / "train-sweep"),
        "--config",
        str(config),
        "--storage",
        postgres_url,
        "--study-name",
        "shared",
        "--n-trials",
        str(n_trials),
        "--seed",
        "0",
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    procs = [
        subprocess.Popen(
            [*command, "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        ),
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env),
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    study = optuna.load_study(study_name="shared", storage=postgres_url)
    trials = study.get_trials()
    assert sorted(t.number for t in trials) == list(range(n_trials))
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)
    assert sorted(t.user_attrs["budget_slot"] for t in trials) == list(range(n_trials))
    assert all(t.intermediate_values and "per_class_acc" in t.user_attrs for t in trials)
    # Every finished trial was reported by exactly one worker, and more than one worker ran.
    lines = [line for out, _ in outputs for line in out.splitlines() if line.startswith("[worker")]
    reported = sorted(int(line.split(" trial ")[1].split()[0]) for line in lines)
    assert reported == list(range(n_trials))
    assert len({t.user_attrs["worker_pid"] for t in trials}) >= 2
    assert sum("created study" in out for out, _ in outputs) == 1


def test_champion_validation_records_distribution_and_confusion(
    tiny_study: tuple[str, Path], tmp_path: Path, capsys
) -> None:
    url, _ = tiny_study
    out = tmp_path / "champion.json"
    assert (
        champion.main(
            ["--storage", url, "--study", "tiny", "--epochs", "2", "--seeds", "2", "--patience", "0", "--out", str(out)]
        )
        == 0
    )
    printed = capsys.readouterr().out
    record = json.loads(out.read_text())
    study = optuna.load_study(study_name="tiny", storage=url)
    assert study.user_attrs[champion.ATTR] == record
    assert record["trial"] == study.best_trial.number == 0 and record["trial_value"] == study.best_value
    assert record["seeds"] == [1, 2] and [r["seed"] for r in record["runs"]] == [1, 2]
    assert all(r["epochs_run"] == 2 for r in record["runs"]) and record["epochs"] == 2
    tests = [r["test_acc"] for r in record["runs"]]
    assert record["test_acc"]["mean"] == pytest.approx(sum(tests) / 2)
    assert record["test_acc"]["min"] == min(tests) and record["test_acc"]["n"] == 2
    confusion = record["test_confusion"]
    assert sum(map(sum, confusion)) == 2 * 90  # test_size 90 in the tiny sweep's fixed knobs, two seeds
    assert list(record["test_per_class_acc"]) == list(TRANSFORMS)
    assert record["test_per_class_acc"]["recolour"] == pytest.approx(confusion[6][6] / sum(confusion[6]))
    assert record["config"]["lr"] == study.best_params["lr"] and record["config"]["epochs"] == 2
    assert "test_acc mean" in printed and "recolour" in printed


def test_champion_needs_a_complete_trial(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    optuna.create_study(study_name="empty", storage=url)
    assert champion.main(["--storage", url, "--study", "empty"]) == UserError.exit_code
    assert "no complete trial" in capsys.readouterr().err


def test_generate_report_reads_the_trainer_study(tiny_study: tuple[str, Path], tmp_path: Path) -> None:
    from generator.cli import main as generate_report

    url, _ = tiny_study
    assert generate_report(["--storage", url, "--study", "tiny", "--out", str(tmp_path), "--quiet"]) == 0
    (findings,) = (tmp_path / "report").glob("*/*/findings.json")
    document = json.loads(findings.read_text())
    assert document["study"]["user_attrs"]["baseline"] == pytest.approx(1 / 9)
    assert document["study"]["user_attrs"]["n_classes"] == 9
    assert document["study"]["n_trials"]["pruned"] == 2


def test_bench_reports_throughput_and_packing(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [
            str(BIN / "train-bench"),
            "--configs",
            "cnn_small",
            "--epochs",
            "2",
            "--train-size",
            "128",
            "--packed",
            "2",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "no CUDA device: these are CPU numbers" in run.stdout or "CUDA" in run.stdout
    record = json.loads(out.read_text())
    (m,) = record["measurements"]
    assert m["config"] == "cnn_small" and m["variant"] == "fp32" and m["samples_per_s"] > 0
    assert m["trials_per_hour"] == pytest.approx(3600 / m["trial_seconds"])
    packed = record["packed"]
    assert packed["trials"] == 2 and packed["speedup"] == pytest.approx(
        packed["sequential_seconds"] / packed["packed_seconds"]
    )


@pytest.mark.slow
def test_gpu_check_script_runs_end_to_end(tmp_path: Path) -> None:
    """The GPU check at smoke-test size: without CUDA it must say so and still run every step."""
    env = {**os.environ, "GPU_CHECK_SIZE": "tiny", "PYTHON": sys.executable}
    run = subprocess.run(
        [str(REPO / "benchmarks" / "gpu_check.sh"), str(tmp_path / "check")],
        capture_output=True,
        text=True,
        timeout=1800,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    summary = (tmp_path / "check" / "summary.txt").read_text()
    if not torch.cuda.is_available():
        assert "NO CUDA DEVICE" in summary and "CPU number" in summary
    for step in ("bench", "packed", "sweep", "report"):
        assert f"step {step}: ok" in summary, summary
    assert json.loads((tmp_path / "check" / "packed.json").read_text())["packed"]["trials"] == 2
    study = optuna.load_study(study_name="gpu_check_sweep", storage=f"sqlite:///{tmp_path / 'check' / 'gpu_check.db'}")
    assert len(study.trials) == 3 and all(t.state.is_finished() for t in study.trials)
    assert list((tmp_path / "check" / "report").glob("gpu_check_sweep/*/findings.json"))
    assert (tmp_path / "check" / "site" / "index.html").is_file()
