# Two entry points (see README): `make run` and `make test`. Each creates .venv if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint docs format install wheel-check clean

$(BIN)/planner: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $(BIN)/planner

install: $(BIN)/planner

run: install
	$(BIN)/planner solve

# Lint (ruff rules, formatting, one-way imports between the stage packages), the docs build, then the tests.
test: lint docs
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The documentation site (mkdocs.yml, docs/): warnings and broken links fail (not --quiet: it hides
# the warnings --strict counts); built into a temporary folder, removed after (`site/` is git-ignored).
docs: install
	@site=$$(mktemp -d) && trap 'rm -rf "$$site"' EXIT && $(BIN)/mkdocs build --strict --site-dir "$$site"

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Build the wheel, install it into a fresh venv and use it from an empty folder.
wheel-check:
	PYTHON=$(PYTHON) bash .ci/wheel-check

clean:
	rm -rf $(VENV)
