# The course's commands. Each target bootstraps .venv from the pinned requirements.
# `book/` is a folder, so every command target is .PHONY (else `make book` is "up to date").
.PHONY: nbval-one-cpu book test lint unit nbval build-test site-test lab bench clean lock ledger execute \
	sweep sweep-smoke gpu-check reliability nbval-one-thread interrupted-build profile colab-like lowest-versions \
	book-size widget-latency outputs browser-test

# The lock (requirements.txt) is for Python 3.11: its setuptools pin, and chapter 4's text
# (Python's own pydoc_data), are version-specific. PYTHON=/path/to/python3.11 picks another
# 3.11 interpreter; ANY_PYTHON=1 accepts another version (see the README for what may differ).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PYTHON_VERSION = $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JB_FLAGS := -W -n --keep-going
# nbval, `make execute` and the book build run on CPU: the stored outputs are CPU outputs.
# lab, bench and gpu-check use whatever JAX finds (a GPU or TPU build if installed).
CPU := JAX_PLATFORMS=cpu
export PYTHONHASHSEED := 0
# A persistent XLA compilation cache shared by every execution of the notebooks (nbval, the
# book build, the reliability reruns). JAX keys an entry by the computation, the compile
# options, XLA_FLAGS, the backend and its own version, so a hit is the executable that
# compiling would give; it saves the compiling half of every run after the first. `make
# profile` and `make bench` measure cold runs and do without it. JAX_COMPILATION_CACHE_DIR=
# (empty) turns it off.
export JAX_COMPILATION_CACHE_DIR ?= $(CURDIR)/_build/jax-cache
export JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS := 0
export JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES := 0
COLD := env -u JAX_COMPILATION_CACHE_DIR

$(STAMP): requirements.txt pyproject.toml
	@if [ "$(PYTHON_VERSION)" != "3.11" ] && [ -z "$(ANY_PYTHON)" ]; then \
		echo "error: the course needs Python 3.11; PYTHON=$(PYTHON) is '$(PYTHON_VERSION)'."; \
		echo "  Install Python 3.11 and run e.g. 'make book PYTHON=/path/to/python3.11',"; \
		echo "  or accept another version with ANY_PYTHON=1 (see README: Python versions)."; \
		exit 1; fi
	@echo "== creating $(VENV) with Python $(PYTHON_VERSION) and installing pinned requirements"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (course)" >/dev/null
	touch $(STAMP)

# Execute every notebook (cached) and build the HTML book; warnings are errors.
book: $(STAMP) ledger
	$(CPU) BOOK_STATIC_FRAMES=all $(BIN)/jupyter-book build . $(JB_FLAGS)
	@echo "== the book is built: open $(CURDIR)/_build/html/index.html"

ledger: $(STAMP)
	$(BIN)/python -m book.ledger .
	$(BIN)/python -m book.verdict .

# Each notebook executes once here, in the book build; `outputs` compares that execution
# with the stored outputs as nbval does (tests/stored_outputs.py).
test: lint unit book outputs browser-test
	@echo "== all tests passed"

lint: $(STAMP)
	$(BIN)/ruff check book tests benchmarks notebooks appendices _ext
	$(BIN)/ruff format --check book tests benchmarks _ext notebooks appendices
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

unit: $(STAMP)
	$(BIN)/python -m pytest tests --ignore=tests/site -q

nbval: $(STAMP)
	$(CPU) $(BIN)/python -m pytest --nbval notebooks appendices --nbval-sanitize-with tests/sanitize.cfg \
		--nbval-cell-timeout=300 -q -p no:randomly

# The tests of a built book (`make book` first): the build's execution against the stored
# outputs, and the browser tests. `make site-test` builds the book, then runs both.
outputs: $(STAMP)
	$(BIN)/python -m pytest tests/site/test_build_outputs.py -q

browser-test: $(STAMP)
	$(BIN)/python -m pytest tests/site -q --ignore=tests/site/test_build_outputs.py

site-test: book
	$(BIN)/python -m pytest tests/site -q

# Every chapter in a Colab-like environment (IPython 7.34, ipykernel 5.5.6, ipywidgets 8.1.0,
# the lock's numerics, the package from a wheel), outside the repository. Needs the network
# (pip); not part of `make test`. See the README for what it checks and how long it takes.
colab-like: $(STAMP)
	$(CPU) $(BIN)/python tests/colab_like.py

# The same with every runtime dependency at its lowest allowed version (pyproject.toml).
lowest-versions: $(STAMP)
	$(CPU) $(BIN)/python tests/colab_like.py --floors

# Reliability checks, run by .ci/run after `make test` (offline there). The stored outputs
# are one run and the build's execution another; nbval runs a third with Eigen
# single-threaded, so no printed number may depend on how matrix products are split over
# threads. Then a build killed while a notebook executes must rerun to the same site
# (.ci/interrupted_build.py, which needs the finished build `make test` leaves).
# `make nbval-one-cpu` (not in CI) runs nbval pinned to one host CPU.
reliability: nbval-one-thread interrupted-build

nbval-one-thread: $(STAMP)
	XLA_FLAGS=--xla_cpu_multi_thread_eigen=false $(MAKE) --no-print-directory nbval

nbval-one-cpu: $(STAMP)
	@if command -v taskset >/dev/null 2>&1; then taskset -c 0 $(MAKE) --no-print-directory nbval; \
	else echo "== SKIPPED nbval on one host CPU: no taskset here"; fi

interrupted-build: $(STAMP)
	$(CPU) $(BIN)/python .ci/interrupted_build.py

# Re-execute the stored notebooks in place (after editing one), as nbval will check them.
# Then drop the interactive figures' widget views and saved widget state: a notebook opened
# without a kernel shows the static figure (text/html), which nbval compares.
execute: $(STAMP)
	for nb in notebooks/*.ipynb appendices/*.ipynb; do \
		(cd $$(dirname $$nb) && $(CPU) $(CURDIR)/$(BIN)/jupyter nbconvert --to notebook --execute \
		--inplace --ExecutePreprocessor.timeout=600 $$(basename $$nb)) || exit 1; done
	$(BIN)/python -m book.explore_live strip notebooks/*.ipynb appendices/*.ipynb

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

bench: $(STAMP)
	$(COLD) $(BIN)/python benchmarks/run.py
	@$(BIN)/python benchmarks/widget_latency.py --print-only

# Key press to new image of an interactive figure in a real JupyterLab (headless Chromium):
# first visits (kernel) and revisits (the browser's frame cache); writes
# benchmarks/results/widget_latency.json.
widget-latency: $(STAMP)
	$(BIN)/python benchmarks/widget_latency.py

# Every notebook executed cell by cell: the slowest cells and the share spent compiling.
# Words, hedges per 1,000 words, code lines, longest cell and claims of every notebook.
book-size: $(STAMP)
	$(BIN)/python benchmarks/book_size.py

profile: $(STAMP)
	$(COLD) $(BIN)/python benchmarks/profile_cells.py

# Execute the chapters on the accelerator JAX finds and report every claim (holds/fails,
# with this device's evidence beside the stored CPU evidence). Nothing to do on CPU only.
gpu-check: $(STAMP)
	$(BIN)/python tests/gpu_check.py

# Rerun the committed sweeps (results/*.jsonl) into $(SWEEP_DIR) and compare the numbers.
# An interrupted `make sweep` resumes where it stopped. SWEEP_DIR=results resumes or
# extends the committed files themselves.
SWEEPS := ch3_deep_mlp ch3_deep_mlp_large_rates ch3_transformer ch3_mechanism ch3_preactivation \
	ch3_transformer_long ch5_attention ch5_attention_rates ch5_moe ch5_siglip
SWEEP_DIR ?= _build/sweep
sweep: $(STAMP)
	for e in $(SWEEPS); do \
		$(BIN)/python -m book.sweep run $$e --out $(SWEEP_DIR)/$$e.jsonl || exit 1; \
		if [ "$(SWEEP_DIR)" != results ] && [ -f results/$$e.jsonl ]; then \
			$(BIN)/python -m book.sweep compare results/$$e.jsonl $(SWEEP_DIR)/$$e.jsonl || exit 1; fi; \
	done

# A tiny grid, killed mid-way and resumed, checked against an uninterrupted run (< 1 min).
sweep-smoke: $(STAMP)
	$(BIN)/python tests/sweep_smoke.py _build/sweep-smoke

lock: $(STAMP)
	{ echo "# Complete lock of the course environment (Python 3.11). Regenerate with: make lock"; \
	  $(BIN)/python -m pip freeze --all --exclude-editable | grep -v -E "^(pip|wheel)=="; } > requirements.txt

clean:
	rm -rf _build .pytest_cache .ruff_cache .hypothesis appendices/claims_ledger.md verdict.md
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
