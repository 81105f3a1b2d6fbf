# The two commands of the README: `make interview` (set up, then a mock interview) and `make test`.
VENV := .venv
VI := $(VENV)/bin/voice-interviewer
PY := $(VENV)/bin/python

.PHONY: setup interview demo test test-fast lint bench clean

setup:
	@bash scripts/setup.sh

interview: setup
	@$(VI) doctor || true
	@$(VI) demo

demo: setup
	@$(VI) demo

test: setup
	$(VENV)/bin/ruff check voice_interviewer tests benchmarks
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

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
