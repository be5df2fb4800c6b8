"""``train-sweep``: run an Optuna sweep of the classifier from a sweep-config YAML.

    train-sweep --config configs/hpo/example_cpu_sweep.yaml --storage sqlite:///sweeps.db

The config is read by :mod:`generator.sweep_config`, the same loader that checks the
generator's refined_search_space_*.yaml, so a generated next-sweep config runs as it is.

**An exact trial budget, shared by any number of workers.** The process that creates the
study enqueues ``n_trials`` empty WAITING trials (trial numbers 0..n-1) and records
``n_trials_budget`` in the study's user attributes. Every worker (``--workers`` processes
here, or ``train-sweep`` started on other machines against the same PostgreSQL/MySQL URL)
claims WAITING trials one at a time through the storage's atomic WAITING -> RUNNING
transition (a row lock on PostgreSQL/MySQL, a write transaction on SQLite: the same one
Optuna's own ``Study.ask`` uses to pop its queue), and stops when none is left. So the study
ends with exactly ``n_trials`` trials: none lost, none duplicated, no overshoot from workers
racing past a trial count. The sampler still chooses every parameter: the queued trials fix
none. Running ``train-sweep`` again with a larger ``--n-trials`` extends the budget (do that
from one process; concurrent extensions would each add the difference).
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import os
import sys
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import sqlalchemy
import yaml
from optuna.trial import TrialState

from generator.errors import UserError
from generator.sweep_config import SweepConfig, load_sweep_config
from trainer.config import TrainConfig, config_from_params, knob_names
from trainer.task import N_CLASSES, TRANSFORMS

BUDGET_ATTR = "n_trials_budget"
PRUNERS = ("median", "hyperband", "halving", "none")
SAMPLERS = ("tpe", "random")
MAX_CONSECUTIVE_FAILURES = 3
"""A worker whose trials keep failing stops instead of burning the whole budget on a bug."""


@dataclass(frozen=True)
class SweepSettings:
    """Everything a worker needs, picklable so ``--workers`` processes receive it."""

    config_path: str
    storage: str
    study_name: str
    n_trials: int
    sampler: str = "tpe"
    pruner: str = "median"
    pruner_startup_trials: int = 5
    pruner_warmup_epochs: int = 2
    seed: int | None = None
    overrides: tuple[tuple[str, Any], ...] = ()
    """--set KEY=VALUE: fixed knobs that override the YAML's fixed values."""
    device: str = "auto"
    compile: bool = False
    threads: int = 1
    """torch CPU threads per worker. One by default: these models are too small to gain from
    intra-op threads, and several workers (or a busy machine) oversubscribing the cores makes
    every OpenMP thread spin-wait; use --workers to use more cores."""
    quiet: bool = False


def storage_url(value: str) -> str:
    """A storage URL; a plain file path means SQLite."""
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).resolve()}"


def make_storage(url: str) -> optuna.storages.RDBStorage:
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        # Several local workers write one SQLite file; wait for the lock instead of failing.
        kwargs = {"connect_args": {"timeout": 120}}
    else:
        kwargs = {"pool_pre_ping": True}
    for attempt in range(5):
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError):
            # Workers started together on an empty database all run CREATE TABLE; PostgreSQL
            # lets one win and fails the others with a duplicate key in its catalog. Once
            # the winner committed, the tables exist and a retry just opens them.
            time.sleep(0.2 * (attempt + 1))
        except Exception as exc:  # noqa: BLE001 - any driver error becomes one line for the user
            raise UserError(f"cannot open storage {url.split('@')[-1]}: {str(exc).splitlines()[0]}") from None
    raise UserError(f"cannot create Optuna's tables in {url.split('@')[-1]}: other workers keep racing; retry")


def make_sampler(name: str, seed: int | None) -> optuna.samplers.BaseSampler:
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    # constant_liar: running trials count as bad guesses, so parallel workers spread out.
    return optuna.samplers.TPESampler(seed=seed, constant_liar=True)


def make_pruner(settings: SweepSettings, epochs: int) -> optuna.pruners.BasePruner:
    if settings.pruner == "median":
        return optuna.pruners.MedianPruner(
            n_startup_trials=settings.pruner_startup_trials, n_warmup_steps=settings.pruner_warmup_epochs
        )
    if settings.pruner == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=epochs)
    if settings.pruner == "halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=1)
    return optuna.pruners.NopPruner()


def check_sweep(sweep: SweepConfig, overrides: Mapping[str, Any]) -> TrainConfig:
    """Fail before any trial runs: every name must be a trainer knob, and the fixed values
    (with the overrides) must make a valid config. Returns the trial-independent base."""
    names = knob_names()
    problems = [f"param_ranges.{n}: unknown knob" for n in sweep.param_ranges if n not in names]
    problems += [f"fixed.{n}: unknown knob" for n in sweep.fixed if n not in names]
    problems += [f"--set {n}: unknown knob" for n in overrides if n not in names]
    problems += [
        f"--set {n}: {n} is tuned in param_ranges; it cannot be fixed" for n in overrides if n in sweep.param_ranges
    ]
    if problems:
        raise UserError("; ".join(problems) + f" (known knobs: {', '.join(sorted(names))})")
    unconditional = {n: p.value for n, p in sweep.fixed.items() if p.condition is None}
    return config_from_params({**unconditional, **overrides}, where="fixed")


def open_study(settings: SweepSettings, sweep: SweepConfig, base: TrainConfig) -> tuple[optuna.Study, bool]:
    """Create the study with its budget queue, or join it. Returns (study, created)."""
    storage = make_storage(settings.storage)
    sampler = make_sampler(settings.sampler, settings.seed)
    pruner = make_pruner(settings, base.epochs)
    try:
        study = optuna.create_study(
            study_name=settings.study_name,
            storage=storage,
            sampler=sampler,
            pruner=pruner,
            direction=optuna.study.StudyDirection[sweep.direction.upper()],
        )
        created = True
    except optuna.exceptions.DuplicatedStudyError:
        study = optuna.load_study(study_name=settings.study_name, storage=storage, sampler=sampler, pruner=pruner)
        created = False
    if study.direction.name.lower() != sweep.direction:
        raise UserError(
            f"study {settings.study_name!r} exists with direction {study.direction.name.lower()}, "
            f"but the config says {sweep.direction}; use another --study-name"
        )
    if created:
        for key, value in study_attrs(sweep, base, settings.config_path).items():
            study.set_user_attr(key, value)
        _extend_budget(study, 0, settings.n_trials)
    else:
        budget = _wait_for_budget(storage, settings.study_name)
        if settings.n_trials > budget:
            _extend_budget(study, budget, settings.n_trials)
    return study, created


def study_attrs(sweep: SweepConfig, base: TrainConfig, config_path: str | None = None) -> dict[str, Any]:
    """What the report reads from the study: chance level, classes, the space, the task, and
    which file the space came from (a comparison report links the new study to that file)."""
    attrs: dict[str, Any] = {
        "baseline": 1 / N_CLASSES,  # the validation set is balanced: chance accuracy is exactly 1/9
        "n_classes": N_CLASSES,
        "class_names": list(TRANSFORMS),
        "objective": "best validation accuracy over the epochs run (fixed, balanced validation set)",
        "task": dataclasses.asdict(base.task),
        "sweep_config": sweep.to_dict(),
    }
    if config_path is not None:
        attrs["sweep_config_source"] = config_source(config_path)
    return attrs


def config_source(path: str | Path) -> str:
    """The config's path as it reads from the working directory (the repository root for
    ``make``): relative when the file lies below it, so the attribute does not depend on
    where the checkout sits; absolute otherwise."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def _extend_budget(study: optuna.Study, old: int, new: int) -> None:
    for slot in range(old, new):
        study.enqueue_trial({}, user_attrs={"budget_slot": slot})
    # Written last: joiners wait for it, so they never see a half-filled queue as "done".
    study.set_user_attr(BUDGET_ATTR, new)


def _wait_for_budget(storage: optuna.storages.BaseStorage, study_name: str, timeout_s: float = 120.0) -> int:
    study_id = storage.get_study_id_from_name(study_name)
    deadline = time.monotonic() + timeout_s
    while True:
        budget = storage.get_study_user_attrs(study_id).get(BUDGET_ATTR)
        if budget is not None:
            return int(budget)
        if time.monotonic() > deadline:
            raise UserError(
                f"study {study_name!r} has no {BUDGET_ATTR}: it was not created by train-sweep "
                f"(or its creator died while queueing); use a new --study-name"
            )
        time.sleep(0.5)


def claim_trial(study: optuna.Study, storage: optuna.storages.BaseStorage) -> optuna.Trial | None:
    """Atomically take one WAITING trial of the budget, or None when the budget is used up."""
    study_id = storage.get_study_id_from_name(study.study_name)
    for frozen in study.get_trials(deepcopy=False, states=(TrialState.WAITING,)):
        trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, frozen.number)
        try:
            # False when another worker took it first (RDBStorage locks the row to decide).
            if storage.set_trial_state_values(trial_id, TrialState.RUNNING):
                return optuna.Trial(study, trial_id)
        except optuna.exceptions.UpdateFinishedTrialError:
            continue
    return None


def run_trial(trial: optuna.Trial, sweep: SweepConfig, base: TrainConfig, overrides: Mapping[str, Any]) -> float:
    """The objective: suggest, train with pruning, record what the report needs."""
    from trainer.train import train  # torch is imported in workers only

    params = {**sweep.suggest(trial), **overrides}  # check_sweep kept tuned names out of overrides
    cfg = config_from_params(params, base, where=f"trial {trial.number}")
    trial.set_user_attr("config", cfg.flat())
    trial.set_user_attr("worker_pid", os.getpid())

    def on_start(info: Any) -> None:
        trial.set_user_attr("n_params", info.n_params)
        trial.set_user_attr("device", info.device)
        trial.set_user_attr("precision", info.precision)

    best: dict[str, Any] = {"acc": -1.0}

    def on_eval(report: Any) -> None:
        trial.report(report.val_acc, report.epoch)
        if report.val_acc > best["acc"]:
            best.update(acc=report.val_acc, per_class=report.per_class_acc)
        if trial.should_prune():
            # A pruned trial keeps its evidence too: how far it got and how each class fared.
            trial.set_user_attr("epochs_run", report.epoch + 1)
            trial.set_user_attr("per_class_acc", dict(zip(TRANSFORMS, best["per_class"], strict=True)))
            raise optuna.TrialPruned(f"after {report.epoch + 1} epochs (val_acc {report.val_acc:.4f})")

    result = train(cfg, on_eval=on_eval, on_start=on_start)
    trial.set_user_attr("epochs_run", result.epochs_run)
    trial.set_user_attr("best_epoch", result.best_epoch)
    trial.set_user_attr("stopped_early", result.stopped_early)
    trial.set_user_attr("per_class_acc", dict(zip(TRANSFORMS, result.best.per_class_acc, strict=True)))
    trial.set_user_attr("confusion", [list(row) for row in result.best.confusion])
    trial.set_user_attr("train_samples_per_s", round(result.train_samples_per_s, 1))
    trial.set_user_attr("seconds", round(result.seconds, 3))
    return result.best_val_acc


def work(settings: SweepSettings, worker: int = 0) -> int:
    """One worker: claim and run trials until the budget is used up. Returns trials run."""
    import torch

    torch.set_num_threads(settings.threads)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sweep = load_sweep_config(settings.config_path)
    overrides = dict(settings.overrides)
    base = dataclasses.replace(check_sweep(sweep, overrides), device=settings.device, compile=settings.compile)
    seed = None if settings.seed is None else settings.seed + worker
    storage = make_storage(settings.storage)
    study = optuna.load_study(
        study_name=settings.study_name,
        storage=storage,
        sampler=make_sampler(settings.sampler, seed),
        pruner=make_pruner(settings, base.epochs),
    )
    ran, failures = 0, 0
    while (trial := claim_trial(study, storage)) is not None:
        started = time.perf_counter()
        try:
            value = run_trial(trial, sweep, base, overrides)
        except optuna.TrialPruned as exc:
            study.tell(trial, state=TrialState.PRUNED)
            _say(settings, worker, trial, "PRUNED", str(exc), started)
            failures = 0
        except (Exception, KeyboardInterrupt) as exc:
            trial.set_user_attr("fail_reason", f"{type(exc).__name__}: {exc}"[:500])
            study.tell(trial, state=TrialState.FAIL)
            if isinstance(exc, KeyboardInterrupt):
                raise
            if not isinstance(exc, UserError):  # a UserError is an invalid combination: its message says it all
                traceback.print_exc(file=sys.stderr)
            _say(settings, worker, trial, "FAIL", f"{type(exc).__name__}: {exc}", started)
            failures += 1
            if failures >= MAX_CONSECUTIVE_FAILURES:
                raise UserError(
                    f"worker {worker}: {failures} trials failed in a row; stopping (see the tracebacks above)"
                ) from None
        else:
            attrs = trial.user_attrs
            study.tell(trial, value)
            detail = f"val_acc={value:.4f} epochs={attrs['epochs_run']} params={attrs['n_params']}"
            _say(settings, worker, trial, "COMPLETE", detail, started)
            failures = 0
        ran += 1
    return ran


def _say(settings: SweepSettings, worker: int, trial: optuna.Trial, state: str, detail: str, started: float) -> None:
    if not settings.quiet:
        print(
            f"[worker {worker}] trial {trial.number} {state} {detail} ({time.perf_counter() - started:.1f}s)",
            flush=True,
        )


def _work_in_child(settings: SweepSettings, worker: int) -> int:
    try:
        return work(settings, worker)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return -1


def run_sweep(settings: SweepSettings, workers: int = 1) -> tuple[optuna.Study, int]:
    """Create or join the study, run ``workers`` local worker processes on it; return the
    study and the number of trials this run finished."""
    sweep = load_sweep_config(settings.config_path)
    base = check_sweep(sweep, dict(settings.overrides))
    study, created = open_study(settings, sweep, base)
    if not settings.quiet:
        verb = "created" if created else "joined"
        print(
            f"{verb} study {settings.study_name!r}: budget {study.user_attrs[BUDGET_ATTR]} trials, {workers} worker(s)",
            flush=True,
        )
    if workers == 1:
        return study, work(settings, 0)
    # Processes, not threads: each has its own interpreter (no GIL contention in the
    # Python-heavy training loop) and, on a GPU, its own CUDA context; small trials that
    # cannot fill the GPU alone overlap their kernels and host overhead.
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers) as pool:
        results = pool.starmap(_work_in_child, [(settings, w) for w in range(workers)])
    if any(r < 0 for r in results):
        raise UserError("a worker stopped with an error (see above); the study keeps what finished")
    return study, sum(results)


def _parser() -> argparse.ArgumentParser:
    d = SweepSettings("", "", "", 0)
    p = argparse.ArgumentParser(
        prog="train-sweep", description="Run an Optuna sweep of the visual classifier from a sweep-config YAML."
    )
    p.add_argument(
        "--config", required=True, type=Path, help="sweep config YAML (the format of generator/sweep_config.py)"
    )
    p.add_argument(
        "--storage",
        default="sqlite:///sweeps.db",
        help="sqlite:///file.db (default: %(default)s), postgresql://..., mysql+pymysql://..., or a file path",
    )
    p.add_argument("--study-name", help="default: the config's study_name")
    p.add_argument("--n-trials", type=int, help="the study's total trial budget (default: the config's n_trials)")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="local worker processes sharing the study, e.g. packed on one GPU (default: 1)",
    )
    p.add_argument("--sampler", choices=SAMPLERS, default=d.sampler, help="default: %(default)s")
    p.add_argument("--pruner", choices=PRUNERS, default=d.pruner, help="default: %(default)s")
    p.add_argument(
        "--pruner-startup-trials",
        type=int,
        default=d.pruner_startup_trials,
        help="median pruner: trials before pruning starts (default: %(default)s)",
    )
    p.add_argument(
        "--pruner-warmup-epochs",
        type=int,
        default=d.pruner_warmup_epochs,
        help="median pruner: epochs before a trial can be pruned (default: %(default)s)",
    )
    p.add_argument("--seed", type=int, help="sampler seed (worker i uses seed+i); default: unseeded")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KNOB=VALUE",
        help="override a fixed knob, e.g. --set epochs=5 (repeatable)",
    )
    p.add_argument(
        "--device", default=d.device, help="auto (cuda when present), cpu, cuda, cuda:N (default: %(default)s)"
    )
    p.add_argument("--compile", action="store_true", help="torch.compile each trial's model")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads per worker (default: %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no per-trial lines")
    return p


def parse_overrides(items: list[str]) -> tuple[tuple[str, Any], ...]:
    out = []
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            raise UserError(f"--set expects KNOB=VALUE, got {item!r}")
        out.append((name.strip(), yaml.safe_load(raw)))
    return tuple(out)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # one line per trial is ours
    try:
        sweep = load_sweep_config(args.config)
        n_trials = args.n_trials if args.n_trials is not None else sweep.n_trials
        if n_trials < 1 or args.workers < 1:
            raise UserError("--n-trials and --workers must be at least 1")
        settings = SweepSettings(
            config_path=str(args.config),
            storage=storage_url(args.storage),
            study_name=args.study_name or sweep.study_name,
            n_trials=n_trials,
            sampler=args.sampler,
            pruner=args.pruner,
            pruner_startup_trials=args.pruner_startup_trials,
            pruner_warmup_epochs=args.pruner_warmup_epochs,
            seed=args.seed,
            overrides=parse_overrides(args.set),
            device=args.device,
            compile=args.compile,
            threads=args.threads,
            quiet=args.quiet,
        )
        started = time.perf_counter()
        study, ran = run_sweep(settings, args.workers)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted; finished trials are kept, the running one is marked FAIL", file=sys.stderr)
        return 130
    print(summary(study, ran, time.perf_counter() - started))
    return 0


def summary(study: optuna.Study, ran: int, seconds: float) -> str:
    trials = study.get_trials(deepcopy=False)
    counts = {s: sum(t.state == s for t in trials) for s in TrialState}
    lines = [
        f"study {study.study_name!r}: {len(trials)} trials ({counts[TrialState.COMPLETE]} complete, "
        f"{counts[TrialState.PRUNED]} pruned, {counts[TrialState.FAIL]} failed, "
        f"{counts[TrialState.RUNNING]} running, {counts[TrialState.WAITING]} waiting) "
        f"in {seconds:.1f}s this run"
    ]
    if ran and seconds > 0:
        lines.append(f"this run: {ran} trials, {3600 * ran / seconds:.0f} trials/hour (all its workers together)")
    if counts[TrialState.COMPLETE]:
        best = study.best_trial
        lines.append(f"best: trial {best.number} val_acc={best.value:.4f} (chance {1 / N_CLASSES:.4f})")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
