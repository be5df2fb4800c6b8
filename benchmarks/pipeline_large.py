"""End-to-end cost of generate-report on a large real SQLite study, and the raw-read claim.

Run from the repository root:  .venv/bin/python benchmarks/pipeline_large.py [N]   (default 20000)

Builds (once, cached under .tmp/bench/) a SQLite study of N trials x 17 parameters through
Optuna itself (the model of tests/large_study.py): floats, log floats, ints, an ordinal,
booleans, a categorical switch with two conditional children, 10 intermediate values per
finished trial, and a realistic mix of states. Building takes about 20 ms per trial (Optuna's
ORM), so minutes for 20,000; benchmarks/pipeline_stages.py builds the same rows in bulk in
seconds and times every stage.

Then, each measurement in its own process (peak memory is the process's own):
  1. Optuna's object API: load_study(...).trials_dataframe()
  2. our raw read of the same tables (generator.storage.read_study)
  3. generate-report from end to end (snapshot, every analysis, charts, site)
  4. generate-report again on the unchanged study (must rewrite nothing)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
PYTHON = sys.executable


def build(path: Path, n: int) -> None:
    """The study through Optuna's ORM; the model is ``tests/large_study.py``'s, which also builds
    it in bulk (``benchmarks/pipeline_stages.py`` uses that, with a stage breakdown)."""
    from tests.large_study import build_orm

    build_orm(path, n)


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
