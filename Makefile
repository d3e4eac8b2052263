# Two commands do all the setup on a fresh Debian machine (Python 3.11, root or sudo, no conda):
#   make demo   the main job: a tour of the engine, then the autograder on the bundled sample class
#   make test   the whole test suite and the seed acceptance programs (what CI runs through .ci/run)
#   make slow   the long end-to-end tests (real browser, Dask cluster) of which make test runs a sample
#   make fuzz   random programs run with the engine and with TensorFlow (FUZZ_SEED, FUZZ_N): the disagreements
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test slow compat bench acceptance course check sysdeps clean corpus fuzz

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory sysdeps
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[course,test,cluster]'
	@rm -f $(VENV)/.installed-*; touch $@

sysdeps:
	@missing=""; command -v dot >/dev/null || missing="$$missing graphviz"; \
	 command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	 command -v prlimit >/dev/null || missing="$$missing util-linux"; \
	 command -v chromium >/dev/null || missing="$$missing chromium"; \
	 if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	   $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi

demo: sysdeps $(STAMP)
	$(PY) examples/tour.py
	$(PY) -m autograder demo

test: sysdeps $(STAMP)
	@if [ -f ../shared/acceptance/run.py ]; then $(PY) ../shared/acceptance/run.py; \
	 else echo "seed acceptance skipped: ../shared/acceptance/run.py not found"; fi
	$(PY) -m pytest -n 2 --dist loadgroup -p no:cacheprovider --durations=20 -m 'not slow' tests
	$(PY) tools/compat.py py3.9-numpy1.22 py3.13-numpy-latest

# the engine's TensorFlow-free tests under Python 3.9-3.13 and NumPy 1.22-2.x (virtualenvs in .venv-compat/)
compat: $(STAMP)
	$(PY) tools/compat.py

# the long end-to-end tests that `make test` only samples: every browser test, every cluster failure
slow: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup -p no:cacheprovider -m slow tests

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

corpus: $(STAMP)
	$(PY) -m pytest -n 2 -p no:cacheprovider tests/corpus

FUZZ_SEED ?= 0
FUZZ_N    ?= 5000
fuzz: $(STAMP)
	$(PY) tests/fuzz/run.py --seed $(FUZZ_SEED) -n $(FUZZ_N)

acceptance: $(STAMP)
	$(PY) ../shared/acceptance/run.py

course: $(STAMP)
	$(PY) -m autograder build

check: $(STAMP)
	$(PY) -m autograder check

clean:
	rm -rf $(VENV) .venv-compat *.egg-info .pytest_cache .hypothesis
