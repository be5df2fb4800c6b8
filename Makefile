# Two commands on a fresh machine:
#   make report   set everything up, then report on the bundled example study
#   make test     set everything up (packages, databases, Chromium), then run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
EXAMPLE_STUDY   := visual_classifier_synthetic_v1
EXAMPLE_STORAGE := examples/synthetic_seed_study.db

.PHONY: setup report test services browser lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# The CPU build of torch lies on local disk; an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev,trainer]'
	touch $@

setup: $(STAMP)

report: setup
	$(BIN)/generate-report --study $(EXAMPLE_STUDY) --storage $(EXAMPLE_STORAGE) --out .

services:
	scripts/ensure-services.sh

browser:
	scripts/ensure-chromium.sh

test: setup services browser
	$(BIN)/python -m pytest -n 2 -q

lint: setup
	$(BIN)/ruff check generator trainer tests

clean:
	rm -rf $(VENV) dist build .pytest_cache
