"""Templates format, view functions compute (issue 12): a template under templates/ (the report's,
the next-sweep snippets and the site's) that builds a dict, keeps state in a namespace, looks a
row up by value or index, or compares with a word of the findings' vocabulary fails here.

Rows, partitions and lookups come from ``generator/render/views`` (the site's from the typed
sources of ``generator/site/sources.py``); a tier or a side is tested with the Jinja tests
``render/env.py`` registers (``tier is strong``, ``side is low_side``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.model.vocabulary import ParamKind, Severity, Side, TestName, Tier
from generator.paths import templates_dir

ACCUMULATING = (".update(", "namespace(", ".append(")
LOOKUPS = (".get(", "[loop.", ".split(", ".rsplit(")
"""A lookup with a fallback, a row found by its neighbour's index, a name cut out of a path: the
sources or the views hand these over ready (a label map indexed by a known key is wording)."""
_SELECTED = re.compile(r"(?:selectattr|rejectattr)\(\s*[\"']\w+[\"']\s*,\s*[\"'](?:equalto|eq|ne|in|sameas)[\"']")
"""Picking rows by a field's value: a partition, which a view computes."""
_FILTERED_LOOP = re.compile(r"\{%-?\s*for\s[^%]*\sif\s")
"""A loop that filters its rows: the view hands over only the rows shown."""

VOCABULARY = {m.value for enum in (Tier, Severity, Side, ParamKind, TestName) for m in enum} - {TestName.NONE.value}
"""Words a template must not compare with. "none" is left out: it is also the word of a shape
and of a skipped analysis; comparing a test with it is caught by the attribute rule below."""
VOCABULARY_FIELDS = ("code", "severity", "tier", "q_tier", "elite_tier", "side", "test")
"""Fields whose values are vocabulary: no comparison of them with any string literal."""

_LITERAL = r'"[^"]*"|\'[^\']*\''
_COMPARED = re.compile(rf"(?:==|!=)\s*({_LITERAL})|({_LITERAL})\s*(?:==|!=)")
_EQUALTO = re.compile(rf"[\"'](?:equalto|in|ne|eq|sameas)[\"']\s*,\s*({_LITERAL}|[\[\(][^\]\)]*[\]\)])")
_IN_LIST = re.compile(r"\bin\s*([\[\(][^\]\)]*[\]\)])")
_FIELD = "|".join(VOCABULARY_FIELDS)
_FIELD_COMPARED = re.compile(
    rf"\.(?:{_FIELD})\s*(?:==|!=|\bin\b|\bnot in\b)\s*[\"'\(\[]"
    rf"|\.(?:{_FIELD})\s*\.\s*(?:startswith|endswith)\("
    rf"|(?:selectattr|rejectattr)\(\s*[\"'](?:{_FIELD})[\"']\s*,\s*[\"'](?:equalto|in|ne|eq)"
)


def _words(text: str) -> list[str]:
    return [w[1:-1] for w in re.findall(_LITERAL, text)]


def violations(text: str) -> list[str]:
    """What in a template's text computes or compares with the vocabulary, one line per find."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for call in (*ACCUMULATING, *LOOKUPS):
            if call in line:
                found.append(f"{number}: {call}")
        found += [f"{number}: {m.group(0)!r}" for m in (*_SELECTED.finditer(line), *_FILTERED_LOOP.finditer(line))]
        compared = [w for m in _COMPARED.finditer(line) for w in _words(m.group(0))]
        compared += [w for m in _EQUALTO.finditer(line) for w in _words(m.group(1))]
        compared += [w for m in _IN_LIST.finditer(line) for w in _words(m.group(1))]
        found += [f"{number}: compares with {w!r}" for w in compared if w in VOCABULARY]
        found += [f"{number}: {m.group(0)!r}" for m in _FIELD_COMPARED.finditer(line)]
    return found


TEMPLATES = sorted(p for p in templates_dir().rglob("*.j2"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(templates_dir())))
def test_template_only_formats(path: Path) -> None:
    found = violations(path.read_text(encoding="utf-8"))
    assert found == [], f"{path.name} computes; move it into generator/render/views: {found}"


@pytest.mark.parametrize(
    "line",
    [
        "{% for e in xs %}{% set _ = declared.update({e.param: e}) %}{% endfor %}",
        "{% set ns = namespace(total=0) %}",
        "{% set _ = parts.append(x) %}",
        '{% set two = f.directionality | selectattr("test", "equalto", "mann-whitney-u") | list %}',
        '{% if d.tier == "strong" %}',
        "{% if 'suggestive' != t %}",
        '{% if s.elite_tier in ("strong", "suggestive") %}',
        '{% set firm = xs | selectattr("tier", "in", ["strong", "suggestive"]) | list %}',
        '{{ "at most" if h.side == "low" else "at least" }}',
        '{% for w in f.warnings if w.code.startswith("importance_") %}',
        '{{ d.test if d.test != "none" else "not tested" }}',
        '{% if e.kind in ("continuous", "integer") %}',
        '{% set total = c.trials | selectattr("state", "equalto", "total") | first %}',
        "{% set prev = study.versions[loop.revindex0 - 1].headline if v.previous else none %}",
        "{% set label = CHART_LABELS.get(c.kind, c.kind) %}",
        '{{ c.spec_path.split("/")[-1] }}',
        '{{ image.rsplit(".", 1)[-1] | upper }}',
        "{% for t in c.trials if t.before or t.after %}",
        "{% for p in b.points if p.n <= 10 or p.n in (15, 20, 30) or p.n == b.points[-1].n %}",
    ],
)
def test_the_check_catches_computing_templates(line: str) -> None:
    assert violations(line), line


@pytest.mark.parametrize(
    "line",
    [
        "{% if t is strong %}**strong**{% elif t is suggestive %}*suggestive*{% endif %}",
        '{% if step.rule == "no_complete_trials" %}',
        '{% if d.shape == "interior" %}',
        '{{ "below" if s.side is low_side else "above" }}',
        "{% for row in views.boundary.rows %}",
        "{{ CHART_LABELS[c.kind] if c.known else c.kind }}",
        "{% for p in views.best_so_far_points %}",
    ],
)
def test_the_check_lets_formatting_pass(line: str) -> None:
    assert violations(line) == [], line
