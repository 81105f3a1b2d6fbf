"""Scoring: delivery from word timings, content against a rubric, behavioral story signals."""
