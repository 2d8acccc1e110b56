# One command to run the site with sample content, one to run every test. See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SHELL := /bin/bash
# The site's public origin, unless SITE_URL says otherwise; migrate copies its host into
# the sites framework (the sitemap index and redirects read it), so both steps get it.
SITE_URL_OR_LOCAL := SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}"

# Every package, direct and transitive, is pinned with its hashes in requirements/: dev.txt
# (the site, its tests and tools: what `make setup` and CI install) and production.txt (the
# site alone, at the same versions). Both are compiled from pyproject.toml by `make lock`.
DEV_LOCK := requirements/dev.txt
PRODUCTION_LOCK := requirements/production.txt
LOCK_INPUTS := pyproject.toml requirements/build.in
LOCK_OPTIONS := --generate-hashes --universal --python-version 3.11 --quiet \
	--custom-compile-command "make lock"
# $(call compile_locks,DIR): both lock files written into DIR, keeping the versions already
# pinned there wherever pyproject.toml still allows them (uv reads its output file first).
compile_locks = $(BIN)/uv pip compile $(LOCK_INPUTS) --extra dev $(LOCK_OPTIONS) \
		-o $(1)/dev.txt && \
	$(BIN)/uv pip compile $(LOCK_INPUTS) -c $(DEV_LOCK) $(LOCK_OPTIONS) \
		-o $(1)/production.txt

.PHONY: run setup test lint sample-content lock lock-check upgrade test-newest

run: setup sample-content
	@echo
	@echo "Newsroom is running at http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "Stop it with Ctrl-C."
	$(SITE_URL_OR_LOCAL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

setup: $(VENV)/.installed

# The locked packages alone: enough for `make lock` even when pyproject.toml has moved on.
$(VENV)/.locked: $(DEV_LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(DEV_LOCK)
	touch $@

$(VENV)/.installed: $(VENV)/.locked pyproject.toml
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check || { echo "pyproject.toml asks for what requirements/ does not pin: run 'make lock' and commit requirements/" >&2; exit 1; }
	touch $@

# After a change to the dependencies in pyproject.toml: pins what was added or no longer
# fits, keeps every other version as it was.
lock: $(VENV)/.locked
	$(call compile_locks,requirements)

# Every package to the newest version pyproject.toml allows (then `make test`, and commit).
upgrade: $(VENV)/.locked
	$(BIN)/uv pip compile $(LOCK_INPUTS) --extra dev $(LOCK_OPTIONS) --upgrade -o $(DEV_LOCK)
	$(call compile_locks,requirements)

# Fails when pyproject.toml asks for something requirements/ does not pin (CI runs it).
lock-check: setup
	@scratch=$$(mktemp -d) && cp $(DEV_LOCK) $(PRODUCTION_LOCK) $$scratch/ && \
	$(call compile_locks,$$scratch) && \
	if diff -u $(DEV_LOCK) $$scratch/dev.txt && \
	   diff -u $(PRODUCTION_LOCK) $$scratch/production.txt; then \
		echo "requirements/ matches pyproject.toml"; rm -rf $$scratch; \
	else \
		echo "requirements/ is out of date with pyproject.toml: run 'make lock' and commit requirements/" >&2; \
		rm -rf $$scratch; exit 1; \
	fi

sample-content: setup
	$(SITE_URL_OR_LOCAL) $(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_articles sample_content/articles --images-root sample_content
	$(BIN)/python manage.py ensure_admin_user

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .

# The suite on the newest releases pyproject.toml allows instead of the lock, in a venv of
# its own: CI runs it as a warning, to hear of an upstream change before it reaches a user.
NEWEST_VENV := .venv-newest
test-newest:
	rm -rf $(NEWEST_VENV)
	$(PYTHON) -m venv $(NEWEST_VENV)
	$(NEWEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(NEWEST_VENV)/bin/python -m pip install --quiet --upgrade -e ".[dev]"
	@echo "Newer than requirements/dev.txt:"
	@$(NEWEST_VENV)/bin/python -m pip freeze --exclude-editable | tr 'A-Z_' 'a-z-' | sort \
		| comm -13 <(grep -oE '^[a-z0-9._-]+==[^ ;]+' $(DEV_LOCK) | sort) - | sed 's/^/  /'
	$(NEWEST_VENV)/bin/pytest -p no:cacheprovider
