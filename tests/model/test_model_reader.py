"""generator/model/reader.py: findings.json (and any model JSON) back into the typed model.

The file-level round trip (read, write again, same text) runs on every report the suite
builds, from ``invariants.report_violations`` (see ``tests/round_trip.py``). Here: the objects
themselves come back (``findings_from_dict(json.loads(dumps(f)))`` equals ``f`` as the writer
leaves it), and the reader's rules for older, damaged or foreign documents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest

from generator.analysis.assemble import analyse
from generator.config import AnalysisConfig
from generator.errors import UserError
from generator.model.findings import Directionality, Findings, ObjectiveFindings
from generator.model.reader import ModelFormatError, findings_from_dict, load_findings, model_from_dict
from generator.model.serialize import dumps
from generator.model.vocabulary import Severity
from generator.render.documents import findings_json
from tests.analysis.test_learning_curves import rising
from tests.analysis.test_trial_attrs import attr_study
from tests.conftest import REPO
from tests.real_shapes import REAL_SHAPES
from tests.round_trip import canonical
from tests.snapshot_compare import snapshot_of, snapshot_of_study
from tests.studies import AWKWARD, sqlite_study

EXAMPLE = "visual_classifier_cnn_vs_context_cpu_v1"
SHAPES = ("confounded_pair", "few_extreme_trials", "interior_optimum", "single_trial_level")
"""Real shapes whose findings carry influence, confounding, interior shapes and odd levels."""


def assert_round_trip(findings: Findings) -> None:
    read = findings_from_dict(json.loads(dumps(findings)))
    assert canonical(read) == canonical(findings)
    assert dumps(read) == dumps(findings)


def analysed(tmp_path: Path, name: str, builder: Any, directions: list[str]) -> Findings:
    url = sqlite_study(tmp_path / f"{name}.db", name, builder, directions)
    return analyse(snapshot_of(url, name, tmp_path), AnalysisConfig())


@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_awkward_findings_read_back(name: str, tmp_path: Path) -> None:
    builder, directions = AWKWARD[name]
    assert_round_trip(analysed(tmp_path, name, builder, directions))


@pytest.mark.parametrize("name", SHAPES)
def test_real_shape_findings_read_back(name: str, tmp_path: Path) -> None:
    builder, directions = REAL_SHAPES[name]
    assert_round_trip(analysed(tmp_path, name, builder, directions))


def test_learning_curve_and_trial_attribute_findings_read_back(tmp_path: Path) -> None:
    curves = analysed(tmp_path, "rising", rising, ["maximize"])
    assert curves.learning_curves is not None
    assert_round_trip(curves)
    attrs = analyse(snapshot_of_study(attr_study(), tmp_path), AnalysisConfig())
    assert attrs.trial_attributes is not None
    assert_round_trip(attrs)


def test_multi_objective_findings_read_back(tmp_path: Path) -> None:
    builder, directions = AWKWARD["multi_objective"]
    findings = analysed(tmp_path, "mo", builder, directions)
    assert findings.objectives and findings.multi_objective is not None
    read = findings_from_dict(json.loads(dumps(findings)))
    # multi.py names the Findings-side classes only under TYPE_CHECKING; they still come back typed.
    assert isinstance(read.objectives[0], ObjectiveFindings)
    assert all(isinstance(d, Directionality) for d in read.objectives[0].directionality)
    assert_round_trip(findings)


def test_example_findings_read_back_and_the_committed_file_is_rewritten_identically(tmp_path: Path) -> None:
    storage = str(REPO / "examples" / "visual_classifier_cpu_sweep.db")
    findings = analyse(snapshot_of(storage, EXAMPLE, tmp_path), AnalysisConfig())
    assert_round_trip(findings)
    for committed in sorted((REPO / "report").glob("*/*/findings.json")):
        assert findings_json(load_findings(committed)) == committed.read_text(encoding="utf-8")


def test_a_retired_key_of_an_older_findings_json_is_read_as_nothing(tmp_path: Path) -> None:
    """Older versions wrote ``extra: {}``; their folders stay in report/ and must still load."""
    storage = str(REPO / "examples" / "visual_classifier_cpu_sweep.db")
    findings = analyse(snapshot_of(storage, EXAMPLE, tmp_path), AnalysisConfig(n_bootstrap=0, charts=False))
    older = json.loads(dumps(findings)) | {"extra": {}}
    assert findings_from_dict(older) == findings_from_dict(json.loads(dumps(findings)))
    with pytest.raises(ModelFormatError, match="extra_key"):
        findings_from_dict(json.loads(dumps(findings)) | {"extra_key": {}})


# The reader's rules, on a small model of its own.


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Inner:
    value: float
    colour: Colour


@dataclass(frozen=True)
class Outer:
    name: str
    inner: Inner | None
    items: tuple[Inner, ...]
    either: float | Inner
    extra: dict[str, Any] = field(default_factory=dict)
    added_later: int = 7


def test_enums_unions_tuples_and_defaults() -> None:
    data = {
        "name": "a",
        "inner": {"value": 1.5, "colour": "red"},
        "items": [{"value": None, "colour": "blue"}],
        "either": {"value": 2, "colour": "blue"},
        "extra": {"k": [1, 2]},
    }
    read = model_from_dict(data, Outer)
    assert read == Outer("a", Inner(1.5, Colour.RED), (Inner(None, Colour.BLUE),), Inner(2, Colour.BLUE), {"k": [1, 2]})  # type: ignore[arg-type]
    assert type(read.inner.colour) is Colour and isinstance(read.items, tuple)
    assert read.added_later == 7, "a key missing from an older document takes the field's default"
    assert model_from_dict({**data, "either": 0.25}, Outer).either == 0.25
    # Non-finite floats were written as null: they come back as None.
    assert model_from_dict({**data, "either": None}, Outer).either is None


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"colour_name": 1}, "colour_name"),
        ({"inner": {"value": 1.0}}, "inner.colour"),
        ({"items": [{"value": 1.0, "colour": "green"}]}, "items[0].colour"),
        ({"items": [{"value": "x", "colour": "red"}]}, "items[0].value"),
    ],
)
def test_unknown_missing_and_mistyped_keys_are_named(change: dict[str, Any], where: str) -> None:
    data = {"name": "a", "inner": None, "items": [], "either": 1.0, **change}
    with pytest.raises(ModelFormatError) as caught:
        model_from_dict(data, Outer)
    assert caught.value.where == where


def test_a_damaged_findings_json_is_a_one_line_user_error(tmp_path: Path) -> None:
    committed = next(iter(sorted((REPO / "report").glob("*/*/findings.json"))))
    document = json.loads(committed.read_text(encoding="utf-8"))
    document["summary"]["unexpected"] = 1
    path = tmp_path / "findings.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(UserError) as caught:
        load_findings(path)
    message = str(caught.value)
    assert str(path) in message and "summary.unexpected" in message and "\n" not in message
    del document["summary"]["unexpected"]
    del document["study"]["name"]
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(UserError, match=r"study\.name: missing key"):
        load_findings(path)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(UserError, match="findings.json"):
        load_findings(path)


def test_warning_sentences_are_dropped_and_severities_come_back_as_enums() -> None:
    committed = next(iter(sorted((REPO / "report").glob("*/*/findings.json"))))
    document = json.loads(committed.read_text(encoding="utf-8"))
    assert all("message" in w for w in document["warnings"])
    findings = findings_from_dict(document)
    assert findings.warnings and all(w.severity in set(Severity) for w in findings.warnings)
