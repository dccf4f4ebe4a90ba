# Huifang: the two commands a new machine needs.
#   make run   - create .venv, install, load the demo into huifang.db (the default database
#                every huifang command uses) and serve it on http://127.0.0.1:8000
#   make test  - install everything the tests need and run the whole suite
#   make screenshots - refresh the README's pictures in docs/ from the browser tests
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test screenshots install install-test system-deps lint bench bench-remind bench-audit clean

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

# The demo needs one Debian package, a Chinese font for its PDFs: the script names it, and why,
# before it runs apt-get (and carries on without it when it cannot install it).
run: install
	@echo "make run: checking the Debian packages the demo uses (scripts/system-deps.sh --runtime)"
	@sh scripts/system-deps.sh --runtime
	$(BIN)/huifang demo

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The browser tests take the screenshots (test-artifacts/); HUIFANG_UPDATE_DOCS=1 copies them over
# the README's pictures in docs/. Not these: the add-on's (docs/addon-*.png, from a run on a real
# Odoo) and qr_forms' sample pages (docs/form-*.png, docs/receipt.png, rendered with pdftoppm).
screenshots: install-test
	HUIFANG_UPDATE_DOCS=1 $(BIN)/python -m pytest tests/browser -q $(PYTEST_ARGS)

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

# huifang serve --workers 2 on PostgreSQL under wrk (a Debian package, installed here: only the
# benchmark uses it): requests/s, p50/p99 latency and errors of the API, the dashboard and the
# residents' signatures against the app's constant endpoint (BENCH_ARGS=--smoke: 2 s each).
.PHONY: bench-load
bench-load: install-test
	@sh scripts/system-deps.sh --bench
	$(BIN)/python benchmarks/load.py $(BENCH_ARGS)

# The Odoo add-on for each series from its one source in addon/ (the 18.0 tree): installable
# trees in build/addons/<series>/ (17.0, 18.0, 19.0; put one on that Odoo's addons path) and
# release zips build/addons/maintenance_callback-<version>.zip. addon/README.md lists what
# differs. Standard library only.
.PHONY: addons
addons:
	$(PYTHON) scripts/build_addons.py --out build/addons

# The default database (huifang.db) goes too, with SQLite's side files.
clean:
	rm -rf $(VENV) .pytest_cache
	rm -f huifang.db huifang.db-wal huifang.db-shm huifang.db-journal huifang.db.odoo-sync.lock
	rm -f huifang-demo.db huifang-demo.db-wal huifang-demo.db-shm huifang-demo.db-journal
