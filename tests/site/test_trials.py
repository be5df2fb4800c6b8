"""The trial explorer's sources (generator/site/trials.py): trials-data.js read back against
trials.csv, the version page's best trials, the vendored table library; on real reports of the
awkward studies (running, pruned and failed trials, +inf values, hostile parameter names, two
objectives) and on hand-written trials.csv files."""

from __future__ import annotations

import csv
import hashlib
import json
import math
from pathlib import Path

import pytest

from generator.site import trials
from generator.site.trials import TrialsTable, data_script, read_data_script, read_trials, top_trials
from generator.slug import study_slug
from tests.site_fixtures import run
from tests.studies import AWKWARD, HOSTILE_NAMES, HOSTILE_PARAMS, sqlite_study

STUDIES = ("with_running", "inf_values", "hostile_params", "none_categoricals", "multi_objective", "all_failed")
HOSTILE = HOSTILE_NAMES[1]  # <script>alert(1)</script>


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Study name -> its version folder, all in one output folder (site built by the runs)."""
    root = tmp_path_factory.mktemp("trials")
    out = root / "out"
    folders = {}
    for name in STUDIES:
        builder, directions = AWKWARD[name]
        url = sqlite_study(root / f"{name}.db", name, builder, directions)
        run(url, name, out, "--no-charts")
        (folders[name],) = (out / "report" / name).glob("0001-*")
    url = sqlite_study(root / "hostile.db", HOSTILE, AWKWARD["hostile_params"][0], ["maximize"])
    run(url, HOSTILE, out, "--no-charts")
    (folders[HOSTILE],) = (out / "report" / study_slug(HOSTILE)).glob("0001-*")
    return folders


def data_text(folder: Path) -> str:
    """A version's trials-data.js, from the built site (the build writes it there only)."""
    site = folder.parents[2] / "site" / "report" / folder.parent.name / folder.name
    assert not (folder / trials.DATA_FILE).exists()  # report/ holds the report, not site products
    return (site / trials.DATA_FILE).read_text(encoding="utf-8")


def csv_rows(folder: Path) -> tuple[list[str], list[list[str]]]:
    with (folder / "artifacts" / "trials.csv").open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


@pytest.mark.parametrize("name", [*STUDIES, HOSTILE])
def test_trials_data_reads_back_as_trials_csv(reports: dict[str, Path], name: str) -> None:
    folder = reports[name]
    text = data_text(folder)
    assert text.count("\n") == 1 and text.startswith("window.hpoReportTrials = {") and text.endswith("};\n")
    data = read_data_script(text)
    header, rows = csv_rows(folder)
    values = [c for c in header if c.startswith("value")]
    params = [c for c in header if c.startswith("param_")]
    assert data["columns"] == ["number", "state", *values, "duration_s", *params]
    assert len(data["rows"]) == len(rows) > 0
    for row, csv_row in zip(data["rows"], rows, strict=True):
        cells = dict(zip(header, csv_row, strict=True))
        for column, cell in zip(data["columns"], row, strict=True):
            written = cells[column]
            if written == "":
                assert cell is None, (column, row)
            elif isinstance(cell, str):
                assert cell == written, (column, row)  # text, and non-finite numbers as trials.csv spells them
            else:
                assert isinstance(cell, int | float) and not isinstance(cell, bool)
                assert cell == float(written), (column, row)
    # Rows by trial number; numbers and states always there.
    assert [r[0] for r in data["rows"]] == sorted(int(r[0]) for r in rows)
    assert all(isinstance(r[1], str) for r in data["rows"])


def test_trials_data_keeps_nulls_infinities_and_hostile_names(reports: dict[str, Path]) -> None:
    inf = read_data_script(data_text(reports["inf_values"]))
    assert [r[2] for r in inf["rows"]] == [0, 1, "inf", 3, 4, 5]
    running = read_data_script(data_text(reports["with_running"]))
    by_state = {r[1]: r for r in running["rows"]}
    assert by_state["RUNNING"][2] is None and by_state["RUNNING"][3] is None  # no value, no duration yet
    assert by_state["FAIL"][2] is None and by_state["FAIL"][3] == 300  # five minutes
    hostile = read_data_script(data_text(reports[HOSTILE]))
    assert hostile["columns"][4:] == sorted(f"param_{p}" for p in HOSTILE_PARAMS)
    mixed = [r[hostile["columns"].index("param_datum.x")] for r in hostile["rows"]]
    # Choices 1, "1", None and "a.b[0]" share a column: text, as trials.csv writes them.
    assert mixed[:4] == ["1", "1", "null", "a.b[0]"]
    assert "</" not in data_text(reports[HOSTILE])


def table_from(tmp_path: Path, text: str) -> TrialsTable:
    path = tmp_path / "trials.csv"
    path.write_text(text, encoding="utf-8")
    table = read_trials(path)
    assert table is not None
    return table


def test_cells_are_typed_per_column(tmp_path: Path) -> None:
    table = table_from(
        tmp_path,
        "number,state,datetime_start,datetime_complete,duration_s,value,param_a,param_code,param_flag,param_f\n"
        "0,COMPLETE,2025-01-01T12:00:00,,1.5,inf,1e-05,007,True,2\n"
        "1,PRUNED,,,,,-3,8,False,0.25\n"
        "2,COMPLETE,,,0,-inf,,1.50,,nan\n",
    )
    # Timestamps stay in trials.csv; numbers are numbers, non-finite ones the CSV's words.
    assert table.columns == ("number", "state", "value", "duration_s", "param_a", "param_code", "param_flag", "param_f")
    assert table.rows == (
        (0, "COMPLETE", "inf", 1.5, 1e-05, "007", "True", 2),
        (1, "PRUNED", None, None, -3, "8", "False", 0.25),
        (2, "COMPLETE", "-inf", 0, None, "1.50", None, "nan"),
    )
    assert table.value_columns == ("value",) and table.param_columns[:2] == ("param_a", "param_code")
    # A newline inside a cell (a categorical's choice): text, not two numbers.
    lines = table_from(tmp_path, 'number,state,param_n\n0,COMPLETE,1\n1,COMPLETE,"2\n3"\n')
    assert lines.rows == ((0, "COMPLETE", "1"), (1, "COMPLETE", "2\n3"))


def test_trials_data_is_one_safe_deterministic_statement(tmp_path: Path) -> None:
    hostile = "</script><script>alert(1)</script> <!-- `{{< x >}}` \u2028"
    table = TrialsTable(
        ("number", "state", "value", "duration_s", f"param_{hostile}"), ((0, "COMPLETE", 0.5, 1, hostile),)
    )
    text = data_script(table)
    assert text == (
        'window.hpoReportTrials = {"columns":["number","state","value","duration_s",'
        '"param_\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e \\u003c!-- \\u0060{{\\u003c x \\u003e}}\\u0060 \\u2028"],'
        '"rows":[[0,"COMPLETE",0.5,1,"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e \\u003c!-- \\u0060{{\\u003c x \\u003e}}\\u0060 \\u2028"]]};\n'
    )
    assert read_data_script(text) == {"columns": list(table.columns), "rows": [list(table.rows[0])]}
    assert data_script(table) == text
    assert read_trials(tmp_path / "absent.csv") is None


HEADER = "number,state,duration_s,value,param_x,param_only_when_y\n"


def numbers(top: trials.TopTrials) -> list[int]:
    return [int(str(r["number"])) for r in top.rows]


def test_top_trials_by_direction_ties_by_number(tmp_path: Path) -> None:
    rows = [(0, "COMPLETE", 3), (1, "COMPLETE", 1.5), (2, "PRUNED", 0.5), (3, "COMPLETE", 1.5), (4, "FAIL", "")]
    rows += [(5, "COMPLETE", "inf"), (6, "COMPLETE", 2), (7, "RUNNING", "")]
    rows += [(8 + i, "COMPLETE", 10 + i) for i in range(10)]
    text = HEADER + "".join(f"{n},{s},1,{v},{n / 10:g},{'' if n else 'y'}\n" for n, s, v in rows)
    table = table_from(tmp_path, text)
    low = top_trials(table, ["minimize"])
    assert numbers(low) == [1, 3, 6, 0, 8, 9, 10, 11, 12, 13]  # 1 and 3 tie: lower number first
    assert (low.n_candidates, low.n_total, low.order_column, low.pareto) == (14, 18, "value", False)
    assert low.param_columns == ("param_x", "param_only_when_y")  # trial 0 took the branch
    high = top_trials(table, ["maximize"])
    assert numbers(high) == [17, 16, 15, 14, 13, 12, 11, 10, 9, 8]
    assert high.param_columns == ("param_x",)  # no shown trial has it
    assert numbers(top_trials(table, ["maximize"], limit=13)) == [17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 0, 6, 1]


def test_multi_objective_shows_the_front_by_the_analysed_objective(tmp_path: Path) -> None:
    text = "number,state,duration_s,value_0,value_1,param_x\n" + "".join(
        f"{n},COMPLETE,1,{a},{b},0.5\n" for n, a, b in ((0, 1, 5), (1, 2, 2), (2, 3, 1), (3, 4, 4), (4, 1, 5))
    )
    table = table_from(tmp_path, text)
    top = top_trials(table, ["minimize", "minimize"], objective=1, front=[0, 1, 2, 4])
    assert numbers(top) == [2, 1, 0, 4] and top.order_column == "value_1" and top.pareto
    first = top_trials(table, ["minimize", "maximize"], objective=0, front=[0, 1, 2, 4])
    assert numbers(first) == [0, 4, 1, 2]


def test_top_trials_markdown_on_real_reports(reports: dict[str, Path]) -> None:
    single = trials.top_trials_markdown(reports["inf_values"])
    lines = single.splitlines()
    assert lines[0] == "The best 5 of 5 complete trials by value (minimize), ties by trial number."
    assert lines[2] == "| Trial | value | Duration | x |"
    assert [line.split(" | ")[0] for line in lines[4:9]] == ["| 0", "| 1", "| 3", "| 4", "| 5"]
    assert lines[-1] == "[All 6 trials in the trial explorer](trials.qmd)"
    multi = trials.top_trials_markdown(reports["multi_objective"])
    # value_0 minimized, value_1 maximized: trial 0 (0, 6) dominates every other.
    assert multi.startswith("Trials on the Pareto front (1 of 1), ordered by value\\_0 (minimize)")
    assert "| Trial | value\\_0 | value\\_1 | Duration | x |" in multi
    failed = trials.top_trials_markdown(reports["all_failed"]).strip().splitlines()
    assert len(failed) == 1 and failed[0].startswith("No complete trial with a finite value yet: nothing to rank.")
    hostile = trials.top_trials_markdown(reports[HOSTILE])
    assert "\\<" not in hostile.split("\n")[0]
    # Markdown-escaped (a backslash doubled, brackets escaped), in trials.csv's column order.
    assert '| a.b | back\\\\slash | datum.x | lr/head 1 | q"uote | type:Q | x\\[0\\] | ünï ★ |' in hostile
    assert trials.explorer_link_markdown(7) == "[All 7 trials in the trial explorer](trials.qmd)\n"


def test_the_explorer_page_links_back_and_loads_its_scripts(reports: dict[str, Path]) -> None:
    folder = reports[HOSTILE]
    page = (folder / trials.EXPLORER_PAGE).read_text(encoding="utf-8")
    assert "[Back to the report](index.qmd)" in page and "](artifacts/trials.csv)" in page
    assert (
        page.index('src="trials-data.js"')
        < page.index('tabulator.min.js"></script>')
        < page.index('trials.js"></script>')
    )
    assert "<script>alert" not in page
    site = folder.parents[2] / "site" / "report" / folder.parent.name / folder.name
    assert (site / "trials.html").is_file() and (site / trials.DATA_FILE).is_file()
    assert '<a href="trials.html">All 12 trials in the trial explorer</a>' in (site / "index.html").read_text()


def test_the_vendored_library_is_what_scripts_vendor_table_library_fetched() -> None:
    source = trials.library_source()
    assert source["package"] == "tabulator-tables" and source["license"] == "MIT"
    library = Path(trials.__file__).resolve().parents[2] / "templates" / "vendor" / "tabulator"
    for name, entry in source["files"].items():
        assert hashlib.sha256((library / name).read_bytes()).hexdigest() == entry["sha256"], name
    script = (library / "tabulator.min.js").read_text(encoding="utf-8")
    # A UMD build: a classic script that sets window.Tabulator (pages opened from file:// refuse modules).
    assert script.startswith(f"/* Tabulator v{source['version']} ") and ".Tabulator=" in script
    assert not any(line.startswith(("import ", "export ")) for line in script.splitlines())
    assets = trials.asset_files()
    assert sorted(assets) == sorted(f"report/assets/{n}" for n in (*source["files"], "trials.js", "trials.css"))
    vendor_script = Path(__file__).resolve().parents[2] / "scripts" / "vendor-table-library.py"
    assert (
        f'VERSION = "{source["version"]}"' in vendor_script.read_text()
        and source["integrity"] in vendor_script.read_text()
    )


def test_finite_reads_only_finite_numbers() -> None:
    assert [trials.finite(c) for c in (1, 0.5, "inf", None, "x", math.inf, math.nan)] == [
        1.0,
        0.5,
        None,
        None,
        None,
        None,
        None,
    ]
    assert json.loads(json.dumps(trials.finite(2))) == 2.0
