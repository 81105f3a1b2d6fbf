"""The spoken mock interview: ask, listen, transcribe, score, follow up, record every turn.

Engines come in through :class:`SessionDeps`; this module never imports faster-whisper,
chromadb, pyttsx3 or sounddevice. Answers come from an :class:`AnswerProvider`: the microphone,
the demo candidate (synthesized speech through the same capture path), or typed text.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.interviewer.followup import FollowUp
from voice_interviewer.interviewer.probes import first_probe, gap_for, probe_for
from voice_interviewer.scoring.content import Embedder
from voice_interviewer.scoring.scorecard import hesitation_only, hesitations_heard, score_answer
from voice_interviewer.session.budget import BUDGET_S, CallTimes, follow_up_deadline
from voice_interviewer.session.prepare import Job, Line, Preparer, line_by
from voice_interviewer.store.sessions import Session, SessionStore, Turn, next_turn_index
from voice_interviewer.store.summary import exchange_note, summarize
from voice_interviewer.track.rubric import LoadedRound, Question, Track
from voice_interviewer.tts.speaker import Interruptible, Speaker
from voice_interviewer.types import ModelsUsed, Scorecard, Transcript

AGAIN = "I didn't catch an answer there. Take your time; here is the question again."
MOVING_ON = "Let's move on."


@dataclass(frozen=True)
class Answer:
    words: Transcript | Future[Transcript]  # the transcript, or (a live answer) its last piece still transcribing
    ended_by: str  # silence, enter, done, max-length, no-speech, typed, source-ended
    audio_file: str | None = None  # name in the session folder
    end_decided_at: float | None = None  # time.monotonic() at the end-of-turn decision
    timings: dict[str, float] = field(default_factory=dict)
    speech_ended_at: float | None = None  # time.monotonic() at the end of the last voiced frame

    @property
    def transcript(self) -> Transcript:
        """The final transcript (for a live answer, waits for its last piece)."""
        return self.words.result() if isinstance(self.words, Future) else self.words

    def transcript_by(self, deadline: float) -> Transcript | None:
        """The final transcript if it is ready by ``deadline`` (time.monotonic()), else None."""
        if not isinstance(self.words, Future):
            return self.words
        try:
            return self.words.result(timeout=max(0.0, deadline - time.monotonic()))
        except FuturesTimeout:
            return None


class InputEnded(UserError):
    """Typed input ran out (Ctrl-D, or piped text that ended): every answer so far is saved."""

    ended_by = "end-of-input"

    def __init__(self) -> None:
        super().__init__("The typed input ended; every answer so far is saved.", ExitCode.OK)


class AnswerProvider(Protocol):
    mode: str  # "voice", "demo" or "text"

    def answer(
        self,
        question: Question,
        kind: str,
        prompt: str,
        wav_path: Path,
        target: tuple[float, float],
        prepare: Preparer | None = None,
    ) -> Answer:
        """Listen to (or read) one answer. ``kind`` is "question" or "follow-up". A live answer tells
        ``prepare`` about each possible end, so the follow-up is prepared while the candidate talks."""
        ...


class LineWatch(Protocol):
    """Barge-in: the microphone watched while the interviewer speaks (an AnswerProvider's ``watch_line()``)."""

    heard: threading.Event  # set when the candidate starts speaking: the line stops
    speech_began_at: float | None  # time.monotonic() at the first voiced frame of that speech

    def line_ended(self) -> None: ...
    def close(self) -> None: ...


class SessionUI(Protocol):
    def interviewer(self, text: str, kind: str, target: tuple[float, float]) -> None: ...
    def transcript(self, transcript: Transcript) -> None: ...
    def scorecard(self, card: Scorecard) -> None: ...
    def info(self, message: str) -> None: ...


class PracticeUI(SessionUI, Protocol):
    """A screen for live practice: also shows the microphone level while the candidate answers."""

    def level(self, rms: float, elapsed: float) -> None: ...


class FollowUps(Protocol):
    name: str

    def warm_up(self, question: Question) -> None:
        """Get ready in the background (e.g. load a local model) while the question is asked."""
        ...

    def next_line(self, question: Question, card: Scorecard, asked: tuple[str, ...]) -> FollowUp:
        """The follow-up: its text, source ("llm" or "rubric") and the reason a model's reply was not used."""
        ...


@dataclass
class SessionDeps:
    store: SessionStore
    track: Track
    embedder: Embedder | None
    follow_ups: FollowUps
    speaker: Speaker
    answers: AnswerProvider
    ui: SessionUI
    models: Callable[[LoadedRound], ModelsUsed]
    culture: Callable[[Question], tuple[str, ...]] | None = None  # retrieved notes for behavioral questions
    budget_s: float = BUDGET_S  # after a spoken answer's end, the longest wait for the model's follow-up
    model_times: CallTimes = field(default_factory=CallTimes)  # the session's model calls: is a wait worth it?


def plan_questions(track: Track, round_: str, n: int, seed: int | None = None) -> list[str]:
    """The questions of a round, in file order, rotated by the day so practice varies."""
    qs = [q.id for q in track.rounds[round_].round.questions]
    if not qs:
        return []
    shift = (seed if seed is not None else int(time.time() // 86400)) % len(qs)
    return (qs[shift:] + qs[:shift])[:n]


def _input_ended(deps: SessionDeps) -> bool:
    return bool(getattr(deps.answers, "exhausted", False))


def _turn_audio(n: int, who: str) -> str:
    return f"turn-{n:02d}-{who}.wav"


def run_session(deps: SessionDeps, session: Session, plan: list[str], follow_ups: int) -> Session:
    """Run (or resume) the interview; ``session.json`` is saved after every turn.

    KeyboardInterrupt leaves the session marked "interrupted", with every finished turn and the
    audio of the answer in progress on disk, and is re-raised for the caller to report.
    """
    folder = deps.store.folder(session.id)
    session.summary["plan"] = plan
    session.summary["follow_ups"] = follow_ups
    # a question whose answer was cut short (Ctrl-C, a crash) is asked again, in a new turn
    done_ids = {t.question_id for t in session.turns if t.kind == "question" and t.status == "answered"}
    heard: list[tuple[Turn, float]] = []  # the last answer, until the interviewer's next line sounds
    try:
        for qid in plan:
            if qid in done_ids:
                continue
            if _input_ended(deps):
                raise InputEnded()
            question, rnd = deps.track.question(qid)
            session.models = deps.models(rnd)
            if follow_ups:
                deps.follow_ups.warm_up(question)
            _ask_question(deps, session, folder, question, rnd, follow_ups, heard)
        session.status = "complete"
        session.summary.update(summarize(session, deps.track, deps.embedder).as_dict())
    except (KeyboardInterrupt, UserError):
        session.status = "interrupted"
        raise
    finally:
        deps.store.save(session)
        shutil.rmtree(folder / ".prepared", ignore_errors=True)  # speech rendered for lines not said
    return session


def _say(deps: SessionDeps, text: str, wav_path: Path | None, prepared: Path | None = None) -> float:
    """Say a line (already rendered speech when there is some); returns time.monotonic() at its first audio."""
    t0 = time.monotonic()
    say_prepared = getattr(deps.speaker, "say_prepared", None)
    if prepared is not None and prepared.is_file() and say_prepared is not None:
        say_prepared(prepared, wav_path)
    else:
        deps.speaker.say(text, wav_path)
    started = getattr(deps.speaker, "started_at", None)
    return started if isinstance(started, float) and started >= t0 else t0


def _say_watched(deps: SessionDeps, text: str, wav_path: Path, prepared: Path | None) -> tuple[float, dict[str, float]]:
    """:func:`_say` with barge-in when the answers offer it (``watch_line``): the candidate's speech stops
    the line. Returns the first audio's time and, when the line was stopped, the turn's barge-in timings."""
    watch_line = getattr(deps.answers, "watch_line", None)
    watch: LineWatch | None = watch_line() if callable(watch_line) else None
    speaker = deps.speaker if watch is not None and isinstance(deps.speaker, Interruptible) else None
    if speaker is not None and watch is not None:
        speaker.interrupt = watch.heard
    try:
        first_audio = _say(deps, text, wav_path, prepared)
    except BaseException:
        if watch is not None:
            watch.close()
        raise
    finally:
        if speaker is not None:
            speaker.interrupt = None
    stopped = time.monotonic()
    if watch is None:
        return first_audio, {}
    watch.line_ended()
    if speaker is None or speaker.stopped_after_s is None:
        return first_audio, {}
    out = {"barged_in_at_s": round(speaker.stopped_after_s, 3)}  # seconds into the line when it stopped
    if watch.speech_began_at is not None:
        out["barge_in_speech_to_stop_s"] = round(stopped - watch.speech_began_at, 3)
    return first_audio, out


def _ask_question(
    deps: SessionDeps,
    session: Session,
    folder: Path,
    question: Question,
    rnd: LoadedRound,
    follow_ups: int,
    heard: list[tuple[Turn, float]] | None = None,
) -> None:
    """``heard``: the last answer's turn and its end of speech, waiting for the interviewer's next sound."""
    heard = heard if heard is not None else []
    target = rnd.target_for(question)
    line, kind = question.prompt, "question"
    source: str | None = None  # where a follow-up line came from
    reason: str | None = None
    audio: Path | None = None  # the follow-up's speech, rendered while the candidate talked
    asked: list[str] = [question.prompt]
    scoring: tuple[Turn, Preparer, Job] | None = None  # the last answer, while its scorecard is finished
    retried = False
    first_turn = len(session.turns)  # this exchange's turns come after
    k = 0
    while k <= follow_ups:
        n = next_turn_index(session, folder)  # never over an earlier turn's recording
        deps.ui.interviewer(line, kind, (target.min_s, target.max_s))
        t0 = time.monotonic()
        first_audio, barge = _say_watched(deps, line, folder / _turn_audio(n, "interviewer"), audio)
        spoke_s = time.monotonic() - t0
        if heard:
            prev, speech_end = heard.pop()
            prev.timings["end_of_speech_to_first_audio_s"] = round(first_audio - speech_end, 3)
            deps.store.save(session)
        if scoring is not None:
            _scored(deps, session, *scoring)
            scoring = None
        said = folder / _turn_audio(n, "interviewer")
        turn = Turn(
            index=n,
            question_id=question.id,
            kind=kind,
            interviewer_text=line,
            interviewer_audio=said.name if said.is_file() else None,
            follow_up_source=source,
            follow_up_reason=reason,
        )
        turn.status = "in-progress"
        session.turns.append(turn)
        deps.store.save(session)  # the turn is on disk before the answer starts: a crash keeps it
        want_follow_up = k < follow_ups
        prep = _preparer(deps, session, question, rnd, tuple(asked), want_follow_up, folder)
        try:
            ans = deps.answers.answer(
                question, kind, line, folder / _turn_audio(n, "answer"), (target.min_s, target.max_s), prepare=prep
            )
        except (KeyboardInterrupt, UserError) as e:
            prep.close()
            partial = folder / _turn_audio(n, "answer")
            turn.answer_audio = partial.name if partial.is_file() else None
            turn.status = "interrupted"
            turn.ended_by = getattr(e, "ended_by", "interrupted")
            turn.transcript = getattr(e, "transcript", None) or turn.transcript  # the lines typed so far
            raise
        turn.answer_audio = ans.audio_file
        turn.ended_by = ans.ended_by
        turn.timings = {"interviewer_speech_s": round(spoke_s, 3), **barge}
        ahead: Line | None = None  # chosen at the budget, while the last piece may still be transcribing
        live = ans.end_decided_at is not None and ans.ended_by not in ("typed", "end-of-input", "no-speech")
        if want_follow_up and live and not _input_ended(deps):
            deadline = _deadline(ans, deps)
            ahead = line_by(prep, ans.transcript_by, deadline, question, tuple(asked))
        transcript = ans.transcript  # the final transcript (its last piece may still have been transcribing)
        turn.status = "answered"
        turn.transcript = transcript
        turn.timings.update(ans.timings)
        if transcript.no_speech or hesitation_only(transcript):
            prep.close()
            deps.store.save(session)
            if not retried:
                retried = True
                typed = transcript.source == "text"
                if transcript.no_speech:
                    what = "Nothing typed" if typed else "No speech heard"
                else:
                    what = f"Only {hesitations_heard(transcript)} {'typed' if typed else 'heard'}"
                deps.ui.info(f"{what}; asking again.")
                deps.speaker.say(AGAIN, None)
                continue
            deps.ui.info("No answer again; moving on.")
            deps.speaker.say(MOVING_ON, None)
            return
        job, prepared = prep.job_for(transcript, decided=ahead is not None)
        turn.timings["follow_up_prepared"] = prepared
        turn.timings["preparations"] = prep.started
        deps.ui.transcript(transcript)
        if ans.speech_ended_at is not None:
            heard.append((turn, ans.speech_ended_at))
        if not want_follow_up:
            card = _scored(deps, session, turn, prep, job)
            deps.ui.scorecard(card)
            if note := exchange_note(
                [t.scorecard for t in session.turns[first_turn:] if t.scorecard], deps.track, deps.embedder
            ):
                deps.ui.info(note)
            if ans.speech_ended_at is not None:
                turn.timings["end_of_speech_to_scorecard_s"] = round(time.monotonic() - ans.speech_ended_at, 3)
                deps.store.save(session)
            return
        if _input_ended(deps):  # typed input ended with this answer: no follow-up to wait for
            deps.ui.scorecard(_scored(deps, session, turn, prep, job))
            raise InputEnded()
        if ahead is not None:
            got = ahead
        elif ans.ended_by == "typed":  # nobody is waiting in silence: the model gets its own timeout
            got = prep.line(job, float("inf"))
        else:
            deadline = _deadline(ans, deps)
            got = prep.line(job, deadline, unscored=lambda: first_probe(question, tuple(asked)))
        line, source, reason, audio = got.text, got.source, got.reason, got.audio
        if got.prepared:  # written before the end: for these words, or for the gaps they still have
            turn.timings["follow_up_prepared"] = True
        if got.earlier:
            turn.timings["follow_up_from_earlier_pause"] = True
        turn.timings["model_calls"] = prep.model_calls
        if ans.end_decided_at is not None:
            turn.timings["end_of_turn_to_follow_up_text_s"] = round(got.chosen_at - ans.end_decided_at, 3)
        scoring = (turn, prep, job)  # the scorecard is waited for after the follow-up is said
        kind = "follow-up"
        asked.append(line)
        k += 1


def _scored(deps: SessionDeps, session: Session, turn: Turn, prep: Preparer, job: Job) -> Scorecard:
    """Wait for the answer's scorecard (prepared in the background) and record it."""
    card = prep.card(job)
    prep.close()
    if card is None:
        raise RuntimeError("the answer was not scored")
    turn.scorecard = card
    if "scoring_s" in job.timings:
        turn.timings["scoring_s"] = job.timings["scoring_s"]
    if "follow_up_s" in job.timings:
        turn.timings["follow_up_s"] = job.timings["follow_up_s"]
    deps.store.save(session)
    return card


def _preparer(
    deps: SessionDeps,
    session: Session,
    question: Question,
    rnd: LoadedRound,
    asked: tuple[str, ...],
    want_follow_up: bool,
    folder: Path,
) -> Preparer:
    """Scoring, the rubric's probe and the follow-up for this answer, ready to run in the background."""

    def score(transcript: Transcript) -> Scorecard:
        notes = deps.culture(question) if deps.culture and question.kind == "behavioral" else ()
        return score_answer(question, rnd, transcript, deps.embedder, session.models, culture_notes=notes)

    render = getattr(deps.speaker, "render", None)
    return Preparer(
        score,
        probe=(lambda card: probe_for(question, card, asked)) if want_follow_up else None,
        line=(lambda card: deps.follow_ups.next_line(question, card, asked)) if want_follow_up else None,
        render=render if want_follow_up and callable(render) else None,
        folder=folder / ".prepared",
        gaps=lambda card: gap_for(question, card, asked),
        fallback=first_probe(question, asked) if want_follow_up else None,
        times=deps.model_times,
    )


def _deadline(ans: Answer, deps: SessionDeps) -> float:
    """Until when the model's follow-up to a live answer is waited for (see :func:`follow_up_deadline`)."""
    return follow_up_deadline(ans.end_decided_at or time.monotonic(), ans.speech_ended_at, ans.ended_by, deps.budget_s)
