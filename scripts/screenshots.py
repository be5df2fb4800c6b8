"""Regenerate the README's screenshots of the example study's report page (desktop and phone).

    .venv/bin/python scripts/screenshots.py            # from the committed site/ (`make report` builds it)
    .venv/bin/python scripts/screenshots.py --site DIR # another built site

Opens the latest version page of the example study in headless Chromium (Debian's, as the
tests do: scripts/ensure-chromium.sh) at 1400x900 and 390x844 and writes the first screen of
each to docs/images/. The images are what a reader sees first: the at-a-glance block and the
next step. Run it after a change to the page, and commit the images with the change.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (one place says how Chromium runs)

SHOTS = {"report-desktop.png": (1400, 900), "report-phone.png": (390, 844)}


def example_study() -> str:
    for line in (REPO / "Makefile").read_text(encoding="utf-8").splitlines():
        if line.startswith("EXAMPLE_STUDY"):
            return line.split(":=", 1)[1].strip()
    raise SystemExit("Makefile defines no EXAMPLE_STUDY")


def latest_version_page(site: Path, study: str) -> Path:
    from generator.slug import study_slug

    pages = sorted((site / "report" / study_slug(study)).glob("0*/index.html"))
    if not pages:
        raise SystemExit(f"no version page of {study} under {site}/report: run `make report` first")
    return pages[-1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=REPO / "site", help="the built site (default: site/)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images", help="where the images go")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh")
    from playwright.sync_api import sync_playwright

    page_path = latest_version_page(args.site, example_study())
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for name, (width, height) in SHOTS.items():
            context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
            page = context.new_page()
            page.goto(page_path.as_uri(), wait_until="load")
            # Charts near the first screen start drawing at load; give them their moment.
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('figure.vega-chart')).every(f =>"
                " f.getBoundingClientRect().top > window.innerHeight || f.hasAttribute('data-rendered'))",
                timeout=60_000,
            )
            page.screenshot(path=str(args.out / name))
            context.close()
            print(f"wrote {(args.out / name).relative_to(REPO) if args.out.is_relative_to(REPO) else args.out / name}")
        browser.close()


if __name__ == "__main__":
    main()
