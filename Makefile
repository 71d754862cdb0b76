# Every target creates .venv when needed and installs the project from its own files.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench fuzz fidelity fidelity-transit lab-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/vpcsim demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks fuzz
	$(BIN)/ruff format --check src tests benchmarks fuzz
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -n auto

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Every input surface fuzzed with 100,000 structure-aware inputs, each surface stopped after 20
# minutes at most (docs/fuzzing.md); failing inputs are kept in fuzz-failures/.
fuzz: $(STAMP)
	$(BIN)/python -m fuzz --examples 100000 --max-minutes 20

# The live lab's tools (iproute2, nftables, ping, nc, curl) from Debian's packages; needs root.
lab-deps:
	bash scripts/install-lab-deps.sh

# Engine against kernel on 100 random networks x 100 flows, biased toward paths that almost work
# (needs root); see docs/fidelity.md.
fidelity: $(STAMP) lab-deps
	$(BIN)/python -m vpcsim.fidelity --networks 100 --flows 100

# The same over networks with transit gateways, every seeded mutation counted.
fidelity-transit: $(STAMP) lab-deps
	$(BIN)/python -m vpcsim.fidelity --networks 100 --flows 100 --preset transit-small --all-mutations

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
