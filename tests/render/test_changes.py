"""Changes between versions: computed from two versions' findings and their config YAMLs,
worded in changes.md, serialized to changes.json, printed for pull requests."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import optuna
import pytest
import yaml
from optuna.trial import TrialState

from generator.analysis.changes import compute_changes, load_configs
from generator.cli import main
from generator.model.changes import (
    BestRef,
    BoundaryChange,
    Changes,
    ConfigEntryChange,
    ConfigFileChange,
    ParamChange,
    RankChange,
    SettingChange,
    TierChange,
    WarningChange,
)
from generator.model.findings import Finding
from generator.model.reader import findings_from_dict, load_findings, load_model
from generator.model.serialize import to_jsonable
from generator.paths import schema_path
from generator.pipeline import write_changes
from generator.render.changes import changes_markdown, warning_sentence
from generator.site.qmd import to_html
from tests.studies import X, add, simple, sqlite_study
from tests.test_pipeline import empty_cells, generate, version_dirs


def findings_doc(**overrides: Any) -> dict[str, Any]:
    """A findings.json document with the schema's fields, as the statistics stages fill them."""
    doc: dict[str, Any] = {
        "schema_version": "1",
        "study": {
            "name": "sweep",
            "slug": "sweep",
            "directions": ["maximize"],
            "objective": 0,
            "direction": "maximize",
            "n_trials": {"complete": 20, "pruned": 3, "fail": 1, "running": 0, "waiting": 0, "total": 24},
            "params": ["batch_size", "depth", "lr", "optimizer"],
            "user_attrs": {},
        },
        "summary": {
            "n": 20,
            "n_infinite": 0,
            "best": {
                "number": 7,
                "value": 0.81,
                "params": {"lr": 0.001, "depth": 4, "optimizer": "adam"},
                "datetime_complete": "2025-01-01T13:15:00",
            },
            "worst": {"number": 2, "value": 0.4},
            "mean": 0.6,
            "std": 0.1,
            "median": 0.61,
            "q1": 0.55,
            "q3": 0.7,
            "iqr": 0.15,
            "first_start": "2025-01-01T12:00:00",
            "last_complete": "2025-01-01T15:00:00",
            "wall_clock_s": 10800.0,
            "total_trial_time_s": 7200.0,
            "median_trial_time_s": 300.0,
            "n_with_intermediate": 0,
            "intermediate_steps": 0,
        },
        "stats": {"alpha": 0.05, "suggestive_alpha": 0.10, "correction": "holm", "elite_quantile": 0.25},
        "directionality": [
            {
                "param": "lr",
                "kind": "continuous",
                "test": "spearman",
                "n": 20,
                "statistic": 0.2,
                "p": 0.2,
                "q": 0.4,
                "effect": 0.2,
                "ci_low": -0.2,
                "ci_high": 0.5,
                "condition": None,
                "tier": "not enough evidence",
            },
            {
                "param": "depth",
                "kind": "integer",
                "test": "spearman",
                "n": 15,
                "statistic": 0.5,
                "p": 0.02,
                "q": 0.08,
                "effect": 0.5,
                "ci_low": 0.1,
                "ci_high": 0.8,
                "condition": {"parent": "encoder", "value": "cnn"},
                "tier": "suggestive",
            },
            {
                "param": "optimizer",
                "kind": "categorical",
                "test": "kruskal-wallis",
                "n": 20,
                "statistic": 9.0,
                "p": 0.001,
                "q": 0.004,
                "effect": 0.3,
                "ci_low": None,
                "ci_high": None,
                "condition": None,
                "tier": "strong",
            },
        ],
        "importance": [
            {"param": "optimizer", "method": "fanova", "importance": 0.5, "ci_low": None, "ci_high": None},
            {"param": "lr", "method": "fanova", "importance": 0.3, "ci_low": None, "ci_high": None},
            {"param": "depth", "method": "fanova", "importance": 0.2, "ci_low": None, "ci_high": None},
        ],
        "boundary_hits": [
            {"param": "lr", "side": "low", "elite_share": 0.6},
            {"param": "depth", "side": "high", "elite_share": 0.8},
        ],
        "warnings": [
            {
                "code": "many_failed",
                "severity": "warning",
                "message": "1 of 24 finished trials failed",
                "params": [],
                "values": {"fail": 1, "finished": 24},
            },
            {
                "code": "many_pruned",
                "severity": "info",
                "message": "3 of 24 finished trials were pruned",
                "params": ["depth"],
                "values": {"pruned": 3, "finished": 24},
            },
        ],
        "provenance": {
            "generator_version": "0.1.0",
            "optuna_version": "5.0.0",
            "storage_kind": "sqlite",
            "storage": "s.db",
            "schema_version": "v3.2.0.a",
            "input_hash": "0" * 64,
            "config_hash": "1" * 64,
            "command": "generate-report --study sweep --storage s.db",
        },
    }
    for path, value in overrides.items():
        section, _, key = path.partition("__")
        if key:
            doc[section][key] = value
        else:
            doc[section] = value
    return doc


def changes_of(
    before: dict[str, Any],
    after: dict[str, Any],
    previous_configs: dict[str, Any] | None = None,
    current_configs: dict[str, Any] | None = None,
    describe: Callable[[Finding], str] = warning_sentence,
) -> Changes:
    """The changes between two hand-built findings documents, read as the pipeline reads them."""
    return compute_changes(
        "0001-a",
        findings_from_dict(before),
        "0002-b",
        findings_from_dict(after),
        describe,
        previous_configs,
        current_configs,
    )


AGGRESSIVE_BEFORE = {
    "study_name": "sweep_refined",
    "n_trials": 50,
    "direction": "maximize",
    "fixed": {"optimizer": "adam"},
    "param_ranges": {
        "lr": {"type": "float", "low": 1e-4, "high": 1e-2, "log": True, "reason": "Spearman q=0.40, n=20"},
        "depth": {"type": "int", "low": 2, "high": 8},
        "batch_size": {"type": "categorical", "choices": [16, 32]},
    },
}


def test_hand_built_documents_follow_the_findings_schema(tmp_path: Path) -> None:
    _, _, after = changed_pair(tmp_path)
    schema = json.loads(schema_path().read_text())
    jsonschema.validate(findings_doc(), schema)
    jsonschema.validate(after, schema)


def write_version(folder: Path, doc: dict[str, Any], configs: dict[str, Any]) -> Path:
    (folder / "artifacts").mkdir(parents=True)
    (folder / "findings.json").write_text(json.dumps(doc), encoding="utf-8")
    for name, config in configs.items():
        (folder / "artifacts" / name).write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return folder


def changed_pair(tmp_path: Path) -> tuple[Path, Path, dict[str, Any]]:
    before = findings_doc()
    after = copy.deepcopy(before)
    after["study"]["n_trials"] = {"complete": 26, "pruned": 4, "fail": 1, "running": 1, "waiting": 0, "total": 32}
    after["summary"]["best"] = {
        "number": 29,
        "value": 0.86,
        "params": {"lr": 0.002, "depth": 4, "batch_size": 16},
        "datetime_complete": "2025-01-02T10:00:00",
    }
    lr, depth, optimizer = after["directionality"]
    lr.update(q=0.01, tier="strong", n=26, effect=0.55)  # not enough evidence -> strong
    depth.update(q=0.03, n=19, tier="strong")  # suggestive -> strong
    optimizer.update(q=0.03, tier="strong")  # stays strong: not a change
    after["importance"] = [
        {"param": "optimizer", "method": "fanova", "importance": 0.25, "ci_low": None, "ci_high": None},
        {"param": "lr", "method": "fanova", "importance": 0.6, "ci_low": None, "ci_high": None},
        {"param": "depth", "method": "fanova", "importance": 0.15, "ci_low": None, "ci_high": None},
    ]
    after["boundary_hits"] = [
        {"param": "depth", "side": "high", "elite_share": 0.7},
        {"param": "batch_size", "side": "low", "elite_share": 0.9},
    ]
    after["warnings"] = [
        # Same code and params, new numbers: the same warning, not news.
        {
            "code": "many_failed",
            "severity": "warning",
            "message": "1 of 32 finished trials failed",
            "params": [],
            "values": {"fail": 1, "finished": 32},
        },
        {
            "code": "unfinished_trials",
            "severity": "info",
            "message": "1 trial(s) still running and 0 waiting",
            "params": [],
            "values": {"running": 1, "waiting": 0},
        },
    ]
    aggressive_after = copy.deepcopy(AGGRESSIVE_BEFORE)
    aggressive_after["param_ranges"]["lr"].update(low=5e-4, reason="Spearman q=0.01, n=26")
    aggressive_after["param_ranges"]["batch_size"]["choices"] = [16]
    aggressive_after["fixed"]["encoder"] = "cnn"
    del aggressive_after["param_ranges"]["depth"]
    conservative = {"n_trials": 50, "param_ranges": {"lr": {"low": 1e-5, "high": 1e-1}}}
    previous = write_version(
        tmp_path / "0001-20250101T150000",
        before,
        {
            "refined_search_space_aggressive.yaml": AGGRESSIVE_BEFORE,
            "refined_search_space_conservative.yaml": conservative,
        },
    )
    current = write_version(
        tmp_path / "0002-20250102T100000",
        after,
        {
            "refined_search_space_aggressive.yaml": aggressive_after,
            "refined_search_space_conservative.yaml": conservative,  # identical: not listed
        },
    )
    return previous, current, after


def test_every_kind_of_change_is_found(tmp_path: Path) -> None:
    previous, current, after = changed_pair(tmp_path)
    c = compute_changes(
        previous.name,
        load_findings(previous / "findings.json"),
        current.name,
        findings_from_dict(after),
        warning_sentence,
        load_configs(previous / "artifacts"),
        load_configs(current / "artifacts"),
    )
    assert c.new_trials == 8
    assert {t.state: (t.before, t.after) for t in c.trials} == {
        "total": (24, 32),
        "complete": (20, 26),
        "pruned": (3, 4),
        "fail": (1, 1),
        "running": (0, 1),
        "waiting": (0, 0),
    }
    assert c.best.before == BestRef(7, 0.81) and c.best.after == BestRef(29, 0.86)
    assert c.best.delta == pytest.approx(0.05) and c.best.improved is True
    assert c.best.params == (
        ParamChange("batch_size", None, 16, False, True),
        ParamChange("lr", 0.001, 0.002, True, True),
        ParamChange("optimizer", "adam", None, True, False),
    )
    assert c.tiers == (
        TierChange("depth", "encoder = cnn", "suggestive", "strong", 0.08, 0.03, 0.5, 0.5, 15, 19, True),
        TierChange("lr", None, "not enough evidence", "strong", 0.4, 0.01, 0.2, 0.55, 20, 26, True),
    )
    # lr 2 -> 1 and optimizer 1 -> 2 (a move of one each); depth stays third.
    assert c.ranks == (
        RankChange("fanova", "lr", 2, 1, 0.3, 0.6),
        RankChange("fanova", "optimizer", 1, 2, 0.5, 0.25),
    )
    # The sentences are worded afresh from each warning's code and values (messages.yaml).
    assert c.warnings == (
        WarningChange("unfinished_trials", (), "info", warning_sentence(findings_from_dict(after).warnings[1]), "new"),
        WarningChange(
            "many_pruned",
            ("depth",),
            "info",
            "3 of 24 finished trials were pruned; the analysis uses complete trials only, so the statistics "
            "describe the trials the pruner let finish.",
            "resolved",
        ),
    )
    assert c.boundary_hits == (
        BoundaryChange("batch_size", "low", None, 0.9, "new"),
        BoundaryChange("depth", "high", 0.8, 0.7, "changed"),
        BoundaryChange("lr", "low", 0.6, None, "resolved"),
    )
    # The reason text changed too, but annotations are not config changes.
    assert c.configs == (
        ConfigFileChange(
            "refined_search_space_aggressive.yaml",
            "changed",
            (
                ConfigEntryChange(("fixed", "encoder"), None, "cnn", "added"),
                ConfigEntryChange(("param_ranges", "batch_size", "choices"), [16, 32], [16], "changed"),
                ConfigEntryChange(("param_ranges", "depth", "high"), 8, None, "removed"),
                ConfigEntryChange(("param_ranges", "depth", "low"), 2, None, "removed"),
                ConfigEntryChange(("param_ranges", "depth", "type"), "int", None, "removed"),
                ConfigEntryChange(("param_ranges", "lr", "low"), 1e-4, 5e-4, "changed"),
            ),
        ),
    )
    assert c.settings == ()
    assert not c.is_empty


def test_changes_markdown_and_json_say_what_changed(tmp_path: Path) -> None:
    previous, current, after = changed_pair(tmp_path)
    write_changes(previous, current, current.name)
    text = (current / "changes.md").read_text()
    assert text.startswith("## Changes in 0002-20250102T100000 since 0001-20250101T150000\n")
    assert "**8 new trials** (24 → 32)." in text
    assert "| running | 0 | 1 | +1 |" in text
    assert "| waiting |" not in text  # zero before and after: left out
    assert "**Best value:** 0.81 (trial #7) → 0.86 (trial #29), +0.05 (+6.2%): better." in text
    assert "| `lr` | not enough evidence | **strong** | 0.4000 | 0.0100 | +0.2 | +0.55 | 20 → 26 |" in text
    assert "| `depth` (when encoder = cnn) | suggestive | **strong** |" in text
    assert "| fanova | `lr` | 2 | 1 | 0.3 | 0.6 |" in text
    assert "| new | info | `unfinished_trials` | all | 1 trial(s) still running and 0 waiting when" in text
    assert "| resolved | info | `many_pruned` | `depth` | 3 of 24 finished trials were pruned;" in text
    assert "| new | `batch_size` | low | (none) | 90% |" in text
    assert "| changed | `depth` | high | 80% | 70% |" in text
    assert "`refined_search_space_aggressive.yaml`: 6 settings changed." in text
    assert "| `param_ranges.lr.low` | 0.0001 | 0.0005 |" in text
    assert "| `param_ranges.batch_size.choices` | \\[16, 32\\] | \\[16\\] |" in text
    assert "conservative" not in text
    assert "Unchanged:" not in text
    assert not empty_cells(text)
    document = json.loads((current / "changes.json").read_text())
    assert document == to_jsonable(
        compute_changes(
            previous.name,
            load_findings(previous / "findings.json"),
            current.name,
            load_findings(current / "findings.json"),
            warning_sentence,
            load_configs(previous / "artifacts"),
            load_configs(current / "artifacts"),
        )
    )
    # changes.json reads back as the typed changes it was written from.
    assert to_jsonable(load_model(current / "changes.json", Changes)) == document
    assert document["best"]["after"] == {"number": 29, "value": 0.86}
    assert [t["param"] for t in document["tiers"]] == ["depth", "lr"]


def test_identical_versions_have_nothing_to_report() -> None:
    doc = findings_doc()
    c = changes_of(doc, copy.deepcopy(doc), {}, {})
    assert c.is_empty and c.new_trials == 0
    text = changes_markdown(c)
    assert "No new trials (24 in all)." in text
    assert "**Best value:** unchanged, 0.81 (trial #7)." in text
    assert "Unchanged: significance tiers, importance ranks, warnings, boundary hits, recommended configs." in text


def test_settings_changes_are_flagged() -> None:
    before = findings_doc()
    after = findings_doc(
        stats={"alpha": 0.01, "suggestive_alpha": 0.10, "correction": "fdr_bh", "elite_quantile": 0.25}
    )
    c = changes_of(before, after)
    assert c.settings == (SettingChange("alpha", 0.05, 0.01), SettingChange("correction", "holm", "fdr_bh"))
    # Tiers are the ones each version's findings record, never re-derived from q and alpha.
    assert c.tiers == ()
    assert "alpha `0.05` → `0.01`; correction `holm` → `fdr_bh`." in changes_markdown(c)


def test_tiers_are_the_recorded_ones_with_untested_as_no_evidence() -> None:
    before = findings_doc()
    after = copy.deepcopy(before)
    after["directionality"][0].update(tier="not tested", q=None)  # lr: not enough evidence -> not tested
    after["directionality"][1].update(q=0.9)  # depth: q moved, its recorded tier did not
    assert changes_of(before, after).tiers == ()
    after["directionality"][2].update(tier="suggestive")  # optimizer: strong -> suggestive
    (change,) = changes_of(before, after).tiers
    assert (change.param, change.tier_before, change.tier_after, change.stronger) == (
        "optimizer",
        "strong",
        "suggestive",
        False,
    )


def test_params_removed_from_the_analysis_are_reported() -> None:
    before = findings_doc()
    after = copy.deepcopy(before)
    after["directionality"] = after["directionality"][:2]  # optimizer no longer tested
    (change,) = changes_of(before, after).tiers
    assert (change.param, change.tier_before, change.tier_after, change.stronger) == (
        "optimizer",
        "strong",
        "absent",
        False,
    )
    assert "| `optimizer` | strong | not tested |" in changes_markdown(changes_of(before, after))


def test_hostile_names_stay_inside_their_cells() -> None:
    before = findings_doc()
    after = copy.deepcopy(before)
    after["directionality"][0]["param"] = "<script>alert(1)</script>|`x`"
    after["warnings"].append(
        {"code": "low_sample_size", "severity": "info", "params": ["p|q"], "values": {"text": "a | b <img src=x>"}}
    )
    text = changes_markdown(changes_of(before, after, describe=lambda w: str(w.values.get("text", ""))))
    assert not empty_cells(text)
    rows = {"script": 8, "img": 5}  # the tier table has 8 columns, the warnings table 5
    for marker, columns in rows.items():
        (line,) = [line for line in text.splitlines() if marker in line]
        assert len(re.split(r"(?<!\\)\|", line.strip())[1:-1]) == columns, line
    html = to_html(text)
    assert "<script" not in html and "<img" not in html


def add_round_two(url: str) -> optuna.Study:
    """Adds what the integration tests expect to see in the changes: 3 complete trials (one a
    new best with value 50), 1 failed and 1 pruned."""
    study = optuna.load_study(study_name="s", storage=url)
    add(study, {"x": 0.5}, {"x": X}, 2.5)
    add(study, {"x": 0.97}, {"x": X}, 50.0)
    add(study, {"x": 0.1}, {"x": X}, 1.1)
    add(study, {"x": 0.3}, {"x": X}, state=TrialState.FAIL)
    add(study, {"x": 0.4}, {"x": X}, state=TrialState.PRUNED)
    return study


def test_adding_trials_gives_a_second_version_whose_changes_match(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", "s", simple, ["maximize"])
    out = tmp_path / "out"
    assert generate(url, "s", out) == 0
    study = add_round_two(url)
    assert generate(url, "s", out) == 0
    first, second = version_dirs(out)
    best = study.best_trial
    assert (best.number, best.value) == (13, 50.0)
    changes = json.loads((second / "changes.json").read_text())
    assert changes["previous_version"] == first.name and changes["version"] == second.name
    assert {t["state"]: t["after"] - t["before"] for t in changes["trials"]} == {
        "total": 5,
        "complete": 3,
        "pruned": 1,
        "fail": 1,
        "running": 0,
        "waiting": 0,
    }
    assert changes["best"]["after"] == {"number": 13, "value": 50.0}
    assert changes["best"]["improved"] is True
    new_warnings = {(w["code"], tuple(w["params"])) for w in changes["warnings"] if w["status"] == "new"}
    # 1 fail and 1 pruned of 17 finished are below the warning share, so the only new warnings
    # are those the statistics raise on the new data (the new best sits at x = 0.97, a bound).
    old_doc = json.loads((first / "findings.json").read_text())
    new_doc = json.loads((second / "findings.json").read_text())
    keys = [{(w["code"], tuple(w["params"])) for w in doc["warnings"]} for doc in (old_doc, new_doc)]
    assert new_warnings == keys[1] - keys[0]
    assert not {"many_failed", "many_pruned"} & {code for code, _ in new_warnings}
    text = (second / "changes.md").read_text()
    assert "**5 new trials** (12 → 17)." in text
    assert "| complete | 12 | 15 | +3 |" in text and "| failed | 0 | 1 | +1 |" in text
    assert "| pruned | 0 | 1 | +1 |" in text
    assert "→ 50 (trial #13)" in text
    # The version page shows the same changes, inside its changes box.
    page = (out / "site" / "report" / "s" / second.name / "index.html").read_text()
    box = element(page, '<div class="changes">')
    assert f"Changes in {second.name} since {first.name}" in box
    assert "<td>complete</td>\n<td>12</td>\n<td>15</td>\n<td>+3</td>" in box
    assert "→ 50 (trial #13)" in box
    first_page = (out / "site" / "report" / "s" / first.name / "index.html").read_text()
    assert 'class="changes"' not in first_page


def test_print_changes_prints_the_latest_changes(tmp_path: Path, capsys) -> None:
    url = sqlite_study(tmp_path / "s.db", "s", simple, ["maximize"])
    out = tmp_path / "out"
    assert main(["--storage", url, "--study", "s", "--out", str(out), "--quiet", "--print-changes"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("## 0001-") and "first report of `s`" in captured.out
    assert "12 trials (12 complete); best value 3 (trial #8, maximize)." in captured.out
    assert captured.err.startswith("wrote report/s/0001-")

    add_round_two(url)
    assert main(["--storage", url, "--study", "s", "--out", str(out), "--quiet", "--print-changes"]) == 0
    captured = capsys.readouterr()
    _, second = version_dirs(out)
    assert captured.out == (second / "changes.md").read_text()
    assert captured.err.startswith(f"wrote report/s/{second.name}")

    # Without --storage it reads report/ only; with one study, --study may be left out.
    assert main(["--out", str(out), "--print-changes"]) == 0
    assert capsys.readouterr().out == (second / "changes.md").read_text()
    assert main(["--study", "s", "--out", str(out), "--print-changes"]) == 0
    assert capsys.readouterr().out == (second / "changes.md").read_text()


def test_print_changes_without_a_report_is_a_one_line_error(tmp_path: Path, capsys) -> None:
    assert main(["--study", "nope", "--out", str(tmp_path), "--print-changes"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no report for study 'nope'") and err.count("\n") == 1
    assert main(["--out", str(tmp_path)]) == 2
    assert "--storage is required" in capsys.readouterr().err


def test_two_versions_are_byte_identical_across_runs(tmp_path: Path) -> None:
    from tests.test_pipeline import tree_digest

    trees = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        url = sqlite_study(tmp_path / run / "s.db", "s", simple, ["maximize"])
        out = tmp_path / run / "out"
        assert generate(url, "s", out) == 0
        add_round_two(url)
        assert generate(url, "s", out) == 0
        trees.append(tree_digest(out))
    assert trees[0] == trees[1]
    assert any(path.endswith("changes.json") for path in trees[0])


def element(html: str, start_tag: str) -> str:
    """The element that opens with ``start_tag`` (a ``<div ...>``), up to its own closing tag:
    tables inside it sit in ``<div>`` boxes of their own."""
    start = html.index(start_tag)
    depth = 0
    for match in re.finditer(r"<div\b|</div>", html[start:]):
        depth += 1 if match.group(0) == "<div" else -1
        if depth == 0:
            return html[start : start + match.end()]
    raise AssertionError(f"{start_tag} is never closed")
