"""The built-in renderer: report/ -> site/ with Jinja layouts and Markdown converted in Python.

The build happens in a temporary sibling folder which then replaces ``site/`` in two
renames, so a failure part-way leaves the previous site intact.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from generator.paths import templates_dir
from generator.render.env import render
from generator.versions import list_versions


@dataclass(frozen=True)
class VersionEntry:
    slug: str
    version: str
    findings: dict[str, Any]
    folder: Path


def markdown_to_html(text: str) -> str:
    # html=False: any raw HTML in the Markdown (e.g. a study named "<script>") is escaped.
    return str(MarkdownIt("commonmark", {"html": False}).enable("table").render(text))


def collect(report_dir: Path) -> dict[str, list[VersionEntry]]:
    studies: dict[str, list[VersionEntry]] = {}
    if not report_dir.is_dir():
        return studies
    for study_dir in sorted(p for p in report_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        entries = [
            VersionEntry(
                slug=study_dir.name,
                version=version,
                findings=json.loads((study_dir / version / "findings.json").read_text(encoding="utf-8")),
                folder=study_dir / version,
            )
            for version in list_versions(study_dir)
            if (study_dir / version / "findings.json").is_file()
        ]
        if entries:
            studies[study_dir.name] = entries
    return studies


def build_site(out_dir: Path) -> Path:
    """Rebuild ``out_dir/site`` from ``out_dir/report``; returns the site's index.html."""
    studies = collect(out_dir / "report")
    site_dir = out_dir / "site"
    staging = Path(tempfile.mkdtemp(prefix=".site-build-", dir=out_dir))
    try:
        _write_site(staging, studies)
        _swap(staging, site_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return site_dir / "index.html"


def _swap(staging: Path, site_dir: Path) -> None:
    old = None
    if site_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=".site-old-", dir=site_dir.parent))
        old.rmdir()
        site_dir.rename(old)
    staging.rename(site_dir)
    if old is not None:
        shutil.rmtree(old)


def _page(path: Path, root: str, title: str, body_html: str, breadcrumbs: list[tuple[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    html = render("site/layout.html.j2", html=True, root=root, title=title, body=body_html, breadcrumbs=breadcrumbs)
    path.write_text(html, encoding="utf-8")


def _write_site(site: Path, studies: dict[str, list[VersionEntry]]) -> None:
    (site / "assets").mkdir(parents=True)
    shutil.copyfile(templates_dir() / "site" / "style.css", site / "assets" / "style.css")
    # GitHub Pages would otherwise run Jekyll and drop folders starting with "_".
    (site / ".nojekyll").write_text("", encoding="utf-8")
    latest = [entries[-1] for entries in studies.values()]
    _page(
        site / "index.html",
        root="",
        title="HPO reports",
        body_html=render("site/home.html.j2", html=True, studies=latest),
        breadcrumbs=[],
    )
    for slug, entries in studies.items():
        name = entries[-1].findings["study"]["name"]
        _page(
            site / slug / "index.html",
            root="../",
            title=name,
            body_html=render("site/study.html.j2", html=True, entries=entries, name=name),
            breadcrumbs=[("../index.html", "All studies")],
        )
        for entry in entries:
            folder = site / slug / entry.version
            folder.mkdir(parents=True)
            artifacts = entry.folder / "artifacts"
            if artifacts.is_dir():
                shutil.copytree(artifacts, folder / "artifacts")
            changes = entry.folder / "changes.md"
            body = render(
                "site/version.html.j2",
                html=True,
                entry=entry,
                findings_html=markdown_to_html((entry.folder / "findings.md").read_text(encoding="utf-8")),
                changes_html=markdown_to_html(changes.read_text(encoding="utf-8")) if changes.is_file() else None,
                artifacts=sorted(p.relative_to(artifacts).as_posix() for p in artifacts.rglob("*") if p.is_file())
                if artifacts.is_dir()
                else [],
            )
            _page(
                folder / "index.html",
                root="../../",
                title=f"{name} · {entry.version}",
                body_html=body,
                breadcrumbs=[("../../index.html", "All studies"), ("../index.html", name)],
            )
