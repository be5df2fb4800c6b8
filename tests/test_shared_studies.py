"""Every study in every file of ../shared/studies gets a report; the files stay byte-identical."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from generator.cli import main
from generator.paths import schema_path
from generator.storage import list_studies, locate
from generator.sweep_config import load_sweep_config
from tests.conftest import shared_storage_files
from tests.invariants import report_violations

FILES = shared_storage_files()
STATISTICS_SECTIONS = (
    "## Executive summary",
    "## Parameter effects",
    "## Boolean and categorical parameters",
    "## Elite analysis",
    "## Boundary hits",
    "## Statistical significance assessment",
    "## Recommended next sweep",
    "## Warnings",
)


def digest(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_shared_study_reports(path: Path, tmp_path: Path) -> None:
    before = digest(path)
    siblings = sorted(p.name for p in path.parent.iterdir())
    for name, counts in list_studies(locate(str(path))):
        code = main(["--storage", str(path), "--study", name, "--out", str(tmp_path / "out"), "--quiet"])
        if sum(counts.values()) == 0:
            assert code == 2, "an empty study is refused with a one-line error"
            continue
        assert code == 0, name
    assert digest(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == siblings, "no lock or journal files left behind"
    schema = json.loads(schema_path().read_text())
    for findings in (tmp_path / "out" / "report").rglob("findings.json"):
        document = json.loads(findings.read_text())
        assert document["study"]["n_trials"]["total"] > 0
        assert report_violations(findings.parent) == []
        jsonschema.validate(document, schema)
        markdown = (findings.parent / "findings.md").read_text()
        assert all(section in markdown for section in STATISTICS_SECTIONS), findings
        analysed = {d["param"] for d in document["directionality"]}
        assert analysed <= set(document["study"]["params"])
        for name in ("continuous", "boolean", "categorical_detail", "categorical_summary"):
            assert (findings.parent / "artifacts" / f"directionality_{name}.csv").is_file()
        assert (findings.parent / "artifacts" / "empirical_ranges.yaml").is_file()
        for strategy in ("aggressive", "conservative"):
            config = load_sweep_config(findings.parent / "artifacts" / f"refined_search_space_{strategy}.yaml")
            assert config.direction == document["study"]["direction"], findings
