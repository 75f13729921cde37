# The commands the README names.  `make book` and `make test` set up .venv first.
#
#   make venv                 create .venv and install the package with its test extras
#   make book [PROFILE=quick] run every notebook on PROFILE and build the book
#   make test                 run the test suite
#   make lab                  open JupyterLab on notebooks/
#   make clean                remove _build/ and caches (keeps data/ and results/)
#   make clean-data           remove the Monte Carlo store data/ and results/

PYTHON ?= python3
VENV ?= .venv
PROFILE ?= quick
# Sphinx warnings fail the book build; all of them are listed first.
BOOK_FLAGS ?= -W --keep-going
PYTEST_FLAGS ?=

VENV_PYTHON := $(VENV)/bin/python
CHROMIUM := /usr/bin/chromium
# apt-get needs root; use sudo when it exists and we are not root.
SUDO := $(shell if [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then echo sudo; fi)

.PHONY: venv chromium book test lab clean clean-data

venv: $(VENV)/.installed chromium

# Reinstall when the dependencies change.  Nothing is registered outside .venv: the
# pipeline writes the Jupyter kernel it uses into _build/.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install -e '.[test]'
	touch $@

# Debian's chromium drives tests/test_browser.py (Playwright does not download a browser).
chromium:
	@if [ -x $(CHROMIUM) ]; then \
		true; \
	elif command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; \
	else \
		echo "warning: $(CHROMIUM) is missing and apt-get is not available;" \
			"install Chromium there or tests/test_browser.py will fail" >&2; \
	fi

book: venv
	$(VENV_PYTHON) -m ising_core run --profile $(PROFILE) --book $(BOOK_FLAGS)

test: venv
	$(VENV_PYTHON) -m pytest $(PYTEST_FLAGS)

lab: venv
	$(VENV_PYTHON) -m ising_core lab

clean:
	rm -rf _build .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

clean-data:
	rm -rf data results
