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

# Tests run on parallel workers: most of the suite's time is spent waiting on child processes,
# sockets and PostgreSQL. PYTEST_WORKERS=0 runs them in this process.
PYTEST_WORKERS ?= auto

test: lint typecheck
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
