# Two commands do everything on a fresh Debian machine with Python 3.11+:
#   make demo  -- create .venv, install cimbus, run the end-to-end demo on the embedded transport
#   make test  -- install what is missing (Python deps, Debian's rabbitmq-server and postgresql),
#                 then ruff, mypy and the whole pytest suite; the suite starts and stops its own
#                 private RabbitMQ node and PostgreSQL server
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: cim-model demo test lint typecheck pytest install rabbitmq postgresql bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/cimbus demo

rabbitmq:
	bash scripts/ensure-rabbitmq.sh

postgresql:
	bash scripts/ensure-postgresql.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) rabbitmq postgresql
	$(BIN)/python -m pytest

test: lint typecheck pytest

cim-model: $(STAMP)
	$(BIN)/python -m tools.cimgen

bench: $(STAMP)
	$(BIN)/cimbus bench envelope

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
