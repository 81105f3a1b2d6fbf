"""The track: rubric YAML (questions, key points, levels, probes) loaded and validated."""
