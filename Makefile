.PHONY: run test fuzz schema install bench clean-data

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Serve the API at http://127.0.0.1:8000/graphql with a worker beside it (embedded services when unset).
run: $(STAMP)
	$(PY) -m app run

## The whole suite against real PostgreSQL and Redis.
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest -q -p no:cacheprovider

## H-3: the property-based test of every operation with its long Hypothesis profile (minutes).
fuzz: $(STAMP)
	ROOMKIT_FUZZ_PROFILE=roomkit-fuzz $(PY) -m pytest -q -p no:cacheprovider tests/graphql/test_fuzz_properties.py

## Export the schema clients see; committed, and compared with the contract by a test.
schema: $(STAMP)
	$(VENV)/bin/strawberry export-schema graphql_schema.schema:schema --output schema.graphql

bench: $(STAMP)
	$(PY) -m bench.run_all
