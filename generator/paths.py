"""Where packaged resources live, in a wheel and in a source checkout alike."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def templates_dir() -> Path:
    """``generator/_templates`` inside a wheel; the repository's ``templates/`` otherwise."""
    for candidate in (_PACKAGE / "_templates", _PACKAGE.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("hpo-report templates are missing; reinstall the package")


def schema_path() -> Path:
    return _PACKAGE / "schema" / "findings.schema.json"
