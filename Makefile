# `make demo` and `make test` work on a fresh machine: both create .venv/ from the lock file.
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export CRM_DATA_DIR ?= $(CURDIR)/.data

.PHONY: install demo test test-spark lint format clean e2e-deps spark-deps

# Bytecode is compiled once at install: where PYTHONDONTWRITEBYTECODE is set, every `crm`,
# dbt and Dagster process would otherwise compile all its imports from source at start.
$(STAMP): requirements.lock pyproject.toml Makefile
	test -x $(PY) || python3.11 -m venv $(VENV)
	$(BIN)/pip install --quiet uv==0.13.8
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(PY) -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(PY) --no-deps -e .
	$(PY) -m compileall -q crm web warehouse ingest orchestration dashboards entry_app scoring
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	cd dbt_project && lint=$$(mktemp -d) && CRM_WAREHOUSE_PATH=$$lint/build.duckdb \
		CRM_MARTS_PATH=$$lint/marts.duckdb ../$(BIN)/sqlfluff lint models macros tests snapshots --nocolor

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The real-browser tests drive Debian's Chromium; the voucher PDF embeds a CJK font.
# Installed only when missing, so a prepared machine never touches the network.
E2E_DEPS := /usr/bin/chromium /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

e2e-deps:
	@for f in $(E2E_DEPS); do test -e $$f || missing=1; done; \
	if [ -n "$$missing" ]; then \
		$(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei; \
	fi

test: install lint e2e-deps
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder -q

# Spark runs on a Java runtime, installed only when missing.
spark-deps:
	@command -v java >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless; }

# The same dbt project built by Spark (docs/architecture.md §5.6): a step of its own in CI.
test-spark: install spark-deps
	$(BIN)/pytest -m spark -q tests/spark

demo: install
	$(BIN)/crm init
	test -f $(CRM_DATA_DIR)/.demo-seeded || \
		($(BIN)/crm seed --profile small --seed 1 && touch $(CRM_DATA_DIR)/.demo-seeded)
	$(BIN)/crm user demo
	$(BIN)/crm refresh
	$(BIN)/crm serve

clean:
	rm -rf $(VENV) .data
