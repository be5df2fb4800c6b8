"""Rendering with Quarto itself, when the ``quarto`` command is on PATH."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from generator.errors import UserError


def quarto_command() -> str | None:
    return shutil.which("quarto")


def render_site(project_root: Path, target: Path) -> None:
    """``quarto render`` the project into ``target`` (a folder inside the project).

    Quarto reads the same ``_quarto.yml`` and pages as the built-in renderer; only the output
    folder is overridden, so that the finished site can replace the old one in one rename.
    """
    command = quarto_command()
    if command is None:
        raise UserError("quarto is not on PATH; install it from https://quarto.org or use --renderer builtin")
    result = subprocess.run(
        [command, "render", ".", "--output-dir", target.relative_to(project_root).as_posix(), "--quiet"],
        cwd=project_root,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise UserError(f"quarto render failed (exit {result.returncode}): {last[0]}; the previous site is kept")
    if not (target / "index.html").is_file():
        raise UserError("quarto render wrote no index.html; the previous site is kept")
