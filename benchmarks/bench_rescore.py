"""Benchmark `rescore`: 20 one-minute answers, transcribed and scored again from their audio.

    .venv/bin/python benchmarks/bench_rescore.py [--answers 20] [--seconds 60] [--stt-model tiny.en]

The answers are built once from synthesized speech (the sample answers of samples/netflix-mle,
concatenated to ``--seconds``) and cached under the bench home. Two ways of using the cores are
timed, each in a fresh process so that model loading and peak memory are counted:

- ``inprocess``: one process, the speech model with cpu_threads = 2 (runners.InProcess);
- ``pool``: two worker processes, cpu_threads = 1 each (runners.ProcessPool).

Peak memory is the largest total resident memory of the process tree, sampled every 0.1 s.
Prints one JSON object. Figures only; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE, write_wav
from voice_interviewer.paths import ENV_HOME, data_home
from voice_interviewer.session.demo import load_samples
from voice_interviewer.store.sessions import Session, SessionStore, Turn

PER_SESSION = 4  # answers per session


def build_answers(n: int, seconds: float, cache: Path) -> list[tuple[str, np.ndarray]]:
    """``n`` answers of ``seconds``: answer i is sample i, i+1, ... synthesized and cut to length."""
    from voice_interviewer.tts.speaker import synthesize

    samples = [s for s in load_samples("netflix-mle") if s.kind in ("strong", "vague")]
    out = []
    for i in range(n):
        pieces, total, k = [], 0.0, i
        while total < seconds:
            audio, _ = synthesize(samples[k % len(samples)].text, cache)
            pieces.append(audio)
            total += audio.size / SAMPLE_RATE
            k += 1
        out.append((samples[i % len(samples)].question_id, np.concatenate(pieces)[: int(seconds * SAMPLE_RATE)]))
    return out


def build_store(home: Path, n: int, seconds: float, tts_cache: Path) -> list[str]:
    """Sessions of ``PER_SESSION`` answers each (no scorecards yet), written once and reused."""
    store = SessionStore(data_home({ENV_HOME: str(home)}).ensure())
    ids = [f"20260101-{100000 + i:06d}-bench" for i in range((n + PER_SESSION - 1) // PER_SESSION)]
    marker = home / "built"
    if marker.is_file():
        return ids
    answers = build_answers(n, seconds, tts_cache)
    for s_i, sid in enumerate(ids):
        folder = store.root / sid
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        turns = []
        for t_i, (qid, audio) in enumerate(answers[s_i * PER_SESSION : (s_i + 1) * PER_SESSION], 1):
            name = f"turn-{t_i:02d}-answer.wav"
            write_wav(folder / name, audio)
            turns.append(Turn(index=t_i, question_id=qid, kind="question", interviewer_text=qid, answer_audio=name))
        round_ = turns[0].question_id.split("/")[0]
        session = Session(id=sid, created="2026-01-01T10:00:00", track="netflix-mle", round=round_, mode="demo")
        session.turns = turns
        session.status = "complete"
        store.save(session)
    marker.write_text("ok")
    return ids


def run_variant(variant: str, home: Path, stt_model: str, ids: list[str]) -> dict[str, float | int | str]:
    """In the child process: re-score every answer one way; the wall time includes loading the models."""
    from voice_interviewer.engines import Engines, Settings
    from voice_interviewer.review.rescore import RescoreOptions, ScoringEngines, rescore
    from voice_interviewer.review.runners import InProcess, ProcessPool, Runner, WorkerSpec

    dh = data_home({ENV_HOME: str(home)}).ensure()
    store = SessionStore(dh)
    for sid in ids:
        shutil.rmtree(store.root / sid / "rescores", ignore_errors=True)
    t0 = time.perf_counter()
    runner: Runner
    if variant == "inprocess":
        threads = os.cpu_count() or 2

        def engines_for(track: str) -> ScoringEngines:
            return Engines(Settings(stt_model=stt_model, device="cpu", track=track), notify=lambda m: None, home=dh)

        runner = InProcess(engines_for)
    else:
        threads = 1
        runner = ProcessPool(WorkerSpec.for_cpu(stt_model, dh, cpu_threads=1), workers=os.cpu_count() or 2)
    results = rescore(store, ids, runner, RescoreOptions(stt_model=stt_model))
    wall = time.perf_counter() - t0
    return {
        "variant": variant,
        "threads_per_process": threads,
        "wall_s": round(wall, 2),
        "answers": sum(r.scored for r in results),
    }


class TreeRss:
    """Largest total RSS of a process and its descendants, sampled from /proc."""

    def __init__(self, pid: int, every_s: float = 0.1) -> None:
        self.pid, self.every, self.peak_kb = pid, every_s, 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _tree(self) -> list[int]:
        parents: dict[int, int] = {}
        for p in Path("/proc").iterdir():
            if p.name.isdigit():
                try:
                    parents[int(p.name)] = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
        tree, frontier = [self.pid], [self.pid]
        while frontier:
            frontier = [c for c, pp in parents.items() if pp in frontier]
            tree += frontier
        return tree

    def _rss_kb(self, pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, sum(self._rss_kb(p) for p in self._tree()))
            time.sleep(self.every)

    def stop(self) -> int:
        self._stop.set()
        self._t.join()
        return self.peak_kb


def latest_cards(home: Path, ids: list[str]) -> list[object]:
    from voice_interviewer.store.rescores import load_rescores

    cards: list[object] = []
    for sid in ids:
        found, _ = load_rescores(home / "recordings" / sid)
        cards += [t.scorecard for t in found[-1].record.turns]
    return cards


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--answers", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--stt-model", default="tiny.en")
    ap.add_argument("--variants", default="inprocess,pool")
    ap.add_argument("--home", type=Path, default=None, help="bench data home (default: a reused temp folder)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    root = (args.home or Path(tempfile.gettempdir()) / "vi-bench-rescore").resolve()
    home = root / f"answers-{args.answers}x{args.seconds:g}s"  # one data home per set of answers
    home.mkdir(parents=True, exist_ok=True)
    os.environ[ENV_HOME] = str(home)
    t0 = time.perf_counter()
    ids = build_store(home, args.answers, args.seconds, root / "tts-cache")
    if args.child:
        print(json.dumps(run_variant(args.child, home, args.stt_model, ids)))
        return
    build_s = time.perf_counter() - t0

    audio_s = args.answers * args.seconds
    figures: dict[str, dict[str, float | int | str]] = {}
    cards: dict[str, list[object]] = {}
    for variant in args.variants.split(","):
        cmd = [sys.executable, __file__, "--child", variant, "--home", str(root), "--stt-model", args.stt_model]
        cmd += ["--answers", str(args.answers), "--seconds", str(args.seconds)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        mon = TreeRss(proc.pid)
        stdout, stderr = proc.communicate()
        peak = mon.stop()
        if proc.returncode:
            sys.exit(f"{variant} failed:\n{stderr[-3000:]}")
        fig = json.loads(stdout.strip().splitlines()[-1])
        fig["x_real_time"] = round(audio_s / float(fig["wall_s"]), 1)
        fig["peak_rss_mb"] = round(peak / 1024)
        figures[variant] = fig
        cards[variant] = latest_cards(home, ids)
    from voice_interviewer.review.runners import choose_workers

    fastest = min(figures, key=lambda v: float(figures[v]["wall_s"]))
    workers, threads = choose_workers(args.answers, audio_s, os.cpu_count() or 1, on_gpu=False)
    print(
        json.dumps(
            {
                "answers": args.answers,
                "seconds_each": args.seconds,
                "audio_s": audio_s,
                "stt_model": args.stt_model,
                "cores": os.cpu_count(),
                "build_answers_s": round(build_s, 1),
                "variants": figures,
                "fastest": fastest,
                "implementation_chooses": "pool" if workers > 1 else "inprocess",
                "implementation_workers_threads": [workers, threads],
                "identical_figures_across_variants": all(v == next(iter(cards.values())) for v in cards.values()),
                "goal_10x_real_time_met": figures[fastest]["x_real_time"] >= 10,  # type: ignore[operator]
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
