"""Where generate-report spends its time at 2,000, 20,000 and 100,000 trials, against issue 16's targets.

Run from the repository root:

    .venv/bin/python benchmarks/pipeline_stages.py                 # 2000 20000 100000
    .venv/bin/python benchmarks/pipeline_stages.py 2000 20000      # the sizes named
    .venv/bin/python benchmarks/pipeline_stages.py 20000 --db .tmp/bench/large_20000.db   # a study already built
    .venv/bin/python benchmarks/pipeline_stages.py 2000 --json /tmp/bench.json            # also the numbers as JSON

Each size's study (``tests/large_study.py``: 17 parameters, conditional branches, intermediate
values) is built in bulk once and cached as ``.tmp/bench/bulk_<N>.db`` (100,000 trials in well
under a minute). Then, each in its own process, so the peak memory is that process's own
(``wait4``'s ``ru_maxrss``) and the wall time includes the interpreter and its imports:

  1. Optuna's object API: ``load_study(...).trials_dataframe()``, the bar the report is held to;
  2. our raw read (``generator.storage.read_study``);
  3. generate-report, first run, from end to end (the targets' "whole report");
  4. generate-report again on the unchanged study (must rewrite nothing);
  5. one more first run with every stage timed (``--no-stages`` skips it): the pipeline's own
     functions, those of ``analyse()`` and of the statistics, importance, sample, chart and site
     modules are wrapped with a timer, so it prints a tree of inclusive times, call counts, and
     the peak memory reached by the end of each top-level stage. The wrapping costs a little
     (its total is printed beside run 3's).

Then the size of the version folder of run 3 (total, snapshot/, largest files), and a table of
the issue's targets with PASS or FAIL. MB are 2**20 bytes, GB 2**30.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import inspect
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
PYTHON = sys.executable
CACHE = REPO / ".tmp" / "bench"
SIZES = (2000, 20000, 100000)
MB = 2**20

# Modules whose functions the timed run wraps. A module's namespace is patched, so a call is
# timed where it is looked up: the pipeline's lazily imported stages (patched at their source
# module), analyse()'s stages, the statistics engine's, and so on. A module missing here (moved
# by a refactoring) is reported and skipped, not an error.
TIMED_MODULES = (
    "generator.pipeline",
    "generator.storage",
    "generator.storage.rdb",
    "generator.snapshot",
    "generator.snapshot.write",
    "generator.snapshot.load",
    "generator.analysis.sample",
    "generator.analysis.assemble",
    "generator.analysis.statistics",
    "generator.analysis.importance",
    "generator.analysis.refine",
    "generator.analysis.tables",
    "generator.analysis.chart_data",
    "generator.render.documents",
    "generator.render.tables",
    "generator.render.directionality",
    "generator.render.importance_tables",
    "generator.render.next_sweep",
    "generator.render.charts",
    "generator.render.charts.files",
    "generator.site.build",
)
UNTIMED = {"generate"}
"""Not wrapped: ``generate`` is the whole run, its stages are the tree's roots."""

# ---------------------------------------------------------------- the timed run (a child process)


class StageTimer:
    """Inclusive wall and CPU time and calls per call path of the wrapped functions, and the
    peak memory (``ru_maxrss``) reached when each top-level stage returns. CPU time tells a
    stage's own cost apart from waiting for a machine that other work keeps busy."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.totals: dict[tuple[str, ...], list[float]] = {}
        self.peak_after: dict[str, float] = {}

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.stack.append(label)
            path = tuple(self.stack)
            start, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
                self.stack.pop()
                entry = self.totals.setdefault(path, [0.0, 0.0, 0])
                entry[0] += elapsed
                entry[1] += cpu
                entry[2] += 1
                if len(path) == 1:
                    self.peak_after[label] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        timed.__bench_timed__ = True  # type: ignore[attr-defined]
        return timed

    def install(self, module_names: tuple[str, ...]) -> list[str]:
        """Wrap every function of generator's own bound in each module; the modules not found."""
        missing = []
        for name in module_names:
            try:
                module = importlib.import_module(name)
            except ImportError:
                missing.append(name)
                continue
            for attr, value in list(vars(module).items()):
                if (
                    inspect.isfunction(value)
                    and value.__module__.startswith("generator")
                    and not attr.startswith("__")
                    and attr not in UNTIMED
                    and not inspect.isgeneratorfunction(value)
                    and not getattr(value, "__bench_timed__", False)
                ):
                    # "rdb.read_study" under "storage.read_study": where each function lives
                    label = f"{value.__module__.rsplit('.', 1)[-1]}.{value.__qualname__}"
                    setattr(module, attr, self.wrap(label, value))
        return missing


def stages_child(storage: str, out: str, result: str) -> None:
    started = time.perf_counter()
    timer = StageTimer()
    missing = timer.install(TIMED_MODULES)  # imports them all: the run itself then imports little
    imports_s = time.perf_counter() - started
    from generator.cli import main

    start = time.perf_counter()
    main(["--storage", storage, "--out", out, "--quiet"])
    run_s = time.perf_counter() - start
    Path(result).write_text(
        json.dumps(
            {
                "imports_s": imports_s,
                "run_s": run_s,
                "missing": missing,
                "totals": [[list(path), t, cpu, n] for path, (t, cpu, n) in timer.totals.items()],
                "peak_after": timer.peak_after,
            }
        )
    )


# ---------------------------------------------------------------- measurements (the parent)


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    """User and system time of the process (and of any process it waited for)."""
    peak_mb: float
    """The largest resident set of the process or any process it waited for (``ru_maxrss``)."""
    stdout: str
    tree_peak_mb: float = 0.0
    """The largest sum, sampled every SAMPLE_S, of the proportional set size (Pss: a page shared
    by k processes counts 1/k in each) of the process and all its descendants: the memory the
    whole run holds when it forks stages onto other cores (generator/background.py)."""

    @property
    def memory_mb(self) -> float:
        """What the memory targets are judged on: the larger of the two measures."""
        return max(self.peak_mb, self.tree_peak_mb)


SAMPLE_S = 0.05


def tree_pss_mb(root: int) -> float:
    """The summed Pss of ``root`` and its descendants now (0 for processes already gone)."""
    tree, frontier = [root], [root]
    while frontier:
        pid = frontier.pop()
        try:  # every thread's children: a process is forked by one of its threads
            kids = [
                int(k)
                for task in os.scandir(f"/proc/{pid}/task")
                for k in Path(task.path, "children").read_text().split()
            ]
        except OSError:
            continue
        tree += kids
        frontier += kids
    total = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except (OSError, ValueError):
            continue
    return total / 1024


def measure(argv: list[str], env: dict[str, str] | None = None) -> Run:
    """Run ``argv`` in a fresh process; its wall time and peak memory (see ``Run``)."""
    import threading

    with tempfile.TemporaryFile("w+") as stdout:
        start = time.perf_counter()
        child = subprocess.Popen(
            argv, cwd=REPO, stdout=stdout, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})}
        )
        peak = [0.0]
        finished = threading.Event()

        def sample() -> None:
            while not finished.wait(SAMPLE_S):
                peak[0] = max(peak[0], tree_pss_mb(child.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        if Path("/proc/self/smaps_rollup").exists():
            sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        finished.set()
        if sampler.is_alive():
            sampler.join()
        child.returncode = os.waitstatus_to_exitcode(status)
        errors = child.stderr.read() if child.stderr else ""
        stdout.seek(0)
        if child.returncode != 0:
            raise SystemExit(f"{' '.join(argv[:4])}... failed ({child.returncode}):\n{errors[-3000:]}")
        return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stdout.read().strip(), peak[0])


def python(code: str) -> list[str]:
    return [PYTHON, "-c", code]


@dataclass
class Result:
    n: int
    storage: str
    storage_mb: float
    build_s: float | None
    optuna: Run
    raw: Run
    first: Run
    unchanged: Run
    version_mb: float
    snapshot_mb: float
    largest: list[tuple[str, float]]
    stages: dict[str, Any] | None = None
    stages_run: Run | None = None
    targets: list[tuple[str, str, str, bool]] = field(default_factory=list)


def study_for(n: int, db: str | None) -> tuple[Path, float | None]:
    if db is not None:
        return Path(db).resolve(), None
    from tests.large_study import cached_study

    start = time.perf_counter()
    existed = (CACHE / f"bulk_{n}.db").exists()
    path = cached_study(CACHE, n)
    return path, None if existed else time.perf_counter() - start


def folder_sizes(version: Path) -> tuple[float, float, list[tuple[str, float]]]:
    files = [p for p in version.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    snapshot = sum(p.stat().st_size for p in files if p.relative_to(version).parts[0] == "snapshot")
    largest = sorted(files, key=lambda p: -p.stat().st_size)[:6]
    return total / MB, snapshot / MB, [(p.relative_to(version).as_posix(), p.stat().st_size / MB) for p in largest]


def bench(n: int, db: str | None, stages: bool) -> Result:
    path, build_s = study_for(n, db)
    name = json.dumps("large")
    url = json.dumps(f"sqlite:///{path}")
    print(f"\n=== {n:,} trials: {path.relative_to(REPO) if path.is_relative_to(REPO) else path}", end="")
    print(f" ({path.stat().st_size / MB:.0f} MB" + (f", built in {build_s:.1f} s)" if build_s else ")"), flush=True)

    def show(label: str, run: Run) -> Run:
        print(
            f"  {label:<42} {run.wall_s:7.2f} s  cpu {run.cpu_s:6.2f} s  peak {run.peak_mb:6.0f} MB"
            f" (all processes {run.tree_peak_mb:6.0f} MB)  {run.stdout[-40:]}",
            flush=True,
        )
        return run

    optuna_run = show(
        "Optuna load_study(...).trials_dataframe()",
        measure(
            python(
                "import optuna; optuna.logging.set_verbosity(30); "
                f"df = optuna.load_study(study_name={name}, storage={url}).trials_dataframe(); print(len(df), 'rows')"
            )
        ),
    )
    raw = show(
        "raw read (generator.storage.read_study)",
        measure(
            python(
                "from generator.storage import locate, read_study; "
                f"r = read_study(locate({json.dumps(str(path))}), {name}); print(len(r.trials), 'trials')"
            )
        ),
    )
    with tempfile.TemporaryDirectory(prefix="hpo-bench-") as scratch:
        cli = [PYTHON, "-m", "generator", "--storage", str(path), "--out", scratch, "--quiet"]
        first = show("generate-report, first run (everything)", measure(cli))
        unchanged = show("generate-report, unchanged study", measure(cli))
        (version,) = [p for p in (Path(scratch) / "report").glob("*/*") if p.is_dir()]
        version_mb, snapshot_mb, largest = folder_sizes(version)
    print(f"  version folder {version_mb:.1f} MB (snapshot/ {snapshot_mb:.1f} MB); largest files:")
    for rel, size in largest:
        print(f"    {size:8.2f} MB  {rel}")
    result = Result(
        n,
        str(path),
        path.stat().st_size / MB,
        build_s,
        optuna_run,
        raw,
        first,
        unchanged,
        version_mb,
        snapshot_mb,
        largest,
    )
    if stages:
        with tempfile.TemporaryDirectory(prefix="hpo-bench-stages-") as scratch:
            out = Path(scratch) / "out"
            data = Path(scratch) / "stages.json"
            # In one process: a stage forked onto another core would be timed where nobody sees it.
            result.stages_run = measure(
                [PYTHON, __file__, "--stages-child", str(path), str(out), str(data)], {"HPO_REPORT_WORKERS": "1"}
            )
            result.stages = json.loads(data.read_text())
        print_stages(result)
    result.targets = targets(result)
    return result


def print_stages(result: Result) -> None:
    assert result.stages is not None and result.stages_run is not None
    s = result.stages
    run_s = s["run_s"]
    print(
        f"  stages of one timed first run in one process (HPO_REPORT_WORKERS=1): {result.stages_run.wall_s:.2f} s (untimed run: "
        f"{result.first.wall_s:.2f} s), imports {s['imports_s']:.2f} s, generate {run_s:.2f} s, "
        f"peak {result.stages_run.peak_mb:.0f} MB"
    )
    if s["missing"]:
        print(f"  (modules not found, not timed: {', '.join(s['missing'])})")
    totals = {tuple(path): (t, cpu, n) for path, t, cpu, n in s["totals"]}
    shown_min = max(0.01, 0.005 * run_s)
    print(
        f"  {'stage (wall s, share of generate, CPU s)':<62} {'s':>7} {'%':>5} {'cpu s':>7} {'calls':>7} {'peak MB':>8}"
    )

    def walk(parent: tuple[str, ...]) -> None:
        kids = [p for p in totals if len(p) == len(parent) + 1 and p[: len(parent)] == parent]
        hidden = [p for p in kids if totals[p][0] < shown_min]
        for path in sorted(set(kids) - set(hidden), key=lambda p: -totals[p][0]):
            t, cpu, n = totals[path]
            peak = f"{s['peak_after'].get(path[0], 0):8.0f}" if len(path) == 1 else ""
            label = "  " * (len(path) - 1) + path[-1]
            print(f"  {label:<62} {t:7.2f} {100 * t / run_s:5.1f} {cpu:7.2f} {n:7d} {peak}")
            walk(path)
        t = sum(totals[p][0] for p in hidden)
        if t >= shown_min:
            label = "  " * len(parent) + f"({len(hidden)} smaller)"
            print(f"  {label:<62} {t:7.2f} {100 * t / run_s:5.1f} {sum(totals[p][1] for p in hidden):7.2f}")

    walk(())
    top = sum(t for path, (t, _, _) in totals.items() if len(path) == 1)
    print(f"  {'(generate outside any timed stage)':<62} {run_s - top:7.2f} {100 * (run_s - top) / run_s:5.1f}")


@dataclass(frozen=True)
class Target:
    n: int
    what: str
    limit: str
    read: Callable[[Result], tuple[float, float | None, str]]
    """(measured, its CPU-time counterpart or None, unit)."""
    passes: Callable[[float], bool]


# Issue 16's targets. Time targets are judged on wall time, as a user waits for it; the CPU
# column beside says how much of it was the run's own work on a busy machine.
TARGETS = (
    Target(20000, "whole report", "< 15 s", lambda r: (r.first.wall_s, r.first.cpu_s, "s"), lambda v: v < 15),
    Target(
        20000,
        "whole report / trials_dataframe()",
        "<= 0.60x",
        lambda r: (r.first.wall_s / r.optuna.wall_s, r.first.cpu_s / r.optuna.cpu_s, "x"),
        lambda v: v <= 0.6,
    ),
    Target(
        20000, "peak memory, whole report", "< 1.5 GB", lambda r: (r.first.memory_mb, None, "MB"), lambda v: v < 1536
    ),
    Target(20000, "unchanged re-run", "< 1 s", lambda r: (r.unchanged.wall_s, r.unchanged.cpu_s, "s"), lambda v: v < 1),
    Target(20000, "one version's files", "<= 20 MB", lambda r: (r.version_mb, None, "MB"), lambda v: v <= 20),
    Target(100000, "whole report", "< 60 s", lambda r: (r.first.wall_s, r.first.cpu_s, "s"), lambda v: v < 60),
    Target(
        100000, "peak memory, whole report", "< 2 GB", lambda r: (r.first.memory_mb, None, "MB"), lambda v: v < 2048
    ),
)


def targets(result: Result) -> list[tuple[str, str, str, bool]]:
    rows = []
    for target in TARGETS:
        if target.n == result.n:
            value, cpu, unit = target.read(result)
            shown = f"{value:.2f} {unit}" + (f" (cpu {cpu:.2f})" if cpu is not None else "")
            rows.append((target.what, shown, target.limit, target.passes(value)))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "sizes", nargs="*", type=int, default=list(SIZES), help="trial counts (default: 2000 20000 100000)"
    )
    parser.add_argument("--db", help="benchmark this SQLite file (study 'large') instead of building one; one size")
    parser.add_argument("--no-stages", action="store_true", help="skip the timed run with its stage breakdown")
    parser.add_argument("--json", type=Path, help="also write every number to this JSON file")
    parser.add_argument("--stages-child", nargs=3, metavar=("STORAGE", "OUT", "RESULT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stages_child:
        stages_child(*args.stages_child)
        return
    if args.db and len(args.sizes) != 1:
        parser.error("--db names one study: give the one size it has")
    print(f"{os.cpu_count()} CPUs, python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}")
    results = [bench(n, args.db, not args.no_stages) for n in args.sizes]
    print(f"\n{'trials':>7}  {'target':<36} {'measured':>22}  {'limit':<9} verdict")
    for r in results:
        for what, measured, limit, ok in r.targets or [("(no targets at this size)", "", "", True)]:
            verdict = ("PASS" if ok else "FAIL") if measured else ""
            print(f"{r.n:>7}  {what:<36} {measured:>22}  {limit:<9} {verdict}")
    print(f"load average now {os.getloadavg()[0]:.1f} (other work on the machine slows every number)")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))


if __name__ == "__main__":
    main()
