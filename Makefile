# One command to run the site with sample content, one to run every test. See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The site's public origin, unless SITE_URL says otherwise; migrate copies its host into
# the sites framework (the sitemap index and redirects read it), so both steps get it.
SITE_URL_OR_LOCAL := SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}"

.PHONY: run setup test lint sample-content

run: setup sample-content
	@echo
	@echo "Newsroom is running at http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "Stop it with Ctrl-C."
	$(SITE_URL_OR_LOCAL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

sample-content: setup
	$(SITE_URL_OR_LOCAL) $(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_articles sample_content/articles
	$(BIN)/python manage.py ensure_admin_user

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
