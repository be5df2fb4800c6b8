"""The seed-shaped study (20 trials, 15 CNN / 5 context) gives the report the seed should have been."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from generator.cli import main
from tests.studies import seed_shaped, sqlite_study


@pytest.fixture(scope="module")
def seed_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, Path]:
    tmp = tmp_path_factory.mktemp("seed")
    url = sqlite_study(tmp / "s.db", "seed", seed_shaped, ["maximize"])
    assert main(["--storage", url, "--study", "seed", "--out", str(tmp / "out"), "--quiet"]) == 0
    (version,) = [p for p in (tmp / "out" / "report" / "seed").iterdir() if p.is_dir()]
    return json.loads((version / "findings.json").read_text()), (version / "findings.md").read_text(), version


def by_param(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["param"]: d for d in document["directionality"]}


def table_rows(markdown: str, heading: str) -> list[list[str]]:
    """Cells of the first table under ``heading``."""
    section = markdown.split(heading, 1)[1]
    rows = []
    for line in section.splitlines():
        if line.startswith("|"):
            if not set(line) <= set("|-: "):
                rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
        elif rows:
            break
    return rows


def test_conditional_params_are_analysed_in_their_branch_with_their_n(seed_report) -> None:
    document, markdown, _ = seed_report
    d = by_param(document)
    for name, parent_value, n in [
        ("depth", "cnn", 15),
        ("width_mult", "cnn", 15),
        ("ctx_n_head", "context", 5),
        ("ctx_dropout", "context", 5),
        ("ctx_d_model", "context", 5),
    ]:
        assert d[name]["n"] == n and d[name]["n_study"] == 20
        assert d[name]["condition"] == {"parent": "encoder_type", "value": parent_value}
        assert d[name]["small_n"] == (n < 10)
    rows = {r[1]: r for r in table_rows(markdown, "## Parameter effects")[1:]}
    # The notes sit in the folded table of each test's kind, p, power and notes.
    notes = {r[1]: r[-1] for r in table_rows(markdown, "<summary>Kind, p, minimum detectable effect")[1:]}
    assert rows["`depth`"][3] == "15" and "only when `encoder_type` = `cnn`: n = 15 of 20" in notes["`depth`"]
    assert rows["`ctx_n_head`"][3] == "5" and "**small n**" in notes["`ctx_n_head`"]
    warned = {w["params"][0] for w in document["warnings"] if w["code"] == "conditional_small_n"}
    assert warned == {"ctx_n_head", "ctx_dropout", "ctx_d_model"}


def test_depth_upper_bound_hit_is_flagged(seed_report) -> None:
    document, markdown, _ = seed_report
    hit = next(h for h in document["boundary_hits"] if h["param"] == "depth")
    assert (hit["side"], hit["declared_high"], hit["crowded"]) == ("high", 6.0, True)
    assert hit["elite_share"] == 0.6 and hit["n_elites_in_zone"] == 3 and hit["n_elites"] == 5
    assert hit["suggested_bound"] == 8.0
    assert any(w["code"] == "boundary_hit" and w["params"] == ["depth"] for w in document["warnings"])
    depth_row = next(r for r in table_rows(markdown, "## Boundary hits") if r[0] == "`depth`")
    assert depth_row[1:3] == ["high", "6"] and "**crowded**" in depth_row[4] and depth_row[-1] == "8"
    summary = markdown.split("## Executive summary", 1)[1].split("## Parameter effects", 1)[0]
    assert "at the high bound 6: widen it to 8" in summary


def test_findings_are_ordered_by_evidence_not_by_raw_rho(seed_report) -> None:
    document, markdown, _ = seed_report
    d = by_param(document)
    tested = sorted((e for e in document["directionality"] if e["rank"]), key=lambda e: e["rank"])
    # The rank follows q (then p): never the size of the effect.
    keys = [(e["q"], e["p"]) for e in tested]
    assert keys == sorted(keys)
    # ctx_n_head has the largest |rho| of all (5 context trials) yet ranks below 20-trial effects.
    assert abs(d["ctx_n_head"]["effect"]) == max(abs(e["effect"]) for e in tested if e["effect_measure"] == "rho")
    assert d["ctx_n_head"]["p_method"] == "exact permutation"
    assert d["ctx_n_head"]["rank"] > d["batch_size"]["rank"] and d["ctx_n_head"]["tier"] == "not enough evidence"
    ranked_names = [r[1] for r in table_rows(markdown, "## Parameter effects")[1:]]
    assert ranked_names == [f"`{e['param']}`" for e in tested]
    # Executive summary: the strong effects first, strongest evidence first, with their numbers.
    effects = [h for h in document["executive_summary"] if h["kind"] == "effect"]
    assert [h["params"][0] for h in effects[:3]] == ["depth", "batch_size", "label_smoothing"]
    assert [h["values"]["q"] for h in effects] == sorted(h["values"]["q"] for h in effects)
    assert 3 <= len(document["executive_summary"]) <= 5
    assert any(h["kind"] == "low_performance" for h in document["executive_summary"])


def test_planted_structure_is_found(seed_report) -> None:
    document, _, _ = seed_report
    d = by_param(document)
    assert d["depth"]["tier"] == "strong" and d["depth"]["effect"] > 0
    assert d["batch_size"]["tier"] == "strong" and d["batch_size"]["effect"] < 0
    assert d["batch_size"]["kind"] == "ordinal"
    assert d["encoder_type"]["level_a"] == "cnn" and d["encoder_type"]["effect"] > 0
    # No elite used the context encoder, but with 5 of 20 trials and 5 elites the chance of none is
    # C(15, 5) / C(20, 5) = 0.194: the table shows it, and no warning claims more than chance explains.
    context = next(
        lv for lv in document["elites"]["levels"] if (lv["param"], lv["level"]) == ("encoder_type", "context")
    )
    assert (context["n"], context["n_elite"], context["n_branch_elites"]) == (5, 0, 5)
    assert not any(w["code"] == "level_never_elite" for w in document["warnings"])
    low = next(w for w in document["warnings"] if w["code"] == "low_performance")
    assert low["values"]["baseline"] == pytest.approx(1 / 9) and low["values"]["source"] == "user_attr:n_classes"
    assert any(w["code"] == "low_sample_size" for w in document["warnings"])


def test_sections_and_csv_artifacts(seed_report) -> None:
    document, markdown, version = seed_report
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == [
        "## At a glance",
        "## What to do",
        "## About this study",
        "## Study summary",
        "## Executive summary",
        "## Parameter importance",
        "## Parameter effects",
        "## Boolean and categorical parameters",
        "## Elite analysis",
        "## What the trials record beside the value",
        "## Boundary hits",
        "## Statistical significance assessment",
        "## Recommended next sweep",
        "## Warnings",
        "## Reproducibility",
    ]
    artifacts = version / "artifacts"

    def read(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO((artifacts / name).read_text())))

    continuous = {r["param"]: r for r in read("directionality_continuous.csv")}
    assert set(continuous) == {
        e["param"] for e in document["directionality"] if e["kind"] in ("continuous", "integer", "ordinal")
    }
    assert float(continuous["depth"]["effect"]) == pytest.approx(by_param(document)["depth"]["effect"], rel=1e-9)
    assert continuous["depth"]["condition"] == "encoder_type in [cnn]"
    boolean = {r["param"] for r in read("directionality_boolean.csv")}
    assert boolean == {"use_scheduler", "use_cosine", "demo_agg", "encoder_type"}
    detail = read("directionality_categorical_detail.csv")
    assert sum(int(r["n"]) for r in detail if r["param"] == "batch_size") == 20
    summary = {r["param"]: r for r in read("directionality_categorical_summary.csv")}
    assert (summary["encoder_type"]["best_level"], summary["encoder_type"]["worst_level"]) == ("cnn", "context")
    assert (summary["batch_size"]["best_level"], summary["batch_size"]["worst_level"]) == ("8", "64")


def test_shapes_follow_the_planted_trends(seed_report) -> None:
    document, markdown, version = seed_report
    d = by_param(document)
    # depth and batch_size are planted monotone: their shape is the signed trend, not interior.
    assert (d["depth"]["shape"], d["batch_size"]["shape"]) == ("increasing", "decreasing")
    assert d["depth"]["shape_test"]["curvature"] > 0 or d["depth"]["shape_test"]["q"] >= 0.05
    # Weak evidence gets no shape claim; boolean and categorical parameters get none at all.
    assert d["lr"]["tier"] == "not enough evidence" and d["lr"]["shape"] == "none"
    assert d["encoder_type"]["shape"] is None and d["demo_agg"]["shape_test"] is None
    # Parameters with fewer than 12 trials get no interior test (ctx_* have 5).
    assert d["ctx_n_head"]["shape_test"] is None and d["ctx_n_head"]["shape"] == "none"
    summary = markdown.split("## Executive summary", 1)[1].split("## Parameter importance", 1)[0]
    assert "**`depth`**: larger values are better" in summary
    assert "**`batch_size`**: smaller values are better" in summary
    rows = {
        r["param"]: r
        for r in csv.DictReader(io.StringIO((version / "artifacts" / "directionality_continuous.csv").read_text()))
    }
    assert rows["depth"]["shape"] == "increasing" and rows["depth"]["best_low"] == ""
