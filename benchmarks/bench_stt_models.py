"""Which bundled speech model by default: word error rate and cost of tiny.en and base.

On the real clip of the tests (JFK) and on sample answers read by the Piper voice (about 60 s
each, the length that matters for ``score``), each model transcribes the whole clip once after
loading; WER is against the text read.

    .venv/bin/python benchmarks/bench_stt_models.py [--answers 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.models import Checksums
from voice_interviewer.paths import data_home
from voice_interviewer.session.demo import load_samples
from voice_interviewer.stt.transcriber import build_transcriber
from voice_interviewer.tts.speaker import synthesize

SPEECH = Path(__file__).resolve().parent.parent / "tests" / "data" / "speech"


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("-", " "))


def wer(ref: str, hyp: str) -> tuple[int, int]:
    """(edits, reference words): word-level Levenshtein distance."""
    r, h = _words(ref), _words(hyp)
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(h) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (r[i - 1] != h[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(h)], len(r)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--answers", type=int, default=3, help="Piper-read sample answers (80-90 s each)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    home = data_home({"VOICE_INTERVIEWER_HOME": tempfile.mkdtemp(prefix="vi-bench-stt-")}).ensure()
    clips: list[tuple[str, np.ndarray, str]] = []
    jfk, _ = sf.read(str(SPEECH / "jfk.flac"), dtype="float32")
    clips.append(("jfk (real)", jfk, json.loads((SPEECH / "transcripts.json").read_text())["jfk.flac"]))
    texts = [s.text for s in load_samples("netflix-mle") if s.kind == "strong"]
    for k, text in enumerate(texts[: args.answers]):
        audio, _ = synthesize(text, home.state / "bench-voices")
        clips.append((f"piper answer {k + 1}", audio, text))
    out: dict[str, dict[str, object]] = {}
    for name in ("tiny.en", "base"):
        t0 = time.perf_counter()
        model = build_transcriber(name, "cpu", home, Checksums(home), lambda m: None)
        model.transcribe(np.zeros(SAMPLE_RATE, np.float32))  # load and warm up
        load_s = time.perf_counter() - t0
        edits = words = 0
        rows = []
        for clip, audio, ref in clips:
            t0 = time.perf_counter()
            tr = model.transcribe(audio)
            cost = time.perf_counter() - t0
            e, n = wer(ref, tr.text)
            edits, words = edits + e, words + n
            rows.append({"clip": clip, "audio_s": round(audio.size / SAMPLE_RATE, 1), "wer": round(e / n, 4),
                         "transcribe_s": round(cost, 2)})  # fmt: skip
        out[name] = {"load_s": round(load_s, 2), "wer": round(edits / words, 4), "clips": rows}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    for name, r in out.items():
        print(f"{name}: WER {r['wer']:.1%} over all clips, load {r['load_s']} s")
        for c in r["clips"]:  # type: ignore[attr-defined]
            print(f"   {c['clip']:>16} {c['audio_s']:6.1f} s  WER {c['wer']:.1%}  {c['transcribe_s']:.2f} s")


if __name__ == "__main__":
    main()
