# Huifang: the two commands a new machine needs.
#   make run   - create .venv, install, run the demo on http://127.0.0.1:8000
#   make test  - install everything the tests need and run the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test install install-test system-deps lint bench bench-remind bench-audit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python system-deps
	$(BIN)/pip install -q -e '.[test]'

# Debian packages the tests drive for real: Chromium (browser tests), PostgreSQL 15
# (a private cluster on loopback), a CJK font and poppler (PDFs rendered to PNG).
system-deps:
	@sh scripts/system-deps.sh

run: install
	@sh scripts/system-deps.sh --runtime
	$(BIN)/huifang demo

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check service qr_forms tests benchmarks
	$(BIN)/mypy service/domain qr_forms
	$(BIN)/lint-imports --no-cache

bench: install-test
	$(BIN)/python benchmarks/compliance.py
	$(BIN)/python benchmarks/forms.py

# One scheduler cycle on 50,000 open jobs on PostgreSQL (BENCH_ARGS=--smoke: 2,000 jobs).
bench-remind: install-test
	$(BIN)/python benchmarks/remind_cycle.py $(BENCH_ARGS)

# huifang audit verify on 1,000,000 audit entries against the bare hashing floor, and what the
# chain adds to one write, on PostgreSQL (BENCH_ARGS=--smoke: 20,000 entries).
bench-audit: install-test
	$(BIN)/python benchmarks/audit_verify.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache huifang.db
