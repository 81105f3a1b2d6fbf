"""Semantic end of turn: possible ends after a short silence, the turn model's verdict, the cap."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from voice_interviewer.audio.capture import capture_answer
from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.audio.turn import (
    COMPLETE,
    FRAME,
    FRAME_S,
    LIKELY_END,
    POSSIBLE_END,
    SILENCE,
    TurnDetector,
    TurnOptions,
    text_hangs_for_sure,
    text_sounds_finished,
)
from voice_interviewer.stt.incremental import IncrementalTranscriber
from voice_interviewer.types import Transcript, Word


def frames(seconds: float, p: float) -> np.ndarray:
    return np.full(round(seconds / FRAME_S), p, dtype=np.float32)


# --- the pure decision ----------------------------------------------------------------------


def test_a_complete_verdict_ends_the_turn_at_the_hold() -> None:
    det = TurnDetector(TurnOptions(propose_s=0.25, hold_s=0.6, end_silence_s=2.5, min_answer_s=0))
    assert det.push(frames(3.0, 0.9)) is None
    assert det.push(frames(0.2, 0.1)) is None  # not yet: 0.2 s of silence
    assert det.push(frames(0.1, 0.1)) == POSSIBLE_END
    assert det.judge(0.83) == LIKELY_END  # prepare the follow-up now
    assert det.push(frames(0.2, 0.1)) is None  # a fluent gap between sentences is shorter than the hold
    assert det.push(frames(0.15, 0.1)) == COMPLETE
    assert 0.6 <= det.silence_s < 0.7  # long before the cap
    assert det.verdicts[-1].probability == pytest.approx(0.83)
    assert det.verdicts[-1].at_s == pytest.approx(det.last_speech, abs=1e-3)


def test_the_opening_words_of_an_answer_never_end_it() -> None:
    # "And so, my fellow Americans," sounds complete; with less than min_answer_s of speech only the cap ends
    det = TurnDetector(TurnOptions(propose_s=0.25, hold_s=0.6, end_silence_s=2.0, min_answer_s=4.0))
    assert det.push(frames(2.5, 0.9)) is None
    assert det.push(frames(0.3, 0.1)) == POSSIBLE_END
    assert det.judge(0.95) is None  # complete-sounding, but too early to be an answer
    assert det.push(frames(1.0, 0.1)) == LIKELY_END  # prepared for, in case it is the whole answer
    assert det.push(frames(0.8, 0.1)) == SILENCE  # the cap ends it
    det = TurnDetector(TurnOptions(propose_s=0.25, hold_s=0.6, min_answer_s=4.0))
    assert det.push(frames(4.5, 0.9)) is None
    assert det.push(frames(0.3, 0.1)) == POSSIBLE_END
    assert det.judge(0.95) == LIKELY_END  # past min_answer_s the same verdict ends it at the hold
    assert det.push(frames(0.35, 0.1)) == COMPLETE


def test_an_incomplete_verdict_keeps_listening_up_to_the_cap() -> None:
    det = TurnDetector(TurnOptions(propose_s=0.25, prepare_s=1.0, end_silence_s=2.0))
    det.push(frames(2.0, 0.9))
    assert det.push(frames(0.3, 0.0)) == POSSIBLE_END
    assert det.judge(0.05) is None  # "so the way I'd do it is..."
    assert det.push(frames(0.5, 0.0)) is None  # one proposal per silence
    assert det.push(frames(0.3, 0.0)) == LIKELY_END  # a long silence: prepare anyway
    assert det.push(frames(1.0, 0.0)) == SILENCE  # the cap ends a turn that never sounds finished


def test_speech_after_a_complete_sounding_pause_lengthens_the_hold() -> None:
    det = TurnDetector(TurnOptions(propose_s=0.25, hold_s=0.6, max_hold_s=1.0, min_answer_s=0))
    det.push(frames(2.0, 0.9))
    assert det.push(frames(0.3, 0.0)) == POSSIBLE_END
    assert det.judge(0.9) == LIKELY_END
    assert det.push(frames(0.2, 0.0)) is None
    det.push(frames(1.0, 0.9))  # went on after 0.5 s: this speaker pauses that long between sentences
    assert det.hold_s == pytest.approx(0.5 + 2 * FRAME_S, abs=0.04)
    assert det.push(frames(0.3, 0.0)) == POSSIBLE_END
    assert det.judge(0.7) == LIKELY_END
    assert [v.probability for v in det.verdicts] == pytest.approx([0.9, 0.7])
    det.push(frames(0.3, 0.0))
    assert det.push(frames(0.3, 0.0)) == COMPLETE


def test_the_hold_never_grows_past_its_limit() -> None:
    det = TurnDetector(TurnOptions(hold_s=0.6, max_hold_s=0.6))
    det.push(frames(2.0, 0.9))
    det.push(frames(0.3, 0.0))
    det.judge(0.9)
    det.push(frames(0.25, 0.0))
    det.push(frames(1.0, 0.9))
    assert det.hold_s == pytest.approx(0.6)


def test_speech_resuming_in_the_same_chunk_cancels_the_proposal() -> None:
    det = TurnDetector(TurnOptions(propose_s=0.25))
    det.push(frames(1.0, 0.9))
    chunk = np.concatenate([frames(0.3, 0.0), frames(0.1, 0.9)])
    assert det.push(chunk) is None and not det.awaiting


def test_no_proposal_before_the_answer_starts_or_without_the_semantic_mode() -> None:
    det = TurnDetector(TurnOptions(start_timeout_s=5.0))
    assert det.push(frames(2.0, 0.0)) is None  # silence before any speech: nothing to judge
    off = TurnDetector(TurnOptions(semantic=False, end_silence_s=1.0))
    off.push(frames(1.0, 0.9))
    assert off.push(frames(0.9, 0.0)) is None
    assert off.push(frames(0.2, 0.0)) == SILENCE


def test_hanging_words_veto_a_complete_sounding_voice() -> None:
    det = TurnDetector(TurnOptions(hold_s=0.6, end_silence_s=2.5, min_answer_s=0))
    det.expects_text = True
    det.push(frames(2.0, 0.9))
    assert det.push(frames(0.3, 0.0)) == POSSIBLE_END
    assert det.judge(0.95) == LIKELY_END
    assert det.wants_text
    words = "and the reason for that is mostly the"
    assert det.judge_text(text_sounds_finished(words), text_hangs_for_sure(words)) is None
    assert det.push(frames(1.5, 0.0)) is None  # a thinking pause after "the"
    assert det.push(frames(0.8, 0.0)) == SILENCE


def test_a_finished_sentence_ends_a_flat_voice_at_the_hold() -> None:
    det = TurnDetector(TurnOptions(hold_s=0.6, text_threshold=0.1, min_answer_s=0))
    det.expects_text = True
    det.push(frames(2.0, 0.9))
    assert det.push(frames(0.3, 0.0)) == POSSIBLE_END
    assert det.judge(0.2) is None  # a monotone voice reads as unfinished...
    assert det.judge_text(text_sounds_finished("I would retrain the model every week.")) == LIKELY_END
    assert det.push(frames(0.35, 0.0)) == COMPLETE  # ... the words say it is done


def test_a_complete_verdict_waits_a_little_for_the_words() -> None:
    det = TurnDetector(TurnOptions(hold_s=0.6, text_wait_s=0.4, sure_threshold=0.9, min_answer_s=0))
    det.expects_text = True
    det.push(frames(2.0, 0.9))
    det.push(frames(0.3, 0.0))
    det.judge(0.7)
    assert det.push(frames(0.4, 0.0)) is None  # at the hold, the words are not in yet
    assert det.push(frames(0.35, 0.0)) == COMPLETE  # they did not come in time: the voice decides


def _sure(words: str) -> TurnDetector:
    det = TurnDetector(TurnOptions(hold_s=0.6, text_wait_s=0.4, sure_threshold=0.9, min_answer_s=0))
    det.expects_text = True
    det.push(frames(2.0, 0.9))
    det.push(frames(0.3, 0.0))
    det.judge(0.95)
    assert det.push(frames(0.35, 0.0)) is None  # at the hold, a sure voice waits for the words too
    det.judge_text(text_sounds_finished(words), text_hangs_for_sure(words))
    return det


def test_a_sure_voice_is_vetoed_only_by_words_no_sentence_ends_on() -> None:
    assert _sure("and then we could explore across a").push(frames(1.0, 0.0)) is None  # a thinking pause
    assert _sure("I would frame it as a bandit, and").push(frames(1.0, 0.0)) is None
    assert _sure("That is the one we started with.").push(frames(0.1, 0.0)) == COMPLETE  # "with" can close it
    assert _sure("We retrain it every week.").push(frames(0.1, 0.0)) == COMPLETE


def test_a_voice_not_sure_of_itself_is_vetoed_by_any_dangling_word() -> None:
    det = TurnDetector(TurnOptions(hold_s=0.6, sure_threshold=0.9, min_answer_s=0))
    det.expects_text = True
    det.push(frames(2.0, 0.9))
    det.push(frames(0.3, 0.0))
    det.judge(0.8)
    det.judge_text(text_sounds_finished("the label is what we start with"), False)
    assert det.push(frames(1.5, 0.0)) is None


@pytest.mark.parametrize(
    ("text", "hangs"),
    [("explore across a", True), ("and um", True), ("so I'd look at the labels,", True), ("to begin with.", False),
     ("It will.", False), ("", False)],
)  # fmt: skip
def test_text_hangs_for_sure(text: str, hangs: bool) -> None:
    assert text_hangs_for_sure(text) is hangs


@pytest.mark.parametrize(
    ("text", "finished"),
    [
        ("I would retrain it every week.", True),
        ("What would you measure?", True),
        ("So the way I would do it is", False),
        ("I'd look at the labels, and", False),
        ("First I would check the, um...", False),
        ("and then we ship it", False),  # no full stop: not a finished sentence
        ("", None),
    ],
)
def test_text_sounds_finished(text: str, finished: bool | None) -> None:
    assert text_sounds_finished(text) is finished


# --- capture with a turn model ----------------------------------------------------------------


class ScriptedVad:
    """Speech probability from the chunk itself: loud chunks are speech (whole frames, like Silero)."""

    def __init__(self) -> None:
        self.rest = 0

    def probs(self, chunk: np.ndarray) -> np.ndarray:
        p = 0.9 if float(np.abs(chunk).max(initial=0.0)) > 0.05 else 0.02
        n, self.rest = divmod(self.rest + chunk.size, FRAME)
        return np.full(n, p, dtype=np.float32)


class FakeTurnModel:
    """Says "complete" from the n-th question on; remembers how much audio it heard."""

    name = "fake-turn"

    def __init__(self, complete_from: int) -> None:
        self.complete_from = complete_from
        self.heard: list[int] = []

    def complete_probability(self, audio: np.ndarray) -> float:
        self.heard.append(audio.size)
        return 0.9 if len(self.heard) >= self.complete_from else 0.1


class Listener:
    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []

    def possible_end(self, samples: int) -> None:
        self.events.append(("possible-end", samples))

    def likely_end(self, samples: int) -> None:
        self.events.append(("likely-end", samples))

    def resumed(self) -> None:
        self.events.append(("resumed", 0))


def speech_and_pauses(parts: list[tuple[str, float]]) -> Iterator[np.ndarray]:
    """Chunks of 0.1 s: "s" is loud (speech), "p" is quiet (pause)."""
    n = 1600
    for kind, seconds in parts:
        for _ in range(round(seconds / 0.1)):
            yield np.full(n, 0.3 if kind == "s" else 0.0, dtype=np.float32)


def test_capture_ends_at_the_first_complete_verdict_and_tells_the_listener(tmp_path: Path) -> None:
    model, listener = FakeTurnModel(complete_from=2), Listener()
    parts = [("s", 12.0), ("p", 1.5), ("s", 2.0), ("p", 3.0)]  # a thinking pause, then the real end
    cap = capture_answer(
        speech_and_pauses(parts),
        tmp_path / "a.wav",
        ScriptedVad(),  # type: ignore[arg-type]
        TurnOptions(end_silence_s=2.5, propose_s=0.25),
        turn_model=model,
        listener=listener,
    )
    assert cap.ended_by == COMPLETE
    events = [e for e, _ in listener.events]
    assert events == ["possible-end", "likely-end", "resumed", "possible-end", "likely-end"]
    assert cap.settled_at == listener.events[-2][1]  # nothing was said after the last possible end
    assert model.heard[0] == 8 * SAMPLE_RATE  # the last 8 s of a 12 s stretch
    assert [v.probability for v in cap.verdicts] == [0.1, 0.9]
    assert cap.last_speech_s == pytest.approx(15.5, abs=0.05)
    assert cap.audio.size / SAMPLE_RATE == pytest.approx(15.5 + 0.6, abs=0.11)  # ended at the hold
    assert cap.speech_ended_at is not None and cap.speech_ended_at <= cap.end_decided_at


def test_a_held_turn_ends_when_its_words_arrive_not_at_the_next_chunk(tmp_path: Path) -> None:
    fed = 0
    waits: list[tuple[float, int]] = []  # (how long capture would wait for the words, chunks fed by then)

    def chunks() -> Iterator[np.ndarray]:
        nonlocal fed
        for c in speech_and_pauses([("s", 6.0), ("p", 3.0)]):
            fed += 1
            yield c

    def words(wait_s: float) -> list[str] | None:
        waits.append((wait_s, fed))
        return ["That is how I would do it."] if wait_s > 0 else None  # they arrive while capture waits

    cap = capture_answer(
        chunks(),
        tmp_path / "a.wav",
        ScriptedVad(),  # type: ignore[arg-type]
        TurnOptions(end_silence_s=2.5, propose_s=0.25, hold_s=0.6, min_answer_s=0),
        turn_model=FakeTurnModel(complete_from=1),
        words_so_far=words,
    )
    assert cap.ended_by == COMPLETE
    assert all(w == 0 for w, _ in waits[:-1])  # polled without waiting before the hold
    wait_s, fed_then = waits[-1]
    assert wait_s == pytest.approx(0.1)  # at the hold: waited up to one chunk
    assert fed == fed_then  # and ended in that chunk
    assert cap.last_speech_s is not None
    assert cap.audio.size / SAMPLE_RATE - cap.last_speech_s == pytest.approx(0.6, abs=0.1)


def test_capture_without_a_turn_model_ends_at_the_cap(tmp_path: Path) -> None:
    listener = Listener()
    cap = capture_answer(
        speech_and_pauses([("s", 2.0), ("p", 3.0)]),
        tmp_path / "a.wav",
        ScriptedVad(),  # type: ignore[arg-type]
        TurnOptions(end_silence_s=1.2),
        listener=listener,
    )
    assert cap.ended_by == SILENCE and cap.verdicts == ()
    assert [e for e, _ in listener.events] == ["possible-end", "likely-end"]  # preparing starts in the pause


def test_end_of_speech_time_is_the_last_voiced_frame(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import voice_interviewer.audio.capture as capture

    class Clock:  # chunks arrive 0.1 s apart, as from a microphone
        now = 100.0

        def monotonic(self) -> float:
            return self.now

    clock = Clock()
    monkeypatch.setattr(capture, "time", clock)

    def paced() -> Iterator[np.ndarray]:
        for chunk in speech_and_pauses([("s", 0.64), ("p", 1.0)]):
            clock.now += 0.1
            yield chunk

    cap = capture_answer(
        paced(),
        tmp_path / "a.wav",
        ScriptedVad(),  # type: ignore[arg-type]
        TurnOptions(min_speech_s=0.2, min_answer_s=0),
        turn_model=FakeTurnModel(1),
    )
    assert cap.ended_by == COMPLETE and cap.speech_ended_at is not None and cap.last_speech_s is not None
    assert cap.speech_ended_at - 100.0 == pytest.approx(cap.last_speech_s, abs=0.035)  # within one frame
    assert cap.last_speech_s == pytest.approx(0.6, abs=0.1)
    assert cap.end_decided_at - cap.speech_ended_at == pytest.approx(0.6, abs=0.1)  # the hold


def test_a_stop_while_the_source_winds_down_keeps_its_reason(tmp_path: Path) -> None:
    stop = threading.Event()
    stop.reason = "enter"  # type: ignore[attr-defined]
    stop.set()
    cap = capture_answer(iter(()), tmp_path / "a.wav", ScriptedVad(), stop_event=stop)  # type: ignore[arg-type]
    assert cap.ended_by == "enter"


# --- the transcript so far at a possible end -------------------------------------------------


class SlowPieces:
    """Fake speech model: one word per piece, after a short delay (transcription takes time)."""

    name = "fake"
    sha256: str | None = None
    supports_word_timings = True

    def __init__(self, delay: float = 0.05) -> None:
        self.delay = delay
        self.pieces: list[float] = []

    def transcribe(self, audio: np.ndarray, progress: object = None) -> Transcript:
        time.sleep(self.delay)
        self.pieces.append(audio.size / SAMPLE_RATE)
        w = f"w{len(self.pieces)}"
        return Transcript(text=w, words=(Word(word=w, start=0.0, end=0.2),), duration_s=audio.size / SAMPLE_RATE)


def test_cut_at_a_possible_end_gives_the_transcript_so_far_while_listening_goes_on() -> None:
    fake = SlowPieces()
    inc = IncrementalTranscriber(fake)
    chunk = np.zeros(FRAME * 10, dtype=np.float32)
    speech, quiet = np.full(10, 0.9, np.float32), np.full(10, 0.0, np.float32)
    for probs in [speech] * 5 + [quiet]:  # 1.6 s of speech: too short for a natural cut
        inc.feed(chunk, probs)
    assert fake.pieces == []
    cut = inc.cut()
    so_far = inc.transcript_until(cut, timeout=5)
    assert so_far is not None and so_far.text == "w1"
    for probs in [speech] * 3 + [quiet]:  # the candidate went on
        inc.feed(chunk, probs)
    assert inc.cut() > cut
    whole = inc.finish()
    assert whole.text == "w1 w2" and len(fake.pieces) == 2


def test_a_cut_with_nothing_said_since_sends_nothing_and_does_not_block() -> None:
    fake = SlowPieces()
    inc = IncrementalTranscriber(fake)
    inc.feed(np.zeros(FRAME * 10, np.float32), np.full(10, 0.0, np.float32))
    cut = inc.cut()
    assert cut == 0
    tr = inc.transcript_until(cut, timeout=1)
    assert tr is not None and tr.no_speech
    assert inc.finish().no_speech and fake.pieces == []
