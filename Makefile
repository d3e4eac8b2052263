# Two commands do all the setup on a fresh Debian machine (Python 3.11, root or sudo, no conda):
#   make demo   the main job: the engine on the seed programs, then the autograder on the bundled sample class
#   make test   the whole test suite (what CI runs through .ci/run)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
APT_PACKAGES := graphviz bubblewrap
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test bench acceptance course check sysdeps clean

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory sysdeps
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[course,test]'
	@rm -f $(VENV)/.installed-*; touch $@

sysdeps:
	@missing=""; command -v dot >/dev/null || missing="$$missing graphviz"; \
	 command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	 if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	   $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi

demo: $(STAMP)
	$(PY) examples/tour.py

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup -p no:cacheprovider tests
	$(PY) ../shared/acceptance/run.py

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

acceptance: $(STAMP)
	$(PY) ../shared/acceptance/run.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis
