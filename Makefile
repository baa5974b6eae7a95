# The two commands the README leads with: `make up` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Editable installs in compat mode (a path entry, not an import hook): mypy and IDEs then see the package.
# Must match Pulumi.dev.yaml (and examples/*/Pulumi.dev.yaml): endpoint, tenant domain and token.
EMULATOR_PORT ?= 8787
EMULATOR_TOKEN := dev-local-token
EMULATOR_DOMAIN := dev.acme.example
# The on-premise provd server and Alvaria AutoFacilitate the examples on-prem-phones and contact-centre-trigger
# use (their Pulumi.dev.yaml has the same credentials).
EMULATOR_SYSTEMS := --provd-user dev-provd=dev-provd-password --alvaria-client dev-client=dev-client-secret --alvaria-api-key dev-api-key
export PULUMI_SKIP_UPDATE_CHECK := true

.PHONY: up test e2e lint typecheck unit emulator emulator-stop clean engine generate

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[dev]' --config-settings editable_mode=compat
	touch $@

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[emulator]' --config-settings editable_mode=compat
	touch $@

## make test: install .[dev] into .venv, then ruff, mypy and pytest; with Go (make engine) or a pulumi on PATH,
# tests/automation runs through the real engine, else it skips saying why.
test: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/mypy
	@bin="$$(VENV="$(abspath $(VENV))" bash tools/engine/bin-dir.sh)" || exit 1; \
	  echo "engine: $${bin:-none (no Go, no pulumi on PATH): tests/automation skips}"; \
	  PATH="$${bin:+$$bin:}$$PATH" $(BIN)/pytest

## make e2e: every scenario through the real engine (built by make engine); fails when it cannot be had.
e2e: $(VENV)/.dev-installed
	@bin="$$(VENV="$(abspath $(VENV))" bash tools/engine/bin-dir.sh)" || exit 1; \
	  [ -n "$$bin" ] || { echo "make e2e needs Go (to build the engine) or pulumi on PATH"; exit 1; }; \
	  echo "engine: $$bin"; PATH="$$bin:$$PATH" IOTCOMMS_REQUIRE_ENGINE=1 $(BIN)/pytest tests/automation

## make generate: the typed resource classes, pulumi_iotcomms/inputs.py and docs/resources/ from the
# models and specs (tools/generate.py); a test fails when a checked-in file is stale.
generate: $(VENV)/.dev-installed
	$(BIN)/python tools/generate.py

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

unit: $(VENV)/.dev-installed
	$(BIN)/pytest

## make up: emulator in the background + `pulumi up` of the quickstart (root Pulumi.yaml) on the dev stack.
# State goes to the file backend .pulumi/ (PULUMI_BACKEND_URL: your own `pulumi login` is left alone);
# the dev stack's secrets use the empty passphrase its encryptionsalt was made with.
up: export PULUMI_BACKEND_URL := file://$(CURDIR)/.pulumi
up: export PULUMI_CONFIG_PASSPHRASE :=
up:
	@command -v pulumi >/dev/null 2>&1 || { \
	  echo "make up needs the Pulumi CLI, which is not on PATH."; \
	  echo "Install it: curl -fsSL https://get.pulumi.com | sh   (or: brew install pulumi/tap/pulumi)"; \
	  echo "See https://www.pulumi.com/docs/install/ -- then run 'make up' again. Nothing was changed."; \
	  exit 1; }
	@$(MAKE) --no-print-directory $(VENV)/.installed emulator
	@mkdir -p .pulumi
	@pulumi stack select dev 2>/dev/null || pulumi stack init dev
	pulumi up --yes --stack dev
	pulumi stack output --stack dev
	@echo "Secrets show as [secret]: PULUMI_BACKEND_URL=$$PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE= \\"
	@echo "  pulumi stack output --stack dev --show-secrets"

## make emulator: start the emulator in the background on 127.0.0.1 (log: .emulator.log, data: .emulator.sqlite).
emulator: $(VENV)/.installed
	@if [ -f .emulator.pid ] && kill -0 $$(cat .emulator.pid) 2>/dev/null; then \
	  echo "emulator already running (pid $$(cat .emulator.pid))"; else \
	  nohup $(BIN)/iotcomms-emulator --port $(EMULATOR_PORT) --state .emulator.sqlite \
	    --token $(EMULATOR_DOMAIN)=$(EMULATOR_TOKEN) $(EMULATOR_SYSTEMS) > .emulator.log 2>&1 & echo $$! > .emulator.pid; \
	  for i in $$(seq 50); do grep -q listening .emulator.log 2>/dev/null && break; sleep 0.1; done; \
	  cat .emulator.log; \
	  grep -q listening .emulator.log || { echo "the emulator did not start (port $(EMULATOR_PORT) in use?)"; exit 1; }; fi

## make engine: build the Pulumi CLI and a Python language host from Go modules (tools/engine, needs Go;
# minutes when cold, a no-op when built) into ~/.cache/pulumi-iotcomms/engine/<version>/bin; prints that dir last.
engine:
	@VENV="$(abspath $(VENV))" bash tools/engine/build.sh

emulator-stop:
	@if [ -f .emulator.pid ]; then kill $$(cat .emulator.pid) 2>/dev/null || true; rm -f .emulator.pid; fi

clean: emulator-stop
	rm -rf $(VENV) .pulumi .emulator.* .pytest_cache .mypy_cache .ruff_cache
