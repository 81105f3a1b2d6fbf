"""Benchmark `score` on a 60 s spoken answer: model load, transcription real-time factor,
end-to-end scoring after load, and peak memory of the whole `score` command.

    .venv/bin/python benchmarks/bench_score.py [--seconds 60] [--stt-model tiny.en] [--repeat 3]

Prints one JSON object. Figures only; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE, write_wav
from voice_interviewer.engines import Engines, Settings
from voice_interviewer.session.demo import load_samples
from voice_interviewer.tts.speaker import synthesize


def make_answer(seconds: float, cache: Path) -> tuple[np.ndarray, str]:
    """Concatenate strong sample answers (synthesized) until the clip is ``seconds`` long."""
    pieces, texts, total = [], [], 0.0
    for s in load_samples("netflix-mle"):
        if s.kind != "strong" or not s.question_id.startswith("phone-screen/"):
            continue
        audio, _ = synthesize(s.text, cache)
        pieces.append(audio)
        texts.append(s.text)
        total += audio.size / SAMPLE_RATE
        if total >= seconds:
            break
    clip = np.concatenate(pieces)[: int(seconds * SAMPLE_RATE)]
    return clip, " ".join(texts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--stt-model", default="tiny.en")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    home = Path(os.environ.get("VOICE_INTERVIEWER_HOME") or tempfile.mkdtemp(prefix="vi-bench-"))
    os.environ["VOICE_INTERVIEWER_HOME"] = str(home)
    clip, _ = make_answer(args.seconds, home / "bench-audio")
    wav = home / "answer-60s.wav"
    write_wav(wav, clip)

    eng = Engines(Settings(stt_model=args.stt_model, device="cpu"), notify=lambda m: None)
    t0 = time.perf_counter()
    transcriber = eng.transcriber
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    _ = eng.embedder
    emb_load_s = time.perf_counter() - t0

    from voice_interviewer import api

    stt_times, e2e_times = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        transcript = transcriber.transcribe(clip)
        stt_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        card = api.score_audio(eng, wav, "phone-screen/bias-variance")
        e2e_times.append(time.perf_counter() - t0)

    # Peak memory of the real command, model load included, read inside a fresh process as VmHWM
    # (the rusage of a child counts this parent's pages, copied at fork, as the child's own).
    argv = ["voice-interviewer", "score", str(wav), "-q", "phone-screen/bias-variance", "--json"]
    argv += ["--stt-model", args.stt_model, "--device", "cpu"]
    probe = (
        "import runpy, sys\n"
        f"sys.argv = {argv!r}\n"
        "try:\n    runpy.run_module('voice_interviewer.cli', run_name='__main__')\n"
        "except SystemExit as e:\n    assert not e.code, e.code\n"
        "hwm = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
        "print(hwm, file=sys.stderr)\n"
    )
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    cli_s = time.perf_counter() - t0
    peak_mb = int(proc.stderr.strip().splitlines()[-1]) / 1024

    print(
        json.dumps(
            {
                "audio_s": round(clip.size / SAMPLE_RATE, 1),
                "stt_model": args.stt_model,
                "cores": os.cpu_count(),
                "stt_load_s": round(load_s, 2),
                "embedder_load_s": round(emb_load_s, 2),
                "transcribe_s_median": round(float(np.median(stt_times)), 2),
                "real_time_factor": round(float(np.median(stt_times)) / (clip.size / SAMPLE_RATE), 3),
                "score_end_to_end_after_load_s_median": round(float(np.median(e2e_times)), 2),
                "score_cli_wall_s_with_load": round(cli_s, 2),
                "score_cli_peak_rss_mb": round(peak_mb, 0),
                "words": len(transcript.words),
                "content_score": card.content.score,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
