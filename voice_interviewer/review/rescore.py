"""Score saved answers again: transcribe the saved audio anew, score it against the installed
rubric, and store the result beside the earlier scorecards (never over them).

Re-scoring is deterministic: the same audio, speech model, embeddings and rubric give identical
figures, whether the answers run in this process or in worker processes
(:mod:`voice_interviewer.review.runners`). This module plans a batch (reads the sessions, checks
the rubric version), re-scores one answer with the engines it is given, and gathers the results
per session with what changed (:mod:`voice_interviewer.review.diff`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.review.diff import CriterionChange, FigureChange, diff_cards
from voice_interviewer.review.records import LATEST, AudioFile, open_session, read_audio, select_cards, summary_of
from voice_interviewer.scoring.content import Embedder
from voice_interviewer.scoring.scorecard import hesitation_only, hesitations_heard, score_answer
from voice_interviewer.store.rescores import RescoredTurn, RescoreRecord, write_rescore
from voice_interviewer.store.sessions import Session, SessionStore, Turn
from voice_interviewer.stt.transcriber import Transcriber
from voice_interviewer.track.rubric import LoadedRound, Question, Track, load_track
from voice_interviewer.types import ModelsUsed, Scorecard, Transcript

if TYPE_CHECKING:
    from voice_interviewer.interviewer.followup import FollowUp
    from voice_interviewer.review.runners import Runner

Progress = Callable[[int, int, str], None]  # (answers done, answers in all, what was just done)


class ScoringEngines(Protocol):
    """What re-scoring needs of :class:`voice_interviewer.engines.Engines` (tests give fakes)."""

    @property
    def transcriber(self) -> Transcriber: ...

    @property
    def embedder(self) -> Embedder | None: ...

    @property
    def track(self) -> Track: ...

    def models_used(self, with_stt: bool, rubric_sha: str, rubric_version: str) -> ModelsUsed: ...


class FollowUpSource(Protocol):
    """The --llm interviewer, asked what it would follow up with after a re-scored answer."""

    name: str

    def next_line(self, question: Question, card: Scorecard, asked: tuple[str, ...]) -> FollowUp:
        """The follow-up: its text, source ("llm" or "rubric") and why a model's reply was not used."""
        ...


@dataclass(frozen=True)
class RescoreOptions:
    stt_model: str = "tiny.en"  # as --stt-model: tiny.en, base, a folder or a faster-whisper name
    rubric_version: str | None = None  # insist on this rubric version (None: the installed one)
    llm: str | None = None  # also ask this interviewer model what it would follow up with


@dataclass(frozen=True)
class TurnJob:
    session_id: str
    track: str
    folder: Path
    turn: Turn
    answer: AudioFile | None  # the answer's audio as found on disk

    @property
    def seconds(self) -> float:
        return (self.answer.seconds or 0.0) if self.answer else 0.0


# --- one answer ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heard:
    """An answer's transcript as far as its data goes, and where it came from."""

    transcript: Transcript | None  # None: nothing to score
    source: str  # "audio", "crash audio (.pcm)", "saved transcript", "typed" or "none"
    problem: str | None  # why the audio could not be used, or only partly
    transcribed: bool  # the speech model ran now


def strip_spoken_done(t: Transcript) -> Transcript:
    """Drop a closing spoken "done" ("... and I'm done."), as the live transcription does."""
    from voice_interviewer.stt.incremental import strip_done

    text, said = strip_done(t.text)
    if not said:
        return t
    words = list(t.words)
    if words and words[-1].word.lower().strip(".!,") == "done":
        words.pop()
        if words and words[-1].word.lower().strip(",") in ("i'm", "im"):
            words.pop()
    return t.model_copy(update={"text": text, "words": tuple(words), "no_speech": not text})


def hear(engines: ScoringEngines, job: TurnJob) -> Heard:
    """The answer's transcript: its audio transcribed now, else the typed or saved transcript."""
    t, f = job.turn, job.answer
    why = "no answer audio"
    saved = t.transcript
    # a file cut short whose saved words run on past what it still holds: the saved transcript says more
    held = f.seconds if f is not None and f.damage else None
    if f is not None and held is not None and saved is not None and saved.words and saved.words[-1].end > held + 1:
        why = f"answer audio {f.path.name} is {f.damage} and the saved transcript runs past its end"
        f = None
    if f is not None and f.problem is None:
        try:
            audio = read_audio(f)
            tr = strip_spoken_done(engines.transcriber.transcribe(audio))
            return Heard(tr, "crash audio (.pcm)" if f.pcm else "audio", None, True)
        except UserError as e:
            why = e.message
    elif f is not None:
        why = f"answer audio {f.path.name} is {f.problem}"
    if saved is not None and saved.source == "text":
        return Heard(saved, "typed", None, False)
    if saved is not None and saved.text.strip():
        if not saved.words:  # schema 0 kept no word timings: delivery cannot be measured
            saved = saved.model_copy(update={"source": "text"})
        return Heard(saved, "saved transcript", f"{why}; scored the saved transcript (speech model not run)", False)
    return Heard(None, "none", f"{why} and no saved transcript", False)


def rescore_turn(engines: ScoringEngines, job: TurnJob) -> RescoredTurn:
    t = job.turn
    base = {"index": t.index, "question_id": t.question_id}
    try:
        question, rnd = engines.track.question(t.question_id)
    except UserError:
        return RescoredTurn(**base, source="none", problem=f"question {t.question_id} is no longer in the rubric")
    heard = hear(engines, job)
    if heard.transcript is None:
        return RescoredTurn(**base, source=heard.source, problem=heard.problem)
    if heard.transcript.no_speech:
        return RescoredTurn(**base, source=heard.source, problem="no speech in the answer audio")
    if hesitation_only(heard.transcript):
        sounds = hesitations_heard(heard.transcript)
        return RescoredTurn(**base, source=heard.source, problem=f"only hesitation sounds ({sounds}) in the answer")
    models = engines.models_used(heard.transcribed, rnd.sha256, rnd.round.version)
    if not heard.transcribed and heard.source == "saved transcript" and t.scorecard is not None:
        old = t.scorecard.models
        models = models.model_copy(
            update={"stt": old.stt, "stt_sha256": old.stt_sha256, "stt_decoding": old.stt_decoding}
        )
    card = score_answer(question, rnd, heard.transcript, engines.embedder, models)
    return RescoredTurn(**base, scorecard=card, source=heard.source, problem=heard.problem)


# --- whole sessions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionChange:
    """A question's level over its whole exchange (answer and follow-up answers), before and after."""

    question_id: str
    old_level: int | None  # None: not scored before
    new_level: int
    prompted: tuple[str, ...]  # the key points that came only after a follow-up, in the new scores


@dataclass(frozen=True)
class SessionRescore:
    session_id: str
    path: Path | None  # the re-score file written; None when nothing could be re-scored
    turns: tuple[RescoredTurn, ...]
    criteria: tuple[CriterionChange, ...] = ()
    figures: tuple[FigureChange, ...] = ()
    problems: tuple[str, ...] = ()
    unchanged: int = 0  # re-scored answers whose figures are identical to the latest before
    questions: tuple[QuestionChange, ...] = ()  # every re-scored question's whole-exchange level

    @property
    def scored(self) -> int:
        return sum(t.scorecard is not None for t in self.turns)


@dataclass
class Planned:
    """One session read and checked, ready to re-score."""

    session_id: str
    folder: Path
    jobs: list[TurnJob]
    before: dict[int, Scorecard]
    round_: LoadedRound | None
    problems: list[str] = field(default_factory=list)
    session: Session | None = None


def _plan(store: SessionStore, session_id: str, opts: RescoreOptions, tracks: dict[str, Track]) -> Planned:
    rec = open_session(store, session_id)
    s = rec.session
    if s is None:
        return Planned(session_id, rec.folder, [], {}, None, [*rec.problems])
    if s.track not in tracks:
        try:
            tracks[s.track] = load_track(s.track)
        except UserError as e:
            return Planned(session_id, rec.folder, [], {}, None, [*rec.problems, e.message])
    track = tracks[s.track]
    rnd = track.rounds.get(s.round)
    if rnd is None:
        return Planned(session_id, rec.folder, [], {}, None, [f"round {s.round} is not in the {s.track} rubrics"])
    if opts.rubric_version and rnd.round.version != opts.rubric_version:
        raise UserError(
            f"Rubric version {opts.rubric_version} of {s.track}/{s.round} is not installed (installed: "
            f"{rnd.round.version}). Point VOICE_INTERVIEWER_RUBRICS at a rubrics folder that holds it, or leave "
            "out --rubric-version to use the installed one.",
            ExitCode.USAGE,
        )
    jobs = [
        TurnJob(session_id, s.track, rec.folder, t, rec.answers.get(t.index))
        for t in s.turns
        if rec.answers.get(t.index) is not None or t.transcript is not None
    ]
    problems = [p for p in rec.problems if not p.startswith("status in-progress")]
    if not jobs:
        problems.append("no answers to re-score")
    return Planned(session_id, rec.folder, jobs, select_cards(rec, LATEST), rnd, problems, s)


def plan_batch(
    store: SessionStore, session_ids: Sequence[str], opts: RescoreOptions
) -> tuple[list[Planned], list[TurnJob]]:
    """Read the sessions and check the rubric version before any slow work starts."""
    tracks: dict[str, Track] = {}
    planned = [_plan(store, sid, opts, tracks) for sid in session_ids]
    return planned, [j for p in planned for j in p.jobs]


def rescore(
    store: SessionStore,
    session_ids: Sequence[str],
    runner: Runner,
    opts: RescoreOptions,
    on_progress: Progress | None = None,
    follow_ups: FollowUpSource | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    planned: tuple[list[Planned], list[TurnJob]] | None = None,
    embedder: Embedder | None = None,
) -> list[SessionRescore]:
    """Re-score sessions; one new file per session under ``rescores/``, earlier scorecards kept.

    ``embedder`` (the one the runner scores with) gives the questions' whole-exchange levels.
    """
    plans, jobs = planned or plan_batch(store, session_ids, opts)
    n = 0

    def done(job: TurnJob, r: RescoredTurn) -> None:
        nonlocal n
        n += 1
        if on_progress:
            on_progress(n, len(jobs), f"{job.session_id} turn {job.turn.index}")

    results = runner.run(jobs, done)
    by_session: dict[str, list[RescoredTurn]] = {}
    for job, r in zip(jobs, results, strict=True):
        by_session.setdefault(job.session_id, []).append(r)
    out = []
    for p in plans:
        turns = by_session.get(p.session_id, [])
        if follow_ups is not None:
            turns = [_with_follow_up(follow_ups, p, t) for t in turns]
        scored = [t for t in turns if t.scorecard is not None]
        own = tuple(f"turn {t.index}:" for t in turns if t.problem)  # said again, more fully, per turn
        problems = [x for x in p.problems if not x.startswith(own)] if own else list(p.problems)
        problems += [f"turn {t.index}: {t.problem}" for t in turns if t.problem]
        if not scored or p.round_ is None:
            out.append(SessionRescore(p.session_id, None, tuple(turns), problems=tuple(problems)))
            continue
        first = scored[0].scorecard
        assert first is not None
        record = RescoreRecord(
            session_id=p.session_id,
            created=now().isoformat(timespec="microseconds"),
            models=first.models,
            options={"stt_model": opts.stt_model, "rubric_version": opts.rubric_version, "llm": opts.llm},
            turns=turns,
        )
        path = write_rescore(p.folder, record, first.models.stt or opts.stt_model, p.round_.round.version)
        crits: list[CriterionChange] = []
        figs: list[FigureChange] = []
        unchanged = 0
        for t in scored:
            assert t.scorecard is not None
            c, f = diff_cards(t.index, p.before.get(t.index), t.scorecard)
            crits += c
            figs += f
            unchanged += not c and not f
        after = {**p.before, **{t.index: t.scorecard for t in scored if t.scorecard is not None}}
        out.append(
            SessionRescore(
                p.session_id,
                path,
                tuple(turns),
                tuple(crits),
                tuple(figs),
                tuple(problems),
                unchanged,
                _question_changes(p, after, {t.question_id for t in scored}, embedder),
            )
        )
    return out


def _question_changes(
    p: Planned, after: dict[int, Scorecard], rescored: set[str], embedder: Embedder | None
) -> tuple[QuestionChange, ...]:
    if p.session is None:
        return ()
    old = summary_of(p.session, p.before, embedder).questions
    new = summary_of(p.session, after, embedder).questions
    return tuple(
        QuestionChange(qid, old[qid].level if qid in old else None, q.level, q.prompted)
        for qid, q in new.items()
        if qid in rescored
    )


def _with_follow_up(follow_ups: FollowUpSource, p: Planned, t: RescoredTurn) -> RescoredTurn:
    if t.scorecard is None or p.round_ is None:
        return t
    question = next((q for q in p.round_.round.questions if q.id == t.question_id), None)
    if question is None:
        return t
    asked = tuple(j.turn.interviewer_text for j in p.jobs if j.turn.question_id == t.question_id)
    follow = follow_ups.next_line(question, t.scorecard, asked)
    line, source, reason = follow.text, follow.source, follow.reason
    models = t.scorecard.models.model_copy(update={"llm": follow_ups.name})
    card = t.scorecard.model_copy(update={"models": models})
    note = f"{line}" if source == "llm" else f"{line} (rubric probe: {reason or 'no model reply'})"
    return t.model_copy(update={"scorecard": card, "follow_up": note})


def results_json(results: Sequence[SessionRescore]) -> str:
    return json.dumps(
        [
            {
                "session_id": r.session_id,
                "file": str(r.path) if r.path else None,
                "scored": r.scored,
                "unchanged": r.unchanged,
                "criteria": [c.__dict__ for c in r.criteria],
                "figures": [f.__dict__ for f in r.figures],
                "questions": [{**q.__dict__, "prompted": list(q.prompted)} for q in r.questions],
                "problems": list(r.problems),
            }
            for r in results
        ],
        indent=1,
    )
