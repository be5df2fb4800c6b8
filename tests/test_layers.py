"""The layering in pyproject.toml's import-linter contracts holds, and the check can fail.

The contracts are the architecture written as a check (storage -> snapshot -> analysis ->
model <- render <- site): this test runs ``lint-imports`` on the real tree, then on a copy
with one deliberate upward import, which must be reported.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="import-linter is not installed (pip install -e '.[dev]')"
)


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "generator", tmp_path / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_every_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward_import", "contract"),
    [
        ("model/findings.py", "import generator.analysis.summary", "The findings model is dataclasses only"),
        ("analysis/summary.py", "import jinja2", "Analysis is pure"),
        ("render/tables.py", "import generator.storage", "Rendering and the site read findings"),
        ("analysis/summary.py", "import generator.render.tables", "Layers"),
    ],
)
def test_an_upward_import_breaks_its_contract(tmp_path: Path, module: str, upward_import: str, contract: str) -> None:
    root = _copy(tmp_path)
    path = root / "generator" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{upward_import}  # noqa\n", encoding="utf-8")
    result = _lint(root)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout
