"""Benchmark the knowledge index: build time for the bundled rubrics and notes (cold and
incremental) and query latency on the embedded store (p50 / p95 over many queries).

    .venv/bin/python benchmarks/bench_retrieval.py [--queries 200]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

import numpy as np

from voice_interviewer.engines import Engines, Settings
from voice_interviewer.paths import data_home
from voice_interviewer.retrieval.index import build_index
from voice_interviewer.retrieval.search import find_question, search

QUERIES = [
    "how to question a metric like watch time",
    "owning a failure in a behavioral story",
    "what does the system design round look for",
    "novelty effect in a streaming experiment",
    "bias variance trade-off learning curves",
    "when to favour precision over recall",
    "network effects between treatment and control",
    "mistakes that end loops early",
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    home = data_home({"VOICE_INTERVIEWER_HOME": tempfile.mkdtemp(prefix="vi-bench-idx-")}).ensure()
    eng = Engines(Settings(), notify=lambda m: None, home=home)
    t0 = time.perf_counter()
    _ = eng.embedder
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    rep = build_index(eng)
    cold_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    build_index(eng)
    warm_s = time.perf_counter() - t0
    lat = []
    for i in range(args.queries):
        q = f"{QUERIES[i % len(QUERIES)]} {i}"  # distinct text, so the embedding cache does not help
        t0 = time.perf_counter()
        search(eng, q, k=5)
        lat.append((time.perf_counter() - t0) * 1000)
    qlat = []
    for i in range(50):
        t0 = time.perf_counter()
        find_question(eng, f"Compare lasso and ridge penalties, take {i}")
        qlat.append((time.perf_counter() - t0) * 1000)
    print(
        json.dumps(
            {
                "chunks": rep.chunks,
                "sources": rep.sources,
                "embedder_load_s": round(load_s, 2),
                "index_build_cold_s": round(cold_s, 2),
                "index_build_unchanged_s": round(warm_s, 3),
                "query_ms_p50": round(float(np.percentile(lat, 50)), 1),
                "query_ms_p95": round(float(np.percentile(lat, 95)), 1),
                "find_question_ms_p95": round(float(np.percentile(qlat, 95)), 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
