# StaaS Portal. `make run` starts the whole portal on its embedded defaults;
# `make test` runs the suite. Both create .venv on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint audit load format lock clean

$(VENV)/.installed-run: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	DEBUG=$${DEBUG-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG-1} $(BIN)/python manage.py runportal --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Every installed package against the advisories of PyPI's vulnerability service;
# --strict fails when a package could not be looked up, rather than passing it.
audit: $(VENV)/.installed-test
	$(BIN)/pip-audit --strict --local --skip-editable --progress-spinner off

# 50 sessions for 60 s against gunicorn, PostgreSQL, Redis and a Celery worker, next to
# one session alone; needs PostgreSQL and Redis on their local ports. LOAD_ARGS adds
# options, e.g. LOAD_ARGS="--seconds 120".
load: $(VENV)/.installed-test
	$(BIN)/python benchmarks/load.py $(LOAD_ARGS)

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-pins constraints.txt to what a fresh install of pyproject.toml resolves to today.
lock:
	rm -rf $(VENV)-lock
	$(PYTHON) -m venv $(VENV)-lock
	$(VENV)-lock/bin/python -m pip install --quiet -e ".[test]"
	{ echo "# Exact versions that CI tested. Regenerate with \`make lock\` after changing pyproject.toml."; \
	  $(VENV)-lock/bin/python -m pip freeze --exclude-editable; } > constraints.txt
	rm -rf $(VENV)-lock

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
