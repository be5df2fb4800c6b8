"""Power-of-two ordinals (batch sizes, widths) are drawn on base-2 log axes: the rule, and the
chart data that carries it (slice ticks, parallel-coordinates positions)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from generator.analysis.chart_data import chart_set
from generator.analysis.params import log2_axis, param_specs, power_of_two_levels
from generator.config import AnalysisConfig
from generator.model.charts import ChartSet
from tests.snapshot_compare import snapshot_of
from tests.studies import add, sqlite_study


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([16, 32, 64], (16.0, 32.0, 64.0)),
        ([64, 16, 32, 16], (16.0, 32.0, 64.0)),  # sorted, each once
        ([16, 32, 128], (16.0, 32.0, 128.0)),  # a skipped power is still a power of two
        ([1, 2], (1.0, 2.0)),  # 2**0 counts
        ([16.0, 64.0], (16.0, 64.0)),  # floats that are whole powers
        ([2**40, 2**41], (float(2**40), float(2**41))),
        ([16, 48, 64], ()),  # 48 is not a power of two
        ([10, 20, 40], ()),  # doublings, but not of 1
        ([3, 6, 12], ()),
        ([0, 16, 32], ()),  # zero has no logarithm
        ([-16, 16, 32], ()),
        ([-2, -4], ()),
        ([0.5, 1, 2], ()),  # fractions (0.5 = 2**-1) are shares, not doublings
        ([0.25, 0.5], ()),
        ([16.5, 32], ()),
        ([16], ()),  # one level: nothing to space
        ([32, 32.0], ()),  # one distinct level
        ([], ()),
        ([True, False], ()),  # booleans are not numbers here
        ([1, True], ()),
        ([16, "32"], ()),
        ([16, None], ()),
        ([16, math.inf], ()),
        ([16, math.nan], ()),
    ],
)
def test_power_of_two_levels(values: list[Any], expected: tuple[float, ...]) -> None:
    assert power_of_two_levels(values) == expected


def _mixed(study: optuna.Study) -> None:
    """Ordinals of every sort beside an int and a float, 12 trials."""
    distributions = {
        "batch": CategoricalDistribution([16, 32, 128]),
        "decimal": CategoricalDistribution([10, 20, 50]),
        "single": CategoricalDistribution([64]),
        "with_zero": CategoricalDistribution([0, 1, 2, 4]),
        "units": IntDistribution(16, 128, log=True),
        "depth": IntDistribution(1, 8),
        "lr": FloatDistribution(1e-4, 1e-1, log=True),
        "name": CategoricalDistribution(["16", "32"]),
    }
    for i in range(12):
        params = {
            "batch": [16, 32, 128][i % 3],
            "decimal": [10, 20, 50][i % 3],
            "single": 64,
            "with_zero": [0, 1, 2, 4][i % 4],
            "units": [16, 32, 64, 128][i % 4],
            "depth": 1 + i % 8,
            "lr": 1e-4 * 10 ** (i % 4),
            "name": ["16", "32"][i % 2],
        }
        add(study, params, distributions, 0.1 * i + 0.05 * (i % 3))


@pytest.fixture(scope="module")
def mixed_charts(tmp_path_factory: pytest.TempPathFactory) -> ChartSet:
    folder: Path = tmp_path_factory.mktemp("log2")
    url = sqlite_study(folder / "s.db", "mixed", _mixed, ["maximize"])
    snapshot = snapshot_of(url, "mixed", folder)
    charts = chart_set(snapshot, AnalysisConfig(chart_top_params=8))
    specs = param_specs(snapshot)
    # The rule from the specs: only the ordinal whose every choice is a power of two.
    assert {name: log2_axis(spec) for name, spec in specs.items() if log2_axis(spec)} == {"batch": (16.0, 32.0, 128.0)}
    return charts


def test_only_a_power_of_two_ordinal_gets_log2_ticks_in_its_slice(mixed_charts: ChartSet) -> None:
    ticks = {s.param: s.log2_ticks for s in mixed_charts.slices}
    assert ticks == {
        "batch": (16.0, 32.0, 128.0),
        "decimal": (),
        "single": (),
        "with_zero": (),
        "units": (),  # an int sampled with log=True keeps its log10 axis
        "depth": (),
        "lr": (),
    }
    batch = next(s for s in mixed_charts.slices if s.param == "batch")
    assert (batch.low, batch.high, batch.log) == (16.0, 128.0, False)


def test_parallel_places_power_of_two_levels_by_doublings(mixed_charts: ChartSet) -> None:
    parallel = mixed_charts.parallel
    assert parallel is not None
    positions = {axis.param: {tick.value: tick.position for tick in axis.ticks} for axis in parallel.axes}
    # 16 -> 32 is one doubling of three (16 -> 128): a third of the axis, not half of it.
    assert positions["batch"] == pytest.approx({"16": 0.0, "32": 1 / 3, "128": 1.0})
    # Any other ordinal keeps evenly spaced levels.
    assert positions["decimal"] == pytest.approx({"10": 0.0, "20": 0.5, "50": 1.0})
    assert positions["with_zero"] == pytest.approx({"0": 0.0, "1": 1 / 3, "2": 2 / 3, "4": 1.0})
    # Each line crosses the batch axis where its trial's level sits.
    index = next(i for i, axis in enumerate(parallel.axes) if axis.param == "batch")
    for line in parallel.lines:
        assert line.positions[index] == pytest.approx([0.0, 1 / 3, 1.0][line.number % 3])
