# Two commands on a fresh machine:
#   make report   set everything up, then report on the bundled example study
#   make test     set everything up (packages, databases, Chromium), then run the whole suite
#   make loop     the example's next sweep, run and compared with the example (see the README)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
EXAMPLE_STUDY   := visual_classifier_cnn_vs_context_cpu_v1
EXAMPLE_STORAGE := examples/visual_classifier_cpu_sweep.db
EXAMPLE_CONFIG  := configs/hpo/example_cpu_sweep.yaml
LOOP_STUDY      := $(EXAMPLE_STUDY)_refined_aggressive
LOOP_STORAGE    := examples/visual_classifier_cpu_sweep_refined.db
LOOP_FORCE      ?=

.PHONY: setup report test services browser lint clean example-study gpu-check loop screenshots

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

# Re-run the example sweep from scratch (real training on the CPU; minutes, see the README).
example-study: setup
	rm -f $(EXAMPLE_STORAGE)
	$(BIN)/train-sweep --config $(EXAMPLE_CONFIG) --storage $(EXAMPLE_STORAGE) --seed 0

# The loop: the example's report -> its aggressive next-sweep config (the latest version's) ->
# a real CPU sweep of that config into LOOP_STORAGE (only when the file is missing, or with
# LOOP_FORCE=1: ~13 min on a busy 2-core CPU; an interrupted sweep leaves only a .partial file) -> the new
# study's report, compared with the example study.
loop: report
	@set -e; \
	config=$$(ls report/$(EXAMPLE_STUDY)/*/artifacts/refined_search_space_aggressive.yaml | tail -n 1); \
	[ -n "$$config" ] || { echo "no refined_search_space_aggressive.yaml under report/$(EXAMPLE_STUDY)" >&2; exit 1; }; \
	if [ -n "$(LOOP_FORCE)" ] || [ ! -f $(LOOP_STORAGE) ]; then \
		echo "train-sweep --config $$config --storage $(LOOP_STORAGE) --seed 0"; \
		rm -f $(LOOP_STORAGE).partial; \
		$(BIN)/train-sweep --config $$config --storage $(LOOP_STORAGE).partial --seed 0; \
		mv $(LOOP_STORAGE).partial $(LOOP_STORAGE); \
	else \
		echo "$(LOOP_STORAGE) exists: not re-running the sweep (LOOP_FORCE=1 re-runs it from $$config)"; \
	fi
	$(BIN)/generate-report --study $(LOOP_STUDY) --storage $(LOOP_STORAGE) \
		--compare-with $(EXAMPLE_STUDY) --compare-storage $(EXAMPLE_STORAGE) --out .

# Throughput, packed trials, a short sweep and its report: < 10 min on one H100; CPU-sized without CUDA.
gpu-check: setup
	benchmarks/gpu_check.sh

# The README's screenshots of the example's report page, from the committed site/ (after `make report`).
screenshots: setup browser
	$(BIN)/python scripts/screenshots.py

services:
	scripts/ensure-services.sh

browser:
	scripts/ensure-chromium.sh

test: setup services browser lint
	$(BIN)/python -m pytest -n 2 -q

lint: setup
	$(BIN)/ruff check generator trainer tests benchmarks examples scripts
	$(BIN)/ruff format --check generator trainer tests benchmarks examples scripts
	$(BIN)/mypy generator trainer
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) dist build .pytest_cache
