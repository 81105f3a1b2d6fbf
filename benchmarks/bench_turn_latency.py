"""Benchmark the wait after an answer: from the end-of-turn decision to the first audio of the
follow-up, by stage, for answers of 15 s, 60 s and 180 s.

The answer is fed at speaking pace (``--realtime``, the default) through the real capture path
(Silero end-of-turn, streaming recorder, incremental faster-whisper transcription), then scored,
context is retrieved from Chroma, the local LLM writes the follow-up, and pyttsx3 renders it.

    .venv/bin/python benchmarks/bench_turn_latency.py [--lengths 15,60,180] [--no-realtime]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from voice_interviewer.audio.capture import chunked
from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.audio.turn import TurnOptions
from voice_interviewer.engines import Engines, Settings
from voice_interviewer.interviewer.followup import Interviewer, build_chat_model
from voice_interviewer.interviewer.grounded import GroundedFollowUps, retrieval_context
from voice_interviewer.paths import data_home
from voice_interviewer.retrieval.index import build_index
from voice_interviewer.scoring.scorecard import score_answer
from voice_interviewer.session.answers import StopEvent, _listen
from voice_interviewer.session.demo import load_samples
from voice_interviewer.tts.speaker import Pyttsx3Speaker, synthesize

QID = "phone-screen/bias-variance"


def answer_audio(seconds: float, cache: Path) -> np.ndarray:
    pieces, total = [], 0.0
    texts = [s.text for s in load_samples("netflix-mle") if s.kind in ("strong", "vague")]
    i = 0
    while total < seconds:
        a, _ = synthesize(texts[i % len(texts)], cache)
        pieces += [a, np.zeros(int(0.8 * SAMPLE_RATE), np.float32)]  # sentence-final breath
        total += a.size / SAMPLE_RATE + 0.8
        i += 1
    return np.concatenate(pieces)[: int(seconds * SAMPLE_RATE)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lengths", default="15,60,180")
    ap.add_argument("--no-realtime", action="store_true")
    ap.add_argument("--end-silence", type=float, default=2.5)
    args = ap.parse_args()
    home = data_home({"VOICE_INTERVIEWER_HOME": tempfile.mkdtemp(prefix="vi-bench-turn-")}).ensure()
    eng = Engines(Settings(), notify=lambda m: None, home=home)
    t0 = time.perf_counter()
    transcriber = eng.transcriber
    chat, name = build_chat_model("local", eng.checksums)
    interviewer = Interviewer(chat, name, timeout_s=30)
    build_index(eng)
    speaker = Pyttsx3Speaker(play=False)
    setup_s = time.perf_counter() - t0
    follow = GroundedFollowUps(interviewer, retrieval_context(eng))
    question, rnd = eng.track.question(QID)
    follow.warm_up(question)  # as a session does while the first question is asked
    rows = []
    for seconds in [float(x) for x in args.lengths.split(",")]:
        audio = answer_audio(seconds, home.state / "bench-audio")
        stop = StopEvent()
        ans = _listen(
            chunked(audio, realtime=not args.no_realtime, tail_silence_s=args.end_silence + 1),
            home.recordings / f"bench-{seconds:.0f}.wav",
            transcriber,
            TurnOptions(end_silence_s=args.end_silence),
            stop,
            None,
        )
        transcript, tail_s = ans.transcript, ans.timings["transcription_after_end_s"]
        t1 = time.perf_counter()
        card = score_answer(
            question, rnd, transcript, eng.embedder, eng.models_used(True, rnd.sha256, rnd.round.version)
        )
        scoring_s = time.perf_counter() - t1
        t1 = time.perf_counter()
        ctx = follow.context(question, transcript.text) if follow.context else ()
        retrieval_s = time.perf_counter() - t1
        t1 = time.perf_counter()
        from voice_interviewer.interviewer.followup import FollowUpContext
        from voice_interviewer.interviewer.grounded import missed_points

        f = interviewer.follow_up(
            FollowUpContext(
                question_prompt=question.prompt,
                question_id=question.id,
                transcript=transcript.text,
                missed=missed_points(card),
                covered=(),
                retrieved=ctx,
                asked=(question.prompt,),
            )
        )
        llm_s = time.perf_counter() - t1
        t1 = time.perf_counter()
        speaker.render(f.text, home.state / "bench-follow-up.wav")
        tts_s = time.perf_counter() - t1
        total = tail_s + scoring_s + retrieval_s + llm_s + tts_s
        rows.append(
            {
                "answer_s": seconds,
                "end_of_turn_wait_s": args.end_silence,
                "transcription_after_end_s": round(tail_s, 3),
                "scoring_s": round(scoring_s, 3),
                "retrieval_s": round(retrieval_s, 3),
                "llm_s": round(llm_s, 3),
                "llm_source": f.source,
                "tts_first_audio_s": round(tts_s, 3),
                "after_end_of_turn_decision_s": round(total, 3),
                "words": len(transcript.words),
            }
        )
    print(json.dumps({"setup_s": round(setup_s, 2), "realtime": not args.no_realtime, "turns": rows}, indent=2))


if __name__ == "__main__":
    main()
