"""The fast paths of chart writing give exactly what Altair and ``sig`` give.

``values.py`` turns chart data into inline values a column at a time instead of through
Altair's default data transformer, and ``sig_floats`` rounds a column of floats without
formatting each; both must leave every spec byte-identical.
"""

from __future__ import annotations

import json
import math
import random
import re
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pytest
from altair.utils.data import to_values

from generator.analysis.assemble import analyse
from generator.analysis.chart_data import chart_set
from generator.analysis.sample import analysed_sample
from generator.config import AnalysisConfig
from generator.model.charts import ChartSet
from generator.render.charts import chart_files
from generator.render.charts.common import sig, sig_floats
from generator.render.charts.files import spec_dict
from generator.render.charts.values import DATA_TRANSFORMER, _records, inline_values
from generator.snapshot import Snapshot, content_hash, load_snapshot, write_snapshot
from tests.conftest import REPO
from tests.render.test_charts import makefile_variable
from tests.snapshot_compare import snapshot_of
from tests.studies import AWKWARD, huge_record, sqlite_study

# --- every chart: the fast transformer's spec is Altair's --------------------------------------------


def json_text(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def assert_specs_match_altair(charts: ChartSet) -> int:
    """Every chart's spec through our transformer equals the one through Altair's default
    transformer, both validated against the Vega-Lite schema; returns how many charts."""
    items = chart_files(charts)
    for item in items:
        fast = spec_dict(item.chart, validate=True)
        altair_own = spec_dict(item.chart, validate=True, transformer="default")
        assert json_text(fast) == json_text(altair_own), item.stem
        assert fast["datasets"], item.stem
    return len(items)


def pipeline_charts(snapshot: Snapshot, config: AnalysisConfig) -> ChartSet:
    """The charts as the pipeline builds them (with the importance analysis)."""
    sample = analysed_sample(snapshot, config)
    findings = analyse(snapshot, config, "", sample)
    return chart_set(snapshot, config, findings.importance, findings.interactions, sample)


def test_every_chart_of_the_example_study(tmp_path: Path) -> None:
    storage = str(REPO / makefile_variable("EXAMPLE_STORAGE"))
    charts = pipeline_charts(snapshot_of(storage, makefile_variable("EXAMPLE_STUDY"), tmp_path), AnalysisConfig())
    assert charts.importance is not None
    assert assert_specs_match_altair(charts) >= 8


@pytest.mark.parametrize(
    "name",
    [
        "conditional",
        "none_categoricals",
        "inf_values",
        "multi_objective",
        "hostile_params",
        "with_running",
        "pruned_only",
        "all_failed",
        "one_level",
        "constant_objective",
    ],
)
def test_every_chart_of_an_awkward_study(name: str, tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", name, *AWKWARD[name])
    snapshot = snapshot_of(url, name, tmp_path)
    assert assert_specs_match_altair(chart_set(snapshot, AnalysisConfig())) >= 1
    if name == "conditional":  # pruned trials analysed too: other subtitles, other rows
        pruned = AnalysisConfig(include_pruned=True)
        assert assert_specs_match_altair(chart_set(snapshot, pruned)) >= 1


def test_every_chart_of_a_sampled_large_study(tmp_path: Path) -> None:
    record = huge_record(3_000)
    write_snapshot(record, tmp_path / "snap", {"input_hash": content_hash(record)})
    charts = chart_set(load_snapshot(tmp_path / "snap"), AnalysisConfig(chart_max_points=500))
    assert assert_specs_match_altair(charts) >= 10


# --- the transformer itself, dtype by dtype ----------------------------------------------------------


def frames() -> dict[str, pd.DataFrame]:
    n = 7
    floats = [1.5, math.nan, math.inf, -math.inf, -0.0, 3.0, 1e-300]
    return {
        "float64": pd.DataFrame({"v": floats}),
        "float32": pd.DataFrame({"v": np.array(floats, dtype=np.float32)}),
        "ints": pd.DataFrame(
            {
                "i64": np.arange(n, dtype=np.int64) - 3,
                "i32": np.arange(n, dtype=np.int32),
                "i8": np.arange(n, dtype=np.int8),
                "u64": np.arange(n, dtype=np.uint64) + 2**63,
                "u8": np.arange(n, dtype=np.uint8),
            }
        ),
        "bool": pd.DataFrame({"b": [True, False, True, True, False, False, True]}),
        "str": pd.DataFrame({"s": ["a", None, "b", "é", "", "x y", None]}),
        "string_na": pd.DataFrame({"s": pd.array(["a", None, "b", "c", "d", "e", "f"], dtype="string")}),
        "filtered": pd.DataFrame({"v": floats, "s": list("abcdefg")}).iloc[[6, 1, 3]],
        "mixed": pd.DataFrame(
            {
                "number": range(n),
                "value": floats,
                "group": ["elite", "other"] * 3 + ["elite"],
                "flag": [True] * n,
                "label": [None, "a", "b", "c", "d", "e", "f"],
            }
        ),
        "empty": pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=str)}),
        # Handed to Altair: its own answer, whatever that is.
        "no_columns": pd.DataFrame(index=range(3)),
        # Object columns, whose types pandas infers again as Altair sanitizes them.
        **{
            f"object_{name}": pd.DataFrame({"o": pd.Series(values, dtype=object)})
            for name, values in {
                "mixed": ["a", None, 1, 2.5, math.nan, True, math.inf],
                "strings_and_none": ["a", None, "b"],
                "floats_and_none": [1.5, None, 2.0],
                "ints_and_none": [1, None, 2],
                "ints_and_floats": [1, 2.5, 3],
                "none": [None, None],
                "numpy": [np.float64(1.5), np.int64(2), None],
            }.items()
        },
        "category": pd.DataFrame({"c": pd.Categorical(["a", "b", None])}),
        "datetime": pd.DataFrame({"t": pd.to_datetime(["2024-01-01 00:00:00", None, "2024-01-02 03:04:05"])}),
        "nullable_int": pd.DataFrame({"i": pd.array([1, None, 3], dtype="Int64")}),
        "range_columns": pd.DataFrame([[1, 2.5], [3, 4.5]]),
    }


FAST = {
    "float64",
    "float32",
    "ints",
    "bool",
    "str",
    "string_na",
    "filtered",
    "mixed",
    "empty",
}


@pytest.mark.parametrize("name", sorted(frames()))
def test_inline_values_are_altairs(name: str) -> None:
    frame = frames()[name]
    assert (_records(frame) is not None) == (name in FAST)  # the fast path is the one tested
    expected = to_values(frame)
    got = inline_values(frame)
    # allow_nan: Altair keeps an infinity in an object column and turns some None into NaN.
    assert json.dumps(got, sort_keys=True, allow_nan=True) == json.dumps(expected, sort_keys=True, allow_nan=True)
    # The same Python types, value for value (JSON would not tell 1 from True).
    for mine, theirs in zip(got["values"], expected["values"], strict=True):
        assert [type(v) for v in mine.values()] == [type(v) for v in theirs.values()]
        assert list(mine) == list(theirs)


@pytest.mark.parametrize(
    "frame",
    [pd.DataFrame({1: [1.0], "a": [2.0]}), pd.DataFrame([[1, 2], [3, 4]], columns=["a", "a"])],
    ids=["a column named by a number", "duplicate columns"],
)
def test_inline_values_reject_what_altair_rejects(frame: pd.DataFrame) -> None:
    with pytest.raises(Exception) as altair_own:
        to_values(frame)
    with pytest.raises(type(altair_own.value), match=re.escape(str(altair_own.value))):
        inline_values(frame)


def test_the_transformer_is_registered_and_lifts_the_row_limit() -> None:
    assert DATA_TRANSFORMER in alt.data_transformers.names()
    active = alt.data_transformers.active
    big = pd.DataFrame({"x": np.arange(6_000, dtype=float)})  # beyond Altair's 5,000 rows
    chart = alt.Chart(big).mark_point().encode(x=alt.X(field="x", type="quantitative"))
    (rows,) = spec_dict(chart)["datasets"].values()
    assert rows == [{"x": float(i)} for i in range(6_000)]
    assert alt.data_transformers.active == active  # ours is enabled only inside spec_dict


# --- sig, a column at a time ---------------------------------------------------------------------------


def awkward_floats(seed: int) -> list[float]:
    """Floats across every magnitude, plus the hard ones: a 7th digit of exactly 5 (and the
    doubles either side), powers of ten and their neighbours, zeros, infinities, NaN, subnormals."""
    rng = random.Random(seed)
    values = [rng.uniform(-1.0, 1.0) * 10.0 ** rng.randint(-30, 30) for _ in range(20_000)]
    for _ in range(10_000):
        v = float(f"{rng.randint(100_000, 999_999)}5e{rng.randint(-25, 25)}")
        values += [v, math.nextafter(v, math.inf), math.nextafter(v, -math.inf), -v]
    for e in range(-30, 31):
        for base in (1.0, 9.999995, 9.9999949, 9.9999951, 1.000005, 1.0000049999, 0.999995, 1.000015):
            v = base * 10.0**e
            values += [v, math.nextafter(v, 0.0), math.nextafter(v, math.inf), -v]
    values += [0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308]
    values += [float(i) for i in range(-1_000, 100_000, 7)] + [i / 7 for i in range(1, 20_000)]
    rng.shuffle(values)
    return values


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return type(a) is type(b) and a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


@pytest.mark.parametrize("seed", [0, 1])
def test_sig_floats_is_sig(seed: int) -> None:
    values = awkward_floats(seed)
    got = sig_floats(values)
    assert len(got) == len(values)
    wrong = [(v, g) for v, g in zip(values, got, strict=True) if not same(g, sig(v))]
    assert wrong == []


def test_sig_floats_of_short_and_typical_columns() -> None:
    rng = random.Random(7)
    for count in (0, 1, 63, 64, 2_000):
        values = [rng.gauss(0.5, 0.2) for _ in range(count)]
        assert [repr(v) for v in sig_floats(values)] == [repr(sig(v)) for v in values]
