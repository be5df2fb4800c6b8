"""The documentation stays navigable: a short README that links every page, and no dead links.

The README is the newcomer's entry point, so it has a hard length limit and must link every
page under docs/ and the trainer's manual; every relative link in the README and in docs/
must reach an existing file, and an anchor (``page.md#section``) a heading of that page.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
README_MAX_LINES = 250
PAGES = sorted((REPO / "docs").glob("*.md"))
TRAINER_MANUAL = REPO / "trainer" / "README.md"
DOCUMENTS = [README, *PAGES, TRAINER_MANUAL]

# [text](target) outside code; images too. Targets with a scheme (http:, mailto:) are external.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _prose(text: str) -> str:
    """The text without fenced blocks and code spans, where brackets are not links."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def _links(path: Path) -> list[str]:
    return LINK.findall(_prose(path.read_text(encoding="utf-8")))


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {_anchor(h) for h in HEADING.findall(text)}


def test_anchor_matches_github() -> None:
    assert _anchor("`train-bench` and the GPU check") == "train-bench-and-the-gpu-check"
    assert _anchor("findings.json and the CSVs") == "findingsjson-and-the-csvs"
    assert _anchor("Comparing two sweeps (did the refinement help?)") == "comparing-two-sweeps-did-the-refinement-help"


def test_readme_is_short() -> None:
    n = len(README.read_text(encoding="utf-8").splitlines())
    assert n < README_MAX_LINES, f"README.md has {n} lines; move detail to docs/ (limit {README_MAX_LINES})"


def test_docs_exist() -> None:
    assert PAGES, "docs/*.md is empty"
    assert TRAINER_MANUAL.is_file()


@pytest.mark.parametrize("page", [*PAGES, TRAINER_MANUAL], ids=lambda p: str(p.relative_to(REPO)))
def test_readme_links_every_page(page: Path) -> None:
    linked = {(README.parent / t.split("#")[0]).resolve() for t in _links(README) if "://" not in t}
    assert page.resolve() in linked, f"README.md does not link {page.relative_to(REPO)}"


@pytest.mark.parametrize("page", [*PAGES, TRAINER_MANUAL], ids=lambda p: str(p.relative_to(REPO)))
def test_page_opens_with_title_and_purpose(page: Path) -> None:
    lines = page.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# "), f"{page.relative_to(REPO)} must start with a title"
    assert len(lines) > 2 and lines[1] == "" and lines[2].strip(), (
        f"{page.relative_to(REPO)}: a one-line purpose follows the title"
    )


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(doc: Path) -> None:
    broken = []
    for target in _links(doc):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        dest = (doc.parent / file_part).resolve() if file_part else doc
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(f"{target}: no heading with anchor #{anchor}")
    assert not broken, f"{doc.relative_to(REPO)}: " + "; ".join(broken)


def test_readme_shows_the_ci_test_command() -> None:
    """.ci/run runs the README's test command; both must name the same one."""
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert "make test" in commands
    assert re.search(r"^make test\b", README.read_text(encoding="utf-8"), re.MULTILINE)


def test_cli_reference_lists_every_flag() -> None:
    """docs/cli.md's flag table names exactly the flags `generate-report --help` offers."""
    help_text = subprocess.run(
        [sys.executable, "-m", "generator", "--help"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    offered = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", help_text)) - {"--help"}
    table_rows = [
        line for line in (REPO / "docs" / "cli.md").read_text(encoding="utf-8").splitlines() if line.startswith("| `--")
    ]
    documented = {flag for row in table_rows for flag in re.findall(r"`(--[a-z][a-z0-9-]*)", row.split("|")[1])}
    assert offered, "no flags found in --help"
    assert offered - documented == set(), f"flags missing from docs/cli.md: {sorted(offered - documented)}"
    assert documented - offered == set(), f"docs/cli.md documents flags the CLI lacks: {sorted(documented - offered)}"
