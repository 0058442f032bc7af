# `make evaluate` and `make test` work on a fresh clone: both set up on first use.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV     := .venv
PYTHON   := $(VENV)/bin/python
STANCE   := $(VENV)/bin/stance
STAMP    := $(VENV)/.installed
# Label Studio lives in an environment of its own (make labelstudio): its pins would downgrade numpy in .venv.
LABEL_STUDIO_VENV  := .venv-labelstudio
LABEL_STUDIO_STAMP := $(LABEL_STUDIO_VENV)/.installed
LABEL_STUDIO_DATA  ?= experiments/label-studio
TORCH_VERSION := 2.13.0
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

.PHONY: help setup train evaluate study report ui labelstudio agreement test test-fast lint bench bench-semeval gpu-check transfer tune dashboard clean-runs

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
# A study (configs/study/*.yaml) lists its runs. `stance make-deps` writes, for each run,
# the files its predictions depend on: its composed configs and the code that trains it
# (stance/study.py), so a run is retrained when one of them or the seed data changed
# (--overwrite is then the point of the rebuild), and re-scored when its predictions or
# the scoring code changed. Delete a run folder (or `make clean-runs`) to force a retrain.
STUDIES := configs/study/headline.yaml configs/study/full.yaml
DEPS := experiments/.make/deps.mk
ifneq ($(filter train evaluate study experiments/%,$(MAKECMDGOALS)),)
include $(DEPS)
endif
$(DEPS): $(shell find configs stance -name '*.yaml' -o -name '*.py' 2>/dev/null) | $(STAMP)
	$(STANCE) make-deps $(STUDIES) --out $@

# Every run is tracked in MLflow after its folder is written (stance/tracking.py): in
# experiments/mlflow.db unless STANCE_TRACKING or MLFLOW_TRACKING_URI names another store
# (STANCE_TRACKING=none: off). The store is created once, before parallel jobs write to it.
TRACKING_URI := $(or $(STANCE_TRACKING),$(MLFLOW_TRACKING_URI),sqlite:///experiments/mlflow.db)
TRACKING_READY := experiments/.make/tracking-ready
$(TRACKING_READY): | $(STAMP)
	@mkdir -p $(@D)
	$(STANCE) track --init && touch $@

RUNS = $(if $(CONFIG),$(patsubst configs/%.yaml,%,$(CONFIG)),$(HEADLINE_RUNS))
run_files = $(patsubst %,experiments/%/$(1),$(2))

# Each run is tracked once, by the evaluate that follows its train, with its scores: one
# MLflow import (about 2 s here) per run instead of two.
experiments/%/predictions.jsonl: configs/%.yaml $(SEED_FILES) | $(STAMP) $(TRACKING_READY)
	$(STANCE) train --config $< --overwrite --no-track

experiments/%/metrics.json: experiments/%/predictions.jsonl $(SCORING_CODE) | $(STAMP) $(TRACKING_READY)
	$(STANCE) evaluate --run $(@D)

# Run files are named as prerequisites (of train and REPORT.md), so they are never
# intermediates: make neither deletes them nor skips a missing one. (.SECONDARY: did
# skip them: a config added after the last report was never trained.)

experiments/REPORT.md: configs/study/headline.yaml $(call run_files,metrics.json,$(HEADLINE_RUNS)) | $(STAMP)
	$(STANCE) report --study $<

experiments/study/REPORT.md: configs/study/full.yaml $(call run_files,metrics.json,$(FULL_RUNS)) | $(STAMP)
	$(STANCE) report --study $<

train: $(call run_files,predictions.jsonl,$(RUNS)) ## train the headline study's runs (or CONFIG=configs/x.yaml) that are missing or out of date

evaluate: experiments/REPORT.md ## the headline study: train what is out of date, score it, write experiments/REPORT.md

study: experiments/study/REPORT.md experiments/active_learning/REPORT.md ## every run of configs/study/full.yaml (the headline's too) -> experiments/study/REPORT.md, and the active-learning simulation

# Does ordering pay? Active learning simulated on the labelled items (docs/labelling.md):
# about 3 minutes here, rerun when its config, the seeds or the labelling code change.
experiments/active_learning/REPORT.md: configs/simulation/active_learning.yaml $(SEED_FILES) $(wildcard stance/labelling/*.py) stance/report/active_learning.py | $(STAMP)
	$(STANCE) label simulate --config $< --out $(@D) --overwrite

report: | $(STAMP) ## write experiments/REPORT.md from the headline runs already evaluated
	$(STANCE) report --study configs/study/headline.yaml

agreement: | $(STAMP) ## inter-annotator agreement (needs seeds/articles/*/annotations/)
	$(STANCE) agreement

test: $(STAMP) $(LABEL_STUDIO_STAMP) ## run the whole test suite, slow tests included (offline)
	$(PYTHON) -m pytest

test-fast: $(STAMP) ## run the tests not marked slow, for quick iteration
	$(PYTHON) -m pytest -m "not slow"

lint: $(STAMP) ## ruff: lint and check formatting (line length 120)
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

# These run one stance process at a time, so each has every core.
bench bench-semeval transfer tune: export STANCE_JOBS := 1

# The headline study under nested tuning (issue 19): every model with the same budget of
# trials, chosen on inner folds of each outer fold's training items. A run is retrained
# when it is missing or older than its config. One worker, so the studies are reproducible.
TUNED_RUNS := experiments/tuned
tune: $(STAMP) ## nested, equal-budget tuning of the headline models (configs/tuned/) -> experiments/tuned/REPORT.md
	@for config in configs/tuned/*.yaml; do \
	  run=$(TUNED_RUNS)/$$(basename $$config .yaml); \
	  if [ ! -f $$run/run.json ] || [ $$config -nt $$run/run.json ]; then \
	    $(STANCE) train --config $$config --out $$run --overwrite || exit 1; fi; \
	  $(STANCE) evaluate --run $$run || exit 1; \
	done
	$(STANCE) report --experiments $(TUNED_RUNS) --baseline tfidf_logreg_grouped --fixed experiments

# Label Studio's environment has the `labelling` extra of pyproject.toml, which owns the versions.
$(LABEL_STUDIO_STAMP): pyproject.toml
	test -d $(LABEL_STUDIO_VENV) || python3 -m venv $(LABEL_STUDIO_VENV)
	$(LABEL_STUDIO_VENV)/bin/pip install --quiet --upgrade pip
	$(LABEL_STUDIO_VENV)/bin/pip install --quiet $$(python3 -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["labelling"]))')
	touch $@

labelstudio: $(LABEL_STUDIO_STAMP) ## Label Studio on http://127.0.0.1:8080, its data in experiments/label-studio (docs/labelling.md)
	LABEL_STUDIO_BASE_DATA_DIR=$(LABEL_STUDIO_DATA) LATEST_VERSION_CHECK=false \
	  $(LABEL_STUDIO_VENV)/bin/label-studio start --no-browser --internal-host 127.0.0.1 --port 8080 --data-dir $(LABEL_STUDIO_DATA)

ui: | $(STAMP) ## the MLflow UI on the tracking store (experiments/mlflow.db by default), http://127.0.0.1:5000
	$(VENV)/bin/mlflow ui --backend-store-uri $(TRACKING_URI) --host 127.0.0.1 --port 5000

RUN ?= $(TUNED_RUNS)/transformer_grouped
dashboard: | $(STAMP) ## optuna-dashboard on a tuned run's studies (RUN=experiments/tuned/x), http://127.0.0.1:8080
	$(VENV)/bin/optuna-dashboard $(RUN)/tuning.journal --host 127.0.0.1 --port 8080

bench: $(STAMP) ## time fit, protocol, throughput and memory of each model -> docs/benchmarks/speed.md
	$(PYTHON) -m stance.bench

# SemEval-2016 Task 6 may not be redistributed: it is read from outside the repo.
STANCE_SEMEVAL_DIR ?= ../shared/data/semeval2016_task6
export STANCE_SEMEVAL_DIR
SEMEVAL_CONFIGS := $(wildcard configs/semeval2016/*.yaml)

SEMEVAL_RUNS := experiments/semeval2016
# Dev-split sweep of the TF-IDF side (issue 12): C x tweet preprocessing, each a run, so
# every attempt's dev and test F_avg is in the table. Name: tfidf_logreg_C<C>_<preprocessing>.
SEMEVAL_SWEEP := 0.3:none 0.3:tweet 3.0:none 3.0:tweet 10.0:none 10.0:tweet
# The ensembles, built in order after the runs: configs/ensemble/semeval2016.yaml.
SEMEVAL_ENSEMBLES := configs/ensemble/semeval2016.yaml

# Trains a SemEval run when it is missing or older than its config (SEMEVAL_RETRAIN=1: always).
SEMEVAL_RETRAIN ?= 0
define semeval_train
if [ "$(SEMEVAL_RETRAIN)" = 1 ] || [ ! -f $(2)/run.json ] || [ $(1) -nt $(2)/run.json ]; then \
  $(STANCE) train --config $(1) --out $(2) --overwrite $(3) || exit 1; fi
endef

bench-semeval: $(STAMP) ## train configs/semeval2016/*.yaml, the sweep and ensembles -> docs/benchmarks/semeval2016.md
	@for config in $(SEMEVAL_CONFIGS); do \
	  $(call semeval_train,$$config,$(SEMEVAL_RUNS)/$$(basename $$config .yaml)); \
	done
	@for point in $(SEMEVAL_SWEEP); do \
	  c=$${point%%:*}; pre=$${point##*:}; \
	  $(call semeval_train,configs/semeval2016/tfidf_logreg.yaml,$(SEMEVAL_RUNS)/tfidf_logreg_C$${c}_$${pre},\
	    --set model.C=$$c --set model.text_preprocessing=$$pre); \
	done
	$(STANCE) ensemble --config $(SEMEVAL_ENSEMBLES) --experiments $(SEMEVAL_RUNS) --overwrite
	@for record in $(SEMEVAL_RUNS)/*/run.json; do $(STANCE) evaluate --run "$$(dirname "$$record")" || exit 1; done
	$(STANCE) report --experiments $(SEMEVAL_RUNS) --baseline tfidf_svm
	$(PYTHON) -m stance.report.semeval

gpu-check: $(STAMP) ## on a GPU machine: train both transformer configs on one GPU -> docs/benchmarks/gpu.md
	$(PYTHON) -m stance.gpu_check

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

clean-runs: ## delete every run folder and make's notes (reports and their figures stay)
	find experiments -path experiments/mlartifacts -prune -o -name run.json -printf '%h\0' | xargs -0 rm -rf
	rm -rf $(DEPS) $(TRACKING_READY)
