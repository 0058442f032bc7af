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

# Independent runs train side by side, one per core by default (JOBS=1: one at a time).
# STANCE_JOBS tells each stance process how many share the cores, so that torch takes
# its share and nothing is oversubscribed (stance/threads.py). In a log, each run's
# output is printed whole when it ends; on a terminal it is live.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
export STANCE_JOBS := $(JOBS)
MAKEFLAGS += --jobs=$(JOBS)
ifneq ($(shell test -t 2 && echo terminal),terminal)
MAKEFLAGS += --output-sync=target
endif

# No code path may wait on the Hugging Face Hub: it cannot be reached here.
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: help setup train evaluate report agreement test test-fast lint bench bench-semeval transfer clean-runs

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

# Run files are named as prerequisites (of train and REPORT.md), so they are never
# intermediates: make neither deletes them nor skips a missing one. (.SECONDARY: did
# skip them: a config added after the last report was never trained.)

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

# These run one stance process at a time, so each has every core.
bench bench-semeval transfer: export STANCE_JOBS := 1

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

# Transfer to US–Russia cooperation from the SemEval model (issue 9, section 6). It runs
# only where the SemEval data is: it trains the SemEval transformer first if its run is
# missing. The transfer runs and the two augmented runs they pair with are trained into
# experiments/transfer/, whose REPORT.md tests each against transformer_augmented.
SEMEVAL_TRANSFORMER := experiments/semeval2016/transformer
TRANSFER_RUNS := experiments/transfer
TRANSFER_CONFIGS := $(wildcard configs/transfer/*.yaml) configs/transformer_augmented.yaml configs/tfidf_logreg_augmented.yaml

transfer: $(STAMP) ## SemEval-2016 -> US–Russia transfer (needs the SemEval data) -> experiments/transfer/REPORT.md
	test -f $(SEMEVAL_TRANSFORMER)/run.json || \
	  $(STANCE) train --config configs/semeval2016/transformer.yaml --out $(SEMEVAL_TRANSFORMER)
	@for config in $(TRANSFER_CONFIGS); do \
	  run=$(TRANSFER_RUNS)/$$(basename $$config .yaml); \
	  $(STANCE) train --config $$config --out $$run --overwrite && $(STANCE) evaluate --run $$run || exit 1; \
	done
	$(STANCE) report --experiments $(TRANSFER_RUNS) --baseline transformer_augmented

clean-runs: ## delete every run folder (REPORT.md and its figures stay)
	find experiments -mindepth 1 -maxdepth 1 -type d ! -name figures -exec rm -rf {} +
