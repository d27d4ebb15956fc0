# The two commands a newcomer needs: `make run` and `make test`.
# Both create .venv and install what is needed; reinstall happens only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck bench console clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/followup run

console: $(STAMP)
	$(BIN)/followup console

lint: $(STAMP)
	$(BIN)/ruff check bot adapters storage tests bench

typecheck: $(STAMP)
	$(BIN)/mypy bot adapters storage bench

test: lint typecheck
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
