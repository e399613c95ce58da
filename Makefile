# Common Ground: two commands.
#   make run   set up .venv, build the demo database when absent, start the app on 127.0.0.1:8501
#   make test  set up .venv with test tools, install Debian chromium when root, run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := data/warehouse.duckdb
DB ?= $(DEMO_DB)
PORT ?= 8501
# One BLAS thread per process for the app, the CLI, tests and benchmarks: OpenBLAS's thread per core fights
# over a small server's cores and made Program evaluation 10-30x slower (community_policing/__init__.py
# sets the same defaults for runs outside make). A value already in the environment wins.
OPENBLAS_NUM_THREADS ?= 1
OMP_NUM_THREADS ?= 1
MKL_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS OMP_NUM_THREADS MKL_NUM_THREADS

.PHONY: run test setup test-setup demo stl debian-packages a11y-packages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.stamp-runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.stamp-test: requirements-dev.txt $(VENV)/.stamp-runtime
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

setup: $(VENV)/.stamp-runtime

test-setup: $(VENV)/.stamp-test debian-packages a11y-packages

# axe-core (pinned in tests/a11y/package-lock.json) for the accessibility tests, which inject it into the
# running app with Playwright. `npm ci` takes it from npm's cache when it is there (--prefer-offline).
AXE := tests/a11y/node_modules/axe-core/axe.min.js
$(AXE): tests/a11y/package.json tests/a11y/package-lock.json
	cd tests/a11y && npm ci --prefer-offline --no-audit --no-fund --loglevel=error
	touch $@

a11y-packages:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(AXE); \
	else echo "note: npm is missing; the accessibility tests (axe-core) will be skipped"; fi

# The demo database is rebuilt when absent or older than the schema or the generator;
# `make demo` rebuilds it on demand. Any other DB (a loaded city) is used as it is.
$(DEMO_DB): community_policing/data/schema.yaml community_policing/data/demo.py | $(VENV)/.stamp-runtime
	$(BIN)/python -m community_policing demo --db $(DEMO_DB)

demo: setup
	$(BIN)/python -m community_policing demo --db $(DB)

# Load St. Louis from the SLMPD files (SOURCE defaults to ../shared/data), then:
#   make run DB=data/st_louis.duckdb
SOURCE ?= ../shared/data
stl: setup
	$(BIN)/python -m community_policing load data/cities/st_louis/city.toml --source-dir $(SOURCE) --db data/st_louis.duckdb

run: setup debian-packages $(DB)
	COMMON_GROUND_DB=$(DB) OPENBLAS_NUM_THREADS=$(OPENBLAS_NUM_THREADS) OMP_NUM_THREADS=$(OMP_NUM_THREADS) \
		MKL_NUM_THREADS=$(MKL_NUM_THREADS) $(BIN)/python -m streamlit run dashboard.py \
		--server.address 127.0.0.1 --server.port $(PORT) --server.headless true \
		--browser.gatherUsageStats false

# Browser tests and briefing charts use Debian's chromium (Playwright's and kaleido's own browser
# downloads cannot work offline); briefing tests read PDFs with poppler (pdftoppm, pdftotext).
debian-packages:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = "0" ]; then \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
		else \
			echo "note:$$missing missing and this is not root; browser and briefing tests will be skipped"; \
		fi; \
	fi

test: test-setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python benchmarks/did_coverage.py --seeds 200 --workers 2 --label-seeds 50 || true
	$(BIN)/python benchmarks/area_comparison.py
	$(BIN)/python benchmarks/briefing.py || true

# Extract every text marked for translation into locale/messages.pot (see locale/README.md).
messages: setup
	PYTHONPATH=. $(BIN)/pybabel extract -F locale/babel.cfg --no-location --sort-output -k _ -k N_ -k ngettext:1,2 \
		-o locale/messages.pot community_policing pages dashboard.py

clean:
	rm -rf $(VENV) .pytest_cache artifacts
