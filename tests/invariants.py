"""What no report may say: statements that its own numbers contradict.

``report_violations(version_dir)`` reads one version's findings.json and findings.md and lists
every contradiction it finds, as readable strings (an empty list is a trustworthy report).
The tests run it over every study the suite builds and every study in ../shared/studies.

The checks, each one a way a real report once contradicted itself:
- a strong or suggestive finding whose 95% interval contains the null (0 for rho and
  rank-biserial r, 0 as the lower end for epsilon-squared);
- a share, importance, interaction strength or elite share outside [0, 1];
- a boundary warning on a categorical or boolean parameter, or one that says "widen" with no
  bound to widen to;
- a warning whose own q says "not significant";
- sign words that disagree with the sign printed beside them ("larger values are better" with a
  negative rho, "a beats b" with a negative r), and trend words for an interior optimum;
- two parameters of one confounded group both credited in the executive summary;
- a negative share of variance "explained";
- a learning curve called "still improving" whose last value is not its best (it peaked before
  it stopped), or "training was likely too short" from a share of elites whose 95% interval
  reaches below one half.
- a power claim whose number is "n/a" ("detectable at 80% power is n/a: smaller effects ...");
- a boundary "crowded" by fewer than two elites in the zone, or a boundary hit where every trial
  sits in the zone (one value tried: where the elites sit says nothing).
- an ordinal bound (or a short integer range's end value) called crowded whose elites are not
  enriched there (Fisher p at or above alpha: one value of a few holds half the elites by
  sampling alone);
- an executive-summary boundary item, or an ordinal bound called crowded, resting on a level
  whose corrected q in the elite table is not significant (the same Fisher test);
- a findings.json, changes.json or comparison.json that does not read back into the typed model
  as the same text (``tests/round_trip.py``);
- a next-sweep reason that says "the trend points beyond it" for a parameter whose test is not
  strong or suggestive;
- a config that fixes a parameter to the bound its trend points at while the rank-quadratic fit
  turns inside the range and the trend beyond its peak points back;
- importance shares printed while the expected gain's K-fold R² of the same surrogate says it
  predicts nothing out of sample (at or below the importance floor);
- an ``importance_effect_disagree`` that measures a parameter against the largest share while
  another warning says a few trials make that share (``driven_by_few_trials``).
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tests.round_trip import round_trip_violations

STRONG_TIERS = ("strong", "suggestive")
SIGNED_MEASURES = ("rho", "rank_biserial")
SHARE_KEYS = {"share", "elite_share", "share_in_zone", "importance", "strength"}
"""Keys whose values are fractions wherever they appear in findings.json."""
SHARE_CI_PARENTS = ("importance", "interactions")
"""Lists whose ``ci_low``/``ci_high`` are intervals of a share."""
BOUNDARY_CODES = ("boundary_hit", "boundary_best_trial")
NUMBER = r"([-+−]?\d+(?:\.\d+)?(?:e[+-]?\d+)?)"


def _walk(obj: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """(path, key, value) for every key of every object in a JSON document."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield path, key, value
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from _walk(value, f"{path}[{i}]")


def _in_unit(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and -1e-9 <= value <= 1 + 1e-9)


def _contains_null(d: dict[str, Any]) -> bool:
    low, high = d.get("ci_low"), d.get("ci_high")
    if low is None or high is None:
        return False
    if d.get("effect_measure") in SIGNED_MEASURES:
        return low <= 0 <= high
    return low <= 0


def _number(text: str) -> float:
    return float(text.replace("−", "-"))


def interval_violations(document: dict[str, Any]) -> list[str]:
    found = []
    for d in document.get("directionality", []):
        if d.get("tier") in STRONG_TIERS and _contains_null(d):
            found.append(
                f"{d['param']}: tier {d['tier']} but its interval [{d['ci_low']}, {d['ci_high']}] contains the null"
            )
    return found


def share_violations(document: dict[str, Any]) -> list[str]:
    found = []
    for path, key, value in _walk(document):
        if key in SHARE_KEYS and isinstance(value, int | float) and not isinstance(value, bool):
            if not _in_unit(value):
                found.append(f"{path}.{key} = {value} is outside [0, 1]")
    for parent in SHARE_CI_PARENTS:
        for row in document.get(parent, []):
            for key in ("ci_low", "ci_high"):
                if not _in_unit(row.get(key)):
                    found.append(f"{parent} {row}: {key} outside [0, 1]")
    return found


def warning_violations(document: dict[str, Any]) -> list[str]:
    found = []
    kinds = {d["param"]: d["kind"] for d in document.get("directionality", [])}
    # "Not significant" is the report's own "not enough evidence": q at or above the suggestive
    # level (a warning about a suggestive effect says what the evidence is, not a contradiction).
    alpha = document["stats"]["suggestive_alpha"]
    for w in document.get("warnings", []):
        values = w.get("values", {})
        if w["code"] in BOUNDARY_CODES:
            for param in w["params"]:
                if kinds.get(param) in ("boolean", "categorical"):
                    found.append(f"{w['code']} on {kinds[param]} parameter {param}")
            if "widen" in w.get("message", "") and values.get("suggested_bound") is None:
                found.append(f"{w['code']} on {w['params']} says widen but suggests no bound")
        q = values.get("q")
        if isinstance(q, int | float) and not isinstance(q, bool) and q >= alpha:
            found.append(f"{w['code']} on {w['params']}: its own q = {q} is not significant")
        if "  " in w.get("message", "").replace(".  ", ". "):
            found.append(f"{w['code']}: message has an empty placeholder: {w['message']!r}")
    return found


def zone_violations(document: dict[str, Any]) -> list[str]:
    found = []
    for hit in document.get("boundary_hits", []):
        where = f"boundary hit {hit['param']} {hit['side']}"
        if hit.get("crowded") and hit.get("n_elites_in_zone", 0) < 2:
            found.append(f"{where}: crowded by {hit.get('n_elites_in_zone')} elite(s), the rule needs two")
        if hit.get("share_in_zone") == 1:
            found.append(f"{where}: every trial sits in the zone, so the elites could sit nowhere else")
    return found


def confounding_violations(document: dict[str, Any]) -> list[str]:
    groups = [set(w["params"]) for w in document.get("warnings", []) if w["code"] == "confounded_params"]
    credited = [
        p for h in document.get("executive_summary", []) if h.get("kind") == "effect" for p in h.get("params", [])
    ]
    found = []
    for group in groups:
        both = sorted(set(credited) & group)
        if len(both) > 1:
            found.append(f"confounded parameters {both} are each credited in the executive summary")
    return found


def sign_word_violations(document: dict[str, Any], markdown: str) -> list[str]:
    found = []
    for line in markdown.splitlines():
        for words, sign in (("larger values are better", 1), ("smaller values are better", -1)):
            for match in re.finditer(re.escape(words) + r"[^()]*\([^)]*?rho " + NUMBER, line):
                value = _number(match.group(1))
                if value * sign < 0:
                    found.append(f"{words!r} beside rho {match.group(1)}: {line.strip()[:160]}")
        for match in re.finditer(r"beats [^()]*\([^)]*?\br " + NUMBER, line):
            if _number(match.group(1)) < 0:
                found.append(f"'beats' beside a negative r {match.group(1)}: {line.strip()[:160]}")
        if re.search(r"(at least|power is) n/a\b", line):
            found.append(f"a claim built on a number that is n/a: {line.strip()[:160]}")
        if re.search(r"explains? " + r"-\d", line) or re.search(r"explains? −\d", line):
            found.append(f"a negative share of variance explained: {line.strip()[:160]}")
    interior = [d["param"] for d in document.get("directionality", []) if d.get("shape") == "interior"]
    for param in interior:
        for line in markdown.splitlines():
            if f"**`{param}`**" in line and re.search(r"(larger|smaller) values are better", line):
                found.append(f"{param} has an interior optimum but is described as a trend: {line.strip()[:160]}")
    return found


def learning_curve_violations(
    document: dict[str, Any], markdown: str, rows: Sequence[dict[str, str]] = ()
) -> list[str]:
    """``rows``: artifacts/learning_curves.csv (every trial's curve; findings.json keeps the shown elites')."""
    lc = document.get("learning_curves")
    if not lc:
        return []
    # The last value must equal the best (a tie with an earlier best counts: best_step is the first).
    found = [
        f"trial {t['number']} is still improving but its last value {t['last_value']} is not its best "
        f"{t['best_value']} (step {t['best_step']})"
        for t in [*lc.get("elite_curves", []), *lc.get("trials", [])]
        if t.get("still_improving") and t["last_value"] != t["best_value"]
    ]
    # The CSV writes both values with the same float format: equal floats give equal cells.
    found += [
        f"learning_curves.csv: trial {r['number']} is still improving but its last value {r['last_value']} "
        f"is not its best {r['best_value']} (step {r['best_step']})"
        for r in rows
        if r["still_improving"] == "True" and r["last_value"] != r["best_value"]
    ]
    if rows and len(rows) != lc["trials_with_curves"]:
        found.append(f"learning_curves.csv has {len(rows)} rows for {lc['trials_with_curves']} trials with curves")
    share = lc["elites_still_improving"]
    likely = "likely too short" in markdown.lower()
    if likely and (share.get("ci_low") is None or share["ci_low"] < 0.5):
        found.append(
            f"training called likely too short from {share['count']} of {share['of']} elites, "
            f"95% interval from {share.get('ci_low')}"
        )
    return found


def boundary_violations(document: dict[str, Any]) -> list[str]:
    alpha = document["stats"]["alpha"]
    found = []
    for h in document.get("boundary_hits", []):
        p = h.get("p_enrichment")
        low, high = h.get("declared_low"), h.get("declared_high")
        one_value = h.get("kind") == "ordinal" or (
            h.get("kind") == "integer" and low is not None and high is not None and 0.1 * (high - low) < 1
        )
        if one_value and h.get("crowded") and p is not None and p >= alpha:
            found.append(f"{h['param']} {h['side']}: a one-value bound called crowded with Fisher p = {p}")
    levels = (document.get("elites") or {}).get("levels", [])
    q_of = {}
    for lv in levels:
        try:
            q_of[(lv["param"], float(lv["level"]))] = lv.get("q")
        except (TypeError, ValueError):
            continue
    for h in document.get("boundary_hits", []):
        bound = h.get("declared_high") if h.get("side") == "high" else h.get("declared_low")
        q = q_of.get((h["param"], float(bound))) if h.get("kind") == "ordinal" and bound is not None else None
        if h.get("crowded") and q is not None and q >= alpha:
            found.append(f"{h['param']} {h['side']}: crowded, but the elite table's q for {bound} is {q}")
    kinds = {d["param"]: d["kind"] for d in document.get("directionality", [])}
    for item in document.get("executive_summary", []):
        values = item.get("values", {})
        hits = [values] if item.get("kind") == "boundary_hit" else []
        if item.get("kind") == "effect" and values.get("boundary"):
            hits.append(values["boundary"])
        for v in hits:
            if kinds.get(v.get("param")) != "ordinal" or v.get("bound") is None:
                continue
            q = q_of.get((v["param"], float(v["bound"])))
            if q is not None and q >= alpha:
                found.append(f"summary calls {v['param']} crowded at {v['bound']}, whose elite-table q = {q}")
    return found


def reason_violations(document: dict[str, Any], markdown: str) -> list[str]:
    tiers = {d["param"]: d.get("tier") for d in document.get("directionality", [])}
    found = []
    for line in markdown.splitlines():
        match = re.match(r"- `([^`]+)`: aggressive: ", line)
        if match and "the trend points beyond it" in line and tiers.get(match.group(1)) not in STRONG_TIERS:
            param = match.group(1)
            found.append(f"{param}: a reason says the trend points beyond a bound, its test is {tiers.get(param)}")
    return found


IMPORTANCE_FLOOR = 0.02
"""importance._fanova.MIN_FIT_R2: the out-of-sample R² shares need."""


def surrogate_violations(document: dict[str, Any]) -> list[str]:
    gain = (document.get("next_sweep") or {}).get("expected_gain") or {}
    cv = gain.get("cv_r2")
    shares = [i for i in document.get("importance", []) if i.get("method") == "fanova"]
    if shares and isinstance(cv, int | float) and cv <= IMPORTANCE_FLOOR:
        return [f"importance shares printed from a surrogate whose K-fold R² is {cv}"]
    return []


def gain_interval_violations(document: dict[str, Any]) -> list[str]:
    """An expected-gain estimate printed outside its own 95% interval ("0.0095 [0.0060, 0.0092]")."""
    gain = (document.get("next_sweep") or {}).get("expected_gain") or {}
    found = []
    for estimate in gain.get("estimates") or []:
        for key in ("mean", "top", "gain_mean", "gain_top"):
            point, low, high = estimate.get(key), estimate.get(f"{key}_low"), estimate.get(f"{key}_high")
            if None in (point, low, high):
                continue
            if not low - 1e-12 <= point <= high + 1e-12:
                found.append(f"expected gain {estimate['space']} {key} {point} outside its interval [{low}, {high}]")
    return found


def turn_violations(document: dict[str, Any]) -> list[str]:
    alpha = document["stats"]["alpha"]
    rows = {d["param"]: d for d in document.get("directionality", [])}
    found = []
    for strategy in ("aggressive", "conservative"):
        for entry in ((document.get("next_sweep") or {}).get(strategy) or {}).get("params", []):
            step = next((s for s in entry.get("steps", []) if s.get("rule") == "fix_to_bound"), None)
            t = (rows.get(entry["name"]) or {}).get("shape_test")
            if step is None or not t or t.get("q") is None or t["q"] >= alpha or t.get("peak") is None:
                continue
            far = t.get("rho_above") if step["values"]["side"] == "high" else t.get("rho_below")
            if far is not None and (far < 0 if step["values"]["side"] == "high" else far > 0):
                found.append(f"{strategy} fixes {entry['name']} to its bound although its fit turns at {t['peak']}")
    return found


def disagreement_violations(document: dict[str, Any]) -> list[str]:
    inflated = {
        w["params"][0]
        for w in document.get("warnings", [])
        if w["code"] == "driven_by_few_trials" and "importance_rank" in str(w.get("values", {}).get("changes", ""))
    }
    found = []
    for w in document.get("warnings", []):
        values = w.get("values", {})
        if w["code"] == "importance_effect_disagree" and values.get("reason") == "small_variance":
            if values.get("top") in inflated:
                found.append(f"{w['params']}: measured against {values['top']}'s share, which a few trials drive")
    return found


def _csv_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def curve_table_violations(document: dict[str, Any], table_exists: bool) -> list[str]:
    """artifacts/learning_curves.csv exists exactly when findings.json has learning curves (the
    table is written by another process than the findings: generator/background.py)."""
    has_curves = bool(document.get("learning_curves"))
    if has_curves and not table_exists:
        return ["findings.json has learning curves but artifacts/learning_curves.csv is missing"]
    if table_exists and not has_curves:
        return ["artifacts/learning_curves.csv is written but findings.json has no learning curves"]
    return []


def report_violations(version_dir: Path) -> list[str]:
    """Every self-contradiction in one report version (empty when there is none)."""
    document = json.loads((version_dir / "findings.json").read_text(encoding="utf-8"))
    markdown = (version_dir / "findings.md").read_text(encoding="utf-8")
    found = [
        *interval_violations(document),
        *share_violations(document),
        *warning_violations(document),
        *confounding_violations(document),
        *boundary_violations(document),
        *sign_word_violations(document, markdown),
        *learning_curve_violations(document, markdown, _csv_rows(version_dir / "artifacts" / "learning_curves.csv")),
        *curve_table_violations(document, (version_dir / "artifacts" / "learning_curves.csv").is_file()),
        *zone_violations(document),
        *reason_violations(document, markdown),
        *disagreement_violations(document),
        *surrogate_violations(document),
        *gain_interval_violations(document),
        *turn_violations(document),
    ]
    for block in document.get("objectives", []):
        # Each objective of a multi-objective study is a single-objective report of its own.
        scoped = {**block, "stats": document["stats"]}
        found += [
            f"objective {block['index']}: {v}"
            for v in (
                *interval_violations(scoped),
                *share_violations(scoped),
                *warning_violations(scoped),
                *confounding_violations(scoped),
                *boundary_violations(scoped),
                *zone_violations(scoped),
            )
        ]
    for path, key, value in _walk(document):
        if isinstance(value, float) and not math.isfinite(value):
            found.append(f"{path}.{key} is not finite")
    found += round_trip_violations(version_dir)
    return [f"{document['study']['name']}: {v}" for v in found]


__all__ = ["report_violations"]
