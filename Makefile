# Harkop: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test test-fast test-pg lint format bench translations i18n chromium java node-tools clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

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

# The demo is the 2024 celebration: `make run` plays it on its first day unless the caller
# sets HARKOP_FAKE_NOW (empty for the real clock: `make run HARKOP_FAKE_NOW=`).
HARKOP_FAKE_NOW ?= 2024-07-26T09:00:00+08:00
run: $(VENV)/.runtime translations
	$(BIN)/flask db upgrade
	@if $(BIN)/flask harkop is-empty; then HARKOP_FAKE_NOW="$(HARKOP_FAKE_NOW)" $(BIN)/flask harkop seed-demo; fi
	HARKOP_FAKE_NOW="$(HARKOP_FAKE_NOW)" $(BIN)/flask run --host 127.0.0.1 --port 5000

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
