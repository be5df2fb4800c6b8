#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright's own browser download does not work here),
# and Debian's pandoc, which the site tests use to cross-check the Quarto sources' Markdown.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pandoc >/dev/null || missing+=(pandoc)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
