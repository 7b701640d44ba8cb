# Two entry points (see README): `make run` and `make test`. Each creates .venv if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install clean

$(BIN)/planner: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $(BIN)/planner

install: $(BIN)/planner

run: install
	$(BIN)/planner solve

test: install
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV)
