# The two commands of the README: `make interview` (set up, then a mock interview) and `make test`.
VENV := .venv
VI := $(VENV)/bin/voice-interviewer
PY := $(VENV)/bin/python

.PHONY: setup interview demo test test-fast lint check-lock wheel bench clean

setup:
	@bash scripts/setup.sh

# ARGS passes options through, e.g. make interview ARGS="--round behavioral --questions 2"
interview: setup
	@$(VI) doctor --brief || true
	@$(VI) practice $(ARGS)

demo: setup
	@$(VI) practice --demo $(ARGS)

# A test that ends the process (os._exit) would leave pytest's exit code at 0 with tests never run:
# conftest.py writes .pytest-finished when the session really finishes.
FINISHED = test -f .pytest-finished || { echo "pytest did not finish its session: a test ended the process early"; exit 1; }

test: setup check-lock
	$(VENV)/bin/ruff check voice_interviewer tests benchmarks scripts setup.py
	$(VENV)/bin/ruff format --check voice_interviewer tests benchmarks scripts setup.py
	$(VENV)/bin/mypy
	@rm -f .pytest-finished
	$(PY) -m pytest
	@$(FINISHED)

test-fast: setup
	@rm -f .pytest-finished
	$(PY) -m pytest -m "not slow"
	@$(FINISHED)

lint: setup
	$(VENV)/bin/ruff check voice_interviewer tests benchmarks scripts setup.py
	$(VENV)/bin/ruff format --check voice_interviewer tests benchmarks scripts setup.py
	$(VENV)/bin/mypy

# Every pin of requirements/ resolves on every supported Python (3.11 to 3.14); a dry run, nothing installed.
check-lock: setup
	@PY=$(PY) bash scripts/check_lock.sh

# The tool's wheel (carries the rubrics, knowledge notes and sample answers) into dist/.
wheel: setup
	$(PY) -m pip wheel --no-deps --no-build-isolation -w dist .

bench: setup
	$(PY) benchmarks/bench_score.py
	$(PY) benchmarks/bench_retrieval.py
	$(PY) benchmarks/bench_turn_latency.py
	$(PY) benchmarks/bench_rescore.py
	$(PY) benchmarks/bench_barge_in.py

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
