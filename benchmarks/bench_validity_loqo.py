"""Validity of the fitted score on the development set, leave-one-question-out beside in-sample.

    .venv/bin/python benchmarks/bench_validity_loqo.py devset/ [--spoken FOLDER ...] [--repeat 3]

For typed answers (and for each FOLDER of transcripts named ``<round>__<slug>__<id>.json``, as
written by the spoken part of bench_validity.py or any transcription of the set) it prints
Spearman, pairs ordered right and level agreement, overall and per round: once for the shipped
fit (in-sample) and once leave-one-question-out (each question scored by a model fitted
without it). Then the time to score the longest answer after load (analysis and model; no
transcription), the median of ``--repeat`` runs. Figures only; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from voice_interviewer.models import Checksums
from voice_interviewer.retrieval.embeddings import MiniLMEmbedder
from voice_interviewer.scoring import fit as fitting
from voice_interviewer.scoring.content import score_content
from voice_interviewer.scoring.model import fitted_model
from voice_interviewer.scoring.validity import load_set
from voice_interviewer.track.rubric import load_track


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("devset", type=Path)
    ap.add_argument("--spoken", type=Path, action="append", default=[], help="folder of transcripts (repeatable)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    embedder = MiniLMEmbedder(Checksums(None))
    track = load_track()
    items = load_set(args.devset)
    model = fitted_model()
    print(f"{len(items)} answers to {len({i.question for i in items})} questions; model: {model.note}\n")
    typed = fitting.examples_for(items, track, embedder)
    print(fitting.report(typed, model, "typed"))
    for folder in args.spoken:
        have = {p.name for p in folder.glob("*.json")}
        sub = [i for i in items if f"{i.question.replace('/', '__')}__{i.id}.json" in have]
        spoken = fitting.examples_for(sub, track, embedder, fitting.spoken_reader(folder))
        print()
        # the models are fitted on the typed answers, as the shipped one is, and scored on transcripts
        print(fitting.report(spoken, model, f"spoken {folder.name} ({len(sub)} answers)", train=typed))
    longest = max(items, key=lambda i: len(i.text.split()))
    q, _ = track.question(longest.question)
    embedder.embed(["warm up"])
    times = []
    for _ in range(args.repeat):
        embedder._cache.clear()  # time the embeddings too, not the cache
        t0 = time.perf_counter()
        score_content(q, longest.text, embedder=embedder)
        times.append(time.perf_counter() - t0)
    words = len(longest.text.split())
    print(f"\nscoring the longest answer ({words} words, about {words / 150:.0f} min spoken) after load: ")
    print(f"median {statistics.median(times):.3f} s over {args.repeat} runs (machine shared: noisy)")


if __name__ == "__main__":
    main()
