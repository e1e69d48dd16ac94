# AsyncOps Desktop — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: install run test lint typecheck pytest stress bench screenshots bundle wheel clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create the virtual environment and install the app with its dev tools

run: $(STAMP)  ## open the app on the embedded SQLite database (or --db / $$ASYNCOPS_DATABASE_URL)
	$(BIN)/asyncops-desktop $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck pytest  ## ruff, mypy --strict and the whole suite on SQLite and PostgreSQL

STRESS_REPORT := build/stress-report.jsonl
# Scenarios 1, 2 (core and window) and 5; hostile input at full size: HYPOTHESIS_PROFILE=stress.
STRESS_TESTS := tests/core/test_resilience_crash.py tests/core/test_resilience_clients.py \
	tests/core/test_resilience_connection.py tests/ui/test_server_drop.py

stress: $(STAMP)  ## resilience scenarios at full size (kills, 8 clients x 500 ops, cuts), then a table
	mkdir -p build && rm -f $(STRESS_REPORT)
	ASYNCOPS_STRESS=1 ASYNCOPS_STRESS_REPORT=$(CURDIR)/$(STRESS_REPORT) \
		$(BIN)/pytest -n 2 -p no:cacheprovider $(STRESS_TESTS) $(PYTEST_ARGS); \
		status=$$?; $(BIN)/python tests/support/stress_table.py $(STRESS_REPORT) && exit $$status

bench: $(STAMP)  ## benchmarks at --scale 1000, each figure next to its baseline
	$(BIN)/python -m bench $(ARGS)
	$(BIN)/python -m bench.decisions_io $(ARGS)
	$(BIN)/python -m bench.decisions $(ARGS)
	$(BIN)/python -m bench.gui $(ARGS)

screenshots: $(STAMP)  ## every page and the main dialogs, light and dark, into docs/screenshots
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m ui.screenshots --out docs/screenshots $(ARGS)

bundle: $(STAMP)  ## build the PyInstaller one-folder bundle and smoke-test it
	bash .ci/bundle-check.sh

wheel: $(STAMP)
	$(BIN)/python -m build --wheel --outdir dist

clean:
	rm -rf build dist .mypy_cache .ruff_cache .pytest_cache
