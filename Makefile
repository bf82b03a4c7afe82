PYTHON ?= $(shell PYENV_VERSION=3.13 pyenv which python 2>/dev/null || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
GRAPHIQL := schema/graphiql
GRAPHIQL_STAMP := $(GRAPHIQL)/node_modules/.installed

.PHONY: install run test lint bench clean browser fuzz

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 13), f"Python >= 3.13 needed, found {sys.version}"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# GraphiQL's scripts, served by the gateway itself (no CDN): the npm packages pinned in its package-lock.json.
$(GRAPHIQL_STAMP): $(GRAPHIQL)/package.json $(GRAPHIQL)/package-lock.json
	cd $(GRAPHIQL) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(GRAPHIQL_STAMP)

# Headless Chromium for the GraphiQL browser test, from Debian, only when missing and apt is there.
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null) \
	      || echo "could not install chromium: the browser test will skip"; \
	  else echo "chromium/chromedriver missing and apt-get unavailable: the browser test will skip"; fi; \
	fi

install: $(STAMP) $(GRAPHIQL_STAMP) browser

run: $(STAMP) $(GRAPHIQL_STAMP)
	$(BIN)/fhir-gateway serve --host 127.0.0.1 --port 8000 --dev

test: install
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check gateway schema tests $(wildcard bench) $(wildcard fuzz)
	$(BIN)/ruff format --check gateway schema tests $(wildcard bench) $(wildcard fuzz)
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/graphql.py

# Opt-in: schemathesis against the served REST face (fuzz/run.py); bounded by examples per operation and seconds.
FUZZ_EXAMPLES ?= 50
FUZZ_SECONDS ?= 600
fuzz: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,fuzz]'
	$(BIN)/python fuzz/run.py $(FUZZ_EXAMPLES) $(FUZZ_SECONDS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(GRAPHIQL)/node_modules
