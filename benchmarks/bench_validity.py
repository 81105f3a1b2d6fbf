"""Validity of the content score on the development set (devset/): does it rank answers the way
the grades do, typed and spoken?

    .venv/bin/python benchmarks/bench_validity.py [--typed-only] [--quick] [--voices piper,espeak] [--json]

Every answer is scored typed (``api.score_text``) and, per voice, spoken: synthesized at 16 kHz
with the Piper voice or espeak-ng, transcribed with the default speech model (tiny.en) and scored
from the transcript. Audio and transcripts are cached in the data home (``state/cache/validity``),
keyed by a hash of text, voice and model, so reruns only re-score. The Piper voice's noise is drawn
from a seed that is each answer's own text, so its audio, and the Piper figures, are the same on every
machine (espeak-ng speaks the same every time anyway).

Beside each condition, ``<condition> LOQO``: the same answers scored by models fitted
leave-one-question-out (each question by a model fitted on the typed answers to the other
questions, as the shipped model is fitted on typed answers), so the figures are about questions
the score was not fitted on (``--no-loqo`` skips them).

Printed per condition, overall and per round: Spearman of ``content.score`` against the grade
(average ranks for ties), the share of better/worse pairs within a question ordered right (a tie
in score counts half), and the share of answers whose ``content.level`` equals the grade.
``table(conditions)`` takes plain rows, so other predictors (e.g. leave-one-question-out fits) can
be added as further columns. Figures only; nothing here asserts a threshold.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from voice_interviewer import api
from voice_interviewer.engines import Engines, Settings
from voice_interviewer.scoring import fit as fitting
from voice_interviewer.scoring.devset import DevAnswer, DevQuestion, DevSet, Row, load_devset, summarize
from voice_interviewer.scoring.validity import GradedAnswer
from voice_interviewer.tts.piper import DEMO_LENGTH_SCALE, piper_wav, reseed_voice
from voice_interviewer.types import Scorecard, Transcript

VOICES = ("piper", "espeak")
SEEDED_PIPER = "piper-seeded"  # the seeded Piper audio and its transcripts (unseeded ones are not reused)
METRIC_KEYS = (("spearman", "Spearman"), ("pairs", "pairs right"), ("level_agreement", "level = grade"))

Item = tuple[DevQuestion, DevAnswer]


# --- rows --------------------------------------------------------------------------------------


def row_of(q: DevQuestion, a: DevAnswer, card: Scorecard) -> Row:
    return Row(
        question=q.id, round=q.round, grade=a.grade, score=card.content.score, level=card.content.level, answer=a.id
    )


def typed_rows(engines: Engines, items: Sequence[Item]) -> list[Row]:
    return [row_of(q, a, api.score_text(engines, a.text, q.id)) for q, a in items]


def spoken_rows(
    engines: Engines, items: Sequence[Item], voice: str, cache: Path, log: Callable[[str], None]
) -> tuple[list[Row], dict[str, Transcript]]:
    """Rows of the spoken answers, and their transcripts by answer (question id and answer id)."""
    rows, transcripts = [], {}
    for i, (q, a) in enumerate(items, 1):
        transcript = cached_transcript(engines, a.text, voice, cache)
        transcripts[f"{q.id}/{a.id}"] = transcript
        rows.append(row_of(q, a, api.score_transcript(engines, transcript, q.id)))
        if i % 10 == 0:
            log(f"  {voice}: {i}/{len(items)}")
    return rows, transcripts


# --- leave-one-question-out ----------------------------------------------------------------------


def graded(items: Sequence[Item]) -> list[GradedAnswer]:
    return [GradedAnswer(question=q.id, id=a.id, grade=a.grade, style=a.style, text=a.text) for q, a in items]


def loqo_rows(
    engines: Engines,
    items: Sequence[Item],
    train: Sequence[fitting.Example] | None = None,
    transcripts: dict[str, Transcript] | None = None,
) -> tuple[list[Row], list[fitting.Example]]:
    """Rows scored leave-one-question-out, and the examples they were analysed into.

    With ``transcripts`` the answers are their transcripts; the models are always fitted on
    ``train`` (default: these examples), the typed answers.
    """

    def heard(it: GradedAnswer) -> tuple[str, Sequence[object]]:
        t = (transcripts or {})[f"{it.question}/{it.id}"]
        return t.text, t.words

    examples = fitting.examples_for(
        graded(items), engines.track, engines.embedder, heard if transcripts is not None else None
    )
    scores, levels = fitting.leave_one_question_out(examples, train)
    rows = [
        Row(question=q.id, round=q.round, grade=a.grade, score=s, level=lv, answer=a.id)
        for (q, a), s, lv in zip(items, scores, levels, strict=True)
    ]
    return rows, examples


# --- speech, cached --------------------------------------------------------------------------


def _key(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def _wav_to_16k(wav: bytes) -> np.ndarray:
    from faster_whisper.audio import decode_audio

    return np.asarray(decode_audio(io.BytesIO(wav), sampling_rate=16000), dtype=np.float32)


def seeded_piper_wav(text: str) -> bytes:
    """The demo candidate's Piper voice saying ``text``, its generator noise drawn from a seed that is
    the text's own: Piper draws new noise each time it speaks, so without a seed every new cache
    (another machine, another data home) would be another draw, and the Piper figures would move by
    more than most changes do (0.897 / 95.5% / 76.9% on one draw, 0.880 / 94.1% / 74.5% on another)."""
    reseed_voice(int(_key("seed", text)[:8], 16))
    return piper_wav(text, DEMO_LENGTH_SCALE)


def _cached_wav(path: Path, make: Callable[[], bytes]) -> np.ndarray:
    """16 kHz mono audio of the WAV at ``path``, made by ``make`` first when it is not there."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make())
    return _wav_to_16k(path.read_bytes())


def synthesize_voice(text: str, voice: str, cache: Path) -> np.ndarray:
    """16 kHz mono audio of ``text`` in ``voice`` (piper | espeak), cached by text and voice."""
    from voice_interviewer.tts import speaker

    if voice == "piper":
        if not speaker.piper_available():
            raise SystemExit("The Piper voice is not installed (piper-tts and the voice package; see requirements/).")
        path = cache / SEEDED_PIPER / f"{_key('piper', str(DEMO_LENGTH_SCALE), text)}.wav"
        return _cached_wav(path, lambda: seeded_piper_wav(text))
    if voice == "espeak":
        return _cached_wav(cache / "espeak" / f"{_key('espeak-ng', text)}.wav", lambda: speaker.espeak_wav(text))
    raise SystemExit(f"Unknown voice {voice!r}; use one of: {', '.join(VOICES)}")


def cached_transcript(engines: Engines, text: str, voice: str, cache: Path) -> Transcript:
    model = engines.settings.stt_model
    heard_as = SEEDED_PIPER if voice == "piper" else voice
    path = cache / "transcripts" / f"{_key(text, heard_as, model)}.json"
    if path.is_file():
        return Transcript.model_validate_json(path.read_text())
    transcript = engines.transcriber.transcribe(synthesize_voice(text, voice, cache))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(transcript.model_dump_json())
    return transcript


# --- report ------------------------------------------------------------------------------------


def table(conditions: dict[str, Sequence[Row]]) -> dict[str, dict[str, dict[str, float | int | None]]]:
    """{condition: {"all" | round: metrics}} for any set of predictors' rows."""
    return {name: {k: m.as_dict() for k, m in summarize(rows).items()} for name, rows in conditions.items()}


def _fmt(x: float | int | None, pct: bool) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{100 * x:.0f}%" if pct else f"{x:.2f}"


def format_table(result: dict[str, dict[str, dict[str, float | int | None]]]) -> str:
    names = list(result)
    groups = list(next(iter(result.values()))) if result else []
    width = max([len(n) for n in names] + [14])
    lines = []
    for key, label in METRIC_KEYS:
        lines.append(f"{label:<20}" + "".join(f"{n:>{width + 2}}" for n in names))
        for g in groups:
            cells = "".join(f"{_fmt(result[n].get(g, {}).get(key), key != 'spearman'):>{width + 2}}" for n in names)
            lines.append(f"  {g:<18}{cells}")
        lines.append("")
    counts = ", ".join(f"{g} {result[names[0]][g]['n']}" for g in groups) if names else ""
    lines.append(f"answers: {counts}")
    return "\n".join(lines)


def style_means(rows: Sequence[Row], devset: DevSet) -> dict[str, dict[int, float]]:
    """Mean score per answer style and grade: where a scorer over- or under-credits a kind of answer."""
    style = {(q.id, a.id): a.style for q, a in devset.items()}
    acc: dict[str, dict[int, list[float]]] = {}
    for r in rows:
        acc.setdefault(style[(r.question, r.answer)], {}).setdefault(r.grade, []).append(r.score)
    return {st: {g: round(float(np.mean(v)), 1) for g, v in sorted(by.items())} for st, by in sorted(acc.items())}


def format_style_means(means: dict[str, dict[int, float]]) -> str:
    lines = ["mean score by style   grade 1  grade 2  grade 3  grade 4"]
    for st, by in means.items():
        lines.append(f"  {st:<19}" + "".join(f"{by[g]:>9.1f}" if g in by else f"{'':>9}" for g in (1, 2, 3, 4)))
    return "\n".join(lines)


def pick_items(devset: DevSet, per_round: int | None) -> list[Item]:
    """All answers, or those of the first ``per_round`` questions of each round."""
    if not per_round:
        return devset.items()
    taken: dict[str, int] = {}
    out: list[Item] = []
    for q in devset.questions:
        taken[q.round] = taken.get(q.round, 0) + 1
        if taken[q.round] <= per_round:
            out.extend((q, a) for a in q.answers)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--typed-only", action="store_true", help="skip the spoken conditions")
    ap.add_argument("--quick", action="store_true", help="one question per round (same as --per-round 1)")
    ap.add_argument("--per-round", type=int, default=None, help="only the first N questions of each round")
    ap.add_argument("--voices", default=",".join(VOICES), help="comma-separated: piper,espeak")
    ap.add_argument("--stt-model", default=Settings().stt_model)
    ap.add_argument("--devset", type=Path, default=None, help="folder of <round>.yaml (default: devset/<first track>)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--by-style", action="store_true", help="also print the mean score per style and grade")
    ap.add_argument("--no-loqo", action="store_true", help="skip the leave-one-question-out columns")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    devset = load_devset(args.devset)
    items = pick_items(devset, 1 if args.quick else args.per_round)
    engines = Engines(Settings(stt_model=args.stt_model, device="cpu"), notify=lambda m: None)
    cache = engines.home.state / "cache" / "validity"

    conditions: dict[str, list[Row]] = {}
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    conditions["typed"] = typed_rows(engines, items)
    seconds["typed"] = time.perf_counter() - t0
    typed_examples: list[fitting.Example] = []
    if not args.no_loqo:
        conditions["typed LOQO"], typed_examples = loqo_rows(engines, items)
    if not args.typed_only:
        for voice in [v.strip() for v in args.voices.split(",") if v.strip()]:
            log(f"spoken ({voice}, {args.stt_model}): {len(items)} answers")
            t0 = time.perf_counter()
            conditions[f"spoken-{voice}"], transcripts = spoken_rows(engines, items, voice, cache, log)
            seconds[f"spoken-{voice}"] = time.perf_counter() - t0
            if not args.no_loqo:
                conditions[f"spoken-{voice} LOQO"], _ = loqo_rows(engines, items, typed_examples, transcripts)

    result = table(conditions)
    if args.json:
        out = {
            "devset": devset.track,
            "questions": len({q.id for q, _ in items}),
            "answers": len(items),
            "stt_model": args.stt_model,
            "metrics": result,
            "seconds": {k: round(v, 1) for k, v in seconds.items()},
            "style_means": {name: style_means(rows, devset) for name, rows in conditions.items()},
            "rows": {name: [r.__dict__ for r in rows] for name, rows in conditions.items()},
        }
        print(json.dumps(out, indent=1))
    else:
        print(f"Development set {devset.track}: {len(items)} answers, {len({q.id for q, _ in items})} questions")
        print(format_table(result))
        if args.by_style:
            for name, rows in conditions.items():
                print(f"\n{name}\n{format_style_means(style_means(rows, devset))}")
        print("seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in seconds.items()))


if __name__ == "__main__":
    main()
