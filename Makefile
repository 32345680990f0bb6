# Dozor: two commands for a fresh machine (Python >= 3.11 and make).
#   make run   - set up .venv, migrate SQLite, load the Kazakhstan pack and demo data, serve on :8000
#   make test  - the same set-up plus dev tools, then lint, types, layers, migrations, the deployment
#                checks and the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run test setup setup-dev messages messages-update lint typecheck layers migrations deploy-check pytest bench clean lock

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Dozor needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

# The locks carry a hash for every file: pip refuses anything else (--require-hashes), and
# --no-deps makes the lock exactly what is installed. The project itself is installed apart.
$(VENV)/.base: $(BIN)/python requirements/base.lock pyproject.toml
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/base.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.base requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/dev.lock
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
	@# gunicorn with several workers, and the task worker (optimiser, PDFs, e-mails from the outbox)
	@# beside it; both stop together. `dozor runserver` is for development only.
	$(BIN)/dozor serve $(HOST)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev
	$(BIN)/mypy .

layers: $(VENV)/.dev
	$(BIN)/lint-imports

pytest: setup-dev
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

# No model change without its migration.
migrations: $(VENV)/.base
	$(BIN)/dozor makemigrations --check --dry-run

# Django's deployment checks against production settings (DOZOR_ENV=production), with a secret
# key and a field key made up for this run only; a warning fails the build.
deploy-check: $(VENV)/.base
	DOZOR_ENV=production DOZOR_DEBUG=0 DOZOR_ALLOWED_HOSTS=dozor.example.org \
	DOZOR_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	DOZOR_FIELD_KEYS="check:$$($(BIN)/python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')" \
	$(BIN)/dozor check --deploy --fail-level WARNING

test: setup-dev lint typecheck layers migrations deploy-check pytest

bench: setup-dev
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_methodology.py
	$(BIN)/python scripts/bench_planning.py
	$(BIN)/python scripts/bench_load.py  # 50 users for 2 minutes against gunicorn (locust)

# Regenerate requirements/*.lock with hashes from pyproject.toml: uv runs from a throwaway venv under
# /tmp, never from .venv. Versions already in the locks are kept (uv prefers them), so change a pin in
# pyproject.toml to move a package. dev.lock holds only what base.lock does not, and is resolved
# with base.lock as a constraint, so the two install together.
LOCK_TOOL ?= /tmp/dozor-lock-tool
UV_COMPILE = $(LOCK_TOOL)/bin/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 \
	--quiet --custom-compile-command "make lock"
lock:
	test -x $(LOCK_TOOL)/bin/uv || { $(PYTHON) -m venv $(LOCK_TOOL) && $(LOCK_TOOL)/bin/pip install --quiet uv==0.13.8; }
	$(UV_COMPILE) -o requirements/base.lock
	$(UV_COMPILE) --extra dev -c requirements/base.lock -o requirements/dev.lock \
		$$(sed -n 's/^\([A-Za-z0-9._-]*\)==.*/--no-emit-package \1/p' requirements/base.lock)

clean:
	rm -rf $(VENV) var
