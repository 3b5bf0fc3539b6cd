# TierCare — two commands from a fresh clone: `make demo` and `make test`.
# Only Python >= 3.11 and the package registries are needed: the targets make
# .tools/ (a pinned uv) and .venv/ (the locked dependencies) themselves.
PY ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_NO_CONFIG := 1

.PHONY: demo test lint unit bench lock venv clean help

help:
	@echo "make demo   - set up, start the embedded PostgreSQL, load a small synthetic region, serve the API"
	@echo "make test   - lint, type-check and run the whole test suite"
	@echo "make bench  - run the benchmarks in bench/ (installs their peers)"
	@echo "make lock   - re-resolve uv.lock and requirements*.txt from pyproject.toml"

$(UV):
	$(PY) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: requirements-dev.txt pyproject.toml | $(UV)
	test -x $(BIN)/python || $(UV) venv --quiet --python $(PY) $(VENV)
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes requirements-dev.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

venv: $(VENV)/.installed

lock: | $(UV)
	$(UV) lock --quiet --python 3.11
	$(UV) pip compile --quiet --python-version 3.11 --generate-hashes --universal pyproject.toml -o requirements.txt
	$(UV) pip compile --quiet --python-version 3.11 --generate-hashes --universal --extra dev pyproject.toml -o requirements-dev.txt

lint: venv
	$(BIN)/ruff check src tests bench tools
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

unit: venv
	$(BIN)/pytest -q tests/unit

test: lint
	$(BIN)/pytest -q --cov=tiercare --cov-report=term:skip-covered --cov-report=json:.coverage.json tests
	$(BIN)/python tools/coverage_gate.py .coverage.json

demo: venv
	$(BIN)/tiercare demo $(DEMO_ARGS)

bench: venv
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.json
