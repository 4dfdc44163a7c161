# Fieldbox: `make demo` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: demo test bench lint types messages clean

$(BIN)/fieldbox: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.dev: $(BIN)/fieldbox requirements-dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

messages: $(BIN)/fieldbox
	scripts/ensure-tools.sh gettext
	cd src/fieldbox && FIELDBOX_DEMO=1 ../../$(BIN)/fieldbox compilemessages --verbosity 0

demo: $(BIN)/fieldbox node_modules/.installed messages
	scripts/ensure-tools.sh pango
	mkdir -p var/static
	FIELDBOX_DEMO=1 $(BIN)/fieldbox migrate --verbosity 0
	FIELDBOX_DEMO=1 $(BIN)/fieldbox demo
	FIELDBOX_DEMO=1 $(BIN)/fieldbox serve --port $(PORT)

# PostgreSQL (everything, browser tests included), then the service tests again on SQLite, the demo's database
# (conftest.py leaves out what needs PostgreSQL or a browser, and the pages and API over the same services).
test: $(VENV)/.dev node_modules/.installed messages
	scripts/with-services.sh $(BIN)/pytest $(PYTEST_ARGS)
	test "$(SQLITE)" = no || scripts/with-services.sh env FIELDBOX_TEST_SQLITE=1 \
		DATABASE_URL=sqlite:///$(CURDIR)/var/tests.sqlite3 $(BIN)/pytest $(or $(PYTEST_ARGS),src/fieldbox)

bench: $(VENV)/.dev
	scripts/with-services.sh $(BIN)/python bench/run.py $(B)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

types: $(VENV)/.dev
	FIELDBOX_TESTING=1 $(BIN)/mypy

clean:
	rm -rf $(VENV) node_modules var
