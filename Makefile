# Quickstart: `make demo` (the worked example, explained and rendered) and
# `make test` (every test). Both set up what they need first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint bench messages system clean

# Graphviz's `dot` draws the graphs; Debian/Ubuntu ship venv separately;
# the lesson page's browser tests drive Debian's Chromium (/usr/bin/chromium);
# the Chinese page needs a CJK font (Noto Sans CJK).
system:
	@if ! command -v dot >/dev/null || ! $(PYTHON) -c 'import ensurepip' 2>/dev/null \
	    || [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -q 'Noto Sans CJK'; then \
	  if command -v apt-get >/dev/null; then \
	    $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq graphviz python3-venv \
	      && $(SUDO) apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk; \
	  else \
	    echo "Please install Graphviz (brew install graphviz, or conda install graphviz), Python's venv, Chromium and a CJK font"; \
	  fi; \
	fi
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "scalar-autograd needs Python 3.10+"'

$(VENV)/.installed: pyproject.toml | system
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	mkdir -p out
	$(VENV)/bin/autograd explain --render out/worked_example.svg --frames out/backward_steps \
	  --html out/worked_example.html

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# pytest exits with 5 when it collected nothing: say so rather than pass silently.
test: lint
	@$(PY) -m pytest tests autograd --nbmake notebooks || { rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: check the paths" >&2; fi; exit $$rc; }

# Re-extract every marked sentence into the template (the keywords are in
# pyproject.toml's [tool.babel]) and merge it into each language's catalog:
# new sentences arrive empty, changed ones fuzzy, for a translator to fill in.
LOCALE := autograd/locale
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F pyproject.toml -o $(LOCALE)/autograd.pot \
	  --project=scalar-autograd --copyright-holder="scalar-autograd maintainers" \
	  --add-location=file --sort-by-file --no-wrap autograd
	$(VENV)/bin/pybabel update -i $(LOCALE)/autograd.pot -d $(LOCALE) -D autograd \
	  --previous --ignore-obsolete --no-wrap

bench: $(VENV)/.installed
	$(PY) -m pip install -q micrograd
	$(PY) benchmarks/bench.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .hypothesis
