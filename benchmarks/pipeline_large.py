"""End-to-end cost of generate-report on a large real SQLite study, and the raw-read claim.

Run from the repository root:  .venv/bin/python benchmarks/pipeline_large.py [N]   (default 20000)

Builds (once, cached under .tmp/bench/) a SQLite study of N trials x 17 parameters through
Optuna itself: floats, log floats, ints, an ordinal, booleans, a categorical switch with two
conditional children, 10 intermediate values per finished trial, and a realistic mix of
states. Building takes about 20 ms per trial (Optuna's ORM), so minutes for 20,000.

Then, each measurement in its own process (peak memory is the process's own):
  1. Optuna's object API: load_study(...).trials_dataframe()
  2. our raw read of the same tables (generator.storage.read_study)
  3. generate-report from end to end (snapshot, every analysis, charts, site)
  4. generate-report again on the unchanged study (must rewrite nothing)
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def build(path: Path, n: int) -> None:
    import numpy as np
    import optuna
    from optuna.distributions import CategoricalDistribution as C
    from optuna.distributions import FloatDistribution as F
    from optuna.distributions import IntDistribution as I
    from optuna.trial import TrialState, create_trial

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rng = np.random.default_rng(0)
    common = {
        "lr": F(1e-5, 1e-1, log=True),
        "weight_decay": F(1e-7, 1e-1, log=True),
        "dropout": F(0.0, 0.5),
        "label_smoothing": F(0.0, 0.2),
        "momentum": F(0.5, 0.99),
        "warmup": I(0, 10),
        "layers": I(1, 8),
        "units": I(16, 1024, log=True),
        "batch_size": C([8, 16, 32, 64, 128]),
        "use_bn": C([True, False]),
        "use_scheduler": C([True, False]),
        "optimizer": C(["adam", "sgd", "rmsprop"]),
        "activation": C(["relu", "gelu", "silu"]),
        "encoder": C(["cnn", "context"]),
        "seed_offset": I(0, 1000),
    }
    branch = {"cnn": ("depth", I(2, 12)), "context": ("heads", C([1, 2, 4, 8]))}
    study = optuna.create_study(study_name="large", storage=f"sqlite:///{path}", direction="maximize")
    trials = []
    for _ in range(n):
        params = {}
        for name, dist in common.items():
            if isinstance(dist, C):
                params[name] = dist.choices[int(rng.integers(len(dist.choices)))]
            elif isinstance(dist, I):
                params[name] = (
                    int(round(math.exp(rng.uniform(math.log(dist.low), math.log(dist.high)))))
                    if dist.log
                    else int(rng.integers(dist.low, dist.high + 1))
                )
            else:
                params[name] = (
                    float(10 ** rng.uniform(math.log10(dist.low), math.log10(dist.high)))
                    if dist.log
                    else float(rng.uniform(dist.low, dist.high))
                )
        child, child_dist = branch[params["encoder"]]
        params[child] = (
            child_dist.choices[int(rng.integers(4))] if isinstance(child_dist, C) else int(rng.integers(2, 13))
        )
        dists = {**common, child: child_dist}
        score = 0.5 - 0.05 * abs(math.log10(params["lr"]) + 3) + 0.02 * params["use_bn"] + float(rng.normal(0, 0.02))
        state = rng.choice(["COMPLETE", "PRUNED", "FAIL"], p=[0.6, 0.3, 0.1])
        steps = 10 if state == "COMPLETE" else int(rng.integers(1, 10))
        trials.append(
            create_trial(
                state=TrialState[state],
                params=params,
                distributions=dists,
                value=score if state == "COMPLETE" else None,
                intermediate_values={}
                if state == "FAIL"
                else {s: score * (1 - math.exp(-(s + 1) / 3)) for s in range(steps)},
            )
        )
    study.add_trials(trials)


PEAK = "\nimport resource, sys; sys.stderr.write(f'{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n')"


def measure(label: str, code: str) -> None:
    """Run ``code`` in a fresh interpreter; print its wall time and its own peak RSS."""
    start = time.perf_counter()
    done = subprocess.run([PYTHON, "-c", code + PEAK], check=True, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - start
    peak_mb = int(done.stderr.strip().splitlines()[-1]) / 1024
    print(f"{label:<52} {wall:7.2f} s  peak {peak_mb:6.0f} MB  {done.stdout.strip()}", flush=True)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    cache = REPO / ".tmp" / "bench"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"large_{n}.db"
    if not path.exists():
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build(partial, n)
        partial.rename(path)
        print(f"built {path.name} through Optuna in {time.perf_counter() - started:.0f} s")
    print(
        f"study: {n} trials x 17 parameters, {path.stat().st_size / 2**20:.0f} MB SQLite; "
        f"{os.cpu_count()} CPUs; python {sys.version.split()[0]}"
    )
    url = f"sqlite:///{path}"
    measure(
        "Optuna load_study(...).trials_dataframe()",
        f"import optuna; optuna.logging.set_verbosity(30); "
        f"df = optuna.load_study(study_name='large', storage={url!r}).trials_dataframe(); print(len(df), 'rows')",
    )
    measure(
        "raw read (generator.storage.read_study)",
        f"from generator.storage import locate, read_study; r = read_study(locate({str(path)!r}), 'large'); "
        f"print(len(r.trials), 'trials')",
    )
    with tempfile.TemporaryDirectory() as out:
        command = f"from generator.cli import main; main(['--storage', {str(path)!r}, '--out', {out!r}, '--quiet'])"
        measure("generate-report, first run (everything)", command)
        measure("generate-report, unchanged study (rewrites nothing)", command)


if __name__ == "__main__":
    main()
