"""The hand-kept JSON Schema and the findings model say the same thing.

``generator/schema/findings.schema.json`` is written by hand, so nothing but this test stops it
drifting from the dataclasses that findings.json is serialized from. Walking the model from
``Findings`` down, beside the schema node that describes each field, it checks that every
dataclass field is a schema property and every schema property a field, that every object of
ours is closed (``additionalProperties: false``, so a renamed field cannot pass unnoticed), and
that every enum-typed field lists exactly the enum's values. The jsonschema tests validate real
documents against the schema; this one covers the fields no test study happens to fill.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import sys
import types
import typing
from enum import Enum
from typing import Any

from generator.model import charts, curves, effects, findings, multi, next_sweep, shape, trial_attrs, vocabulary
from generator.model.effects import EliteLevel, EliteRange
from generator.model.findings import BoundaryHit, Directionality, Finding, Findings
from generator.model.trial_attrs import ClassDependence
from generator.model.vocabulary import ParamKind, Tier
from generator.paths import schema_path

MODEL_MODULES = (findings, effects, curves, multi, next_sweep, shape, trial_attrs, vocabulary, charts)

ADDED_BY_DOCUMENT: dict[type, frozenset[str]] = {Finding: frozenset({"message"})}
"""Properties findings.json adds to a dataclass's fields (``render/documents.py``: each warning's sentence)."""

_TESTED = frozenset({Tier.STRONG, Tier.SUGGESTIVE, Tier.NOT_ENOUGH_EVIDENCE})
_NUMERIC = frozenset({ParamKind.CONTINUOUS, ParamKind.INTEGER, ParamKind.ORDINAL})
NARROWED: dict[tuple[type, str], frozenset[Enum]] = {
    (Directionality, "q_tier"): _TESTED,
    (EliteLevel, "tier"): _TESTED,
    (ClassDependence, "tier"): _TESTED,
    (BoundaryHit, "kind"): _NUMERIC,
    (EliteRange, "kind"): _NUMERIC,
}
"""Enum fields whose schema lists fewer values than the enum, by construction: a tier from a q
that exists (never "not tested": an untested q_tier is null, an elite level or class test is
always run), and a kind that only numeric parameters have (boundary hits, elite ranges). The
schema may be that much stricter, and no more: it must list exactly these."""


def _namespace() -> dict[str, Any]:
    # Some model modules import their neighbours' classes only under TYPE_CHECKING (import
    # cycles), so the annotations resolve against every model module's names together.
    names: dict[str, Any] = {}
    for module in MODEL_MODULES:
        names.update(vars(module))
    return names


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, globalns=_namespace(), localns=vars(sys.modules[cls.__module__]))


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def _split_optional(hint: Any) -> tuple[Any, bool]:
    """``X | None`` -> (X, True); anything else -> (hint, False)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) < len(typing.get_args(hint)):
            return (args[0] if len(args) == 1 else typing.Union[tuple(args)]), True  # noqa: UP007
    return hint, False


def _non_null_branch(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """The branch of a ``oneOf``/``anyOf`` that is not ``{"type": "null"}`` (the node itself otherwise)."""
    node = _resolve(node, root)
    for key in ("oneOf", "anyOf"):
        if key in node:
            branches = [_resolve(b, root) for b in node[key]]
            rest = [b for b in branches if b.get("type") != "null"]
            if len(rest) == 1:
                return rest[0]
    return node


def _allows_null(node: dict[str, Any], root: dict[str, Any]) -> bool:
    node = _resolve(node, root)
    kinds = node.get("type")
    if kinds == "null" or (isinstance(kinds, list) and "null" in kinds):
        return True
    if None in node.get("enum", ()):
        return True
    return any(_allows_null(b, root) for key in ("oneOf", "anyOf") for b in node.get(key, ()))


def schema_drift(cls: type, node: dict[str, Any], root: dict[str, Any], path: str = "") -> list[str]:
    """Every disagreement between dataclass ``cls`` and the schema object ``node`` describing it."""
    problems: list[str] = []
    seen: set[tuple[type, int]] = set()
    _check_dataclass(cls, node, root, path or cls.__name__, problems, seen)
    return problems


def _check_dataclass(
    cls: type, node: dict[str, Any], root: dict[str, Any], path: str, problems: list[str], seen: set[tuple[type, int]]
) -> None:
    node = _non_null_branch(node, root)
    if (cls, id(node)) in seen:
        return
    seen.add((cls, id(node)))
    properties = node.get("properties")
    if not isinstance(properties, dict):
        problems.append(f"{path}: the schema has no object with properties for {cls.__name__}")
        return
    if node.get("additionalProperties") is not False:
        problems.append(f"{path}: {cls.__name__}'s schema object lacks additionalProperties: false")
    hints = _hints(cls)
    fields = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    for name in fields:
        if name not in properties:
            problems.append(f"{path}.{name}: a field of {cls.__name__} missing from the schema")
    for name in properties:
        if name not in fields and name not in ADDED_BY_DOCUMENT.get(cls, ()):
            problems.append(f"{path}.{name}: a schema property that {cls.__name__} has no field for")
    for name in fields:
        if name in properties:
            values = NARROWED.get((cls, name))
            _check_value(hints[name], properties[name], root, f"{path}.{name}", problems, seen, values)


def _check_value(
    hint: Any,
    node: dict[str, Any],
    root: dict[str, Any],
    path: str,
    problems: list[str],
    seen: set[tuple[type, int]],
    values: frozenset[Enum] | None = None,
) -> None:
    inner, optional = _split_optional(hint)
    origin = typing.get_origin(inner)
    if isinstance(inner, type) and issubclass(inner, Enum):
        _check_enum(inner, values, optional, node, root, path, problems)
    elif dataclasses.is_dataclass(inner) and isinstance(inner, type):
        _check_dataclass(inner, node, root, path, problems, seen)
    elif origin is tuple:
        args = typing.get_args(inner)
        if len(args) == 2 and args[1] is Ellipsis:
            items = _non_null_branch(node, root).get("items")
            if isinstance(items, dict):
                _check_value(args[0], items, root, f"{path}[]", problems, seen)
            elif _needs_schema(args[0]):
                problems.append(f"{path}: no 'items' schema for a tuple of {args[0]}")
    elif origin is dict:
        value_hint = typing.get_args(inner)[1]
        extra = _non_null_branch(node, root).get("additionalProperties")
        if isinstance(extra, dict):
            _check_value(value_hint, extra, root, f"{path}{{}}", problems, seen)
        elif _needs_schema(value_hint):
            problems.append(f"{path}: no additionalProperties schema for a dict of {value_hint}")


def _needs_schema(hint: Any) -> bool:
    inner, _ = _split_optional(hint)
    return isinstance(inner, type) and (dataclasses.is_dataclass(inner) or issubclass(inner, Enum))


def _check_enum(
    enum: type[Enum],
    values: frozenset[Enum] | None,
    optional: bool,
    node: dict[str, Any],
    root: dict[str, Any],
    path: str,
    problems: list[str],
) -> None:
    allowed: list[Any] = []
    resolved = _resolve(node, root)
    for branch in [resolved, *(_resolve(b, root) for key in ("oneOf", "anyOf") for b in resolved.get(key, ()))]:
        allowed.extend(branch.get("enum", ()))
        if branch.get("type") == "null":
            allowed.append(None)
    members = set(enum) if values is None else set(values)
    if not members <= set(enum):
        problems.append(f"{path}: NARROWED lists values that are not {enum.__name__} members")
    expected = {member.value for member in members} | ({None} if optional else set())
    if set(allowed) != expected:
        problems.append(
            f"{path}: the schema allows {sorted(allowed, key=str)}, the model's {enum.__name__}"
            f"{' (narrowed)' if values is not None else ''}{' | None' if optional else ''} is {sorted(expected, key=str)}"
        )
    elif optional != _allows_null(node, root):
        problems.append(f"{path}: nullable in {'the model' if optional else 'the schema'} only")


def _schema() -> dict[str, Any]:
    return dict(json.loads(schema_path().read_text(encoding="utf-8")))


def test_schema_describes_every_field_of_the_model_and_nothing_else() -> None:
    schema = _schema()
    assert schema_drift(Findings, schema, schema) == []


def test_the_checker_reports_drift_in_either_direction() -> None:
    """A test that can fail: drift planted in a copy of the schema is reported, each kind of it."""
    schema = _schema()
    assert schema_drift(Findings, schema, schema) == []  # the plants below are the only drift
    planted = copy.deepcopy(schema)
    row = planted["properties"]["directionality"]["items"]
    row["properties"]["renamed_field"] = {"type": "string"}
    del row["properties"]["q_tier"]
    row["properties"]["test"]["enum"] = [v for v in row["properties"]["test"]["enum"] if v != "kruskal-wallis"]
    warning = planted["properties"]["warnings"]["items"]
    del warning["additionalProperties"]
    planted["properties"]["compute"] = {"type": ["object", "null"]}  # a dataclass the schema lost
    problems = schema_drift(Findings, planted, planted)
    assert any(p.startswith("Findings.directionality[].renamed_field:") for p in problems), problems
    assert any(p.startswith("Findings.directionality[].q_tier: a field") for p in problems), problems
    assert any(p.startswith("Findings.directionality[].test:") and "kruskal-wallis" in p for p in problems), problems
    assert any(p.startswith("Findings.warnings[]: Finding's schema object lacks") for p in problems), problems
    assert "Findings.compute: the schema has no object with properties for Compute" in problems, problems
    assert len(problems) == 5, problems


def test_a_dataclass_the_schema_lacks_is_reported() -> None:
    @dataclasses.dataclass(frozen=True)
    class Unknown:
        a: int
        tier: vocabulary.Tier | None

    node = {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "integer"}}}
    problems = schema_drift(Unknown, node, node)
    assert problems == ["Unknown.tier: a field of Unknown missing from the schema"]
    node["properties"]["tier"] = {"enum": ["strong", "suggestive", "not enough evidence", "not tested"]}
    assert schema_drift(Unknown, node, node) == [
        "Unknown.tier: the schema allows ['not enough evidence', 'not tested', 'strong', 'suggestive'], "
        "the model's Tier | None is [None, 'not enough evidence', 'not tested', 'strong', 'suggestive']"
    ]
