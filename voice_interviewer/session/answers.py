"""Where answers come from: the microphone, the demo candidate, or typed text."""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path

import numpy as np

from voice_interviewer.api import typed_transcript
from voice_interviewer.audio.barge_in import BargeInOptions, LineWatcher
from voice_interviewer.audio.capture import Level, capture_answer, chunked
from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.audio.smart_turn import TurnModel
from voice_interviewer.audio.turn import TurnOptions
from voice_interviewer.audio.vad import SileroVad
from voice_interviewer.session.loop import Answer, InputEnded
from voice_interviewer.session.prepare import Preparer
from voice_interviewer.session.typed import clean_text
from voice_interviewer.stt.ear import WINDOW_S, Ear, SecondHearing
from voice_interviewer.stt.incremental import IncrementalTranscriber
from voice_interviewer.stt.transcriber import Transcriber
from voice_interviewer.track.rubric import Question
from voice_interviewer.types import Transcript


class StopEvent(threading.Event):
    """Ends an answer early; ``reason`` says why ("enter", "done")."""

    reason = "enter"

    def stop(self, reason: str) -> None:
        self.reason = reason
        self.set()


ChunkSource = Callable[[threading.Event], Iterator[np.ndarray]]


class _PrepareAtPauses:
    """At each possible end the transcript is cut (the last piece starts transcribing at once); at a
    likely end its last seconds are heard a second time (when an ear is given) and the follow-up is
    prepared from the transcript so far."""

    def __init__(self, inc: IncrementalTranscriber, prep: Preparer | None, second: SecondHearing | None = None) -> None:
        self.inc = inc
        self.prep = prep
        self.second = second
        self.cut = 0

    def possible_end(self, samples: int) -> None:
        self.cut = self.inc.cut(samples)

    def likely_end(self, samples: int) -> None:
        cut = self.cut = self.inc.cut(samples)
        if self.second is not None:
            self.second.hear(cut, self.inc.tail(cut, WINDOW_S))
        if self.prep is not None:
            self.prep.start(lambda: self.inc.transcript_until(cut))

    def resumed(self) -> None:
        if self.second is not None:
            self.second.forget()
        if self.prep is not None:
            self.prep.discard()

    def words(self, wait_s: float = 0.0) -> list[str] | None:
        """The transcript up to the last possible end, with the second hearing of its last seconds when
        one was started for it, once both are in (None when not within ``wait_s``)."""
        t0 = time.monotonic()
        tr = self.inc.transcript_until(self.cut, timeout=wait_s)
        if tr is None:
            return None
        if self.second is None:
            return [tr.text]
        again = self.second.heard(self.cut, max(0.0, wait_s - (time.monotonic() - t0)))
        return None if again is None else [tr.text, again]


# How often Python hands the interpreter lock from one thread to another while an answer is captured
# (the default is 5 ms). Scoring and retrieval for a follow-up prepared at a pause run in pure Python
# beside the capture loop; at the end of the turn, closing the recording, joining the transcript and
# choosing the line each wait for the lock, up to 5 ms a time: on a 97 s answer that was 0.15-0.22 s
# between the end-of-turn decision and the follow-up. Shorter slices cost the background work little.
SWITCH_INTERVAL_S = 0.001


def _listen(
    chunks: Iterator[np.ndarray],
    wav_path: Path,
    transcriber: Transcriber,
    opts: TurnOptions,
    stop: StopEvent,
    on_level: Level | None,
    turn_model: TurnModel | None = None,
    prepare: Preparer | None = None,
    ear: Ear | None = None,
) -> Answer:
    """Capture one answer from live chunks, transcribing as it goes; the Answer carries its timings.
    ``ear`` hears the last words again where a pause sounds like the end (:mod:`voice_interviewer.stt.ear`)."""
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))  # the process stays interactive
    inc = IncrementalTranscriber(transcriber, on_done_word=lambda: stop.stop("done"))
    second = SecondHearing(ear) if ear is not None and turn_model is not None else None
    listener = _PrepareAtPauses(inc, prepare, second)
    try:
        cap = capture_answer(
            chunks, wav_path, SileroVad(), opts, on_level, stop, on_chunk=inc.feed, turn_model=turn_model,
            listener=listener, words_so_far=listener.words if turn_model is not None else None,
        )  # fmt: skip
    finally:
        stop.set()  # ends the microphone stream
        if second is not None:
            second.close()
    timings: dict[str, float] = {"answer_s": round(cap.audio.size / SAMPLE_RATE, 2)}
    if cap.speech_ended_at is not None:
        timings["end_of_speech_to_end_of_turn_s"] = round(cap.end_decided_at - cap.speech_ended_at, 3)
    if cap.verdicts:
        timings["turn_model_last_p"] = cap.verdicts[-1].probability
        timings["possible_ends"] = len(cap.verdicts)
    return Answer(
        _finish_in_background(inc, timings),
        cap.ended_by,
        wav_path.name,
        cap.end_decided_at,
        timings,
        speech_ended_at=cap.speech_ended_at,
    )


def _finish_in_background(inc: IncrementalTranscriber, timings: dict[str, float]) -> Future[Transcript]:
    """The last piece's transcription, on its own thread: the interviewer's next line need not wait for it."""
    out: Future[Transcript] = Future()
    t0 = time.monotonic()

    def run() -> None:
        try:
            transcript = inc.finish()
        except BaseException as e:  # noqa: BLE001 (handed to whoever waits for the transcript)
            out.set_exception(e)
            return
        timings["transcription_after_end_s"] = round(time.monotonic() - t0, 3)
        out.set_result(transcript)

    threading.Thread(target=run, name="final-transcript", daemon=True).start()
    return out


class KeyboardLines:
    """One reader thread for the whole session; answers take the lines they need from its queue.

    (A reader per answer would leave an old thread blocked on the terminal, and it would swallow
    the next Enter.)
    """

    def __init__(self, read_line: Callable[[], str]) -> None:
        self._q: queue.Queue[str] = queue.Queue()
        self._read_line = read_line
        threading.Thread(target=self._run, name="keyboard", daemon=True).start()

    def _run(self) -> None:
        while line := self._read_line():  # "" is end of input
            self._q.put(line)

    def get(self, timeout: float | None = None) -> str | None:
        try:
            return self._q.get(timeout=timeout)
        except queue.Empty:
            return None

    def clear(self) -> None:
        while self.get(timeout=0) is not None:
            pass


class VoiceAnswers:
    """Answers spoken into the microphone (or any live chunk source)."""

    mode = "voice"

    def __init__(
        self,
        source: ChunkSource,
        transcriber: Transcriber,
        opts: TurnOptions,
        push_to_talk: bool = False,
        on_level: Level | None = None,
        keyboard: KeyboardLines | None = None,
        overflows: Callable[[], int] | None = None,
        notify: Callable[[str], None] | None = None,
        turn_model: TurnModel | None = None,
        barge_in: BargeInOptions | None = None,
        ear: Ear | None = None,
    ) -> None:
        self.source = source
        self.turn_model = turn_model
        self.ear = ear
        # listen while the interviewer speaks (headphones): speech stops the line (not with push-to-talk)
        self.barge_in = None if push_to_talk else barge_in
        self._watching: tuple[StopEvent, LineWatcher] | None = None
        self.transcriber = transcriber
        self.opts = opts
        self.push_to_talk = push_to_talk
        self.on_level = on_level
        self.keyboard = keyboard
        self.overflows = overflows
        self.notify = notify
        if push_to_talk:
            self.opts = TurnOptions(
                end_silence_s=opts.max_answer_s,
                start_timeout_s=opts.max_answer_s,
                max_answer_s=opts.max_answer_s,
                threshold=opts.threshold,
                semantic=False,  # the candidate says when the answer is over
            )

    def _watch_keyboard(self, keyboard: KeyboardLines, stop: StopEvent) -> None:
        def run() -> None:
            while not stop.is_set():
                line = keyboard.get(timeout=0.2)
                if line is not None:
                    stop.stop("done" if line.strip().lower() == "done" else "enter")

        threading.Thread(target=run, name="keyboard-watch", daemon=True).start()

    def watch_line(self) -> LineWatcher | None:
        """With barge-in, open the microphone before the interviewer's line and watch it (see
        :mod:`voice_interviewer.audio.barge_in`); the next :meth:`answer` goes on from that stream."""
        if self.barge_in is None:
            return None
        if self._watching is not None:  # a line whose answer never came (the loop went on without one)
            self._watching[1].close()
        stop = StopEvent()
        watch = LineWatcher(self.source(stop), SileroVad(), self.barge_in, on_close=stop.set)
        self._watching = (stop, watch)
        return watch

    def answer(
        self,
        question: Question,
        kind: str,
        prompt: str,
        wav_path: Path,
        target: tuple[float, float],
        prepare: Preparer | None = None,
    ) -> Answer:
        watching, self._watching = self._watching, None
        stop = watching[0] if watching is not None else StopEvent()
        if self.keyboard is not None:
            self.keyboard.clear()  # keys pressed while the interviewer spoke do not end the answer
            if self.push_to_talk:
                self.keyboard.get()  # Enter starts the answer
            self._watch_keyboard(self.keyboard, stop)
        before = self.overflows() if self.overflows else 0
        chunks = watching[1].handoff() if watching is not None else self.source(stop)
        ans = _listen(
            chunks, wav_path, self.transcriber, self.opts, stop, self.on_level, self.turn_model, prepare, self.ear
        )
        dropped = (self.overflows() if self.overflows else 0) - before
        if dropped:
            ans.timings["input_overflows"] = dropped
            if self.notify:
                self.notify(
                    f"The microphone dropped audio {dropped} time(s) (input overflow: the computer was busy); "
                    "the transcript may miss words."
                )
        return ans


def sample_text_for(samples: dict[tuple[str, str], str], question_id: str, kind: str) -> str:
    """The demo candidate's answer: a thinner one first (so the follow-up has something to probe),
    the strong one to the follow-up."""
    order = ("vague", "generic", "strong") if kind == "question" else ("strong", "vague", "generic")
    for k in order:
        if (question_id, k) in samples:
            return samples[(question_id, k)]
    return "I would need to think about that one."


class DemoAnswers:
    """The demo candidate: bundled sample answers synthesized to speech, fed through the same
    capture path (turn detection, recorder, incremental transcription) as a microphone."""

    mode = "demo"

    def __init__(
        self,
        samples: dict[tuple[str, str], str],
        synth: Callable[[str], np.ndarray],
        transcriber: Transcriber,
        opts: TurnOptions,
        realtime: bool = False,
        on_level: Level | None = None,
        turn_model: TurnModel | None = None,
        ear: Ear | None = None,
    ) -> None:
        self.samples = samples
        self.turn_model = turn_model
        self.ear = ear
        self.synth = synth
        self.transcriber = transcriber
        self.opts = opts
        self.realtime = realtime
        self.on_level = on_level
        self._used: set[tuple[str, str]] = set()

    def answer(
        self,
        question: Question,
        kind: str,
        prompt: str,
        wav_path: Path,
        target: tuple[float, float],
        prepare: Preparer | None = None,
    ) -> Answer:
        text = sample_text_for(self.samples, question.id, kind)
        if (question.id, text) in self._used:  # a second follow-up: the strong answer again would repeat
            text = sample_text_for(self.samples, question.id, "follow-up")
        self._used.add((question.id, text))
        audio = self.synth(text)
        stop = StopEvent()
        return _listen(
            chunked(audio, realtime=self.realtime, tail_silence_s=self.opts.end_silence_s + 0.5),
            wav_path,
            self.transcriber,
            self.opts,
            stop,
            self.on_level,
            self.turn_model,
            prepare,
            self.ear,
        )


class TypedInterrupted(KeyboardInterrupt):
    """Ctrl-C while an answer was being typed; carries the lines typed so far (None: nothing yet)."""

    def __init__(self, transcript: Transcript | None) -> None:
        super().__init__()
        self.transcript = transcript


class TextAnswers:
    """Typed answers (same scoring and follow-ups).

    When the input ends (``exhausted``), the answer typed so far is kept ("end-of-input") and the
    next answer raises :class:`InputEnded` instead of waiting for text that will never come.
    """

    mode = "text"

    def __init__(self, read_answer: Callable[[str], str]) -> None:
        self.read_answer = read_answer

    @property
    def exhausted(self) -> bool:
        return bool(getattr(self.read_answer, "exhausted", False))

    def answer(
        self,
        question: Question,
        kind: str,
        prompt: str,
        wav_path: Path,
        target: tuple[float, float],
        prepare: Preparer | None = None,
    ) -> Answer:
        if self.exhausted:
            raise InputEnded()
        try:
            text = clean_text(self.read_answer(prompt)).strip()
        except KeyboardInterrupt:
            typed = clean_text(str(getattr(self.read_answer, "partial", ""))).strip()
            raise TypedInterrupted(typed_transcript(typed) if typed else None) from None
        if not text:
            if self.exhausted:
                raise InputEnded()
            return Answer(Transcript(text="", no_speech=True, source="text"), "no-speech")
        return Answer(typed_transcript(text), "end-of-input" if self.exhausted else "typed")
