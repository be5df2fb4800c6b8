"""Site build: write the Quarto project sources, render them with the chosen renderer into a
staging folder, then swap that in for ``site/``. A failure at any point leaves the previous
site as it was; an up-to-date site is left untouched (not even rewritten).
"""

from __future__ import annotations

import hashlib
import shutil
from importlib.metadata import version as package_version
from pathlib import Path

from generator import __version__
from generator.config import RENDERERS
from generator.errors import UserError
from generator.files import staging_dir, swap_in
from generator.paths import templates_dir
from generator.site import quarto
from generator.site.layout import HOME_PAGE, PROJECT_FILE, SITE_DIR, check_ownership

# The renderers and the page sources (Jinja2, Markdown, Altair) load only when the site is
# rebuilt: an unchanged re-run finds the site current without them.

STAMP_FILE = ".hpo-report-build"
"""In site/: a digest of everything the site was built from, to skip identical rebuilds."""


def resolve_renderer(choice: str) -> str:
    """``auto`` is Quarto when ``quarto`` is on PATH, else the built-in renderer."""
    if choice not in RENDERERS:
        raise UserError(f"--renderer must be one of {', '.join(RENDERERS)}, got {choice!r}")
    if choice == "auto":
        return "quarto" if quarto.quarto_command() else "builtin"
    if choice == "quarto" and quarto.quarto_command() is None:
        raise UserError("--renderer quarto needs the quarto command on PATH; install Quarto or use --renderer builtin")
    return choice


def preflight(out_dir: Path, renderer: str) -> str:
    """Everything that can refuse a build, checked before any report file is written."""
    check_ownership(out_dir)
    return resolve_renderer(renderer)


def prefetch(out_dir: Path) -> None:
    """Start what a coming site build will wait for (the Vega bundle) while the report is made."""
    from generator.site import vendor
    from generator.site.layout import ASSETS_DIR

    vendor.prefetch_bundle(out_dir / ASSETS_DIR / vendor.BUNDLE_NAME)


def build_site(out_dir: Path, renderer: str = "auto") -> Path:
    """Bring ``out_dir/site`` up to date with ``out_dir/report``; returns site/index.html."""
    chosen = resolve_renderer(renderer)
    site = out_dir / SITE_DIR
    stamp_file = site / STAMP_FILE
    if _current_without_writing(out_dir, chosen, stamp_file):
        return site / "index.html"
    from generator.site import builtin
    from generator.site.sources import write_project

    project = write_project(out_dir)
    stamp = build_stamp(out_dir, chosen)
    if (site / "index.html").is_file() and stamp_file.is_file() and stamp_file.read_text(encoding="utf-8") == stamp:
        return site / "index.html"
    staging = staging_dir(out_dir, ".site-build-")
    try:
        (builtin.render_site if chosen == "builtin" else quarto.render_site)(out_dir, staging)
        for relative, text in project.site_files.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        # GitHub Pages (branch publishing) would otherwise run Jekyll and drop "_" folders.
        (staging / ".nojekyll").write_text("", encoding="utf-8")
        (staging / STAMP_FILE).write_text(stamp, encoding="utf-8")
        swap_in(staging, site)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return site / "index.html"


def _current_without_writing(out_dir: Path, renderer: str, stamp_file: Path) -> bool:
    """The site is current, known without writing the project sources first.

    The pages ``write_project`` writes are a function of report/'s other files (in the stamp),
    the templates and the generator's code. So when no template or module changed since the
    site was built (none is newer than the stamp file) and the stamp of the files as they lie
    matches, writing the sources again would change nothing and the site is current. Anything
    newer, missing or different takes the full path, which rewrites and compares as before.
    """
    if not (stamp_file.is_file() and (stamp_file.parent / "index.html").is_file()):
        return False
    if not all((out_dir / name).is_file() for name in (PROJECT_FILE, HOME_PAGE)):
        return False
    built = stamp_file.stat().st_mtime_ns
    code = Path(__file__).resolve().parent.parent
    for folder, pattern in ((templates_dir(), "*"), (code, "*.py")):
        if any(p.stat().st_mtime_ns > built for p in folder.rglob(pattern) if p.is_file()):
            return False
    return stamp_file.read_text(encoding="utf-8") == build_stamp(out_dir, renderer)


def build_stamp(out_dir: Path, renderer: str) -> str:
    """A digest of the renderer, its versions, the layout and every source file's bytes."""
    digest = hashlib.sha256()
    parts = [renderer, __version__, package_version("markdown-it-py"), package_version("mdit-py-plugins")]
    digest.update("\n".join(parts).encode())
    sources = [out_dir / PROJECT_FILE, out_dir / HOME_PAGE, templates_dir() / "site" / "layout.html.j2"]
    report = out_dir / "report"
    if report.is_dir():
        sources += sorted(
            p
            for p in report.rglob("*")
            if p.is_file()
            and p.suffix != ".duckdb"
            and p.relative_to(report).parts[2:3] != ("snapshot",)  # <slug>/<version>/snapshot/: not on the site
            and not any(part.startswith(".") for part in p.relative_to(report).parts)
        )
    for path in sources:
        label = path.relative_to(out_dir).as_posix() if path.is_relative_to(out_dir) else path.name
        digest.update(f"\0{label}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest() + "\n"
