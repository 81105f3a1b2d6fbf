"""Score saved answers again: transcribe the saved audio anew, score it against the installed
rubric, and store the result beside the earlier scorecards (never over them).

Re-scoring is deterministic: the same audio, speech model, embeddings and rubric give identical
figures, whether the answers run in this process or in worker processes.

Batches run either here (one process, the speech model using every core) or in a pool of worker
processes with one thread each; :func:`choose_workers` decides, from what
``benchmarks/bench_rescore.py`` measured on a 2-core machine.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.paths import DataHome
from voice_interviewer.review.records import (
    LATEST,
    RESCORES,
    AudioFile,
    RescoredTurn,
    RescoreRecord,
    open_session,
    read_audio,
    select_cards,
)
from voice_interviewer.scoring.content import Embedder
from voice_interviewer.scoring.scorecard import score_answer
from voice_interviewer.session.loop import FollowUps
from voice_interviewer.store.sessions import SessionStore, Turn
from voice_interviewer.stt.transcriber import Transcriber
from voice_interviewer.track.rubric import LoadedRound, Track, load_track
from voice_interviewer.types import ModelsUsed, Scorecard, Transcript

if TYPE_CHECKING:
    from voice_interviewer.engines import Engines

Progress = Callable[[int, int, str], None]  # (answers done, answers in all, what was just done)


@dataclass(frozen=True)
class RescoreOptions:
    stt_model: str = "tiny.en"  # as --stt-model: tiny.en, base, a folder or a faster-whisper name
    rubric_version: str | None = None  # insist on this rubric version (None: the installed one)
    llm: str | None = None  # also ask this interviewer model what it would follow up with


@dataclass
class Scorer:
    """The engines a re-score needs, built by the caller (or by a worker process)."""

    transcriber: Transcriber
    embedder: Embedder | None
    track: Track

    @classmethod
    def from_engines(cls, engines: Engines) -> Scorer:
        return cls(engines.transcriber, engines.embedder, engines.track)

    def models(self, rnd: LoadedRound, stt: Transcriber | None) -> ModelsUsed:
        from voice_interviewer.scoring.content import SCORER_VERSION

        return ModelsUsed(
            stt=stt.name if stt else None,
            stt_sha256=stt.sha256 if stt else None,
            embeddings=getattr(self.embedder, "name", None) if self.embedder else None,
            rubric_version=rnd.round.version,
            rubric_sha256=rnd.sha256,
            scorer_version=SCORER_VERSION,
        )


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


def _transcript(scorer: Scorer, job: TurnJob) -> tuple[Transcript | None, str, str | None, bool]:
    """(transcript, source, problem, transcribed now) for one answer, as far as its data goes."""
    t, f = job.turn, job.answer
    why = "no answer audio"
    if f is not None and f.problem is None:
        try:
            audio = read_audio(f)
            tr = strip_spoken_done(scorer.transcriber.transcribe(audio))
            return tr, "crash audio (.pcm)" if f.pcm else "audio", None, True
        except UserError as e:
            why = e.message
    elif f is not None:
        why = f"answer audio {f.path.name} is {f.problem}"
    saved = t.transcript
    if saved is not None and saved.source == "text":
        return saved, "typed", None, False
    if saved is not None and saved.text.strip():
        if not saved.words:  # schema 0 kept no word timings: delivery cannot be measured
            saved = saved.model_copy(update={"source": "text"})
        return saved, "saved transcript", f"{why}; scored the saved transcript (speech model not run)", False
    return None, "none", f"{why} and no saved transcript", False


def rescore_turn(scorer: Scorer, job: TurnJob) -> RescoredTurn:
    t = job.turn
    base = {"index": t.index, "question_id": t.question_id}
    try:
        question, rnd = scorer.track.question(t.question_id)
    except UserError:
        return RescoredTurn(**base, source="none", problem=f"question {t.question_id} is no longer in the rubric")
    transcript, source, problem, transcribed = _transcript(scorer, job)
    if transcript is None:
        return RescoredTurn(**base, source=source, problem=problem)
    if transcript.no_speech:
        return RescoredTurn(**base, source=source, problem="no speech in the answer audio")
    models = scorer.models(rnd, scorer.transcriber if transcribed else None)
    if not transcribed and source == "saved transcript" and t.scorecard is not None:
        models = models.model_copy(update={"stt": t.scorecard.models.stt, "stt_sha256": t.scorecard.models.stt_sha256})
    card = score_answer(question, rnd, transcript, scorer.embedder, models)
    return RescoredTurn(**base, scorecard=card, source=source, problem=problem)


# --- running a batch -----------------------------------------------------------------------------


class Runner(Protocol):
    def run(self, jobs: Sequence[TurnJob], done: Callable[[TurnJob, RescoredTurn], None]) -> list[RescoredTurn]:
        """Re-score every job; results in the order of ``jobs``."""
        ...


class InProcess:
    """One process; the speech model uses every core (``cpu_threads`` = the number of cores)."""

    def __init__(self, scorer_for: Callable[[str], Scorer]) -> None:
        self._scorer_for = scorer_for  # track name -> Scorer
        self._scorers: dict[str, Scorer] = {}

    def run(self, jobs: Sequence[TurnJob], done: Callable[[TurnJob, RescoredTurn], None]) -> list[RescoredTurn]:
        out = []
        for job in jobs:
            if job.track not in self._scorers:
                self._scorers[job.track] = self._scorer_for(job.track)
            r = rescore_turn(self._scorers[job.track], job)
            done(job, r)
            out.append(r)
        return out


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker process needs to build its own engines (picklable)."""

    stt_model: str
    home: DataHome
    cpu_threads: int = 1
    use_embeddings: bool = True


_WORKER_SCORERS: dict[str, Scorer] = {}


def build_scorer(spec: WorkerSpec, track: str) -> Scorer:
    from voice_interviewer.engines import Engines, Settings
    from voice_interviewer.stt.transcriber import FasterWhisperTranscriber, resolve_model

    eng = Engines(
        Settings(stt_model=spec.stt_model, device="cpu", track=track, use_embeddings=spec.use_embeddings),
        notify=lambda m: None,
        home=spec.home,
    )
    path, name, sha = resolve_model(spec.stt_model, spec.home, eng.checksums)
    stt = FasterWhisperTranscriber(path, name, sha, device="cpu", compute_type="int8", cpu_threads=spec.cpu_threads)
    return Scorer(stt, eng.embedder, eng.track)


def _work(spec: WorkerSpec, job: TurnJob) -> RescoredTurn | tuple[str, int]:
    """In a worker process. A UserError comes back as (message, exit code): it pickles as data."""
    try:
        if job.track not in _WORKER_SCORERS:
            _WORKER_SCORERS[job.track] = build_scorer(spec, job.track)
        return rescore_turn(_WORKER_SCORERS[job.track], job)
    except UserError as e:
        return e.message, int(e.code)


class ProcessPool:
    """``workers`` processes, each with its own model and ``spec.cpu_threads`` threads."""

    def __init__(self, spec: WorkerSpec, workers: int) -> None:
        self.spec = spec
        self.workers = workers

    def run(self, jobs: Sequence[TurnJob], done: Callable[[TurnJob, RescoredTurn], None]) -> list[RescoredTurn]:
        results: dict[int, RescoredTurn] = {}
        # longest answers first, so that the two workers finish at about the same time
        order = sorted(range(len(jobs)), key=lambda i: -jobs[i].seconds)
        ctx = multiprocessing.get_context("spawn")  # no fork of a process that may hold model threads
        with ProcessPoolExecutor(self.workers, mp_context=ctx) as pool:
            futures = {pool.submit(_work, self.spec, jobs[i]): i for i in order}
            for fut in as_completed(futures):
                r = fut.result()
                if isinstance(r, tuple):
                    for other in futures:
                        other.cancel()
                    raise UserError(r[0], ExitCode(r[1]))
                i = futures[fut]
                results[i] = r
                done(jobs[i], r)
        return [results[i] for i in range(len(jobs))]


POOL_FROM_AUDIO_S = 360.0  # below about six minutes of answers, one process wins (measured, see below)


def choose_workers(answers: int, audio_s: float, cores: int, on_gpu: bool) -> tuple[int, int]:
    """(worker processes, threads each). Pure: the inputs are the batch and the machine.

    Measured with benchmarks/bench_rescore.py (tiny.en, 2 cores, wall time including model load):
    20 x 60 s answers, one process with 2 threads 57.3 s, two single-thread workers 49.8 s;
    20 x 30 s, 32.6 s vs 30.3 s; 8 x 30 s, 14.2 s vs 15.1 s; 4 x 30 s, 8.6 s vs 9.1 s. A worker
    pays about 3 s to start (imports and its own model) and doubles the memory (about 0.5 GB
    each), which only long batches earn back.
    """
    if on_gpu or cores < 2 or answers < 2 or audio_s < POOL_FROM_AUDIO_S:
        return 1, max(cores, 1)
    workers = min(cores, answers)
    return workers, max(1, cores // workers)


def make_runner(
    opts: RescoreOptions, device: str, jobs: Sequence[TurnJob], home: DataHome, scorer_for: Callable[[str], Scorer]
) -> tuple[Runner, str]:
    """(runner, a one-line description of it for the user)."""
    on_gpu = device == "cuda" or (device == "auto" and _cuda_devices() > 0)
    workers, threads = choose_workers(len(jobs), sum(j.seconds for j in jobs), os.cpu_count() or 1, on_gpu)
    if workers == 1:
        return InProcess(scorer_for), "in this process"
    return ProcessPool(WorkerSpec(opts.stt_model, home, threads), workers), f"{workers} worker processes"


def _cuda_devices() -> int:
    try:
        import ctranslate2

        return int(ctranslate2.get_cuda_device_count())
    except Exception:  # noqa: BLE001 (no CUDA runtime at all)
        return 0


# --- what changed --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionChange:
    turn: int
    question_id: str
    criterion: str
    old_level: int | None  # None: not scored before
    new_level: int
    old_coverage: float | None
    new_coverage: float


@dataclass(frozen=True)
class FigureChange:
    turn: int
    question_id: str
    figure: str  # "content score", "level", "words", "words a minute", "fillers a minute"
    old: float | None
    new: float


def diff_cards(turn: int, old: Scorecard | None, new: Scorecard) -> tuple[list[CriterionChange], list[FigureChange]]:
    """What differs between two scorecards of one answer (empty lists: identical figures)."""
    qid = new.question.id
    crits = []
    before = {c.id: c for c in old.content.criteria} if old else {}
    for c in new.content.criteria:
        o = before.get(c.id)
        if o is None or o.level != c.level or o.coverage != c.coverage:
            crits.append(
                CriterionChange(
                    turn, qid, c.name, o.level if o else None, c.level, o.coverage if o else None, c.coverage
                )
            )
    figures = []
    timed = new.transcript.source == "audio"
    pairs: list[tuple[str, float | None, float | None]] = [
        ("content score", old.content.score if old else None, new.content.score),
        ("level", old.content.level if old else None, new.content.level),
        ("words", old.delivery.words if old else None, new.delivery.words),
        ("words a minute", old.delivery.words_per_minute if old else None, new.delivery.words_per_minute),
        ("fillers a minute", old.delivery.fillers_per_minute if old else None, new.delivery.fillers_per_minute),
    ]
    for name, a, b in pairs:
        if b is None or (not timed and name.endswith("a minute")):
            continue
        if a != b:
            figures.append(FigureChange(turn, qid, name, a, b))
    return crits, figures


# --- whole sessions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRescore:
    session_id: str
    path: Path | None  # the re-score file written; None when nothing could be re-scored
    turns: tuple[RescoredTurn, ...]
    criteria: tuple[CriterionChange, ...] = ()
    figures: tuple[FigureChange, ...] = ()
    problems: tuple[str, ...] = ()
    unchanged: int = 0  # re-scored answers whose figures are identical to the latest before

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


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", s).strip("_") or "none"


def write_rescore(folder: Path, record: RescoreRecord, stt: str, rubric_version: str) -> Path:
    """``rescores/<UTC time>-<stt>-<rubric>.json``; never replaces a file (``-2`` etc. on a clash)."""
    d = folder / RESCORES
    d.mkdir(exist_ok=True)
    stamp = datetime.fromisoformat(record.created).strftime("%Y%m%dT%H%M%SZ")
    base = f"{stamp}-{_slug(stt)}-{_slug(rubric_version)}"
    tmp = d / f".{base}.{os.getpid()}.tmp"
    tmp.write_text(record.model_dump_json(indent=1), encoding="utf-8")
    try:
        n = 1
        while True:
            target = d / (f"{base}.json" if n == 1 else f"{base}-{n}.json")
            try:
                os.link(tmp, target)  # atomic, and fails rather than overwrite
                return target
            except FileExistsError:
                n += 1
    finally:
        tmp.unlink()


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
    return Planned(session_id, rec.folder, jobs, select_cards(rec, LATEST), rnd, problems)


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
    follow_ups: FollowUps | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    planned: tuple[list[Planned], list[TurnJob]] | None = None,
) -> list[SessionRescore]:
    """Re-score sessions; one new file per session under ``rescores/``, earlier scorecards kept."""
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
        out.append(
            SessionRescore(p.session_id, path, tuple(turns), tuple(crits), tuple(figs), tuple(problems), unchanged)
        )
    return out


def _with_follow_up(follow_ups: FollowUps, p: Planned, t: RescoredTurn) -> RescoredTurn:
    if t.scorecard is None or p.round_ is None:
        return t
    question = next((q for q in p.round_.round.questions if q.id == t.question_id), None)
    if question is None:
        return t
    asked = tuple(j.turn.interviewer_text for j in p.jobs if j.turn.question_id == t.question_id)
    line, source, reason = follow_ups.next_line(question, t.scorecard, asked)
    models = t.scorecard.models.model_copy(update={"llm": follow_ups.name})
    card = t.scorecard.model_copy(update={"models": models})
    note = f"{line}" if source == "llm" else f"{line} (rubric probe: {reason or 'no model reply'})"
    return t.model_copy(update={"scorecard": card, "follow_up": note})


def build_follow_ups(spec: str, checksums: object) -> FollowUps:
    """The --llm interviewer, asked for the follow-up it would put after each re-scored answer."""
    from voice_interviewer.interviewer.followup import Interviewer, build_chat_model
    from voice_interviewer.interviewer.grounded import GroundedFollowUps
    from voice_interviewer.models import Checksums

    assert isinstance(checksums, Checksums)
    chat, name = build_chat_model(spec, checksums)
    return GroundedFollowUps(Interviewer(chat, name))


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
                "problems": list(r.problems),
            }
            for r in results
        ],
        indent=1,
    )
