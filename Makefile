# Bazaar — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/bazaar

.PHONY: run dev test test-postgres lint install bench lock messages clean

$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "Bazaar needs Python >= 3.11 on PATH."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## run: set everything up and serve the demo like production (gunicorn, DEBUG off, WhiteNoise) + qcluster
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py seed_demo
	bin/run-demo

## dev: the same with DEBUG on and runserver's auto-reload, for developers (Ctrl-C stops both)
dev: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py seed_demo
	bin/run-demo --dev

## test: set everything up and run the whole suite (unit, view, browser) on SQLite
test: install lint
	bin/ensure-chromium
	$(PY) -m pytest $(PYTEST_ARGS)

## lint: pyflakes-level errors, bugbear and import order (ruff)
lint: install
	$(PY) -m ruff check .

## test-postgres: the same suite against PostgreSQL (real row locks; concurrency tests run)
test-postgres: install
	bin/ensure-chromium
	DATABASE_URL=$(PG_URL) $(PY) -m pytest $(PYTEST_ARGS)

## test-scaleout: scheduling and concurrency tests again with Redis (broker + cache) on PostgreSQL,
## including two real qcluster processes sharing the queue (tests/scaleout)
REDIS_TEST_URL ?= redis://127.0.0.1:6379/1
.PHONY: test-scaleout
test-scaleout: install
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) $(PY) -m pytest \
		--ignore=tests/e2e -p tests.scaleout.selection $(PYTEST_ARGS)

## bench: benchmarks on SQLite, then on PostgreSQL when it answers; record them in docs/benchmarks.md
bench: install
	$(PY) -m bench
	@if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then DATABASE_URL=$(PG_URL) $(PY) -m bench; \
	else echo "PostgreSQL not reachable: skipped the PostgreSQL run."; fi

## lock: refresh constraints.txt after changing pyproject.toml
lock:
	rm -rf /tmp/bazaar-lock && $(PYTHON) -m venv /tmp/bazaar-lock
	/tmp/bazaar-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/bazaar-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

## messages: refresh and compile the zh_Hans translation
messages: install
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*'
	$(PY) manage.py compilemessages -l zh_Hans --ignore '.venv/*'

clean:
	rm -rf $(VENV) var db.sqlite3*
