PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install bytecode run lint test test-slow bench golden clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# the package's bytecode, as a wheel's install compiles it: an editable install leaves it to the
# first import, which cannot save it where PYTHONDONTWRITEBYTECODE is set (as on our machines),
# so that every command would compile the sources again (0.1-0.3 s); only stale files are redone
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q model

install: bytecode

run: bytecode
	$(BIN)/jdef run scenarios/baseline.toml --out outputs

# ruff (line length 100, pyproject.toml) and mypy with the pydantic plugin, zero findings
lint: bytecode
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy model

# pytest-xdist: the tests on one worker process a core (-n auto), about half the time on 2 cores
test: lint
	$(BIN)/python -m pytest -q -n auto

test-slow: bytecode
	$(BIN)/python -m pytest -q -n auto -m slow

golden: bytecode
	$(BIN)/python tests/regression/golden/make_golden.py

bench: bytecode
	$(BIN)/python benchmarks/bench_engine.py

clean:
	rm -rf $(VENV) outputs/*.nc .pytest_cache
	find model -name __pycache__ -prune -exec rm -rf {} +
