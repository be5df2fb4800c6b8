"""How long the charts take, and how big their specs get, as a study grows.

Run from the repository root:  .venv/bin/python benchmarks/charts_large_study.py [N ...]
(default 2000 20000). The studies are synthetic (tests/studies.py::huge_record): mixed
states, a log float, an int, an ordinal, a categorical switch with a conditional child, and
10 intermediate values per finished trial.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.analysis.chart_data import chart_set  # noqa: E402
from generator.config import AnalysisConfig  # noqa: E402
from generator.render.charts import chart_files, spec_json  # noqa: E402
from generator.render.charts.export import export_images  # noqa: E402
from generator.snapshot import content_hash, load_snapshot, write_snapshot  # noqa: E402
from tests.studies import huge_record  # noqa: E402


def run(n: int, folder: Path) -> None:
    record = huge_record(n)
    path = folder / f"huge-{n}"
    write_snapshot(record, path, {"input_hash": content_hash(record)})
    snapshot = load_snapshot(path)
    start = time.perf_counter()
    charts = chart_set(snapshot, AnalysisConfig())
    computed = time.perf_counter()
    files = chart_files(charts)
    specs = {item.stem: spec_json(item.chart) for item in files}
    rendered = time.perf_counter()
    export_images(specs["history"], folder / f"history-{n}", ("png", "svg"))
    exported = time.perf_counter()
    sizes = sorted((len(text), stem) for stem, text in specs.items())
    print(
        f"{n:>6} trials: chart data {computed - start:5.2f} s, {len(specs)} specs built+validated "
        f"{rendered - computed:5.2f} s, history png+svg {exported - rendered:5.2f} s"
    )
    print(
        f"        spec sizes: total {sum(s for s, _ in sizes) / 1e6:.2f} MB, largest {sizes[-1][1]} "
        f"{sizes[-1][0] / 1e3:.0f} kB, smallest {sizes[0][1]} {sizes[0][0] / 1e3:.0f} kB"
    )


def main() -> None:
    counts = [int(a) for a in sys.argv[1:]] or [2000, 20000]
    with tempfile.TemporaryDirectory() as tmp:
        for n in counts:
            run(n, Path(tmp))


if __name__ == "__main__":
    main()
