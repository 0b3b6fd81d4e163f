# The two commands of the README:
#   make book   set up the environment on first use, then build the whole book (book/_build/html)
#   make test   set up the environment on first use, then run every test (unit, notebooks, strict build, browser)
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PROFILE ?= paper
# A local copy of the authors' published data, if there is one beside the checkout (as in CI);
# otherwise the files are downloaded on first use into ~/.cache/repro (pinned by sha256).
export REPRO_DATA_DIR ?= $(wildcard $(abspath ../shared/paper-data))

.PHONY: setup book test clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found (Python 3.11 is required; set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[all]"
	bash scripts/install-browser.sh
	touch $@

book: setup
	$(BIN)/repro build --profile $(PROFILE)
	@echo "site: $(abspath book/_build/html/index.html)"

test: setup
	$(BIN)/python -m pytest -ra

clean:
	rm -rf book/_build book/executed book/_static/plotly.min.js runs/reruns
