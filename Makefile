PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run lint test test-slow bench golden clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/jdef run scenarios/baseline.toml --out outputs

# ruff (line length 100, pyproject.toml) and mypy with the pydantic plugin, zero findings
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy model

# pytest-xdist: the tests on one worker process a core (-n auto), about half the time on 2 cores
test: lint
	$(BIN)/python -m pytest -q -n auto

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -n auto -m slow

golden: $(STAMP)
	$(BIN)/python tests/regression/golden/make_golden.py

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

clean:
	rm -rf $(VENV) outputs/*.nc .pytest_cache
