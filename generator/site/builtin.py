"""The built-in renderer: the Quarto project's pages to HTML without Quarto.

It reads the project the way Quarto does (``_quarto.yml``: which pages to render, which
resources to copy, the site title), renders each page with ``qmd.py`` into our Jinja layout
and CSS, and mirrors the page paths (``report/<slug>/<version>/index.qmd`` becomes
``site/report/<slug>/<version>/index.html``), so both renderers give the same URLs.
"""

from __future__ import annotations

import glob
import shutil
from pathlib import Path
from typing import Any

import yaml

from generator import __version__
from generator.render.env import render
from generator.site import qmd
from generator.site.sources import PROJECT_FILE


def project_config(project_root: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((project_root / PROJECT_FILE).read_text(encoding="utf-8")))


def expand(project_root: Path, patterns: list[str]) -> list[str]:
    """Files (relative, POSIX) matching any glob; hidden files and folders never match,
    which keeps half-written staging folders (``.0002-...``) out of the site."""
    found: set[str] = set()
    for pattern in patterns:
        for match in glob.glob(pattern, root_dir=project_root, recursive=True):
            if (project_root / match).is_file():
                found.add(Path(match).as_posix())
    return sorted(found)


def render_site(project_root: Path, target: Path) -> None:
    """Render every page and copy every resource of the project into ``target``."""
    config = project_config(project_root)
    project = config.get("project", {})
    site_title = str(config.get("website", {}).get("title", "Reports"))
    for relative in expand(project_root, list(project.get("render", []))):
        page = qmd.read_page(project_root / relative, project_root)
        root = "../" * relative.count("/")
        title = page.meta.get("title")
        pagetitle = page.meta.get("pagetitle") or title or site_title
        body = qmd.to_html(page.body)
        html = render(
            "site/layout.html.j2",
            html=True,
            root=root,
            site_title=site_title,
            pagetitle=qmd.plain_text(str(pagetitle)),
            title_html=qmd.inline_html(str(title)) if title else None,
            body=body,
            toc=qmd.headings(body),
            generator_version=__version__,
        )
        out = target / Path(relative).with_suffix(".html")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(html, encoding="utf-8")
    for relative in expand(project_root, list(project.get("resources", []))):
        out = target / relative
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(project_root / relative, out)
