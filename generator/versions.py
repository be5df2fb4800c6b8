"""Report versions: ``report/<slug>/<version>/``, named to sort chronologically as strings.

A version name is ``NNNN-YYYYMMDDTHHMMSS``: a zero-padded sequence number (so order never
depends on clocks) and the time of the study's latest trial event (so a reader can tell
what data it covers). Nothing in it comes from the time the generator ran.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas loads only when a version is made, not for an unchanged re-run
    import pandas as pd

VERSION_PATTERN = re.compile(r"^(\d{4})-(\d{8}T\d{6})$")


def list_versions(study_dir: Path) -> list[str]:
    if not study_dir.is_dir():
        return []
    return sorted(p.name for p in study_dir.iterdir() if p.is_dir() and VERSION_PATTERN.match(p.name))


def next_version(existing: list[str], latest_event: pd.Timestamp | None) -> str:
    sequence = int(VERSION_PATTERN.match(existing[-1]).group(1)) + 1 if existing else 1  # type: ignore[union-attr]
    stamp = latest_event.strftime("%Y%m%dT%H%M%S") if latest_event is not None else "00000000T000000"
    return f"{sequence:04d}-{stamp}"


def latest_event(trials: pd.DataFrame) -> pd.Timestamp | None:
    import pandas as pd

    moments = pd.concat([trials["datetime_start"], trials["datetime_complete"]]).dropna()
    return None if moments.empty else pd.Timestamp(moments.max())


def unchanged_version(study_dir: Path, input_hash: str, config_hash: str) -> str | None:
    """The latest version's name if it was computed from this very input and config."""
    return _latest_matching(study_dir, "input_hash", input_hash, config_hash)


def unchanged_fingerprint(study_dir: Path, fingerprint: str, config_hash: str) -> str | None:
    """The latest version's name if its storage fingerprint and config are these: the study is
    unchanged, known without reading it (see ``generator.storage.study_fingerprint``)."""
    return _latest_matching(study_dir, "storage_fingerprint", fingerprint, config_hash)


def _latest_matching(study_dir: Path, key: str, value: str, config_hash: str) -> str | None:
    """Only the provenance is looked at, read as plain JSON: typing the whole findings (seconds
    at 20,000 trials) is for the site and the changes, which read them when they need them."""
    versions = list_versions(study_dir)
    if not versions or not value:
        return None
    try:
        provenance = json.loads((study_dir / versions[-1] / "findings.json").read_bytes()).get("provenance")
    except (OSError, ValueError, AttributeError):
        return None  # unreadable: made again
    if not isinstance(provenance, dict):
        return None
    if provenance.get(key) == value and provenance.get("config_hash") == config_hash:
        return versions[-1]
    return None
