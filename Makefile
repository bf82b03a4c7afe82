PYTHON ?= $(shell PYENV_VERSION=3.13 pyenv which python 2>/dev/null || command -v python3.13 || command -v python3)
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes: pytest-xdist workers, each with its own embedded store and servers ("0": one process).
TEST_WORKERS ?= auto
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
GRAPHIQL := schema/graphiql
GRAPHIQL_STAMP := $(GRAPHIQL)/node_modules/.installed
SWAGGER := gateway/rest/swagger_ui
SWAGGER_STAMP := $(SWAGGER)/node_modules/.installed

.PHONY: install run test lint bench clean browser fuzz lock prerequisites

# What a fresh clone needs, checked up front with a message that says what to install.
prerequisites:
	@command -v $(firstword $(PYTHON)) >/dev/null 2>&1 || { echo "Python >= 3.13 is needed: none found (set PYTHON=/path/to/python3.13)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)' || { echo "Python >= 3.13 is needed, $(PYTHON) is $$($(PYTHON) -V 2>&1) (set PYTHON=/path/to/python3.13)"; exit 1; }
	@command -v npm >/dev/null 2>&1 || { echo "Node.js with npm is needed to install GraphiQL's and Swagger UI's browser assets (e.g. apt-get install nodejs npm)"; exit 1; }

# Python dependencies pinned by requirements.lock (`make lock` refreshes it); the image installs the same pins.
$(STAMP): pyproject.toml requirements.lock
	@$(MAKE) --no-print-directory prerequisites
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

# Browser assets served by the gateway itself (no CDN): npm packages pinned in each package-lock.json.
$(GRAPHIQL_STAMP): $(GRAPHIQL)/package.json $(GRAPHIQL)/package-lock.json
	@$(MAKE) --no-print-directory prerequisites
	cd $(GRAPHIQL) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(GRAPHIQL_STAMP)

$(SWAGGER_STAMP): $(SWAGGER)/package.json $(SWAGGER)/package-lock.json
	@$(MAKE) --no-print-directory prerequisites
	cd $(SWAGGER) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(SWAGGER_STAMP)

# Headless Chromium for the GraphiQL browser test, from Debian, only when missing and apt is there.
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium and chromedriver with apt-get (running as root) for the GraphiQL browser test"; \
	    (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null) \
	      || echo "could not install chromium: the browser test will skip"; \
	  else echo "chromium/chromedriver missing (not root, or no apt-get): the browser test will skip"; fi; \
	fi

install: $(STAMP) $(GRAPHIQL_STAMP) $(SWAGGER_STAMP)

run: install
	@echo "serving http://$(HOST):$(PORT) in dev mode; open http://$(HOST):$(PORT)/ (GraphiQL at /graphql)"
	$(BIN)/fhir-gateway serve --host $(HOST) --port $(PORT) --dev

test: install
	@echo "make test: the GraphiQL browser test needs chromium; as root with apt-get it is installed now, else it skips"
	@$(MAKE) --no-print-directory browser
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

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

# Re-pin every Python dependency (runtime and dev) after a change to pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --extra dev --no-emit-index-url --no-emit-find-links \
	  --output-file requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(GRAPHIQL)/node_modules $(SWAGGER)/node_modules
