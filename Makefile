# The two commands of the README: `make demo` and `make test`. Both install what they need.
VENV ?= .venv
PY := $(VENV)/bin/python
SOURCES := recaudo streams models channels rules dashboards simulator bench tests

.PHONY: demo test lint typecheck bench system-deps clean constraints

$(VENV)/.installed: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

# Re-pin every dependency after changing pyproject.toml: a fresh venv resolves
# the newest allowed versions and constraints.txt records them.
constraints:
	rm -rf .venv-pin && python3 -m venv .venv-pin
	.venv-pin/bin/pip install --quiet ".[dev]"
	{ sed -n 1,2p constraints.txt; .venv-pin/bin/pip freeze --all --exclude recaudo \
	  | grep -v -E '^(pip|setuptools|wheel)=='; } > constraints.txt.new
	mv constraints.txt.new constraints.txt && rm -rf .venv-pin

# promtool (Prometheus rules), Chromium (the operations page) and shellcheck
# (deploy/check-image.sh) from Debian's packages.
system-deps:
	@command -v promtool >/dev/null && command -v chromium >/dev/null \
	  && command -v shellcheck >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    prometheus chromium shellcheck >/dev/null; }
	@# axe-core, the pay page's accessibility check (npm, into the ignored .axe/).
	@test -f .axe/node_modules/axe-core/axe.min.js \
	  || npm install --silent --no-audit --no-fund --prefix .axe axe-core@4.11.1

demo: $(VENV)/.installed
	$(VENV)/bin/recaudo demo

lint: $(VENV)/.installed
	$(PY) -m ruff check $(wildcard $(SOURCES))
	$(PY) -m ruff format --check $(wildcard $(SOURCES))

typecheck: $(VENV)/.installed
	$(PY) -m mypy recaudo bench tests

# The suite mostly waits on real processes (workers starting, brokers and Redis
# restarting): serially it kept half of one core busy (834 s). Four pytest-xdist
# workers fill two cores; each file stays on one worker (--dist loadfile), so a
# file's module-scoped servers start once. Each worker starts its own broker.
TEST_WORKERS ?= 4
test: $(VENV)/.installed system-deps lint typecheck
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

# Coverage (lines and branches) of every real folder (pyproject's [tool.coverage]: the domain
# folders count under their own names, not under the recaudo/ symlinks).
.PHONY: coverage
coverage: $(VENV)/.installed system-deps
	$(PY) -m coverage erase
	$(PY) -m coverage run -m pytest
	$(PY) -m coverage report

bench: $(VENV)/.installed
	$(PY) -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
