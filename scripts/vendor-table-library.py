#!/usr/bin/env python3
"""Vendor the trial explorer's table library (tabulator-tables) into templates/vendor/tabulator/.

The site ships it like the Vega bundle: one copy per site in report/assets/, loaded as a classic
script, so the explorer works offline and from file://. Run this only to upgrade: bump VERSION
and INTEGRITY (``npm view tabulator-tables@X dist.integrity``), run it, review, commit.

It downloads the pinned version with ``npm pack`` (the registry's tarball), checks the tarball's
SRI hash against the pinned INTEGRITY and against what the registry reports now, then copies the
minified UMD build, its default stylesheet and the licence unchanged (byte for byte, so anyone can
compare them with the tarball) and writes SOURCE.json: where they came from, with each file's
sha256 (tests/site/test_trials.py checks the committed files against it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "tabulator-tables"
VERSION = "6.5.3"
INTEGRITY = "sha512-nJ2QaqZzQvd9B4rf4LBnRxfb6sSqA/BX2OsXnSJ2d8k21oXDSTtFtOUrDap04a/6BDGivC/MByCxy43ugadJIg=="
FILES = {
    # file in the npm tarball -> file in templates/vendor/tabulator/ (also its name in report/assets/)
    "package/dist/js/tabulator.min.js": "tabulator.min.js",
    "package/dist/css/tabulator.min.css": "tabulator.min.css",
    "package/LICENSE": "tabulator-LICENSE.txt",
}
TARGET = Path(__file__).resolve().parent.parent / "templates" / "vendor" / "tabulator"


def sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def main() -> int:
    registry = subprocess.run(
        ["npm", "view", f"{PACKAGE}@{VERSION}", "dist.integrity"], check=True, capture_output=True, text=True
    ).stdout.strip()
    if registry != INTEGRITY:
        print(f"the registry's integrity {registry!r} differs from the pinned {INTEGRITY!r}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        packed = subprocess.run(
            ["npm", "pack", f"{PACKAGE}@{VERSION}", "--json", "--pack-destination", tmp],
            check=True,
            capture_output=True,
            text=True,
        )
        (entry,) = json.loads(packed.stdout)
        tarball = Path(tmp) / entry["filename"]
        data = tarball.read_bytes()
        if sri(data) != INTEGRITY or entry.get("integrity") != INTEGRITY:
            print(f"{tarball.name}: integrity {sri(data)} does not match {INTEGRITY}", file=sys.stderr)
            return 1
        TARGET.mkdir(parents=True, exist_ok=True)
        digests = {}
        with tarfile.open(tarball, "r:gz") as archive:
            for member, name in FILES.items():
                extracted = archive.extractfile(member)
                if extracted is None:
                    print(f"{member} is missing from {tarball.name}", file=sys.stderr)
                    return 1
                content = extracted.read()
                (TARGET / name).write_bytes(content)
                digests[name] = hashlib.sha256(content).hexdigest()
    source = {
        "package": PACKAGE,
        "version": VERSION,
        "license": "MIT",
        "tarball": f"https://registry.npmjs.org/{PACKAGE}/-/{PACKAGE}-{VERSION}.tgz",
        "integrity": INTEGRITY,
        "files": {
            name: {"from": member.removeprefix("package/"), "sha256": digests[name]} for member, name in FILES.items()
        },
    }
    (TARGET / "SOURCE.json").write_text(json.dumps(source, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{PACKAGE} {VERSION} vendored into {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
