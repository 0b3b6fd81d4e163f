# The two commands of the README:
#   make book   set up the environment on first use, then build the whole book (book/_build/html)
#   make test   set up the environment on first use, then run every test (unit, notebooks, strict build, browser)
# and, for maintainers:
#   make lock   refresh requirements.lock.txt from pyproject.toml's ranges (uv; exact versions and hashes)
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PROFILE ?= paper
# A local copy of the authors' published data, if there is one beside the checkout (as in CI);
# otherwise the files are downloaded on first use into ~/.cache/repro (pinned by sha256).
export REPRO_DATA_DIR ?= $(wildcard $(abspath ../shared/paper-data))

.PHONY: setup book test clean lock

setup: $(VENV)/.installed

# Installs exactly the locked versions (hash-checked), then this project itself without dependencies.
$(VENV)/.installed: pyproject.toml requirements.lock.txt
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found (Python 3.11 is required; set PYTHON=...)"; exit 1; }
	@$(PYTHON) scripts/lock.py --check
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	bash scripts/install-browser.sh
	touch $@

# JOBS: notebooks executed at once (default: the number of cores)
book: setup
	$(BIN)/repro build --profile $(PROFILE) $(if $(JOBS),-j $(JOBS))
	@echo "site: $(abspath book/_build/html/index.html)"

# The cluster tests (tests/test_cluster_slurm.py) submit to a real single-node SLURM: started here when
# run as root (CI), stopped after the tests whatever their outcome.
test: setup
	@if [ "$$(id -u)" = 0 ]; then scripts/local-slurm.sh start; fi
	@status=0; $(BIN)/python -m pytest -ra || status=$$?; \
	if [ "$$(id -u)" = 0 ]; then scripts/local-slurm.sh stop; fi; exit $$status

lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv>=0.9"
	$(BIN)/python scripts/lock.py

clean:
	rm -rf book/_build book/executed book/_static/plotly.min.js runs/reruns
