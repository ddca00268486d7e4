# The two commands: `make demo` (the main job on the bundled samples) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint schemas bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# the CPU build of torch first (pinned, on local disk); the project's range accepts it
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[all,dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	PATH=$(CURDIR)/$(BIN):$$PATH bash scripts/demo.sh

test: $(STAMP)
	$(BIN)/ruff check curate train tests bench scripts
	$(BIN)/python -m pytest -n 2 --dist loadfile --doctest-modules tests curate train

schemas: $(STAMP)
	$(BIN)/python -m curate.schemas

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info demo-out
