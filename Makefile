# The two commands the README leads with: `make up` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EMULATOR_PORT ?= 8787
EMULATOR_TOKEN := dev-local-token
EMULATOR_DOMAIN := dev.acme.example
export PULUMI_CONFIG_PASSPHRASE ?=
export PULUMI_SKIP_UPDATE_CHECK := true

.PHONY: up test lint typecheck unit emulator emulator-stop clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[emulator]'
	touch $@

## make test: install .[dev] into .venv, then ruff, mypy and pytest.
test: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

## make up: emulator in the background + `pulumi up` of the quickstart on the dev stack.
up:
	@command -v pulumi >/dev/null 2>&1 || { \
	  echo "make up needs the Pulumi CLI, which is not on PATH."; \
	  echo "Install it: curl -fsSL https://get.pulumi.com | sh   (or: brew install pulumi/tap/pulumi)"; \
	  echo "then run 'make up' again. Nothing was changed."; exit 1; }
	@$(MAKE) --no-print-directory $(VENV)/.installed emulator
	pulumi login --local --cloud-url "file://$(CURDIR)/.pulumi" >/dev/null 2>&1 || { mkdir -p .pulumi && pulumi login "file://$(CURDIR)/.pulumi"; }
	pulumi stack select dev 2>/dev/null || pulumi stack init dev
	pulumi up --yes --stack dev
	pulumi stack output --stack dev

## make emulator: start the emulator in the background on 127.0.0.1 (log: .emulator.log).
emulator: $(VENV)/.installed
	@if [ -f .emulator.pid ] && kill -0 $$(cat .emulator.pid) 2>/dev/null; then \
	  echo "emulator already running (pid $$(cat .emulator.pid))"; else \
	  nohup $(BIN)/iotcomms-emulator --port $(EMULATOR_PORT) --state .emulator.sqlite \
	    --token $(EMULATOR_DOMAIN)=$(EMULATOR_TOKEN) > .emulator.log 2>&1 & echo $$! > .emulator.pid; \
	  for i in $$(seq 50); do grep -q listening .emulator.log 2>/dev/null && break; sleep 0.1; done; \
	  cat .emulator.log; fi

emulator-stop:
	@if [ -f .emulator.pid ]; then kill $$(cat .emulator.pid) 2>/dev/null || true; rm -f .emulator.pid; fi

clean: emulator-stop
	rm -rf $(VENV) .pulumi .emulator.* .pytest_cache .mypy_cache .ruff_cache
