# Two commands on a fresh machine:
#   make report   set everything up, then report on the bundled example study
#   make test     set everything up (packages, databases, Chromium), then run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
EXAMPLE_STUDY   := visual_classifier_cnn_vs_context_cpu_v1
EXAMPLE_STORAGE := examples/visual_classifier_cpu_sweep.db
EXAMPLE_CONFIG  := configs/hpo/example_cpu_sweep.yaml

.PHONY: setup report test services browser lint clean example-study gpu-check

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

# Throughput, packed trials, a short sweep and its report: < 10 min on one H100; CPU-sized without CUDA.
gpu-check: setup
	benchmarks/gpu_check.sh

services:
	scripts/ensure-services.sh

browser:
	scripts/ensure-chromium.sh

test: setup services browser lint
	$(BIN)/python -m pytest -n 2 -q

lint: setup
	$(BIN)/ruff check generator trainer tests benchmarks examples
	$(BIN)/ruff format --check generator trainer tests benchmarks examples

clean:
	rm -rf $(VENV) dist build .pytest_cache
