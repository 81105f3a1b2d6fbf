"""Benchmark conversation at human pace: from the end of an answer's speech to the interviewer's
first audio, and how often a thinking pause was taken for the end.

Answers of 15 s to 3 min are built from the bundled sample answers, spoken by the Piper voice and
by espeak-ng, plus the real speech clip of the tests; each holds thinking pauses of 0.8 to 2.5 s,
inside sentences (after a word that leaves the sentence hanging: "I would look at the ... drift")
and between sentences (after a connector: "... in production, and so ... the next step is").
Each answer is fed at speaking pace (a real-time clock) through the real capture path: Silero,
Smart Turn, the streaming recorder, incremental faster-whisper transcription, the follow-up
prepared at each likely end (scoring, Chroma retrieval, the local LLM, pyttsx3 rendering), and
the budget after the end of the turn. The latency is measured from the last voiced frame to the
moment the follow-up's audio is ready to play.

    .venv/bin/python benchmarks/bench_turn_latency.py [--quick] [--json] [--answers N]

Figures: ``p50_s``, ``p90_s`` (end of speech to first audio, answers that were not cut in),
``false_cutins`` (turns ended inside a thinking pause) out of ``pauses`` (thinking pauses reached).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.audio.turn import DANGLING, TurnOptions
from voice_interviewer.audio.vad import SileroVad
from voice_interviewer.engines import Engines, Settings
from voice_interviewer.interviewer.followup import Interviewer
from voice_interviewer.interviewer.grounded import GroundedFollowUps
from voice_interviewer.interviewer.probes import first_probe, gap_for, probe_for
from voice_interviewer.paths import data_home
from voice_interviewer.retrieval.context import retrieval_context
from voice_interviewer.retrieval.index import build_index
from voice_interviewer.scoring.scorecard import score_answer
from voice_interviewer.session.answers import StopEvent, _listen
from voice_interviewer.session.budget import CallTimes, follow_up_deadline
from voice_interviewer.session.demo import load_samples
from voice_interviewer.session.prepare import Line, Preparer, line_by
from voice_interviewer.tts.speaker import Pyttsx3Speaker, _to_16k, espeak_wav, synthesize

JFK = Path(__file__).resolve().parent.parent / "tests" / "data" / "speech" / "jfk.flac"
CONNECTORS = ("and so", "and", "so, um", "and then", "um, and")
SENTENCE_GAP_S = 0.35  # between fluent sentences (each synthesized on its own)


@dataclass
class Spoken:
    name: str
    voice: str
    question_id: str
    audio: np.ndarray
    pauses: list[tuple[float, float]] = field(default_factory=list)  # (start s, length s) of thinking pauses
    speech_end_s: float = 0.0  # the end of the last word


def _trim(audio: np.ndarray) -> np.ndarray:
    """Cut leading and trailing silence (the synthesizers add some) so pauses are what we put in."""
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    return audio[loud[0] : loud[-1] + 1] if loud.size else audio


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 4]


def _hang_split(sentence: str, rng: random.Random) -> tuple[str, str] | None:
    """Split after a word that leaves the sentence hanging, in its middle part."""
    words = sentence.split()
    spots = [i for i in range(2, len(words) - 2) if words[i].lower().strip(",") in DANGLING]
    if not spots:
        return None
    i = rng.choice(spots)
    return " ".join(words[: i + 1]).rstrip(","), " ".join(words[i + 1 :])


class Voices:
    def __init__(self, cache: Path) -> None:
        self.cache = cache

    def say(self, text: str, voice: str) -> np.ndarray:
        if voice == "piper":
            return _trim(synthesize(text, self.cache)[0])
        key = self.cache / f"espeak-{hashlib.sha256(text.encode()).hexdigest()[:20]}.wav"
        if not key.is_file():
            key.parent.mkdir(parents=True, exist_ok=True)
            key.write_bytes(espeak_wav(text))
        return _trim(_to_16k(key.read_bytes()))


def build_answer(
    name: str, voice: str, seconds: float, texts: list[tuple[str, str]], voices: Voices, rng: random.Random
) -> Spoken:
    """About ``seconds`` of speech from sample sentences, with a thinking pause every 12-25 s."""
    qid, _ = texts[0]
    pool = [s for _, t in texts for s in _sentences(t)]
    parts: list[np.ndarray] = []
    pauses: list[tuple[float, float]] = []
    t = 0.0
    next_pause = rng.uniform(6, 14)
    i = 0
    while t < seconds:
        sentence = pool[i % len(pool)]
        i += 1
        last = t + len(sentence.split()) / 2.5 >= seconds  # about 2.5 words a second
        pause_here = not last and t >= next_pause
        split = _hang_split(sentence, rng) if pause_here and rng.random() < 0.5 else None
        pieces: list[tuple[str, float]] = []
        if split:  # a thinking pause inside the sentence
            pieces = [(split[0], rng.uniform(0.8, 2.5)), (split[1], SENTENCE_GAP_S)]
        elif pause_here:  # between sentences, after a connector
            pieces = [(sentence.rstrip(".!?") + ", " + rng.choice(CONNECTORS), rng.uniform(0.8, 2.5))]
        else:
            pieces = [(sentence, SENTENCE_GAP_S)]
        for text, gap in pieces:
            a = voices.say(text, voice)
            parts.append(a)
            t += a.size / SAMPLE_RATE
            if gap > SENTENCE_GAP_S:
                pauses.append((t, gap))
                next_pause = t + rng.uniform(12, 25)
            parts.append(np.zeros(int(gap * SAMPLE_RATE), np.float32))
            t += gap
    parts.pop()  # no gap after the last sentence
    audio = np.concatenate(parts)
    return Spoken(name, voice, qid, audio, pauses, audio.size / SAMPLE_RATE)


def _quiet_run_s(audio: np.ndarray, at: int) -> float:
    """Seconds of the quiet run (Silero below 0.5) around sample ``at``."""
    quiet = SileroVad().probs(audio) < 0.5
    k = min(at // 512, quiet.size - 1)
    if not quiet[k]:
        return 0.0
    lo, hi = k, k
    while lo > 0 and quiet[lo - 1]:
        lo -= 1
    while hi + 1 < quiet.size and quiet[hi + 1]:
        hi += 1
    return (hi - lo + 1) * 512 / SAMPLE_RATE


def jfk_answer(name: str, pause_s: float, repeats: int) -> Spoken:
    """The real clip, said ``repeats`` times, with a thinking pause inside its sentence each time."""
    import soundfile as sf

    clip, sr = sf.read(str(JFK), dtype="float32")
    assert sr == SAMPLE_RATE
    frame = 512
    voiced = np.flatnonzero(SileroVad().probs(clip) >= 0.5)
    margin = int(0.05 * SAMPLE_RATE)  # cut to the voiced part, so repeats join with a fluent sentence gap
    clip = clip[max(0, voiced[0] * frame - margin) : (voiced[-1] + 1) * frame + margin]
    probs = SileroVad().probs(clip)
    quiet = probs < 0.5
    # the longest quiet run between 3 s and 8 s: the pause after "my fellow Americans"
    best, run, best_at = 0, 0, 0
    for k, q in enumerate(quiet):
        run = run + 1 if q else 0
        if 3 * SAMPLE_RATE < k * frame < 8 * SAMPLE_RATE and run > best:
            best, best_at = run, k
    cut = (best_at - best // 2) * frame
    # Silence added at the cut, measured as Silero hears it (a soft onset after digital silence is heard
    # late), so that the thinking pause is ``pause_s`` long, or the speaker's own pause when longer.
    added = 0.0
    for _ in range(4):
        joined = np.concatenate([clip[:cut], np.zeros(int(added * SAMPLE_RATE), np.float32), clip[cut:]])
        heard_s = _quiet_run_s(joined, cut)
        if abs(heard_s - pause_s) <= 0.05 or (added == 0.0 and heard_s > pause_s):
            break  # the pause is as long as asked (or the speaker's own is longer: nothing to add)
        added = max(0.0, added + pause_s - heard_s)
    pause_heard_s = _quiet_run_s(
        np.concatenate([clip[:cut], np.zeros(int(added * SAMPLE_RATE), np.float32), clip[cut:]]), cut
    )
    parts, pauses, t = [], [], 0.0
    for r in range(repeats):
        parts += [clip[:cut], np.zeros(int(added * SAMPLE_RATE), np.float32), clip[cut:]]
        t += cut / SAMPLE_RATE
        pauses.append((t, round(pause_heard_s, 2)))
        t += added + (clip.size - cut) / SAMPLE_RATE
        if r < repeats - 1:
            parts.append(np.zeros(int(SENTENCE_GAP_S * SAMPLE_RATE), np.float32))
            t += SENTENCE_GAP_S
    audio = np.concatenate(parts)
    return Spoken(name, "real (jfk)", "behavioral/tell-me-about-yourself", audio, pauses, audio.size / SAMPLE_RATE)


def paced(audio: np.ndarray, tail_s: float, chunk_s: float = 0.1) -> Iterator[np.ndarray]:
    """Chunks on a real-time clock (absolute schedule: processing time does not slow the feed)."""
    n = int(chunk_s * SAMPLE_RATE)
    padded = np.concatenate([audio, np.zeros(int(tail_s * SAMPLE_RATE), np.float32)])
    t0 = time.monotonic()
    for k, i in enumerate(range(0, padded.size, n)):
        delay = t0 + (k + 1) * chunk_s - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        yield padded[i : i + n]


PLAN_FULL = [
    ("piper", 15), ("espeak", 15), ("piper", 20), ("espeak", 20), ("piper", 20), ("piper", 25), ("piper", 30),
    ("espeak", 30), ("piper", 40), ("piper", 45), ("espeak", 45), ("piper", 60), ("espeak", 60), ("piper", 75),
    ("piper", 90), ("espeak", 90), ("piper", 120), ("piper", 180),
]  # fmt: skip
PLAN_QUICK = [("piper", 20), ("espeak", 20), ("piper", 45)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="4 answers (about 3 minutes)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--end-silence", type=float, default=2.5, help="the cap on a thinking pause")
    ap.add_argument("--stt-model", default="tiny.en")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--no-turn-model", action="store_true", help="the silence cap alone (the old behaviour)")
    ap.add_argument("--one-hearing", action="store_true", help="no second hearing of the last words at a pause")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    home = data_home({"VOICE_INTERVIEWER_HOME": tempfile.mkdtemp(prefix="vi-bench-turn-")}).ensure()
    eng = Engines(Settings(stt_model=args.stt_model), notify=lambda m: None, home=home)
    log = sys.stderr
    t0 = time.perf_counter()
    transcriber = eng.transcriber
    turn_model = None if args.no_turn_model else eng.turn_model
    chat, name = eng.chat_model("local")
    interviewer = Interviewer(chat, name, timeout_s=30)
    build_index(eng)
    speaker = Pyttsx3Speaker(play=False)
    follow = GroundedFollowUps(interviewer, retrieval_context(eng))
    voices = Voices(Path(tempfile.gettempdir()) / "vi-bench-voices")
    samples = load_samples("netflix-mle")
    by_q: dict[str, list[tuple[str, str]]] = {}
    for s in samples:
        by_q.setdefault(s.question_id, []).append((s.question_id, s.text))
    qids = sorted(q for q in by_q if not q.startswith("behavioral/"))
    plan = PLAN_QUICK if args.quick else PLAN_FULL
    answers = [
        build_answer(f"{v}-{sec}s", v, sec, by_q[qids[k % len(qids)]], voices, rng) for k, (v, sec) in enumerate(plan)
    ]
    answers.append(jfk_answer("jfk-x2", 1.2, 2))
    if not args.quick:
        answers.append(jfk_answer("jfk-x3", 2.0, 3))
    setup_s = time.perf_counter() - t0
    print(f"set-up {setup_s:.1f} s; {len(answers)} answers", file=log)
    follow.warm_up(eng.track.question(answers[0].question_id)[0])
    rows = []
    times = CallTimes()  # the model calls of the whole run, as in one session
    for k, sp in enumerate(answers):
        qid = sp.question_id if sp.question_id in eng.track.questions else qids[0]
        question, rnd = eng.track.question(qid)
        models = eng.models_used(True, rnd.sha256, rnd.round.version)
        asked = (question.prompt,)
        prep = Preparer(
            lambda tr, q=question, r=rnd, m=models: score_answer(q, r, tr, eng.embedder, m),
            probe=lambda card, q=question, a=asked: probe_for(q, card, a),
            line=lambda card, q=question, a=asked: follow.next_line(q, card, a),
            render=speaker.render,
            folder=home.state / f"prepared-{k}",
            gaps=lambda card, q=question, a=asked: gap_for(q, card, a),
            fallback=first_probe(question, asked),
            times=times,
        )
        opts = TurnOptions(end_silence_s=args.end_silence)
        ans = _listen(
            paced(sp.audio, args.end_silence + 1.0),
            home.recordings / f"{sp.name}.wav",
            transcriber,
            opts,
            StopEvent(),
            None,
            turn_model,
            prep,
            None if args.one_hearing else eng.ear,
        )
        heard_s = ans.timings["answer_s"]
        cut_in = heard_s < sp.speech_end_s - 0.05
        reached = sum(1 for start, _ in sp.pauses if start < heard_s)
        t_end = time.monotonic()
        deadline = follow_up_deadline(ans.end_decided_at or time.monotonic(), ans.speech_ended_at, ans.ended_by)
        line = line_by(prep, ans.transcript_by, deadline, question, asked)  # as the session does: by the budget
        if line is None:
            line = Line("(no words)", "rubric", "no speech")
        if line.audio is None:
            speaker.render(line.text, home.state / "late.wav")
        first_audio = time.monotonic()
        transcript = ans.transcript  # as in a session: the final transcript and scorecard come after
        job, _ = prep.job_for(transcript, decided=True)
        prep.card(job)
        prep.close()
        latency = first_audio - ans.speech_ended_at if ans.speech_ended_at is not None else None
        row = {
            "answer": sp.name,
            "voice": sp.voice,
            "answer_s": round(sp.speech_end_s, 1),
            "pauses": reached,
            "ended_by": ans.ended_by,
            "false_cutin": cut_in,
            "end_of_speech_to_first_audio_s": None if latency is None or cut_in else round(latency, 3),
            "end_of_speech_to_end_of_turn_s": ans.timings.get("end_of_speech_to_end_of_turn_s"),
            "transcription_after_end_s": ans.timings.get("transcription_after_end_s"),
            "wait_for_line_s": round(first_audio - t_end, 3),
            "job": job.timings,
            "preparations": prep.started,
            "prepared": line.prepared,
            "earlier_pause": line.earlier,
            "model_calls": prep.model_calls,
            "source": line.source,
            "reason": line.reason,
            "follow_up": line.text,
            "transcript_words": len(transcript.text.split()),
            "heard_s": heard_s,
            "turn_model_last_p": ans.timings.get("turn_model_last_p"),
            "last_words": " ".join(transcript.text.split()[-8:]),
        }
        rows.append(row)
        print(
            f"{sp.name:>14} {sp.voice:>10} {sp.speech_end_s:6.1f}s pauses {reached} ended {ans.ended_by:>9} "
            f"cut-in {'YES' if cut_in else 'no '} latency {row['end_of_speech_to_first_audio_s']} "
            f"prepared {line.prepared} earlier {line.earlier} {line.source} "
            f"(end {row['end_of_speech_to_end_of_turn_s']}, "
            f"tail {row['transcription_after_end_s']}, wait {row['wait_for_line_s']}, job {job.timings})"
            + (
                f"\n{'':>16}cut in at {heard_s} s, p {row['turn_model_last_p']}: ...{row['last_words']}"
                if cut_in
                else ""
            ),
            file=log,
        )
    lat = sorted(r["end_of_speech_to_first_audio_s"] for r in rows if r["end_of_speech_to_first_audio_s"] is not None)

    def pct(xs: list[float], q: float) -> float | None:
        return round(float(np.percentile(xs, q)), 3) if xs else None

    def bucket(r: dict) -> str:
        s = r["answer_s"]
        return "15-30 s" if s < 30 else "30-90 s" if s < 90 else "90-180 s"

    groups: dict[str, dict[str, list[float]]] = {"by_length": {}, "by_voice": {}}
    for r in rows:
        if r["end_of_speech_to_first_audio_s"] is None:
            continue
        groups["by_length"].setdefault(bucket(r), []).append(r["end_of_speech_to_first_audio_s"])
        groups["by_voice"].setdefault(r["voice"], []).append(r["end_of_speech_to_first_audio_s"])
    summary = {
        "answers": len(rows),
        "p50_s": pct(lat, 50),
        "p90_s": pct(lat, 90),
        "false_cutins": sum(r["false_cutin"] for r in rows),
        "pauses": sum(r["pauses"] for r in rows),
        "ended_by": dict(sorted({r["ended_by"]: 0 for r in rows}.items())),
        "follow_up_sources": {},
        "prepared_before_end": sum(r["prepared"] for r in rows),
        "median_by_length_s": {k: round(statistics.median(v), 3) for k, v in sorted(groups["by_length"].items())},
        "median_by_voice_s": {k: round(statistics.median(v), 3) for k, v in sorted(groups["by_voice"].items())},
        "stt_model": transcriber.name,
        "turn_model": None if turn_model is None else turn_model.name,
        "setup_s": round(setup_s, 1),
    }
    for r in rows:
        summary["ended_by"][r["ended_by"]] += 1
        summary["follow_up_sources"][r["source"]] = summary["follow_up_sources"].get(r["source"], 0) + 1
    if args.json:
        print(json.dumps({**summary, "turns": rows}, indent=2))
    else:
        print(f"{'answer':>14} {'voice':>10} {'length':>7} {'pauses':>6} {'ended by':>9} {'cut-in':>6} {'latency':>8}")
        for r in rows:
            lat_s = r["end_of_speech_to_first_audio_s"]
            print(
                f"{r['answer']:>14} {r['voice']:>10} {r['answer_s']:6.1f}s {r['pauses']:>6} {r['ended_by']:>9} "
                f"{'YES' if r['false_cutin'] else 'no':>6} {'' if lat_s is None else f'{lat_s:.2f} s':>8}"
            )
        print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # model threads may still be generating a discarded follow-up; do not tear them down
