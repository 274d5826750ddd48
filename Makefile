# `make demo` and `make test` work on a fresh machine: both create .venv/ from the lock file.
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export CRM_DATA_DIR ?= $(CURDIR)/.data

.PHONY: install demo test lint format clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || python3.11 -m venv $(VENV)
	$(BIN)/pip install --quiet uv==0.13.8
	$(BIN)/uv pip install --quiet --python $(PY) -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(PY) --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && lint=$$(mktemp -d) && CRM_WAREHOUSE_PATH=$$lint/build.duckdb \
		CRM_MARTS_PATH=$$lint/marts.duckdb ../$(BIN)/sqlfluff lint models --nocolor

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install lint
	$(BIN)/pytest -n 2 --dist loadfile -q

demo: install
	$(BIN)/crm init
	test -f $(CRM_DATA_DIR)/.demo-seeded || \
		($(BIN)/crm seed --profile small --seed 1 && touch $(CRM_DATA_DIR)/.demo-seeded)
	$(BIN)/crm user demo
	$(BIN)/crm refresh
	$(BIN)/crm serve

clean:
	rm -rf $(VENV) .data
