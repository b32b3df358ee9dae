# BillingOne: `make run` and `make test` are all a newcomer needs (see README).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=
LOCK := requirements/lock.txt

.PHONY: run test test-sqlite test-postgres fuzz lint format lock migrate seed clean

$(VENV)/.installed: $(LOCK)
	@python=$$(scripts/find-python) || exit 1; \
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV) || exit 1; fi
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK)
	@touch $@

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --no-input
	$(PY) manage.py createcachetable

run: migrate
	PORT=$(PORT) $(PY) manage.py rundev --port $(PORT)

seed: migrate
	$(PY) manage.py seed_demo

test: $(VENV)/.installed
	@scripts/ensure-chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$DATABASE_URL" ]; then \
		$(MAKE) --no-print-directory test-postgres; \
	elif [ "$$CI" = "true" ]; then \
		echo "CI=true but DATABASE_URL is not set: the PostgreSQL suite must run in CI." >&2; exit 1; \
	else \
		echo "DATABASE_URL not set: PostgreSQL suite not run (set DATABASE_URL=postgres://… to run it)."; \
	fi

test-sqlite: $(VENV)/.installed
	@echo "== Test suite on SQLite =="
	env -u DATABASE_URL $(PY) -m pytest -n auto $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed
	@echo "== Test suite on PostgreSQL ($${DATABASE_URL%%@*}@…) =="
	$(PY) scripts/check_database.py
	$(PY) -m pytest -n auto $(PYTEST_ARGS)

# Schemathesis over /api/v1/openapi.json as a signed-in owner: no answer may be a 5xx.
# Deterministic (derandomized); FUZZ_EXAMPLES bounds the examples per operation.
fuzz: $(VENV)/.installed
	env -u DATABASE_URL FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-10} $(PY) -m pytest -p no:xdist billingone/api/tests/test_fuzz.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Re-pin every dependency (pyproject.toml → requirements/lock.txt, with hashes).
lock: $(VENV)/.installed
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --group dev --generate-hashes --python-version 3.12 \
		--python-platform x86_64-unknown-linux-gnu -o $(LOCK) -q

clean:
	rm -rf $(VENV) var/static .pytest_cache
