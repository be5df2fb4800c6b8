"""Where packaged resources live, in a wheel and in a source checkout alike."""

from __future__ import annotations

import os
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


def cache_dir() -> Path:
    """The folder hpo-report keeps caches in between runs (the Vega bundle, compiled templates):
    ``$HPO_REPORT_CACHE_DIR``, else ``$XDG_CACHE_HOME/hpo-report``, else ``~/.cache/hpo-report``.

    Nothing in it is needed: every cache falls back to building what it lacks, so the folder
    may be deleted, absent or read-only at any time.
    """
    root = os.environ.get("HPO_REPORT_CACHE_DIR")
    if not root:
        root = str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hpo-report")
    return Path(root)
