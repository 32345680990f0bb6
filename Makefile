# Dozor: two commands for a fresh machine (Python >= 3.11 and make).
#   make run   - set up .venv, migrate SQLite, load the Kazakhstan pack and demo data, serve on :8000
#   make test  - the same set-up plus dev tools, then lint, types, layers and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run test setup setup-dev messages messages-update lint typecheck layers pytest bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Dozor needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

$(VENV)/.base: $(BIN)/python requirements/base.lock pyproject.toml
	$(BIN)/pip install --quiet --no-deps -r requirements/base.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.base requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps -r requirements/dev.lock
	touch $@

setup: $(VENV)/.base messages

setup-dev: $(VENV)/.dev messages

# Compiled catalogues (.mo) are built from locale/*.po with polib: no system gettext needed.
messages: $(VENV)/.base
	$(BIN)/python scripts/compile_messages.py

# Regenerate locale/{ru,kk}/LC_MESSAGES/django.po from the code (needs GNU gettext).
messages-update: $(VENV)/.base
	$(BIN)/dozor makemessages -l ru -l kk --no-obsolete --no-location --ignore "test-artifacts/*" --ignore "*/tests/*" --ignore ".venv/*" --ignore "var/*"

run: setup
	$(BIN)/dozor migrate --no-input
	$(BIN)/dozor pack load kz
	$(BIN)/dozor demo --if-empty
	$(BIN)/dozor demo --print-logins
	$(BIN)/dozor runserver $(HOST)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev
	$(BIN)/mypy .

layers: $(VENV)/.dev
	$(BIN)/lint-imports

pytest: setup-dev
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: setup-dev lint typecheck layers pytest

bench: setup-dev
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_methodology.py
	$(BIN)/python scripts/bench_planning.py

clean:
	rm -rf $(VENV) var
