"""``train-champion``: retrain a study's best trial longer, with several seeds, and record it.

    train-champion --storage sqlite:///sweeps.db --study NAME --epochs 100 --seeds 5

The seed report's next actions were "validate the champion config (train to convergence)"
and "inspect per-category performance". This does both for the study's best trial: it
retrains the trial's exact config (the ``config`` user attribute train-sweep records) for
``--epochs`` with ``--seeds`` different seeds (each seed changes the initialisation, the
training set and the batch order), and measures every run on the fixed validation set and
on a separate fixed *test* set. The best trial was selected on the validation set, so its
validation accuracy is optimistically biased; the test accuracy is not.

The record (schema below) is written as the study user attribute ``champion_validation``,
where ``generate-report`` finds it in the snapshot (``study.user_attrs`` of findings.json),
and, with ``--out FILE``, as a JSON file too::

    {"study": str, "trial": int, "trial_value": float, "epochs": int, "seeds": [int],
     "config": {knob: value}, "class_names": [str], "baseline": float, "device": str,
     "val_acc":  {"mean", "std", "min", "max", "n"},     # std: sample standard deviation (ddof=1)
     "test_acc": {"mean", "std", "min", "max", "n"},
     "test_per_class_acc": {class: float},               # from the summed confusion matrix
     "test_confusion": [[int]],                          # rows: true class, columns: predicted; summed over seeds
     "runs": [{"seed", "best_val_acc", "best_epoch", "epochs_run", "test_acc",
               "test_per_class_acc": [float], "seconds"}]}
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import TrialState

from generator.errors import UserError
from trainer.config import config_from_params
from trainer.sweep import make_storage, storage_url
from trainer.task import N_CLASSES, TRANSFORMS

ATTR = "champion_validation"


def spread(values: list[float]) -> dict[str, float | int]:
    return {
        "mean": statistics.fmean(values),
        "std": statistics.stdev(values) if len(values) > 1 else 0.0,
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def validate_champion(
    study: optuna.Study, epochs: int, seeds: list[int], patience: int, device: str, log: Any = None
) -> dict[str, Any]:
    """Retrain the best trial's config per seed; return the record described in the module doc."""
    from trainer.train import train

    log = log or (lambda line: print(line, flush=True))
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not complete:
        raise UserError(f"study {study.study_name!r} has no complete trial to validate; run the sweep first")
    best = study.best_trial
    if "config" not in best.user_attrs:
        raise UserError(
            f"trial {best.number} has no 'config' user attribute: the study was not produced by train-sweep"
        )
    params = dict(best.user_attrs["config"])
    params.update(
        epochs=epochs, early_stop_patience=patience, device=device, eval_test=True, compile=params.get("compile", False)
    )
    runs: list[dict[str, Any]] = []
    confusion = [[0] * N_CLASSES for _ in range(N_CLASSES)]
    log(f"trial {best.number} (val_acc {best.value:.4f}): {epochs} epochs x seeds {seeds}")
    used_device = device
    for seed in seeds:
        cfg = config_from_params({**params, "seed": seed}, where=f"trial {best.number} config")
        result = train(cfg)
        assert result.test is not None
        used_device = result.device
        for i, row in enumerate(result.test.confusion):
            for j, count in enumerate(row):
                confusion[i][j] += count
        runs.append(
            {
                "seed": seed,
                "best_val_acc": result.best_val_acc,
                "best_epoch": result.best_epoch,
                "epochs_run": result.epochs_run,
                "test_acc": result.test.accuracy,
                "test_per_class_acc": list(result.test.per_class_acc),
                "seconds": round(result.seconds, 3),
            }
        )
        log(
            f"  seed {seed}: val_acc={result.best_val_acc:.4f} (epoch {result.best_epoch + 1}/{result.epochs_run}) "
            f"test_acc={result.test.accuracy:.4f} ({result.seconds:.1f}s)"
        )
    return {
        "study": study.study_name,
        "trial": best.number,
        "trial_value": best.value,
        "epochs": epochs,
        "seeds": seeds,
        "config": {k: v for k, v in sorted(params.items()) if k not in ("seed", "eval_test")},
        "class_names": list(TRANSFORMS),
        "baseline": 1 / N_CLASSES,
        "device": used_device,
        "val_acc": spread([r["best_val_acc"] for r in runs]),
        "test_acc": spread([r["test_acc"] for r in runs]),
        "test_per_class_acc": {
            name: row[i] / max(1, sum(row)) for i, (name, row) in enumerate(zip(TRANSFORMS, confusion, strict=True))
        },
        "test_confusion": confusion,
        "runs": runs,
    }


def format_record(record: dict[str, Any]) -> str:
    v, t = record["val_acc"], record["test_acc"]
    lines = [
        f"champion: trial {record['trial']} of {record['study']!r} (sweep val_acc {record['trial_value']:.4f}), "
        f"{record['epochs']} epochs x {len(record['seeds'])} seeds on {record['device']}",
        f"val_acc  mean {v['mean']:.4f}  std {v['std']:.4f}  min {v['min']:.4f}  max {v['max']:.4f}",
        f"test_acc mean {t['mean']:.4f}  std {t['std']:.4f}  min {t['min']:.4f}  max {t['max']:.4f}  (chance {record['baseline']:.4f})",
        "test accuracy per class (all seeds):",
    ]
    width = max(len(n) for n in record["class_names"])
    for name, acc in record["test_per_class_acc"].items():
        lines.append(f"  {name:<{width}}  {acc:.3f}")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="train-champion",
        description="Retrain a study's best trial longer with several seeds; record accuracy and confusion.",
    )
    p.add_argument("--storage", required=True, help="the sweep's storage URL or SQLite file")
    p.add_argument("--study", required=True, help="study name")
    p.add_argument("--epochs", type=int, default=100, help="epochs per run (default: %(default)s)")
    p.add_argument("--seeds", type=int, default=5, help="number of seeds, 1..N (default: %(default)s)")
    p.add_argument(
        "--patience", type=int, default=20, help="early-stopping patience in epochs, 0 = off (default: %(default)s)"
    )
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N (default: %(default)s)")
    p.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads (default: %(default)s; see train-sweep --threads)"
    )
    p.add_argument("--out", type=Path, help="also write the record to this JSON file")
    p.add_argument("--no-store", action="store_true", help="do not write the study user attribute")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        if args.epochs < 1 or args.seeds < 1:
            raise UserError("--epochs and --seeds must be at least 1")
        import torch

        torch.set_num_threads(args.threads)
        storage = make_storage(storage_url(args.storage))
        try:
            study = optuna.load_study(study_name=args.study, storage=storage)
        except KeyError:
            raise UserError(
                f"no study {args.study!r} in {args.storage}; list them with generate-report --list"
            ) from None
        started = time.perf_counter()
        record = validate_champion(study, args.epochs, list(range(1, args.seeds + 1)), args.patience, args.device)
        if not args.no_store:
            study.set_user_attr(ATTR, record)
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(record, indent=2) + "\n")  # keys in class order, as built
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(format_record(record))
    print(f"took {time.perf_counter() - started:.1f}s; stored as study user attr {ATTR!r}" if not args.no_store else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
