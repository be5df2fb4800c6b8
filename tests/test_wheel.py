"""Installed from a wheel into a fresh venv outside the repo, the generator still finds its templates."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from tests.conftest import REPO
from tests.studies import simple, sqlite_study


def test_wheel_install_runs_a_real_report(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("hpo_report-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # Dependencies come from this test environment (no network needed); the package itself
    # comes only from the wheel, because a .pth line adds a path without running its .pth files.
    site_packages = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site_packages / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run(
        [str(python), "-c", "import generator.paths as p; print(p.templates_dir())"],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert where.startswith(str(env_dir)), where
    script = env_dir / "bin" / "generate-report"
    help_text = subprocess.run([str(script), "--help"], cwd=work, env=env, check=True, capture_output=True, text=True)
    assert "--storage" in help_text.stdout

    url = sqlite_study(work / "s.db", "s", simple, ["maximize"])
    subprocess.run(
        [str(script), "--storage", url, "--study", "s", "--out", str(work / "out")], cwd=work, env=env, check=True
    )
    assert list((work / "out" / "report" / "s").glob("*/findings.md"))
    assert (work / "out" / "site" / "index.html").is_file()
    # The vendored table library travels in the wheel too (templates/vendor/): the trial explorer works.
    assets = work / "out" / "site" / "report" / "assets"
    assert (assets / "tabulator.min.js").read_bytes() == (
        REPO / "templates/vendor/tabulator/tabulator.min.js"
    ).read_bytes()
    assert list((work / "out" / "site" / "report" / "s").glob("*/trials.html"))
