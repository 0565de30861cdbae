# The two commands of the README are `make run` and `make test`; the others
# are their parts. Nothing here needs an activated virtual environment.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# uv comes from the virtual environment (pinned in requirements.txt), never
# from the PATH: a reader's machine has none, and ours must not hide that.
UV := $(VENV)/bin/uv
UV_VERSION := $(shell sed -n 's/^uv==\([^ ;]*\).*/\1/p' requirements.txt)
# make install CHAPTER=02: only what chapter 02 needs (chapter02/requirements.txt).
CHAPTER ?=

# What the suite starts for real: nginx with Lua, Redis, RabbitMQ, Chromium,
# Prometheus (with promtool), ModSecurity with the OWASP rules, PostgreSQL
# (chapter 08's data service), podman with runc and catatonit (chapter 10's
# images; mmdebstrap makes their base image); jq reads JSON in chapter 06's
# README.
APT_PACKAGES := curl jq nginx libnginx-mod-http-lua redis-server rabbitmq-server \
	chromium prometheus libnginx-mod-http-modsecurity modsecurity-crs postgresql \
	podman runc catatonit mmdebstrap

# The suite runs on every core (pytest-xdist), a test file per worker at a
# time, so a README's blocks stay in order in one terminal.
WORKERS ?= auto
PYTEST_PARALLEL := -n $(WORKERS) --dist loadfile
# What starts nothing: no server, broker, browser, benchmark or Sphinx build.
QUICK := not integration and not e2e and not slow

.PHONY: install python-check run test quick services docs lint format clean

install: $(if $(CHAPTER),$(VENV)/.installed-chapter$(CHAPTER),$(VENV)/.installed)

# Rebuilt whenever requirements.txt changes. pip brings uv (one wheel), uv
# installs the rest in seconds and fills its cache, from which chapter 09 makes
# the services' environments offline. Compiled to byte code there and then, as
# pip does and uv does not by default: a first run, or any run where Python
# may not write byte code (PYTHONDONTWRITEBYTECODE), would compile every
# library it imports, in every test worker (make quick: 38 s, not 27).
$(VENV)/.installed: requirements.txt
	@$(MAKE) --no-print-directory python-check
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	test -x $(UV) && $(UV) --version | grep -qF ' $(UV_VERSION) ' \
		|| $(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) pip install --python $(PY) --compile-bytecode -r requirements.txt
	touch $@

# One chapter, with pip as its README shows it: no uv needed for that.
$(VENV)/.installed-chapter%: chapter%/requirements.txt
	@$(MAKE) --no-print-directory python-check
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r $<
	touch $@

python-check:
	@command -v $(PYTHON) >/dev/null \
		|| { echo "$(PYTHON) not found; name another: make PYTHON=/path/to/python3.12"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed; try: make PYTHON=python3.12"; exit 1; }

run: $(VENV)/.installed
	$(PY) -m chapter09

test: $(VENV)/.installed lint
	$(PY) -m coverage erase
	$(PY) -m coverage run -m pytest $(PYTEST_PARALLEL) --durations=15 $(PYTEST_ARGS)
	$(PY) -m coverage combine --quiet
	$(PY) -m coverage html --quiet && echo "coverage: open htmlcov/index.html"
	$(PY) -m coverage report

# The fast loop while you work: no coverage, nothing started, every core.
quick: $(VENV)/.installed
	$(PY) -m pytest -q $(PYTEST_PARALLEL) -m "$(QUICK)" $(PYTEST_ARGS)

services:
	@if ! command -v apt-get >/dev/null || [ "$$(id -u)" != 0 ]; then \
		echo "make services installs Debian packages as root; elsewhere install:"; \
		echo "  $(APT_PACKAGES)"; \
	elif dpkg -s $(APT_PACKAGES) >/dev/null 2>&1; then \
		echo "services: all installed ($(APT_PACKAGES))"; \
	else \
		apt-get update && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends $(APT_PACKAGES); \
	fi

docs: $(VENV)/.installed
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html
	@echo "docs: open docs/_build/html/index.html"

# Bandit (chapter 07): no finding of medium severity or more in the book's
# code; the deliberately vulnerable examples are marked in place.
lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m bandit -q -r chapter[0-9]* fakestrava -x '*/tests/*' --severity-level medium

format: $(VENV)/.installed
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

clean:
	rm -rf $(VENV) .coverage .coverage.* htmlcov docs/_build .pytest_cache
