"""Coming back to past sessions: listing, replay, re-scoring, progress, export and the HTML report."""
