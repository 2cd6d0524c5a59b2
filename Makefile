# WardDesk: two commands for a newcomer (`make demo`, `make test`). Everything runs from .venv;
# a stamp file under .venv re-installs only when pyproject.toml has changed since the last install.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
APP_STAMP := $(VENV)/.installed-app
DEV_STAMP := $(VENV)/.installed-dev

.DEFAULT_GOAL := help
.PHONY: help venv install demo translations test lint bench-booking bench-desktop screenshots nginx bench-history

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

venv: $(BIN)/python ## Create the virtual environment .venv

# The demo needs the server and desktop extras; a dev install (a superset) satisfies it too.
$(APP_STAMP): pyproject.toml | $(BIN)/python
	@if [ -f $(DEV_STAMP) ] && [ $(DEV_STAMP) -nt pyproject.toml ]; then touch $@; else \
		echo "Installing WardDesk (server, desktop) into $(VENV)..."; \
		$(PIP) install -e '.[server,desktop]' && touch $@; fi

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing WardDesk with its development tools into $(VENV)..."
	$(PIP) install -e '.[dev]'
	@touch $@

install: $(DEV_STAMP) ## Install WardDesk and its development tools into .venv

DEMO_URL := http://127.0.0.1:8080

# The server runs in the background (database, migrations, demo hospital); once it answers /readyz the
# desktop opens signed in as the demo scheduler. Closing the desktop stops the server.
demo: $(APP_STAMP) translations ## Run the demo: server with the demo hospital, then the desktop signed in
	@$(BIN)/warddesk-server demo & server=$$!; \
	trap 'kill $$server 2>/dev/null; wait $$server 2>/dev/null' EXIT; \
	echo "Waiting for the server at $(DEMO_URL)..."; \
	until $(BIN)/python -c "import urllib.request; urllib.request.urlopen('$(DEMO_URL)/readyz', timeout=2)" 2>/dev/null; do \
		kill -0 $$server 2>/dev/null || { echo "The server stopped; see its messages above."; exit 1; }; \
		sleep 1; \
	done; \
	$(BIN)/warddesk --server $(DEMO_URL) --demo-user scheduler

translations: $(APP_STAMP) ## Compile the interface translations (resources/translations/*.ts -> .qm)
	@for source in resources/translations/*.ts; do \
		$(BIN)/pyside6-lrelease -silent "$$source" -qm "$${source%.ts}.qm" || exit 1; \
	done

# The scale test (tests/scale/) and bench-load start Debian's nginx as a plain process; installed here
# when missing (root: apt-get; otherwise say how).
nginx:
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { \
		if [ "$$(id -u)" = 0 ]; then echo "Installing nginx (the scale test runs it)..."; \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null 2>&1 || \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }; \
		else echo "nginx is missing: sudo apt-get install -y nginx (the scale test runs it)"; exit 1; fi; }

test: export QT_QPA_PLATFORM := offscreen
test: $(DEV_STAMP) nginx ## Check the import contracts, then run every test
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: $(DEV_STAMP) ## ruff on all code
	$(BIN)/ruff check shared sync_server desktop tests

bench-booking: $(DEV_STAMP) ## Booking saga throughput and latency vs raw PostgreSQL inserts (one JSON line)
	$(BIN)/python bench/booking.py

bench-desktop: $(DEV_STAMP) ## Desktop cold start, sign-in to first screen (real server), calendar and ticket times, offscreen (one JSON line)
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/desktop.py

screenshots: $(DEV_STAMP) ## Render the desktop screens to PNG under docs/screenshots/
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m desktop.ui.screenshots

.PHONY: bench-sync
bench-sync: $(DEV_STAMP) ## Initial sync, push and long-poll latency through the real server vs raw copy (one JSON line)
	$(BIN)/python bench/sync.py

.PHONY: installer installer-figures
installer: $(DEV_STAMP) ## Build the desktop's signed .deb into dist/installer/ (WARDDESK_RELEASE_KEY: the release key)
	$(BIN)/python -m installer.build

installer-figures: installer ## Cold start of the packaged app vs the virtualenv, to the sign-in window (one JSON line)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m installer.figures

.PHONY: bench-documents
bench-documents: $(DEV_STAMP) ## A 20 MB PDF up and down through WardDesk (moto S3, local store) vs boto3 straight to moto; first page of a 50-page PDF (one JSON line)
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/documents.py

bench-history: $(DEV_STAMP) ## Patient history: events/s projected into DynamoDB (moto server) and PostgreSQL for 100,000 events, what limits them; timeline_ms of a 2,000-entry patient (one JSON line)
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/history.py

.PHONY: bench-load
bench-load: $(DEV_STAMP) nginx ## 1,000 simulated desktops (long polls, pulls, pushes, bookings) through nginx to 2 server processes (one JSON line)
	$(BIN)/python bench/load_day.py
