"""Benchmark: are the fillers heard? Synthesized answers with a known number of fillers, real
speech clips for words lost or invented, and silence and noise for fillers invented.

    .venv/bin/python benchmarks/bench_delivery.py [--answers 27] [--held-out 45] [--fresh 21] [--repeat 3]
        [--prompts - default "default@segment=text" "Um, uh.@from=3" ...] [--seed 0] [--threads 1]

Every answer's audio is fixed by the answer and the seed (the default 0): its fillers' places come
from the answer's own number, and the Piper voice's generator noise from that number and the seed,
so an answer sounds the same whichever sets run and in whatever order. The seed also fixes Whisper's
fallback sampling, so two runs of the same command give the same figures (times aside); that draw is
the command's (a decoding's fallback draws follow every clip it decoded before, so --repeat and the
sets chosen change it). Another seed is another draw of the same answers (compare a few to see how
much a figure moves between draws), --seed none a new one each run.

For every decoding (the first is the reference for times) it reports:
- fillers found within +-1 of the truth (transcript alone, and with the hesitations heard in the audio and the
  fillers the decoder nearly wrote),
  in all and per voice,
- answers without fillers on which a filler was found,
- word error rate on the real clips, and words Whisper invented on silence and noise,
- where the time goes: encoder passes (one per 30 s window decoded), greedy decodes, fallback
  decodes at higher temperatures, tokens written, decodings (one per window, more when redone),
  and the CPU seconds of each stage (encoder, decodes, word alignment, VAD, log-mel features,
  frame features, loop checks, acoustic detector, the rest),
- the time to transcribe, wall and CPU (time.process_time, every thread of the process: the other
  jobs on the machine move it far less than wall time): per clip the median of --repeat runs, the
  decodings interleaved in the same process (order reversed every other round), summed; with the
  load average before and after. Each decoding is the shipped transcriber, acoustic detector
  included ("-": plain Whisper). With several threads the CPU time still counts the threads'
  waiting for each other, which grows with the machine's load; --threads 1 gives the steadiest
  ratio.

The synthesized answers mix two kinds of filler: written ones ("um", "uh" in the text the voice
reads) and held ones (a held "uhhh" sound put between two phrases, which no text shows). Voices:
the bundled Piper voice at three paces and espeak-ng at three rates; --held-out adds other answers
read by voices and paces the bench set never uses (espeak-ng variants, other Piper paces); --fresh a
third set (other texts, accents, Piper generator noise, a hummed "mmm" as well as "uhhh"). Figures
only; nothing here asserts. Timings are noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from delivery_answers import Answer, make_answer
from delivery_timing import CALLS, CPU, NOW, Counted, counted, counts_of, profile_stages, timed

from tests.audio_fixtures import (
    normalize,
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
from voice_interviewer.stt.placement import resolve_model
from voice_interviewer.stt.transcriber import DecodeOptions, FasterWhisperTranscriber
from voice_interviewer.types import Hesitation, Transcript

SETS = {"a": "bench", "h": "held_out", "f": "fresh"}


def load(variant: str, model: str, seed: int | None = 0, threads: int = 0) -> FasterWhisperTranscriber:
    """``variant``: "default" (as shipped), "-" (no prompt) or a prompt text, then "@key=value"
    changes to it: ``from=S`` (the prompt only on clips of at least S seconds), ``segment=S`` (the
    prompt as a timed segment of S seconds) or ``segment=text`` (as plain text), ``tokens=N`` (at
    most N tokens a second of audio) or ``tokens=any``, ``redo=off`` (a lost or looping decoding
    kept), ``redo=plain`` (redone without the prompt), ``redo=N`` (first with the prompt and a beam
    of N), ``cap=off`` (filler runs not capped by voiced sounds) and ``carry=off`` (a redo without
    the prompt does not keep the prompt decoding's fillers), ``unwritten=off`` or ``unwritten=P`` (the
    fillers Whisper's decoder nearly wrote: not counted, or from probability P), ``acoustic=off`` (no acoustic detector;
    "-" has none). ``threads``: the model's CPU threads (0: every core)."""
    home = data_home().ensure()
    path, name, sha = resolve_model(model, home, Checksums(home))
    opts = DecodeOptions(seed=seed)  # the shipped decoding, the acoustic detector included
    head, *changes = variant.split("@")
    if head == "-":  # the plain decoding: no prompt, nothing redone, no filler run capped
        opts = replace(opts, initial_prompt=None, loop_cap=False, hesitations=False, unwritten_fillers=None)
    elif head != "default":
        opts = replace(opts, initial_prompt=head, prompt_min_s=0.0)
    for change in changes:
        key, _, value = change.partition("=")
        if key == "from":
            opts = replace(opts, prompt_min_s=float(value))
        elif key == "segment":
            opts = replace(opts, prompt_segment_s=None if value == "text" else float(value))
        elif key == "tokens":
            opts = replace(opts, max_tokens_per_s=None if value == "any" else float(value))
        elif key == "redo":  # redo=off, redo=plain (without the prompt), redo=N (beam N first)
            opts = replace(opts, redo_failed=value != "off", redo_beam_size=int(value) if value.isdigit() else 0)
        elif key == "cap":
            opts = replace(opts, loop_cap=value != "off")
        elif key == "carry":
            opts = replace(opts, carry_fillers=value != "off")
        elif key == "acoustic":
            opts = replace(opts, hesitations=value != "off")
        elif key == "unwritten":  # unwritten=off, or unwritten=P (the decoder's filler probability that counts)
            opts = replace(opts, unwritten_fillers=None if value == "off" else float(value))
        else:
            raise SystemExit(f"unknown change {change!r} in {variant!r}")
    t = FasterWhisperTranscriber(path, name, sha, options=opts, cpu_threads=threads)
    LISTENS[variant] = opts.hesitations
    t._model.model = Counted(t._model.model)  # type: ignore[assignment]
    timed(t._model, "feature_extractor", "log-mel features")
    for method, stage in (("_decode", "decodings"), ("_transcribe", "windows")):
        f = getattr(t, method)
        setattr(t, method, functools.partial(counted, f, stage))
    return t


LISTENS: dict[str, bool] = {}  # decoding -> its transcriber runs the acoustic detector


def fillers_found(tr: Transcript, audio: np.ndarray, acoustic: bool, own: bool) -> tuple[int, int, int]:
    """(fillers in all, of which acoustic, of which nearly written by the decoder): with ``own`` (its
    transcriber ran the acoustic detector) the transcript's hesitations, else the detector's on its words."""
    if not acoustic or not tr.text:
        hes: tuple[Hesitation, ...] = ()
    elif own:
        hes = tr.hesitations
    else:
        hes = detect_hesitations(audio, tr.words)
    d = delivery_metrics(tr.words, tr.text, (0.0, 1e9), tr.duration_s, hesitations=hes)
    sources = [m.source for m in d.filler_marks]
    return d.filler_count, sources.count("acoustic"), sources.count("decoder")


def spoken(text: str) -> str:
    """The words of an answer without its fillers (and without the held-sound marks)."""
    return " ".join(
        w for w in normalize(text.replace("[uhhh]", " ")) if w not in ("um", "uh", "er", "ah", "hmm", "umm")
    )


@dataclass
class Run:
    """One clip through one decoding: the first transcript, the median time, the work counted."""

    tr: Transcript
    seconds: float
    counts: tuple[int, int, int, int]
    cpu_s: float  # the median CPU time (every thread of the process)
    decodings: int = 0  # of the first run: one per window (piece), more when one was redone


def run_all(
    models: dict[str, FasterWhisperTranscriber], clips: list[np.ndarray], repeat: int, profile: bool = True
) -> list[dict[str, Run]]:
    """Every clip through every decoding, ``repeat`` times, the decodings interleaved (the order
    reversed every other round) so that a busy spell on the machine hits them alike. ``profile``:
    the first round's CPU time per stage goes to :data:`CPU` (with its total as "transcribe")."""
    out = []
    names = list(models)
    for audio in clips:
        times: dict[str, list[float]] = {p: [] for p in names}
        cpus: dict[str, list[float]] = {p: [] for p in names}
        first: dict[str, tuple[Transcript, tuple[int, int, int, int]]] = {}
        redone: dict[str, int] = {}
        for r in range(repeat):
            for p in names if r % 2 == 0 else names[::-1]:
                NOW[0] = p if profile and r == 0 else ""
                before = counts_of(models[p])
                decoded = CALLS.get(p, {}).get("decodings", 0)
                c0, t0 = time.process_time(), time.perf_counter()
                tr = models[p].transcribe(audio)
                times[p].append(time.perf_counter() - t0)
                cpus[p].append(time.process_time() - c0)
                if p not in first:
                    after = counts_of(models[p])
                    first[p] = (tr, tuple(a - b for a, b in zip(after, before, strict=True)))  # type: ignore[assignment]
                    redone[p] = CALLS.get(p, {}).get("decodings", 0) - decoded
                    if profile:
                        row = CPU.setdefault(p, {})
                        row["transcribe"] = row.get("transcribe", 0.0) + cpus[p][-1]
        NOW[0] = ""
        out.append(
            {
                p: Run(first[p][0], statistics.median(times[p]), first[p][1], statistics.median(cpus[p]), redone[p])
                for p in names
            }
        )
    return out


def summarize(
    p: str, answers: list[Answer], runs: list[dict[str, Run]], real: list[Any], real_runs: list[dict[str, Run]]
) -> dict[str, Any]:
    found = []
    for a, r in zip(answers, runs, strict=True):
        n_t, _, _ = fillers_found(r[p].tr, a.audio, False, LISTENS[p])
        n_b, n_ac, n_dec = fillers_found(r[p].tr, a.audio, True, LISTENS[p])
        found.append((a, n_t, n_b, n_ac, r[p].tr.text, n_dec))
    zero = [x for x in found if x[0].fillers == 0]
    by_voice: dict[str, list[bool]] = {}
    for x in found:
        by_voice.setdefault(x[0].voice, []).append(abs(x[2] - x[0].fillers) <= 1)
    real_text = [(name, ref, r[p].tr.text) for (name, _, ref), r in zip(real, real_runs, strict=True)]
    n_ref = sum(len(normalize(x[1])) for x in real_text)
    n_spoken = sum(len(spoken(x[0].text).split()) for x in found)
    every = runs + real_runs
    work = [sum(r[p].counts[i] for r in every) for i in range(4)]
    return {
        "decoding": p,
        "answers": len(found),
        "within_1_transcript": round(sum(abs(x[1] - x[0].fillers) <= 1 for x in found) / len(found), 3),
        "within_1_both": round(sum(abs(x[2] - x[0].fillers) <= 1 for x in found) / len(found), 3),
        "within_1_by_voice": {v: f"{sum(ok)}/{len(ok)}" for v, ok in sorted(by_voice.items())},
        "within_1_by_set": {
            name: f"{sum(abs(x[2] - x[0].fillers) <= 1 for x in found if x[0].name[0] == k)}/"
            f"{sum(x[0].name[0] == k for x in found)}"
            for k, name in SETS.items()
            if any(x[0].name[0] == k for x in found)
        },
        "exact_both": round(sum(x[2] == x[0].fillers for x in found) / len(found), 3),
        "fillers_truth": sum(x[0].fillers for x in found),
        "fillers_transcript": sum(x[1] for x in found),
        "fillers_both": sum(x[2] for x in found),
        "fillers_acoustic": sum(x[3] for x in found),
        "fillers_decoder": sum(x[5] for x in found),
        # words of the answer (fillers left out on both sides) that the transcript got wrong
        "synth_wer_pooled": round(
            sum(wer(spoken(x[0].text), spoken(x[4])) * len(spoken(x[0].text).split()) for x in found) / n_spoken, 3
        ),
        "zero_filler_answers": len(zero),
        "zero_filler_answers_with_a_filler": sum(x[2] > 0 for x in zero),
        "real_clips": len(real_text),
        "real_wer_pooled": round(sum(wer(x[1], x[2]) * len(normalize(x[1])) for x in real_text) / n_ref, 3),
        "real_wer_each": {x[0]: round(wer(x[1], x[2]), 2) for x in real_text},
        "real_text": {x[0]: x[2] for x in real_text},
        "encoder_passes": work[0],
        "greedy_decodes": work[1],
        "fallback_decodes": work[2],
        "tokens_written": work[3],
        "transcribe_s": round(sum(r[p].seconds for r in every), 2),
        "transcribe_cpu_s": round(sum(r[p].cpu_s for r in every), 2),
        "transcribe_fluent_cpu_s": round(
            sum(r[p].cpu_s for a, r in zip(answers, runs, strict=True) if a.fillers == 0)
            + sum(r[p].cpu_s for r in real_runs),
            2,
        ),
        "transcribe_fluent_s": round(
            sum(r[p].seconds for a, r in zip(answers, runs, strict=True) if a.fillers == 0)
            + sum(r[p].seconds for r in real_runs),
            2,
        ),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--answers", type=int, default=27)
    ap.add_argument("--held-out", type=int, default=0, help="answers of the held-out set (other texts and voices)")
    ap.add_argument("--fresh", type=int, default=0, help="answers of the fresh set (a third set of texts and voices)")
    ap.add_argument("--prompts", nargs="+", default=["-", "default"])
    ap.add_argument("--stt-model", default="tiny.en")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="the model's CPU threads (0: every core)")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument(
        "--seed",
        default="0",
        help="seed of the Piper voice's generator noise (with each answer's own number) and of Whisper's "
        "fallback sampling: the same seed gives the same answers and decodings in every run ('none': a new "
        "draw each run)",
    )
    args = ap.parse_args()
    seed = None if args.seed == "none" else int(args.seed)
    prompts = list(dict.fromkeys(args.prompts))

    answers = [make_answer(j, seed=seed) for j in range(args.answers)]
    answers += [make_answer(j, True, seed=seed) for j in range(args.held_out)]
    answers += [make_answer(j, fresh=True, seed=seed) for j in range(args.fresh)]
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
    profile_stages()
    models = {p: load(p, args.stt_model, seed, args.threads) for p in prompts}
    load_before = os.getloadavg()
    runs = run_all(models, [a.audio for a in answers], args.repeat)
    real_runs = run_all(models, [x[1] for x in real], args.repeat)
    quiet_runs = run_all(models, [x[1] for x in quiet], 1, profile=False)
    load_after = os.getloadavg()
    if args.verbose:
        for a, r in zip(answers, runs, strict=True):
            for p in prompts:
                n = fillers_found(r[p].tr, a.audio, True, LISTENS[p])[0]
                print(
                    f"{a.name} {a.voice} truth={a.fillers} {p!r}: {n} {r[p].counts} {r[p].decodings}d "
                    f"{r[p].cpu_s:.2f}s | {r[p].tr.text}"
                )
    rows = []
    for p in prompts:
        row = summarize(p, answers, runs, real, real_runs)
        row["quiet"] = {
            name: {"text": r[p].tr.text, "fillers": fillers_found(r[p].tr, audio, True, LISTENS[p])[0]}
            for (name, audio), r in zip(quiet, quiet_runs, strict=True)
        }
        rows.append(row)
    for row in rows:
        row["transcribe_vs_first"] = round(row["transcribe_s"] / rows[0]["transcribe_s"], 3)
        row["transcribe_fluent_vs_first"] = round(row["transcribe_fluent_s"] / rows[0]["transcribe_fluent_s"], 3)
        row["transcribe_cpu_vs_first"] = round(row["transcribe_cpu_s"] / rows[0]["transcribe_cpu_s"], 3)
        row["transcribe_fluent_cpu_vs_first"] = round(
            row["transcribe_fluent_cpu_s"] / rows[0]["transcribe_fluent_cpu_s"], 3
        )
        # the first round's CPU seconds per stage (answers and real clips; "other": faster-whisper's
        # Python, tokenizing, the adapter), and the decodings made: one per window, more when redone
        stages = CPU.get(row["decoding"], {})
        total = stages.pop("transcribe", 0.0)
        stages["other"] = total - sum(stages.values())
        row["cpu_by_stage_s"] = {k: round(v, 2) for k, v in sorted(stages.items(), key=lambda kv: -kv[1])}
        row["calls"] = CALLS.get(row["decoding"], {})
    audio_s = sum(a.audio.size for a in answers) / SAMPLE_RATE + sum(x[1].size for x in real) / SAMPLE_RATE
    out = {
        "stt_model": args.stt_model,
        "audio_s": round(audio_s, 1),
        "repeat": args.repeat,
        "seed": seed,
        "load_average_1_5_15_before": [round(x, 2) for x in load_before],
        "load_average_1_5_15_after": [round(x, 2) for x in load_after],
        "rows": rows,
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
