# Baton developer entry points. `make demo` and `make test` are the quick start.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
STAMP := $(VENV)/.installed
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# Test processes (pytest-xdist); the machines have 2 cores.
PYTEST_WORKERS ?= 2
PYTEST := $(PY) -m pytest -n $(PYTEST_WORKERS)

.PHONY: install test test-sqlite test-postgresql lint fmt demo bench bench-long clean

$(UV):
	python3 -m pip install --user --quiet "uv==0.13.9"

# Reinstall only when the lockfile or the project metadata changed.
$(STAMP): uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --all-groups
	@touch $(STAMP)

install: $(STAMP)

test: install
	BATON_TEST_DATABASE=sqlite $(PYTEST) $(PYTEST_ARGS)
	BATON_TEST_DATABASE=postgresql BATON_TEST_POSTGRES_URL=$(PG_URL) $(PYTEST) -m "store" $(PYTEST_ARGS)

test-sqlite: install
	BATON_TEST_DATABASE=sqlite $(PYTEST) $(PYTEST_ARGS)

test-postgresql: install
	BATON_TEST_DATABASE=postgresql BATON_TEST_POSTGRES_URL=$(PG_URL) $(PYTEST) -m "store" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy --strict .
	$(VENV)/bin/hadolint Dockerfile

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Emulators, policy, store, server on 127.0.0.1:8000, webhooks, first sync, rules and report (cli/demo.py).
demo: install
	$(VENV)/bin/baton demo $(DEMO_ARGS)

# The standard tier fits 45 minutes; BENCH_SCALE=0.1 for a quick look, BENCH_ONLY=module,module for a subset.
bench: install
	$(PY) -m bench.run

# The sizes the goals name (100,000 and 1,000,000 items) and the 10-minute soaks: hours.
bench-long: install
	BENCH_TIER=long $(PY) -m bench.run

clean:
	rm -rf $(VENV) .baton .pytest_cache .mypy_cache .ruff_cache
