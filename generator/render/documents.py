"""findings.json (the typed findings serialized, with each warning's sentence added) and findings.md."""

from __future__ import annotations

from typing import Any

from generator.model.findings import Findings
from generator.model.serialize import dump_jsonable, to_jsonable
from generator.render.env import message_for, render
from generator.render.views import findings_views
from generator.render.views.glance import Previous


def findings_document(findings: Findings) -> dict[str, Any]:
    document = to_jsonable(findings)
    for warning in document["warnings"]:
        warning["message"] = message_for(warning["code"], warning["values"])
    for block in document["objectives"]:
        for warning in block["warnings"]:
            warning["message"] = message_for(warning["code"], warning["values"])
    return document


def findings_markdown(findings: Findings, version: str, previous: Previous | None = None) -> str:
    """findings.md: the typed findings ``f`` and their views ``views`` (rows, partitions, lookups);
    ``previous``, the study's previous version, whose best value the top block compares."""
    views = findings_views(findings, previous, version)
    return render("findings.md.j2", f=findings, views=views, version=version, slots=True)


def findings_json(findings: Findings) -> str:
    return dump_jsonable(findings_document(findings))  # the messages added are strings: already JSON
