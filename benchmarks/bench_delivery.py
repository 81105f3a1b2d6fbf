"""Benchmark: are the fillers heard? Synthesized answers with a known number of fillers, real
speech clips for words lost or invented, and silence and noise for fillers invented.

    .venv/bin/python benchmarks/bench_delivery.py [--answers 27] [--prompts - default "Um, uh.@from=3" ...]

For every decoding choice (no prompt, and each filler prompt) it reports:
- fillers found within +-1 of the truth (transcript alone, and transcript + acoustic hesitations),
- answers without fillers on which a filler was found,
- word error rate on the real clips, and words Whisper invented on silence and noise,
- the time to transcribe (all clips, sum of the best of --repeat runs) relative to no prompt.

The synthesized answers mix two kinds of filler: written ones ("um", "uh" in the text the voice
reads) and held ones (a held "uhhh" sound put between two phrases, which no text shows). Voices:
the bundled Piper voice at three paces and espeak-ng at three rates. Figures only; nothing here
asserts. Timings are noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.audio_fixtures import (
    espeak_speech,
    held_vowel,
    normalize,
    piper_speech,
    real_speech_clips,
    silence,
    wer,
    white_noise,
)
from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.models import Checksums
from voice_interviewer.paths import data_home
from voice_interviewer.scoring.delivery import delivery_metrics
from voice_interviewer.stt.fillers import detect_hesitations
from voice_interviewer.stt.transcriber import DecodeOptions, FasterWhisperTranscriber, resolve_model
from voice_interviewer.types import Transcript

ANSWERS = (
    "I would split the data by time and validate on the later window. That keeps the future out of "
    "training, which matters when tastes drift from week to week.",
    "Precision is the share of flagged items that are truly positive. Recall is the share of true "
    "positives that we catch. For fraud we would favour recall and review the flagged cases by hand.",
    "The model overfits when the training loss keeps falling while the validation loss rises. I would "
    "add regularization, gather more data, or stop training early.",
    "For a cold start we can rank new titles by their metadata and by what similar members watched. "
    "Once a title has views, the collaborative model takes over.",
    "I would run an online experiment with a holdout group. The main metric is hours streamed per "
    "member, with retention and the cancel rate as guard rails.",
    "Gradient boosting builds shallow trees one after another, each fitting the errors of the ones "
    "before it. It needs care with the learning rate and the number of trees.",
    "To serve the model with low latency we cache the member embeddings and compute the candidate "
    "scores in a batch. The ranking step then only sorts a few hundred titles.",
    "Class imbalance hurts accuracy as a metric. I would look at the precision and recall curve, "
    "weight the rare class, and pick the threshold from the cost of each error.",
    "Feature leakage happens when a feature carries information from after the prediction time. I "
    "check every feature against the moment the prediction is made.",
)
WRITTEN = ("um", "uh")
VOICES = ("piper@0.9", "piper@1.2", "piper@1.5", "espeak@140", "espeak@175", "espeak@210")


@dataclass(frozen=True)
class Answer:
    name: str
    voice: str
    fillers: int  # the truth
    held: int  # of which held sounds (no text)
    text: str  # what the voice read, fillers included
    audio: np.ndarray


def speak(voice: str, text: str) -> np.ndarray:
    kind, pace = voice.split("@")
    return piper_speech(text, float(pace)) if kind == "piper" else espeak_speech(text, int(pace))


def make_answer(j: int) -> Answer:
    """Answer ``j``: ``j % 9`` fillers (0..8) at random word gaps; every third answer with at least
    one filler holds its first filler as a sound instead of a word."""
    rng = random.Random(j)
    k = j % 9
    voice = VOICES[j % len(VOICES)]
    words = ANSWERS[j % len(ANSWERS)].split()
    gaps = sorted(rng.sample(range(1, len(words)), k))
    held_at = gaps[0] if k and j % 3 == 1 else None
    pieces: list[list[str]] = [[]]
    for i, w in enumerate(words):
        if i in gaps:
            if i == held_at:
                pieces.append([])  # a held sound goes here, between two spoken pieces
            else:
                if pieces[-1]:
                    pieces[-1][-1] = pieces[-1][-1].rstrip(",") + ","
                pieces[-1].append(rng.choice(WRITTEN) + ",")
        pieces[-1].append(w)
    audio: list[np.ndarray] = []
    texts = []
    for n, piece in enumerate(pieces):
        if n:  # the held filler: a pause, "uhhh", a pause
            f0 = rng.uniform(95.0, 140.0)
            audio += [silence(0.15), held_vowel(rng.uniform(0.4, 0.8), f0=f0, seed=j), silence(0.2)]
            texts.append("[uhhh]")
        text = " ".join(piece)
        texts.append(text)
        audio.append(speak(voice, text))
    return Answer(f"a{j:02d}", voice, k, 1 if held_at is not None else 0, " ".join(texts), np.concatenate(audio))


def load(variant: str | None, model: str) -> FasterWhisperTranscriber:
    """``variant``: "default" (as shipped), None (no prompt), or a prompt ("PROMPT@from=S": only on
    clips of at least S seconds; 0 without)."""
    home = data_home().ensure()
    path, name, sha = resolve_model(model, home, Checksums(home))
    opts = DecodeOptions(hesitations=False)  # the shipped decoding; the acoustic step is timed apart
    if variant != "default":
        prompt, _, min_s = (variant or "").partition("@from=")
        opts = replace(opts, initial_prompt=prompt or None, prompt_min_s=float(min_s or 0.0))
    return FasterWhisperTranscriber(path, name, sha, options=opts)


def timed_transcribe(t: FasterWhisperTranscriber, audio: np.ndarray, repeat: int) -> tuple[Transcript, float]:
    best, tr = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        tr = t.transcribe(audio)
        best = min(best, time.perf_counter() - t0)
    assert tr is not None
    return tr, best


def fillers_found(tr: Transcript, audio: np.ndarray, acoustic: bool) -> tuple[int, int, float]:
    """(fillers in all, of which acoustic, seconds the acoustic step took)."""
    t0 = time.perf_counter()
    hes = detect_hesitations(audio, tr.words) if acoustic and tr.text else ()
    took = time.perf_counter() - t0
    d = delivery_metrics(tr.words, tr.text, (0.0, 1e9), tr.duration_s, hesitations=hes)
    return d.filler_count, sum(m.source == "acoustic" for m in d.filler_marks), took


def spoken(text: str) -> str:
    """The words of an answer without its fillers (and without the held-sound marks)."""
    return " ".join(
        w for w in normalize(text.replace("[uhhh]", " ")) if w not in ("um", "uh", "er", "ah", "hmm", "umm")
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--answers", type=int, default=27)
    ap.add_argument("--prompts", nargs="+", default=["-", "default"])
    ap.add_argument("--stt-model", default="tiny.en")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    prompts = [None if p == "-" else p for p in args.prompts]

    answers = [make_answer(j) for j in range(args.answers)]
    real = real_speech_clips()
    quiet = [
        ("silence 5 s", silence(5.0)),
        ("white noise -35 dBFS 5 s", white_noise(5.0, -35.0)),
        ("white noise -20 dBFS 5 s", white_noise(5.0, -20.0, seed=1)),
    ]
    alsa_noise = Path("/usr/share/sounds/alsa/Noise.wav")
    if alsa_noise.is_file():
        from faster_whisper.audio import decode_audio

        quiet.append(("alsa Noise.wav", np.asarray(decode_audio(str(alsa_noise), sampling_rate=SAMPLE_RATE))))
    models = {p: load(p, args.stt_model) for p in prompts}
    rows = []
    seconds = {p: 0.0 for p in prompts}
    fluent_s = {p: 0.0 for p in prompts}  # answers without fillers and the real clips: the prompt's own cost
    acoustic_s = 0.0
    results: dict[str | None, dict[str, object]] = {p: {"answers": [], "real": [], "quiet": []} for p in prompts}
    for a in answers:
        for p in prompts:
            tr, took = timed_transcribe(models[p], a.audio, args.repeat)
            seconds[p] += took
            fluent_s[p] += took if a.fillers == 0 else 0.0
            n_t, _, _ = fillers_found(tr, a.audio, acoustic=False)
            n_b, n_ac, hs = fillers_found(tr, a.audio, acoustic=True)
            acoustic_s += hs if p == prompts[-1] else 0.0
            results[p]["answers"].append((a, n_t, n_b, n_ac, tr.text))  # type: ignore[attr-defined]
            if args.verbose:
                print(f"{a.name} {a.voice} truth={a.fillers} held={a.held} {p!r}: {n_t}/{n_b} | {tr.text}")
    for name, audio, ref in real:
        for p in prompts:
            tr, took = timed_transcribe(models[p], audio, args.repeat)
            seconds[p] += took
            fluent_s[p] += took
            results[p]["real"].append((name, ref, tr.text))  # type: ignore[attr-defined]
    for name, audio in quiet:
        for p in prompts:
            tr, _ = timed_transcribe(models[p], audio, 1)
            n_b, _, _ = fillers_found(tr, audio, acoustic=True)
            results[p]["quiet"].append((name, tr.text, n_b))  # type: ignore[attr-defined]
    base = seconds[prompts[0]]
    audio_s = sum(a.audio.size for a in answers) / SAMPLE_RATE + sum(x[1].size for x in real) / SAMPLE_RATE
    for p in prompts:
        r = results[p]
        ans = r["answers"]
        zero = [x for x in ans if x[0].fillers == 0]  # type: ignore[attr-defined]
        real_rows = r["real"]
        ref_all = " ".join(x[1] for x in real_rows)  # type: ignore[attr-defined]
        row = {
            "prompt": p,
            "answers": len(ans),  # type: ignore[arg-type]
            "within_1_transcript": round(sum(abs(x[1] - x[0].fillers) <= 1 for x in ans) / len(ans), 3),  # type: ignore[attr-defined]
            "within_1_both": round(sum(abs(x[2] - x[0].fillers) <= 1 for x in ans) / len(ans), 3),  # type: ignore[attr-defined]
            "exact_both": round(sum(x[2] == x[0].fillers for x in ans) / len(ans), 3),  # type: ignore[attr-defined]
            "fillers_truth": sum(x[0].fillers for x in ans),  # type: ignore[attr-defined]
            "fillers_transcript": sum(x[1] for x in ans),  # type: ignore[attr-defined]
            "fillers_both": sum(x[2] for x in ans),  # type: ignore[attr-defined]
            "fillers_acoustic": sum(x[3] for x in ans),  # type: ignore[attr-defined]
            # words of the answer (fillers left out on both sides) that the transcript got wrong
            "synth_wer_pooled": round(
                sum(wer(spoken(x[0].text), spoken(x[4])) * len(spoken(x[0].text).split()) for x in ans)  # type: ignore[attr-defined]
                / sum(len(spoken(x[0].text).split()) for x in ans),  # type: ignore[attr-defined]
                3,
            ),
            "zero_filler_answers": len(zero),
            "zero_filler_answers_with_a_filler": sum(x[2] > 0 for x in zero),
            "real_clips": len(real_rows),  # type: ignore[arg-type]
            "real_wer_pooled": round(
                sum(wer(x[1], x[2]) * len(normalize(x[1])) for x in real_rows) / len(normalize(ref_all)),
                3,  # type: ignore[attr-defined]
            ),
            "real_wer_each": {x[0]: round(wer(x[1], x[2]), 2) for x in real_rows},  # type: ignore[attr-defined]
            "real_text": {x[0]: x[2] for x in real_rows},  # type: ignore[attr-defined]
            "quiet": {x[0]: {"text": x[1], "fillers": x[2]} for x in r["quiet"]},  # type: ignore[attr-defined]
            "transcribe_s": round(seconds[p], 2),
            "transcribe_vs_no_prompt": round(seconds[p] / base, 3) if base else None,
            "transcribe_fluent_s": round(fluent_s[p], 2),
            "transcribe_fluent_vs_no_prompt": round(fluent_s[p] / fluent_s[prompts[0]], 3)
            if fluent_s[prompts[0]]
            else None,
        }
        rows.append(row)
    out = {
        "stt_model": args.stt_model,
        "audio_s": round(audio_s, 1),
        "acoustic_step_s": round(acoustic_s, 3),
        "acoustic_step_share_of_transcription": round(acoustic_s / seconds[prompts[-1]], 4),
        "rows": rows,
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
