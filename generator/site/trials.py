"""The trial explorer (issue 13, item 5): every trial of a version in a sortable, filterable table,
and the version page's table of the best ten.

Per version the site build writes, beside the version's ``index.qmd``:

- ``trials-data.js``: ``window.hpoReportTrials = {"columns": [...], "rows": [[...], ...]};``, read
  from ``artifacts/trials.csv`` (a classic script, because pages opened from ``file://`` cannot
  fetch JSON). Columns: ``number``, ``state``, the value column(s), ``duration_s``, then the
  ``param_*`` columns, named exactly as in trials.csv. The chart tooltips read it too.
- ``trials.qmd`` (-> ``trials.html``): the explorer, drawn by the vendored tabulator-tables
  (``templates/vendor/tabulator/``, copied once per site into ``report/assets/``) and our
  ``templates/site/trials.js``.

Cells are typed per column, so a column sorts and filters one way: a column whose every non-empty
cell reads as a number (``inf``, ``-inf`` and ``nan`` included: pandas writes non-finite floats so)
is numeric, its finite cells JSON numbers and its non-finite ones the strings ``"inf"``, ``"-inf"``
and ``"nan"`` (JSON has no such numbers); any other column keeps every cell as the CSV's text.
Empty cells (a parameter a trial did not have, a value a pruned trial did not report) are null.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from generator.model.findings import Findings
from generator.model.reader import load_findings
from generator.paths import templates_dir
from generator.render.env import environment, render
from generator.site.layout import ASSETS_DIR
from generator.site.sources import TRIALS_DATA_FILE, StudySource, VersionSource, page, script_json

DATA_FILE = TRIALS_DATA_FILE
"""Beside the version's index.qmd; also what the chart tooltips read (sources.VersionSource.trials_script)."""
EXPLORER_PAGE = "trials.qmd"
"""Beside the version's index.qmd; rendered to trials.html."""
TRIALS_CSV = "artifacts/trials.csv"
DATA_GLOBAL = "window.hpoReportTrials"
TOP_TRIALS = 10
"""Rows of the version page's table of best trials."""

LIBRARY_DIR = ("vendor", "tabulator")
"""Under ``templates_dir()``: tabulator-tables as npm ships it (scripts/vendor-table-library.py)."""
LIBRARY_SOURCE = "SOURCE.json"
"""What was vendored, from where, with each file's sha256; its ``files`` are the assets."""
OWN_ASSETS = ("trials.js", "trials.css")
"""From ``templates/site/``: the explorer's script and its few styles beside the library's."""

NON_FINITE = frozenset(("inf", "-inf", "nan"))
"""How trials.csv spells non-finite floats (pandas' ``%.10g``), kept as these strings in the data."""
_INTEGER = r"-?(?:0|[1-9]\d*)"
_NUMBER = _INTEGER + r"(?:\.\d*[1-9])?(?:e[+-]\d\d+)?|-?inf|nan"
"""A number as trials.csv writes one (``str(int)`` or ``%.10g``): text that merely looks like a
number (``007``, ``1.50``, ``+3``: a categorical's choices) keeps its column text."""
_INTEGERS = re.compile(rf"(?:{_INTEGER})(?:\n(?:{_INTEGER}))*")
_NUMBERS = re.compile(rf"(?:{_NUMBER})(?:\n(?:{_NUMBER}))*")
"""A column's filled cells joined by newlines: one match in C per column, not one per cell (a
20,000-trial study has half a million cells). A cell holding a newline itself is text."""
_VALUE_COLUMN = re.compile(r"value(_\d+)?")

Cell = int | float | str | None


@dataclass(frozen=True)
class TrialsTable:
    """trials.csv's explorer columns, typed."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    @property
    def value_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if _VALUE_COLUMN.fullmatch(c))

    @property
    def param_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c.startswith("param_"))


def explorer_columns(header: Sequence[str]) -> list[str]:
    """number, state, the value column(s), duration_s, the params: trials.csv's names, its order
    within each group (the timestamps stay in trials.csv)."""
    values = [c for c in header if _VALUE_COLUMN.fullmatch(c)]
    params = [c for c in header if c.startswith("param_")]
    fixed = [c for c in ("number", "state") if c in header]
    return fixed + values + [c for c in ("duration_s",) if c in header] + params


def read_trials(path: Path) -> TrialsTable | None:
    """The explorer's table from a trials.csv; None when the version has none (an older report).

    A site build reads each version's twice (the version page's best trials, then the explorer's
    files): the second read comes from memory while the file is unchanged.
    """
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return _read_trials(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=2)
def _read_trials(path: Path, mtime_ns: int, size: int) -> TrialsTable:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        raw = list(reader)
    columns = explorer_columns(header)
    by_column = list(zip(*raw, strict=True)) if raw else [() for _ in header]
    typed = [_typed_column(by_column[header.index(c)]) for c in columns]
    return TrialsTable(tuple(columns), tuple(zip(*typed, strict=True)) if raw else ())


def _typed_column(cells: Sequence[str]) -> list[Cell]:
    present = [c for c in cells if c]
    filled = "\n".join(present)
    if not present or filled.count("\n") != len(present) - 1:
        return [c or None for c in cells]
    if _INTEGERS.fullmatch(filled):
        return [int(c) if c else None for c in cells]
    if _NUMBERS.fullmatch(filled):
        return [(c if c in NON_FINITE else float(c)) if c else None for c in cells]
    return [c or None for c in cells]


def data_script(table: TrialsTable) -> str:
    """``trials-data.js``: one statement; JSON safe inside a script (``sources.script_json``),
    keys sorted, so identical trials.csv files give identical bytes."""
    data = {"columns": list(table.columns), "rows": [list(row) for row in table.rows]}
    return f"{DATA_GLOBAL} = {script_json(data)};\n"


def read_data_script(text: str) -> dict[str, Any]:
    """The object a ``trials-data.js`` assigns (for tests and tools; the browser runs the script)."""
    prefix = f"{DATA_GLOBAL} = "
    if not (text.startswith(prefix) and text.endswith(";\n")):
        raise ValueError(f"not a {DATA_FILE}")
    return dict(json.loads(text[len(prefix) : -2]))


@dataclass(frozen=True)
class TopTrials:
    """The version page's best trials: what the table shows and how they were chosen."""

    rows: tuple[Mapping[str, Cell], ...]
    """Column name -> cell, best first."""
    value_columns: tuple[str, ...]
    param_columns: tuple[str, ...]
    """Only the params at least one shown trial has (a conditional branch none of them took is left out)."""
    order_column: str
    """The value column the rows are ordered by (the analysed objective's)."""
    direction: str
    pareto: bool
    """Multi-objective: the rows are Pareto-front trials."""
    n_candidates: int
    """Complete trials with a finite value, or trials on the Pareto front."""
    n_total: int
    """Every trial in trials.csv (the explorer's row count)."""


def finite(cell: Cell) -> float | None:
    """A value cell as a finite float, else None (empty, ``inf``, ``nan`` or text)."""
    if isinstance(cell, bool) or not isinstance(cell, int | float):
        return None
    return float(cell) if math.isfinite(cell) else None


def top_trials(
    table: TrialsTable,
    directions: Sequence[str],
    objective: int = 0,
    front: Sequence[int] | None = None,
    limit: int = TOP_TRIALS,
) -> TopTrials:
    """The best ``limit`` complete trials by the analysed objective in its direction, ties by
    trial number; a multi-objective study's (``front`` given: the Pareto front's trial numbers)
    are its Pareto-front trials ordered the same way, since no single order ranks a front."""
    values = table.value_columns
    order_column = values[min(objective, len(values) - 1)] if values else "value"
    direction = directions[min(objective, len(directions) - 1)]
    on_front = None if front is None else set(front)
    at = {c: i for i, c in enumerate(table.columns)}
    candidates = [
        row
        for row in table.rows
        if values  # a study none of whose trials reported a value has no value column
        and row[at["state"]] == "COMPLETE"
        and finite(row[at[order_column]]) is not None
        and (on_front is None or row[at["number"]] in on_front)
    ]
    sign = -1.0 if direction == "maximize" else 1.0
    candidates.sort(key=lambda row: (sign * (finite(row[at[order_column]]) or 0.0), row[at["number"]]))
    shown = [dict(zip(table.columns, row, strict=True)) for row in candidates[:limit]]
    params = tuple(c for c in table.param_columns if any(r[c] is not None for r in shown))
    return TopTrials(
        rows=tuple(shown),
        value_columns=values,
        param_columns=params,
        order_column=order_column,
        direction=direction,
        pareto=on_front is not None,
        n_candidates=len(candidates),
        n_total=len(table.rows),
    )


def top_trials_markdown(folder: Path, findings: Findings | None = None) -> str:
    """The version page's "best trials" block (Markdown, for both renderers): the table of
    ``top_trials`` and the link to the explorer; empty when the version has no trials.csv.

    ``folder`` is the version's folder (the page beside it links to ``trials.qmd``);
    ``findings`` its findings.json, read here when not given.
    """
    table = read_trials(folder / TRIALS_CSV)
    if table is None:
        return ""
    f = findings if findings is not None else load_findings(folder / "findings.json")
    multi = len(f.study.directions) > 1
    top = top_trials(
        table,
        f.study.directions,
        f.study.objective,
        front=[p.number for p in f.pareto_front] if multi else None,
    )
    return render("quarto/_top_trials.md.j2", top=top, explorer=EXPLORER_PAGE, param_name=param_name)


def explorer_link_markdown(n_total: int) -> str:
    """The link to the explorer from a page beside it (the version page), as Markdown."""
    return render("quarto/_top_trials.md.j2", top=None, n_total=n_total, explorer=EXPLORER_PAGE, param_name=param_name)


def param_name(column: str) -> str:
    """A ``param_*`` column's parameter name (how the tables head it)."""
    return column.removeprefix("param_")


def version_files(study: StudySource, v: VersionSource) -> dict[str, str]:
    """The explorer's page of one version, relative to the project root (trials.qmd); none when
    the version has no trials.csv."""
    table = read_trials(v.folder / TRIALS_CSV)
    if table is None:
        return {}
    # The titles' wording lives in a template, as macros (the front matter is YAML, written by ``page``).
    titles: Any = environment(False).get_template("quarto/_trials_titles.j2").module
    return {
        f"report/{study.slug}/{v.version}/{EXPLORER_PAGE}": page(
            "trials.qmd.j2",
            {"pagetitle": str(titles.pagetitle(study, v)), "title": str(titles.title(study, v))},
            study=study,
            v=v,
            n_total=len(table.rows),
            library=library_version(),
        ),
    }


def data_files(study: StudySource, v: VersionSource) -> dict[str, str]:
    """The explorer's data of one version, relative to the site (trials-data.js): written
    into the built site only, like the chart scripts (``sources.Project.site_files``)."""
    table = read_trials(v.folder / TRIALS_CSV)
    if table is None:
        return {}
    return {f"report/{study.slug}/{v.version}/{DATA_FILE}": data_script(table)}


def library_source() -> dict[str, Any]:
    path = templates_dir().joinpath(*LIBRARY_DIR, LIBRARY_SOURCE)
    return dict(json.loads(path.read_text(encoding="utf-8")))


def library_version() -> str:
    return str(library_source()["version"])


def asset_files() -> dict[str, str]:
    """What the explorer adds to ``report/assets/`` (once per site): the vendored library's files
    under their own names, and our script and styles."""
    library = templates_dir().joinpath(*LIBRARY_DIR)
    files = {
        f"{ASSETS_DIR}/{name}": (library / name).read_text(encoding="utf-8")
        for name in sorted(library_source()["files"])
    }
    for name in OWN_ASSETS:
        files[f"{ASSETS_DIR}/{name}"] = (templates_dir() / "site" / name).read_text(encoding="utf-8")
    return files
