"""Time the next-sweep analysis (refined spaces, empirical ranges, expected gain) alone.

Snapshots the bundled example study and synthetic studies of 2,000 and 20,000 trials
(``tests/studies.huge_record``), runs the statistics once, then times ``next_sweep`` on top:
storage reads, the statistics and rendering are left out. The expected gain dominates: a
K-fold cross-validation refits the surrogate ``--gain-cv-folds`` times, and each space's
sampled configurations are predicted under every bootstrap replicate.
Run: .venv/bin/python benchmarks/next_sweep.py
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.analysis.refine import next_sweep  # noqa: E402
from generator.analysis.sample import analysed_sample  # noqa: E402
from generator.analysis.statistics import build_statistics  # noqa: E402
from generator.analysis.summary import summarize, trial_counts  # noqa: E402
from generator.config import AnalysisConfig  # noqa: E402
from generator.snapshot import Snapshot, content_hash, load_snapshot, write_snapshot  # noqa: E402
from generator.storage import locate, read_study  # noqa: E402
from tests.studies import huge_record  # noqa: E402

EXAMPLE = REPO / "examples" / "visual_classifier_cpu_sweep.db"


def snapshots(tmp: Path) -> list[tuple[str, Snapshot]]:
    records = [("example", read_study(locate(str(EXAMPLE)), None))]
    records += [(f"huge_{n}", huge_record(n)) for n in (2_000, 20_000)]
    out = []
    for label, record in records:
        path = tmp / label
        write_snapshot(record, path, {"input_hash": content_hash(record)})
        out.append((label, load_snapshot(path)))
    return out


def main() -> None:
    warnings.simplefilter("ignore")
    config = AnalysisConfig()
    print(f"{'seconds':>8} {'complete':>8} {'params':>6} {'cv_r2':>7}  study")
    with tempfile.TemporaryDirectory() as tmp:
        for label, snapshot in snapshots(Path(tmp)):
            sample = analysed_sample(snapshot, config)
            summary = summarize(snapshot, sample)
            stats = build_statistics(sample, config, summary, {})
            start = time.perf_counter()
            result = next_sweep(
                sample,
                config,
                snapshot.study_name,
                trial_counts(snapshot),
                {},
                stats.directionality,
                stats.elites,
                stats.boundary_hits,
            )
            elapsed = time.perf_counter() - start
            r2 = result.expected_gain.cv_r2
            print(
                f"{elapsed:8.2f} {summary.n:8d} {len(result.empirical_ranges):6d} "
                f"{'n/a' if r2 is None else f'{r2:.3f}':>7}  {label}",
                flush=True,
            )


if __name__ == "__main__":
    main()
