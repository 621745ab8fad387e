# Every target installs what it needs first: a fresh clone needs no manual step.
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install check build publish test lint bench golden clean

install: $(STAMP)

$(STAMP): pyproject.toml .ci/system-deps
	bash .ci/system-deps
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

check: install
	$(BIN)/pressroom check

build: install
	$(BIN)/pressroom build

# CI runs this on every push: publishing is idempotent, nothing is sent twice.
publish: install
	$(BIN)/pressroom publish
	$(BIN)/pressroom dispatch --once

test: install
	$(BIN)/pytest -q

# Rewrite the expected outputs in tests/golden/ after an intended rendering change.
golden: install
	PRESSROOM_UPDATE_GOLDEN=1 $(BIN)/pytest -q tests/test_golden.py

lint: install
	$(BIN)/ruff check pressroom tests bench
	$(BIN)/mypy pressroom

bench: install
	$(PY) bench/bench_build.py
	$(PY) bench/bench_dispatch.py

clean:
	rm -rf build var .pytest_cache .mypy_cache .ruff_cache
