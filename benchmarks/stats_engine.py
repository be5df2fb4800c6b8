"""Time the statistics engine (directionality, elites, boundary hits, power, highlights) alone.

Reads every study in ../shared/studies (and the bundled example), snapshots it once, then
times ``build_statistics`` on the snapshot: storage reads and rendering are left out.
Run: .venv/bin/python benchmarks/stats_engine.py [--n-bootstrap N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.analysis.sample import analysed_sample  # noqa: E402
from generator.analysis.statistics import build_statistics  # noqa: E402
from generator.analysis.summary import summarize  # noqa: E402
from generator.config import AnalysisConfig  # noqa: E402
from generator.snapshot import content_hash, load_snapshot, write_snapshot  # noqa: E402
from generator.storage import list_studies, locate, read_study  # noqa: E402


def storages() -> list[Path]:
    shared = REPO.parent / "shared" / "studies"
    files = sorted(p for p in shared.rglob("*") if p.is_file() and p.suffix != ".md") if shared.is_dir() else []
    return [REPO / "examples" / "visual_classifier_cpu_sweep.db", *files]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-bootstrap", type=int, default=AnalysisConfig().n_bootstrap)
    parser.add_argument("--min-trials", type=int, default=20, help="skip studies with fewer complete trials")
    args = parser.parse_args()
    config = AnalysisConfig(n_bootstrap=args.n_bootstrap)
    warnings.simplefilter("ignore")
    print(f"{'seconds':>8} {'complete':>8} {'params':>6} {'tests':>5}  study")
    with tempfile.TemporaryDirectory() as tmp:
        for path in storages():
            for name, counts in list_studies(locate(str(path))):
                if counts.get("COMPLETE", 0) < args.min_trials:
                    continue
                record = read_study(locate(str(path)), name)
                snap_path = Path(tmp) / f"snap-{abs(hash((str(path), name)))}"
                write_snapshot(record, snap_path, {"input_hash": content_hash(record)})
                snapshot = load_snapshot(snap_path)
                sample = analysed_sample(snapshot, config)
                summary = summarize(snapshot, sample)
                start = time.perf_counter()
                stats = build_statistics(sample, config, summary, {})
                elapsed = time.perf_counter() - start
                tested = sum(d.p is not None for d in stats.directionality)
                print(
                    f"{elapsed:8.2f} {summary.n:8d} {len(stats.directionality):6d} {tested:5d}  "
                    f"{path.name}:{json.dumps(name)}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
