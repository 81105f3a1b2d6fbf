# The two commands of the README: `make interview` (set up, then a mock interview) and `make test`.
VENV := .venv
VI := $(VENV)/bin/voice-interviewer
PY := $(VENV)/bin/python

.PHONY: setup interview demo test test-fast lint bench clean

setup:
	@bash scripts/setup.sh

# ARGS passes options through, e.g. make interview ARGS="--round behavioral --questions 2"
interview: setup
	@$(VI) doctor --brief || true
	@$(VI) practice $(ARGS)

demo: setup
	@$(VI) practice --demo $(ARGS)

test: setup
	$(VENV)/bin/ruff check voice_interviewer tests benchmarks
	$(VENV)/bin/ruff format --check voice_interviewer tests benchmarks
	$(VENV)/bin/mypy
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest -m "not slow"

lint: setup
	$(VENV)/bin/ruff check voice_interviewer tests benchmarks
	$(VENV)/bin/ruff format --check voice_interviewer tests benchmarks
	$(VENV)/bin/mypy

bench: setup
	$(PY) benchmarks/bench_score.py
	$(PY) benchmarks/bench_retrieval.py
	$(PY) benchmarks/bench_turn_latency.py
	$(PY) benchmarks/bench_rescore.py

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
