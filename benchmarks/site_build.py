"""Time the site stages on the example study: a first report, an unchanged re-run, and a full
site rebuild with many versions (each version copied from the first, charts included).

    .venv/bin/python benchmarks/site_build.py [--versions 30]

Timings depend on the machine and its load; report them with that caveat.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from generator.cli import main
from generator.site import build_site

REPO = Path(__file__).resolve().parent.parent
STUDY = "visual_classifier_cnn_vs_context_cpu_v1"
STORAGE = REPO / "examples" / "visual_classifier_cpu_sweep.db"


def timed(label: str, action) -> float:
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    print(f"{label:<46} {seconds:7.2f} s")
    return seconds


def main_(versions: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out"
        args = ["--study", STUDY, "--storage", str(STORAGE), "--out", str(out), "--quiet", "--renderer", "builtin"]
        timed("first report (snapshot, findings, site)", lambda: main(args))
        timed("unchanged re-run (nothing rewritten)", lambda: main(args))
        study_dir = out / "report" / STUDY
        (first,) = [p for p in study_dir.iterdir() if p.is_dir()]
        for i in range(2, versions + 1):
            copy = study_dir / f"{i:04d}-{first.name.split('-', 1)[1]}"
            shutil.copytree(first, copy, ignore=shutil.ignore_patterns("index.qmd"))
        shutil.rmtree(out / "site")
        timed(f"site rebuild, {versions} versions (builtin)", lambda: build_site(out, "builtin"))
        pages = len(list((out / "site").rglob("*.html")))
        size = sum(p.stat().st_size for p in (out / "site").rglob("*") if p.is_file())
        print(f"{'pages / site size':<46} {pages:7d}   {size / 1e6:.1f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", type=int, default=30)
    main_(parser.parse_args().versions)
