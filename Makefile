# Every target installs what it needs first: a fresh clone needs no manual step.
# Two levels: what running pressroom needs (check, build, publish, serve: WeasyPrint's
# system libraries, pressroom with its PostgreSQL driver), and what the tests and the
# benchmarks need on top (a browser, LibreOffice, a PostgreSQL server, the test tools).
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
RUN_STAMP  := $(VENV)/.installed-run
STAMP  := $(VENV)/.installed
# axe-core, the accessibility engine the browser tests inject into each page: pinned
# in tests/browser/package-lock.json (with its integrity hash), installed by npm ci.
AXE    := tests/browser/node_modules/axe-core/axe.min.js

.PHONY: install install-run check build publish test lint bench golden clean clean-ledger

install: $(STAMP) $(AXE)

install-run: $(RUN_STAMP)

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml .ci/system-deps | $(VENV)/bin/python
	bash .ci/system-deps run
	$(PY) -m pip install --quiet -e '.[postgresql]'
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml .ci/system-deps | $(VENV)/bin/python
	bash .ci/system-deps test
	$(PY) -m pip install --quiet -e '.[test,postgresql]'
	touch $(RUN_STAMP) $(STAMP)

$(AXE): tests/browser/package.json tests/browser/package-lock.json | $(STAMP)
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	touch $(AXE)

check: install-run
	$(BIN)/pressroom check

build: install-run
	$(BIN)/pressroom build

# Queues each ready release once, then delivers what is due. Nothing is sent twice
# only while the ledger (var/queue.sqlite3, or the one $PRESSROOM_QUEUE names) survives:
# CI throws its checkout away, so there point PRESSROOM_QUEUE at a PostgreSQL database
# (postgresql://...) or a durable path outside it (publish refuses a ledger inside the
# checkout in CI when smtp or webhook channels are configured). Releases older than distribution.max_age are not mailed by it.
publish: install-run
	$(BIN)/pressroom publish
	$(BIN)/pressroom dispatch --once

test: install
	$(BIN)/pytest -q

# Rewrite the expected outputs in tests/golden/ after an intended rendering change.
golden: install
	PRESSROOM_UPDATE_GOLDEN=1 $(BIN)/pytest -q tests/test_golden.py

lint: install
	$(BIN)/ruff check pressroom tests bench
	$(BIN)/mypy --strict pressroom

bench: install
	$(PY) bench/bench_build.py
	$(PY) bench/bench_rebuild.py
	$(PY) bench/bench_dispatch.py
	$(PY) bench/bench_dispatchers.py
	$(PY) bench/bench_preview.py

# Removes what can be made again. Never the ledger in var/: it is the record of what was sent.
clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache

# Deletes the ledger, the record of what was sent: every ready release goes out AGAIN
# at the next `make publish` (within distribution.max_age). Only on purpose.
clean-ledger:
	rm -f var/queue.sqlite3 var/queue.sqlite3-wal var/queue.sqlite3-shm
