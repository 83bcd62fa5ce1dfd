# The two commands of the README:
#   make run   -- creates .venv, installs, runs the headline experiment into results/headline
#   make test  -- creates .venv, installs (with Chromium for the browser test and Slurm + munge
#                 for the cluster test, from Debian's packages), runs lint and tests
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test install browser slurm lint bench report reference calibrate clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/cadresim headline --out results/headline --replace

browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# Slurm and munge for tests/test_cluster.py (no recommends, daemons not started: the test starts
# and stops its own single-node Slurm with tests/slurm/recipe.sh and teardown.sh).
slurm:
	@command -v slurmctld >/dev/null 2>&1 && command -v slurmd >/dev/null 2>&1 && \
		command -v munged >/dev/null 2>&1 || bash tests/slurm/recipe.sh --install-only

lint: $(STAMP)
	$(VENV)/bin/ruff check .

test: $(STAMP) browser slurm lint
	$(PY) -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(PY) benchmarks/bench_model.py
	$(PY) benchmarks/bench_sweep.py
	$(PY) benchmarks/bench_calibration.py
	$(PY) benchmarks/bench_app.py

# The committed headline posterior (issue 12): rerun after a change of the model or the targets.
calibrate: $(STAMP)
	rm -rf results/headline/posterior
	$(VENV)/bin/cadresim calibrate --nuisance defaults --out results/headline/posterior

report: $(STAMP)
	$(VENV)/bin/cadresim report --out results/report

# Only after an intended change of the model's results; say so in the commit (tests/reference/).
reference: $(STAMP)
	$(PY) tests/reference/make_reference.py

clean:
	rm -rf $(VENV) *.egg-info
