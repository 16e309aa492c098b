# Segue: the newcomer's entry points. `make run` serves a demo library, `make test` checks everything.
# GNU make on Debian; works as root or with sudo.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

APT_PACKAGES := ffmpeg libchromaprint-tools nginx-light
# Only the test suite needs these: the web player's end-to-end tests drive Debian's Chromium.
TEST_APT_PACKAGES := chromium chromium-driver
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
# uv may be on PATH already, or land in ~/.local/bin when installed with pip --user
# (looked up by the shell, after the step that may install it).
UV := $$(command -v uv || echo "$(HOME)/.local/bin/uv")

# `make run` options: CONFIG=path/to/segue.toml, HOST, PORT.
CONFIG ?=
HOST ?=
PORT ?=
DEMO_DIR := demo-library
DATA_DIR := data

TYPED_PATHS := core/src transcoder/src web/src $(wildcard plugins/*/src)

.PHONY: help install run test test-tools lint typecheck bench clean docs

help:
	@echo "make run        install, then serve (a demo library unless CONFIG names one)"
	@echo "make test       install, then ruff, mypy --strict and pytest"
	@echo "make install    Debian packages (if missing), uv, and .venv/ from uv.lock"
	@echo "make lint | typecheck | bench | clean"

install:
	@missing=""; \
	for pkg in $(APT_PACKAGES); do \
		dpkg -s "$$pkg" >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "==> apt: installing$$missing"; \
		$(SUDO) apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@if ! command -v uv >/dev/null 2>&1 && [ ! -x "$(HOME)/.local/bin/uv" ]; then \
		echo "==> installing uv with pip (into ~/.local/bin)"; \
		python3 -m pip --version >/dev/null 2>&1 || { \
			$(SUDO) apt-get update -qq; \
			DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-pip; }; \
		python3 -m pip install --user --quiet uv 2>/dev/null \
			|| python3 -m pip install --user --quiet --break-system-packages uv; \
	fi
	@$(UV) sync --all-packages --frozen --quiet
	@test -x $(BIN)/segue || { echo "install failed: $(BIN)/segue is missing" >&2; exit 1; }

# A library is named when CONFIG sets [library] paths, or SEGUE_LIBRARY__PATHS is set.
define HAS_LIBRARY
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    sys.exit(0 if tomllib.load(f).get("library", {}).get("paths") else 1)
endef
export HAS_LIBRARY

run: install
	@args=""; \
	if [ -n "$(CONFIG)" ]; then args="--config $(CONFIG)"; fi; \
	if [ -z "$${SEGUE_LIBRARY__PATHS:-}" ] && \
		! { [ -n "$(CONFIG)" ] && $(BIN)/python -c "$$HAS_LIBRARY" "$(CONFIG)"; }; then \
		if [ ! -d $(DEMO_DIR) ]; then \
			echo "==> generating the demo library in $(DEMO_DIR)/"; \
			$(BIN)/segue demo --dir $(DEMO_DIR); \
		fi; \
		args="$$args --library $(DEMO_DIR)"; \
	fi; \
	if [ -z "$(CONFIG)" ]; then args="$$args --data-dir $(DATA_DIR)"; fi; \
	if [ -n "$(HOST)" ]; then args="$$args --host $(HOST)"; fi; \
	if [ -n "$(PORT)" ]; then args="$$args --port $(PORT)"; fi; \
	echo "==> $(BIN)/segue serve$$args"; \
	exec $(BIN)/segue serve $$args

lint: install
	@echo "==> ruff check"
	@$(BIN)/ruff check .
	@echo "==> ruff format --check"
	@$(BIN)/ruff format --check .

typecheck: install
	@echo "==> mypy --strict $(TYPED_PATHS)"
	@$(BIN)/mypy $(TYPED_PATHS)

# What only the test suite needs: Chromium for the web player's tests, Go (Debian's; a newer toolchain is fetched
# through the Go module proxy when go.mod asks for one) and the FerretDB
# server the MongoDB tests talk to, built once into ~/.cache/segue/ferretdb.
test-tools: install
	@missing=""; \
	command -v go >/dev/null 2>&1 || missing="$$missing golang-go"; \
	for pkg in $(TEST_APT_PACKAGES); do \
		dpkg -s "$$pkg" >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "==> apt: installing$$missing"; \
		$(SUDO) apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@bash tests/ferretdb/build.sh >/dev/null

test: lint typecheck test-tools
	@echo "==> pytest"
	@$(BIN)/pytest -q
	@echo "==> mkdocs build --strict"
	@$(BIN)/mkdocs build --strict
	@echo "==> all checks passed"

bench: install
	@status=0; \
	for bench in tests/benchmarks/bench_*.py; do \
		[ -e "$$bench" ] || { echo "no benchmarks in tests/benchmarks/"; break; }; \
		echo "==> $$bench"; \
		$(BIN)/python "$$bench" || { echo "FAILED: $$bench"; status=1; }; \
	done; \
	exit $$status

# Regenerates the pages made from the code (config, hooks, API reference), then builds the site
# into .cache/site/. --strict makes a broken link or a page missing from the nav an error
# (not --quiet: it hides the warnings that --strict counts).
docs: install
	@$(BIN)/python docs/generate_config_reference.py
	@$(BIN)/python docs/generate_hooks_reference.py
	@$(BIN)/python docs/generate_api_reference.py
	@echo "==> mkdocs build --strict"
	@$(BIN)/mkdocs build --strict

# Keeps .venv/ (slow to rebuild) and data/ (users, play counts): remove those by hand.
clean:
	rm -rf $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	find tests/fixtures/plugin_dists -maxdepth 2 -name build -type d -prune -exec rm -rf {} +
