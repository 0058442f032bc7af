# `make evaluate` and `make test` work on a fresh clone: both set up on first use.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV     := .venv
PYTHON   := $(VENV)/bin/python
STANCE   := $(VENV)/bin/stance
STAMP    := $(VENV)/.installed
TORCH_VERSION := 2.13.0
CONFIGS  := $(if $(CONFIG),$(CONFIG),$(wildcard configs/*.yaml))
PREDICTIONS := $(patsubst configs/%.yaml,experiments/%/predictions.jsonl,$(CONFIGS))
METRICS  := $(patsubst configs/%.yaml,experiments/%/metrics.json,$(CONFIGS))
SEED_FILES := $(shell find seeds/articles seeds/sets -type f 2>/dev/null)
# A change here changes scores or reports, never predictions: re-score, do not retrain.
SCORING_CODE := stance/runs.py $(wildcard stance/evaluation/*.py stance/report/*.py)

# No code path may wait on the Hugging Face Hub: it cannot be reached here.
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: help setup train evaluate report agreement test test-fast lint bench bench-semeval clean-runs

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(STAMP) ## create .venv and install the project with its test extras (idempotent)

# torch is pinned and installed first: an unpinned torch would pull several GB of CUDA packages.
$(STAMP): pyproject.toml
	test -d $(VENV) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet torch==$(TORCH_VERSION)
	$(PYTHON) -m pip install --quiet -e '.[test]'
	touch $@

# The pipeline: config -> predictions.jsonl (train) -> metrics.json (evaluate) -> REPORT.md.
# A run is retrained when its config or the seed data changed (--overwrite is then the
# point of the rebuild), and re-scored when its predictions or the scoring code changed.
# Delete a run folder (or `make clean-runs`) to force a retrain.
experiments/%/predictions.jsonl: configs/%.yaml $(SEED_FILES) | $(STAMP)
	$(STANCE) train --config $< --overwrite

experiments/%/metrics.json: experiments/%/predictions.jsonl $(SCORING_CODE) | $(STAMP)
	$(STANCE) evaluate --run $(@D)

# Run folders are outputs to keep, never intermediates for make to delete.
.SECONDARY:

experiments/REPORT.md: $(METRICS) | $(STAMP)
	$(STANCE) report

train: $(PREDICTIONS) ## train every config in configs/ (or CONFIG=configs/x.yaml) that is missing or out of date

evaluate: experiments/REPORT.md ## train what is out of date, score what changed, write experiments/REPORT.md

report: | $(STAMP) ## write experiments/REPORT.md from the runs already evaluated
	$(STANCE) report

agreement: | $(STAMP) ## inter-annotator agreement (needs seeds/articles/*/annotations/)
	$(STANCE) agreement

test: $(STAMP) ## run the whole test suite, slow tests included (offline)
	$(PYTHON) -m pytest

test-fast: $(STAMP) ## run the tests not marked slow, for quick iteration
	$(PYTHON) -m pytest -m "not slow"

lint: $(STAMP) ## ruff: lint and check formatting (line length 120)
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

bench: $(STAMP) ## time fit, protocol, throughput and memory of each model -> docs/benchmarks/speed.md
	$(PYTHON) -m stance.bench

# SemEval-2016 Task 6 may not be redistributed: it is read from outside the repo.
STANCE_SEMEVAL_DIR ?= ../shared/data/semeval2016_task6
export STANCE_SEMEVAL_DIR
SEMEVAL_CONFIGS := $(wildcard configs/semeval2016/*.yaml)

bench-semeval: $(STAMP) ## train configs/semeval2016/*.yaml and write docs/benchmarks/semeval2016.md
	@for config in $(SEMEVAL_CONFIGS); do \
	  $(STANCE) train --config $$config --out experiments/semeval2016/$$(basename $$config .yaml) --overwrite || exit 1; \
	done
	$(STANCE) ensemble --runs experiments/semeval2016/tfidf_logreg experiments/semeval2016/transformer \
	  --out experiments/semeval2016/ensemble_tfidf_transformer --overwrite
	@for run in experiments/semeval2016/*/; do $(STANCE) evaluate --run "$${run%/}" || exit 1; done
	$(STANCE) report --experiments experiments/semeval2016 --baseline tfidf_svm
	$(PYTHON) -m stance.report.semeval

clean-runs: ## delete every run folder (REPORT.md and its figures stay)
	find experiments -mindepth 1 -maxdepth 1 -type d ! -name figures -exec rm -rf {} +
