# Every target installs what it needs first: a fresh clone needs no manual step.
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install check build publish test lint bench golden clean

install: $(STAMP)

$(STAMP): pyproject.toml
	bash .ci/system-deps
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

check: install
	$(BIN)/pressroom check

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check pressroom tests
	$(BIN)/mypy pressroom

clean:
	rm -rf build var .pytest_cache .mypy_cache .ruff_cache
