"""findings.md as a page: the answer first (at a glance, what to do), stable headings, folds in
the one shape every renderer reads, one slot per chart place; on the example study, a study
with no complete trial, a multi-objective study and a study's second version."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import optuna
import pytest

from generator.cli import main
from generator.render.env import fmt_num, message_for, signed
from tests.studies import AWKWARD, sqlite_study

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "visual_classifier_cpu_sweep.db"
EXAMPLE_STUDY = "visual_classifier_cnn_vs_context_cpu_v1"
SLOTS = ("summary", "importance", "interactions", "effects", "elites", "curves", "pareto")
SEVERITY_ORDER = ("error", "warning", "info")


def generate(storage: str, study: str, out: Path) -> Path:
    assert main(["--storage", storage, "--study", study, "--out", str(out), "--quiet", "--no-charts"]) == 0
    return sorted(p for p in (out / "report").glob("*/*") if p.is_dir())[-1]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    version = generate(str(EXAMPLE), EXAMPLE_STUDY, tmp_path_factory.mktemp("example"))
    return version, json.loads((version / "findings.json").read_text()), (version / "findings.md").read_text()


@pytest.fixture(scope="module")
def awkward(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, Any], str]]:
    reports = {}
    for name in ("all_failed", "multi_objective", "no_params"):
        folder = tmp_path_factory.mktemp(name)
        url = sqlite_study(folder / "s.db", name, *AWKWARD[name])
        version = generate(url, name, folder / "out")
        reports[name] = (
            version,
            json.loads((version / "findings.json").read_text()),
            (version / "findings.md").read_text(),
        )
    return reports


def section(markdown: str, heading: str) -> str:
    start = markdown.index(f"\n## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end >= 0 else len(markdown)]


def headings(markdown: str) -> list[str]:
    lines, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            lines.append(line)
    return lines


def expected_warning_line(document: dict[str, Any]) -> tuple[dict[str, int], dict[str, Any] | None]:
    counts = {s: sum(1 for w in document["warnings"] if w["severity"] == s) for s in SEVERITY_ORDER}
    for severity in SEVERITY_ORDER:
        present = [w for w in document["warnings"] if w["severity"] == severity]
        if present:
            return counts, next((w for w in present if not w["params"]), present[0])
    return counts, None


def test_the_page_opens_with_the_answer(example: tuple[Path, dict[str, Any], str]) -> None:
    _, _, markdown = example
    heads = headings(markdown)
    assert heads[:4] == [f"# HPO findings: `{EXAMPLE_STUDY}`", "## At a glance", "## What to do", "## About this study"]
    assert markdown.index("## At a glance") < markdown.index("| Field | Value |") < markdown.index("## Study summary")
    glance = section(markdown, "At a glance")
    # Short enough for the first screen: four items, three findings, one command.
    assert len([line for line in glance.splitlines() if line.startswith("- **")]) == 4
    assert len(glance.splitlines()) <= 20


def test_at_a_glance_holds_the_best_value_and_its_trial(example: tuple[Path, dict[str, Any], str]) -> None:
    _, document, markdown = example
    glance = section(markdown, "At a glance")
    best = document["summary"]["best"]
    assert f"**Best value (maximize):** {fmt_num(best['value'])} at trial #{best['number']}" in glance
    baseline = document["trial_attributes"]["baseline"]
    assert f"{fmt_num(baseline['ratio'], 3)} times the chance baseline {fmt_num(baseline['baseline'])}" in glance
    assert "; first version." in glance


def test_top_findings_are_the_executive_summary_firm_effects(example: tuple[Path, dict[str, Any], str]) -> None:
    _, document, markdown = example
    glance = section(markdown, "At a glance")
    named = re.findall(r"^  \d\. \*\*`([^`]+)`\*\*", glance, re.MULTILINE)
    firm = [
        h["values"]["param"]
        for h in document["executive_summary"]
        if h["kind"] == "effect"
        and (h["values"]["tier"] in ("strong", "suggestive") or h["values"]["shape"] == "interior")
    ]
    assert named == firm[:3] == ["batch_size", "lr", "depth"]
    effects = {d["param"]: d for d in document["directionality"]}
    batch = effects["batch_size"]
    assert (
        f"smaller values are better (strong; Spearman rho {batch['effect']:+.3f}, "
        f"95% CI [{fmt_num(batch['ci_low'], 3)}, {fmt_num(batch['ci_high'], 3)}]; q = {batch['q']:.4f}; n = 20)"
    ) in glance
    # An interior optimum is never worded as a trend.
    lr_line = next(line for line in glance.splitlines() if "**`lr`**" in line)
    assert "both ends worse" in lr_line and "values are better" not in lr_line


def test_next_step_names_an_existing_config_and_its_rule(example: tuple[Path, dict[str, Any], str]) -> None:
    version, document, markdown = example
    glance = section(markdown, "At a glance")
    (command,) = re.findall(r"^  (train-sweep .*)$", glance, re.MULTILINE)
    words = command.split()
    config = words[words.index("--config") + 1]
    # From the output folder (where generate-report ran), through DESIGN.md's layout.
    out = version.parents[2]
    assert config.startswith(f"report/{version.parent.name}/{version.name}/artifacts/")
    assert (out / config).is_file()
    assert words[words.index("--storage") + 1] == document["provenance"]["storage"]
    # The rule: aggressive when its predicted mean gain is the larger and its interval is above 0.
    estimates = {e["space"]: e for e in document["next_sweep"]["expected_gain"]["estimates"]}
    aggressive, conservative = estimates["aggressive"], estimates["conservative"]
    expect = (
        "aggressive"
        if aggressive["gain_mean_low"] > 0 and aggressive["gain_mean"] > conservative["gain_mean"]
        else "conservative"
    )
    assert config.endswith(f"/artifacts/refined_search_space_{expect}.yaml") and expect == "aggressive"
    chosen = estimates[expect]
    assert f"predicted mean gain {chosen['gain_mean']:+.3g} [" in glance


def test_warning_counts_equal_the_findings(
    example: tuple[Path, dict[str, Any], str], awkward: dict[str, tuple[Path, dict[str, Any], str]]
) -> None:
    for _, document, markdown in [example, *awkward.values()]:
        glance = section(markdown, "At a glance")
        counts, worst = expected_warning_line(document)
        line = next(line for line in glance.splitlines() if line.startswith("- **Warnings:**"))
        if worst is None:
            assert line == "- **Warnings:** none."
            continue
        match = re.match(
            r"- \*\*Warnings:\*\* (\d+) errors?, (\d+) warnings?, (\d+) info; most serious \((\w+)\)", line
        )
        assert match, line
        assert tuple(int(g) for g in match.groups()[:3]) == (counts["error"], counts["warning"], counts["info"])
        assert match.group(4) == worst["severity"]
        assert message_for(worst["code"], worst["values"]).split(",")[0].replace("_", "\\_") in line
    # The example's most serious warning is the study-wide one, not the first per-parameter one.
    assert "20 complete trials for 13 tested parameters" in section(example[2], "At a glance")


def test_what_to_do_lists_exactly_the_decisions_that_change(example: tuple[Path, dict[str, Any], str]) -> None:
    _, _, markdown = example
    todo = section(markdown, "What to do")
    named = set(re.findall(r"^- \*\*(?:Fix|Drop|Narrow|Widen)\*\* `([^`]+)`", todo, re.MULTILINE))
    decisions = section(markdown, "Recommended next sweep").split("### Decisions", 1)[1]
    changed = set()
    for row in re.findall(r"^\| `([^`]+)`[^|]*\| ([^|]+) \| ([^|]+) \| ([^|]+) \|", decisions, re.MULTILINE):
        name, declared, aggressive, conservative = row
        if aggressive != declared or conservative != declared:
            changed.add(name)
    assert (
        named == changed == {"batch_size", "depth", "embed_dim", "label_smoothing", "lr", "weight_decay", "width_mult"}
    )
    # Each line carries its evidence, and says which config makes the change.
    assert "- **Widen** `batch_size`: add level `8` beyond the low extreme 16 (both configs): 5 of 5 elites" in todo
    assert "- **Widen** `weight_decay`: high bound 0.1 to `1` (conservative config only):" in todo
    assert all(re.search(r"q = [<\d]", line) for line in todo.splitlines() if line.startswith("- **"))


def test_folds_have_the_contract_shape(
    example: tuple[Path, dict[str, Any], str], awkward: dict[str, tuple[Path, dict[str, Any], str]]
) -> None:
    for _, _, markdown in [example, *awkward.values()]:
        lines = markdown.splitlines()
        opened = [i for i, line in enumerate(lines) if line == "<details>"]
        closed = [i for i, line in enumerate(lines) if line == "</details>"]
        assert len(opened) == len(closed) and opened
        depth = 0
        for i, line in enumerate(lines):
            if line == "<details>":
                depth += 1
                assert depth == 1, "folds are not nested"
                assert re.fullmatch(r"<summary>[^<>]+</summary>", lines[i + 1]), lines[i + 1]
                assert lines[i + 2] == "" and lines[i + 3] != "", lines[i : i + 4]
            elif line == "</details>":
                depth -= 1
                assert depth == 0 and lines[i - 1] == "" and lines[i - 2] != ""
            assert "details>" not in line or line in ("<details>", "</details>")
        # No other raw HTML: outside inline code, only the folds and the slot comments hold tags.
        for line in lines:
            bare = re.sub(r"`[^`]*`", "", line)
            for tag in re.findall(r"<[/!a-zA-Z][^>]*>", bare):
                assert tag in ("<details>", "</details>", "<summary>", "</summary>") or re.fullmatch(
                    r"<!-- slot: [a-z]+ -->", tag
                ), (tag, line)
    _, _, markdown = example
    assert "<summary>Per-level tables (10 parameters)</summary>" in markdown
    # Errors and warnings stay in view, notes are folded.
    warnings = section(markdown, "Warnings")
    assert warnings.index("| warning | `low_sample_size`") < warnings.index("<details>") < warnings.index("| info |")


def test_headings_are_stable(
    example: tuple[Path, dict[str, Any], str], awkward: dict[str, tuple[Path, dict[str, Any], str]]
) -> None:
    for _, document, markdown in [example, *awkward.values()]:
        for heading in headings(markdown):
            assert not re.search(r"\b[pq] = |\d\.\d|#\d|\d%", heading), heading
        assert "#### `batch_size`" in markdown if document["study"]["name"] == EXAMPLE_STUDY else True
    _, _, markdown = example
    level = markdown.split("#### `batch_size`\n\n", 1)[1].splitlines()[0]
    assert level.startswith("Ordinal; spearman, p = 0.0012, q = 0.0155, strong")


def test_each_slot_once_where_its_section_is(
    example: tuple[Path, dict[str, Any], str], awkward: dict[str, tuple[Path, dict[str, Any], str]]
) -> None:
    def slots(markdown: str) -> list[str]:
        found = re.findall(r"^<!-- slot: ([a-z]+) -->$", markdown, re.MULTILINE)
        for name in found:
            block = markdown.split(f"<!-- slot: {name} -->")
            assert block[0].endswith("\n\n") and block[1].startswith("\n\n"), name
        return found

    _, _, markdown = example
    assert slots(markdown) == ["summary", "importance", "interactions", "effects", "elites", "curves"]
    assert markdown.index("<!-- slot: importance -->") < markdown.index("### Interactions")
    assert markdown.index("<!-- slot: effects -->") < markdown.index("## Boolean and categorical parameters")
    multi = awkward["multi_objective"][2]
    # The further objective's sections repeat the templates but get no slots.
    assert multi.count("\n## Study summary\n") == 1 and multi.count("\n### Study summary\n") == 1
    assert slots(multi) == ["pareto", "summary", "importance", "effects", "elites"]
    assert set(slots(awkward["all_failed"][2])) <= set(SLOTS)


def test_a_study_without_complete_trials_is_told_truthfully(
    awkward: dict[str, tuple[Path, dict[str, Any], str]],
) -> None:
    version, document, markdown = awkward["all_failed"]
    glance = section(markdown, "At a glance")
    assert "- **Best value (minimize):** none: 0 of 3 trials completed, so no effect could be measured." in glance
    assert "- **Top findings:** none: no parameter could be tested" in glance
    # No estimate, so the rule picks the conservative config; not run by train-sweep, so the
    # file goes into the user's own objective.
    assert "the conservative config" in glance and "no estimate, too few complete trials" in glance
    assert document["next_sweep"]["expected_gain"]["skipped"] == "too_few_trials"
    (line,) = re.findall(r"^  (params = .*)$", glance, re.MULTILINE)
    config = f"report/{version.parent.name}/{version.name}/artifacts/refined_search_space_conservative.yaml"
    assert line == f'params = load_sweep_config("{config}").suggest(trial)'
    assert (version.parents[2] / config).is_file()
    assert "Nothing to change" in section(markdown, "What to do")


def test_a_multi_objective_study_names_its_objective_and_front(
    awkward: dict[str, tuple[Path, dict[str, Any], str]],
) -> None:
    _, document, markdown = awkward["multi_objective"]
    glance = section(markdown, "At a glance")
    best = document["summary"]["best"]
    front = len(document["pareto_front"])
    assert (
        f"- **Best `values[0]` (objective 1 of 2, minimize):** {fmt_num(best['value'])} at trial #{best['number']}"
        in glance
    )
    assert f"the Pareto front holds {front} trial{'s' if front != 1 else ''}." in glance


def test_the_second_version_compares_its_best_with_the_first(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "s.db")
    url = f"sqlite:///{tmp_path / 's.db'}"
    out = tmp_path / "out"
    first = generate(url, EXAMPLE_STUDY, out)
    before = json.loads((first / "findings.json").read_text())["summary"]["best"]
    study = optuna.load_study(study_name=EXAMPLE_STUDY, storage=url)
    best = study.best_trial
    study.add_trial(
        optuna.trial.create_trial(
            params=best.params, distributions=best.distributions, value=0.95, user_attrs=best.user_attrs
        )
    )
    second = generate(url, EXAMPLE_STUDY, out)
    assert second != first
    glance = section((second / "findings.md").read_text(), "At a glance")
    after = json.loads((second / "findings.json").read_text())["summary"]["best"]
    assert after["value"] == 0.95
    change = fmt_num(0.95 - before["value"])
    assert (
        f"previous version {first.name}: {fmt_num(before['value'])} at trial #{before['number']} (+{change}, better)"
        in glance
    )
    assert "first version" not in glance


def test_the_rule_picks_conservative_when_aggressive_is_not_predicted_better(
    awkward: dict[str, tuple[Path, dict[str, Any], str]],
) -> None:
    _, document, markdown = awkward["multi_objective"]
    estimates = {e["space"]: e for e in document["next_sweep"]["expected_gain"]["estimates"]}
    aggressive, conservative = estimates["aggressive"], estimates["conservative"]
    assert aggressive["gain_mean"] < conservative["gain_mean"] or aggressive["gain_mean_low"] <= 0
    glance = section(markdown, "At a glance")
    assert "- **Next step:** the conservative config, [refined_search_space_conservative.yaml]" in glance
    assert f"predicted mean gain {signed(conservative['gain_mean'], 3)} [" in glance
    assert f"aggressive: {signed(aggressive['gain_mean'], 3)} [" in glance
