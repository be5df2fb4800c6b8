"""generate-report end to end on literal studies: versions, determinism, content, read-only."""

from __future__ import annotations

import hashlib
import json
import re
from html import escape
from pathlib import Path

import jsonschema
import optuna
import pytest

from generator.cli import main
from generator.model.serialize import round_float
from generator.paths import schema_path
from generator.slug import study_slug
from tests.invariants import report_violations
from tests.site_checks import check_links, parse
from tests.studies import AWKWARD, HOSTILE_NAMES, X, add, simple, sqlite_study


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def empty_cells(markdown: str) -> list[str]:
    """Table rows of a Markdown text that have an empty cell (escaped pipes are not separators)."""
    bad = []
    for line in markdown.splitlines():
        if line.startswith("|") and not set(line) <= set("|-: "):
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            if any(not c.strip() for c in cells):
                bad.append(line)
    return bad


def generate(storage: str, study: str, out: Path, *extra: str) -> int:
    return main(["--storage", storage, "--study", study, "--out", str(out), "--quiet", *extra])


def version_dirs(out: Path) -> list[Path]:
    return sorted(p for p in (out / "report").glob("*/*") if p.is_dir())


@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_every_awkward_study_gets_a_valid_report(name: str, tmp_path: Path) -> None:
    builder, directions = AWKWARD[name]
    url = sqlite_study(tmp_path / "s.db", name, builder, directions)
    assert generate(url, name, tmp_path / "out") == 0
    (version,) = version_dirs(tmp_path / "out")
    document = json.loads((version / "findings.json").read_text())
    jsonschema.validate(document, json.loads(schema_path().read_text()))
    markdown = (version / "findings.md").read_text()
    assert not re.search(r"\bunknown\b|\bTBD\b|\[unknown\]", markdown, re.IGNORECASE)
    assert not empty_cells(markdown)
    assert (tmp_path / "out" / "site" / "index.html").is_file()
    assert report_violations(version) == []


def test_findings_match_optuna_best_trial(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", "s", simple, ["maximize"])
    assert generate(url, "s", tmp_path / "out") == 0
    (version,) = version_dirs(tmp_path / "out")
    document = json.loads((version / "findings.json").read_text())
    best = optuna.load_study(study_name="s", storage=url).best_trial
    # findings.json states every float at 12 significant digits (the schema says so).
    assert document["summary"]["best"] == {
        "number": best.number,
        "value": round_float(best.value),
        "params": {k: round_float(v) if isinstance(v, float) else v for k, v in best.params.items()},
        "datetime_complete": best.datetime_complete.isoformat(),
    }
    markdown = (version / "findings.md").read_text()
    assert f"| Best trial | #{best.number}: {best.value:.6g} |" in markdown
    summary = document["summary"]
    assert f"{summary['mean']:.4g} ± {summary['std']:.4g} (n = 12)" in markdown
    assert document["study"]["n_trials"] == {
        "complete": 12,
        "pruned": 0,
        "fail": 0,
        "running": 0,
        "waiting": 0,
        "total": 12,
    }


def test_summary_statistics_equal_numpy(tmp_path: Path) -> None:
    import numpy as np

    url = sqlite_study(tmp_path / "s.db", "s", AWKWARD["inf_values"][0], ["minimize"])
    assert generate(url, "s", tmp_path / "out") == 0
    (version,) = version_dirs(tmp_path / "out")
    summary = json.loads((version / "findings.json").read_text())["summary"]
    finite = np.array([0.0, 1.0, 3.0, 4.0, 5.0])
    assert summary["n"] == 5 and summary["n_infinite"] == 1
    assert summary["mean"] == pytest.approx(finite.mean())
    assert summary["std"] == pytest.approx(finite.std(ddof=1))
    assert summary["median"] == pytest.approx(np.median(finite))
    assert summary["iqr"] == pytest.approx(np.percentile(finite, 75) - np.percentile(finite, 25))
    assert summary["best"]["number"] == 0 and summary["worst"] == {"number": 5, "value": 5.0}
    codes = [w["code"] for w in json.loads((version / "findings.json").read_text())["warnings"]]
    assert "infinite_values" in codes


def test_rerun_unchanged_creates_nothing_and_rewrites_nothing(tmp_path: Path, capsys) -> None:
    url = sqlite_study(tmp_path / "s.db", "s", simple, ["maximize"])
    out = tmp_path / "out"
    assert generate(url, "s", out) == 0
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    capsys.readouterr()
    assert generate(url, "s", out) == 0
    assert "unchanged" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_same_snapshot_gives_byte_identical_output(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", "s", AWKWARD["conditional"][0], ["maximize"])
    assert generate(url, "s", tmp_path / "a") == 0
    assert generate(url, "s", tmp_path / "b") == 0
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")


def test_new_trials_make_a_new_version_with_changes(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", "s", simple, ["maximize"])
    out = tmp_path / "out"
    assert generate(url, "s", out) == 0
    study = optuna.load_study(study_name="s", storage=url)
    add(study, {"x": 0.99}, {"x": X}, 100.0)
    assert generate(url, "s", out) == 0
    first, second = version_dirs(out)
    assert first.name < second.name
    assert first.name.startswith("0001-") and second.name.startswith("0002-")
    assert not (first / "changes.md").exists()
    changes = (second / "changes.md").read_text()
    assert "| complete | 12 | 13 | +1 |" in changes
    assert "→ 100 (trial #12)" in changes


def test_source_storage_is_never_modified(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", "s", simple, ["maximize"])
    db = tmp_path / "s.db"
    before = (db.read_bytes(), db.stat().st_mtime_ns, sorted(p.name for p in tmp_path.iterdir()))
    assert generate(url, "s", tmp_path / "out") == 0
    after = (db.read_bytes(), db.stat().st_mtime_ns, sorted(p.name for p in tmp_path.iterdir() if p.name != "out"))
    assert before == after


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_study_names_get_safe_slugs_and_escaped_pages(name: str, tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", name, simple, ["maximize"])
    out = tmp_path / "out"
    assert generate(url, name, out) == 0
    slug = study_slug(name)
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", slug)
    assert (out / "report" / slug).is_dir()
    # Home, study and version pages and the trial explorer: the name is shown as text, never as markup.
    pages = sorted((out / "site").rglob("*.html"), key=lambda p: (len(p.parts), p.name))
    assert [p.relative_to(out / "site").as_posix() for p in pages] == [
        "index.html",
        f"report/{slug}/index.html",
        f"report/{slug}/{version_dirs(out)[0].name}/index.html",
        f"report/{slug}/{version_dirs(out)[0].name}/trials.html",
    ]
    for page in pages:
        html = page.read_text()
        assert "<script>alert" not in html
        parsed = parse(page)
        assert all(s.get("type") == "application/json" or "src" in s for s in parsed.scripts)
    assert parse(pages[1]).title == name
    assert f">{escape(name)}</a>" in pages[0].read_text().replace("&#x27;", "'")
    assert check_links(out / "site") == []


def test_slugs_never_collide() -> None:
    assert study_slug("a/b") != study_slug("a b")
    assert study_slug("mnist-tf") == "mnist-tf"


def test_outputs_have_ordinary_permissions(tmp_path: Path) -> None:
    """Staged folders and atomically written files end up readable by others (umask 022), as any
    new file would: a web server running as another user must be able to serve the site."""
    import os
    import stat

    url = sqlite_study(tmp_path / "s.db", "s", simple, ["maximize"])
    previous = os.umask(0o022)
    try:
        assert generate(url, "s", tmp_path / "out") == 0
    finally:
        os.umask(previous)
    for path in (tmp_path / "out").rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o044 == 0o044, (path, oct(mode))
        if path.is_dir():
            assert mode & 0o011 == 0o011, (path, oct(mode))
