"""Safe, stable file names for study names (which may hold ``/``, spaces, ``<`` or unicode)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_LENGTH = 64


def study_slug(name: str) -> str:
    """ASCII letters, digits, ``.``, ``_`` and ``-`` only; never empty, never hidden.

    When the cleaned name differs from the original, a short hash of the original is
    appended so that distinct names (``a/b`` and ``a b``) never share a folder.
    """
    return _slug(name, "study")


def param_slug(name: str) -> str:
    """A parameter name as a file-name part (``slice_<param>.vl.json``), by the same rules."""
    return _slug(name, "param")


def _slug(name: str, empty: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("-", ascii_name).strip("-._")[:_MAX_LENGTH].rstrip("-._")
    if cleaned == name and cleaned:
        return cleaned
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned}-{digest}" if cleaned else f"{empty}-{digest}"
