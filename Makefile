# casework — the README's commands. `make run` and `make test` work on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_CASES ?= 400
PYTEST_ARGS ?=

.PHONY: install run test lint bench clean messages

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

run: install
	$(BIN)/casework init
	$(BIN)/casework demo --cases $(DEMO_CASES) --if-empty
	$(BIN)/casework serve

# pytest exit code 5 means "no tests collected": not a failure here.
test: install
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest: no tests collected"; rc=0; fi; exit $$rc

lint: install
	$(BIN)/ruff check casework notifications web tests bench migrations/env.py
	$(BIN)/mypy

bench: install
	$(BIN)/python -m bench.filing
	$(BIN)/python -m bench.transitions
	$(BIN)/python -m bench.http
	$(BIN)/python -m bench.sla_scan
	$(BIN)/python -m bench.staff_queue
	$(BIN)/python -m bench.outbox

# Re-extract the site's texts (Thai msgids) and merge them into the translations.
messages: install
	$(BIN)/pybabel extract -F web/babel.cfg -o web/locale/messages.pot --project casework --no-wrap .
	$(BIN)/pybabel update -i web/locale/messages.pot -d web/locale --no-wrap

clean:
	rm -rf var test-artifacts
