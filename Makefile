# Harkop: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run run-prod test test-fast test-pg lint format bench lock translations i18n chromium java node-tools clean

# The venv installs from the locks only: requirements.txt (runtime) and requirements-dev.txt
# (runtime + test tools), every package pinned with its hashes, wheels only. pip itself comes
# unpinned from `python -m venv` plus the upgrade below (it is what reads the locks); the dev lock
# then pins it (pip-tools needs it), so a test venv has nothing unpinned.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

PIP_INSTALL := $(BIN)/pip install --quiet --require-hashes --only-binary :all:

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(PIP_INSTALL) -r requirements.txt
	touch $@

# pip-sync also removes what the dev lock no longer lists (tests/core/test_locks.py checks it).
$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(PIP_INSTALL) -r requirements-dev.txt
	$(BIN)/pip-sync --quiet --pip-args "--require-hashes --only-binary :all:" requirements-dev.txt
	touch $@ $(VENV)/.runtime

# Recompile the locks after editing requirements.in or requirements-dev.in (the runtime lock
# first: the dev lock is held to it). Pins already in the locks stay unless an edit needs a new
# one; `make lock LOCK_ARGS="--upgrade-package flask"` or LOCK_ARGS=--upgrade moves them on.
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe \
  --strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host $(LOCK_ARGS)
lock: $(VENV)/.dev
	$(PIP_COMPILE) -o requirements.txt requirements.in
	$(PIP_COMPILE) -o requirements-dev.txt requirements-dev.in

translations: $(VENV)/.runtime
	$(BIN)/pybabel compile --use-fuzzy -d translations -D messages >/dev/null

# After adding or changing a translatable string: extract them all, merge into each catalogue,
# then fill in the new msgstr entries in translations/<lang>/LC_MESSAGES/messages.po.
# Locations name the file only, so moving code does not rewrite the catalogues. --ignore-dirs
# replaces Babel's default, which would skip templates/_macros (it ignores "_*" directories).
i18n: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --add-location=file --project=Harkop \
	  --ignore-dirs=".* __pycache__ node_modules" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -D messages --no-fuzzy-matching --ignore-obsolete

# The demo is the 2024 celebration: `make run` plays it from 09.00 on its first day, the clock
# running on from there (HARKOP_FAKE_NOW_SINCE = the moment `make run` started), unless the caller
# sets HARKOP_FAKE_NOW (empty for the real clock: `make run HARKOP_FAKE_NOW=`) or freezes it
# (`make run HARKOP_FAKE_CLOCK=frozen`). The web app and the scheduler read the same two values.
HARKOP_FAKE_NOW ?= 2024-07-26T09:00:00+08:00
HARKOP_FAKE_CLOCK ?= running
FAKE_SINCE = $$(if [ -n "$(HARKOP_FAKE_NOW)" ] && [ "$(HARKOP_FAKE_CLOCK)" = running ]; then date +%s; fi)
TOGETHER := $(BIN)/python scripts/together.py

# Two processes, one command: Flask's server and the scheduler (publication at its time,
# reminders, the nightly backup and the personal-data purge). Ctrl-C stops both.
run: $(VENV)/.runtime translations
	$(BIN)/flask db upgrade
	@if $(BIN)/flask harkop is-empty; then HARKOP_FAKE_NOW="$(HARKOP_FAKE_NOW)" $(BIN)/flask harkop seed-demo; fi
	HARKOP_FAKE_NOW="$(HARKOP_FAKE_NOW)" HARKOP_FAKE_NOW_SINCE="$(FAKE_SINCE)" $(TOGETHER) \
	  "web: $(BIN)/flask run --host 127.0.0.1 --port 5000" \
	  "scheduler: $(BIN)/flask harkop scheduler"

# Production's shape on this machine: PostgreSQL (created when missing), gunicorn with
# gunicorn.conf.py on 127.0.0.1:8000 and the scheduler, JSON logs. See docs/deployment.md.
PROD_DATABASE_URL ?= $(if $(filter postgres%,$(DATABASE_URL)),$(DATABASE_URL),postgresql://postgres@127.0.0.1:5432/harkop)
run-prod: $(VENV)/.runtime translations
	$(BIN)/python scripts/ensure_pg_database.py "$(PROD_DATABASE_URL)"
	DATABASE_URL="$(PROD_DATABASE_URL)" $(BIN)/flask db upgrade
	@if DATABASE_URL="$(PROD_DATABASE_URL)" $(BIN)/flask harkop is-empty; then \
	  DATABASE_URL="$(PROD_DATABASE_URL)" HARKOP_FAKE_NOW="$(HARKOP_FAKE_NOW)" $(BIN)/flask harkop seed-demo; fi
	DATABASE_URL="$(PROD_DATABASE_URL)" HARKOP_LOG_FORMAT=json HARKOP_BIND="$${HARKOP_BIND:-127.0.0.1:8000}" \
	  HARKOP_FAKE_NOW="$(HARKOP_FAKE_NOW)" HARKOP_FAKE_NOW_SINCE="$(FAKE_SINCE)" $(TOGETHER) \
	  "web: $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app" \
	  "scheduler: $(BIN)/flask harkop scheduler"

# Browser tests need Debian's Chromium; install it when missing and we are root.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); \
	  else echo "Chromium missing: run 'sudo apt-get install -y chromium'"; fi; \
	fi

# The Nu HTML Checker (vnu.jar) needs a Java runtime; install one when missing and we are root.
java:
	@if ! command -v java >/dev/null; then \
	  if [ "$$(id -u)" = "0" ]; then (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null); \
	  else echo "Java missing: run 'sudo apt-get install -y default-jre-headless'"; fi; \
	fi

# axe-core and the Nu HTML Checker come from npm and are used by the tests only.
node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

node-tools: node_modules/.installed

test: $(VENV)/.dev translations chromium java node-tools
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.dev translations
	$(BIN)/pytest -m "not browser" -x -q $(PYTEST_ARGS)

test-pg: $(VENV)/.dev translations
	HARKOP_TEST_DATABASE_URL=$${HARKOP_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} $(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.dev translations
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) node_modules instance/harkop.db*
