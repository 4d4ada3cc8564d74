# Two commands: `make run` serves the product, `make test` runs every check.
# Both set everything up first (.venv, dependencies, embedded PostgreSQL/Redis when
# DATABASE_URL/REDIS_URL are not set).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test test-reliability lint format manage messages bench test-tools clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

run: $(INSTALLED)
	$(BIN)/python -m devstack run

test: $(INSTALLED) lint test-tools
	$(BIN)/python -m devstack test $(PYTEST_ARGS)

# The fault suite (tests/reliability) at full length, then its table (bench/reliability.py):
# Redis down 60 s, PostgreSQL down 10 s, bigger batches, slow Graph answers. `make test` runs
# the same scenarios in their short profile.
test-reliability: $(INSTALLED)
	RELIABILITY_PROFILE=full $(BIN)/python -m bench.reliability $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Translations: collect the marked strings into locale/{fr,de}/LC_MESSAGES/django.po (needs GNU
# gettext's xgettext), then compile them to the committed .mo files with polib (no gettext needed).
MESSAGES_IGNORE := --ignore=tests --ignore=bench --ignore=devstack --ignore=docs --ignore=test-artifacts --ignore='*.egg-info'
messages: $(INSTALLED)
	DJANGO_SETTINGS_MODULE=config.django.test $(BIN)/python manage.py makemessages -l fr -l de --no-obsolete $(MESSAGES_IGNORE)
	DJANGO_SETTINGS_MODULE=config.django.test $(BIN)/python manage.py compile_translations

# Benchmarks against the real stack (figures go in the issue notes).
BENCH_TOOLS := wrk
bench: $(INSTALLED)
	@$(MAKE) --no-print-directory test-tools TEST_TOOLS="$(BENCH_TOOLS)"
	$(BIN)/python -m bench.api_auth
	$(BIN)/python -m bench.webhook_ingest
	$(BIN)/python -m bench.outbound
	$(BIN)/python -m bench.inbox
	$(BIN)/python -m bench.privacy

# `make manage ARGS="createsuperuser"`: a manage.py command against the same services.
manage: $(INSTALLED)
	$(BIN)/python -m devstack manage $(ARGS)

# Tools some tests use from Debian: Chromium for the browser tests (Playwright's own browser
# download does not work offline) and docker-compose to validate docker-compose.yml.
TEST_TOOLS := chromium docker-compose
test-tools:
	@for tool in $(TEST_TOOLS); do \
	  command -v $$tool >/dev/null 2>&1 && continue; \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing $$tool (Debian package)"; \
	    apt-get install -y --no-install-recommends $$tool >/dev/null 2>&1 || echo "could not install $$tool"; \
	  else \
	    echo "$$tool is not installed: the tests that need it are skipped (apt-get install $$tool)"; \
	  fi; \
	done

clean:
	rm -rf $(VENV) .data .mypy_cache .ruff_cache .pytest_cache
