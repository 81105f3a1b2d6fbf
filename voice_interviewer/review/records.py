"""Coming back to past sessions: list, show, replay, export and the progress across sessions.

Reading is tolerant. :func:`open_session` never raises for a damaged session folder: a missing or
unreadable audio file, a truncated ``session.json`` (the longest readable part is kept), a crash
that left raw ``.pcm`` audio and the status "in-progress" all become ``problems`` on the record,
and everything that can still be read is used. Scorecards come from ``session.json`` and from the
re-scores under ``rescores/`` (see :mod:`voice_interviewer.review.rescore`); the latest one per turn
counts unless another is asked for.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.session.loop import summarize
from voice_interviewer.store.migrations import migrate
from voice_interviewer.store.sessions import SCHEMA_VERSION, Session, SessionStore, Turn, validate_id
from voice_interviewer.types import ModelsUsed, Scorecard

RESCORES = "rescores"  # folder of re-scores inside a session folder
LATEST, ORIGINAL = "latest", "original"
GAP_S = 0.5  # silence between the lines of a combined replay


# --- re-score files ------------------------------------------------------------------------------


class RescoredTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index: int
    question_id: str
    scorecard: Scorecard | None = None
    source: str = "audio"  # "audio", "crash audio (.pcm)", "saved transcript" or "typed"
    problem: str | None = None  # why it could not be re-scored, or only partly
    follow_up: str | None = None  # what the --llm interviewer would ask next


class RescoreRecord(BaseModel):
    """``<session>/rescores/<UTC time>-<stt model>-<rubric version>.json``; never overwritten."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    session_id: str
    created: str  # UTC, ISO 8601 with microseconds (orders re-scores made within one second)
    models: ModelsUsed
    options: dict[str, str | None]  # what was asked for: stt_model, rubric_version, llm
    turns: list[RescoredTurn]


@dataclass(frozen=True)
class Rescore:
    name: str  # file stem, e.g. 20261127T231900Z-tiny.en-2026.11.1
    record: RescoreRecord


def load_rescores(folder: Path) -> tuple[list[Rescore], list[str]]:
    """(re-scores oldest first, problems with unreadable files)."""
    found: list[Rescore] = []
    problems: list[str] = []
    for f in sorted((folder / RESCORES).glob("*.json")) if (folder / RESCORES).is_dir() else []:
        try:
            found.append(Rescore(f.stem, RescoreRecord.model_validate_json(f.read_bytes())))
        except (ValueError, OSError) as e:
            problems.append(f"{RESCORES}/{f.name} is unreadable ({str(e).splitlines()[0][:80]}); it is ignored")
    found.sort(key=lambda r: (r.record.created, r.name))
    return found, problems


# --- reading damaged files -----------------------------------------------------------------------


def salvage_json(text: str, max_tries: int = 200) -> Any:
    """The longest prefix of a cut-off JSON document that parses once its brackets are closed.

    Cut points are just before a comma or just after a closing bracket, outside strings: there the
    prefix always ends with a complete value. Returns None when nothing parses.
    """
    stack: list[str] = []
    in_str = esc = False
    cuts: list[tuple[int, str]] = []
    for i, ch in enumerate(text):
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]":
            if not stack or stack[-1] != ch:
                break  # not a cut-off document but a mangled one: keep what came before
            stack.pop()
            cuts.append((i + 1, "".join(reversed(stack))))
        elif ch == ",":
            cuts.append((i, "".join(reversed(stack))))
    for end, closers in reversed(cuts[-max_tries:]):
        try:
            return json.loads(text[:end] + closers)
        except ValueError:
            continue
    return None


def _tolerant_turn(raw: object) -> Turn | None:
    if not isinstance(raw, dict):
        return None
    for drop in ((), ("scorecard",), ("scorecard", "transcript")):
        try:
            return Turn.model_validate({k: v for k, v in raw.items() if k not in drop})
        except ValidationError:
            continue
    return None


def _tolerant_session(data: dict[str, Any], session_id: str) -> tuple[Session, list[str]]:
    """A :class:`Session` from whatever fields are valid; the problems say what was dropped."""
    problems: list[str] = []
    raw_turns = data.get("turns") if isinstance(data.get("turns"), list) else []
    turns = [t for t in (_tolerant_turn(r) for r in raw_turns or []) if t is not None]
    lost = len(raw_turns or []) - len(turns)
    if lost:
        problems.append(f"{lost} turn(s) in session.json could not be read")

    def pick(key: str, ok: Callable[[Any], bool], default: Any) -> Any:
        v = data.get(key)
        return v if ok(v) else default

    def is_str(v: Any) -> bool:
        return isinstance(v, str) and bool(v)

    stamp = re.match(r"^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})", session_id)
    created = "{}-{}-{}T{}:{}:{}".format(*stamp.groups()) if stamp else ""
    try:
        models = ModelsUsed.model_validate(data.get("models") or {})
    except ValidationError:
        models = ModelsUsed()
    session = Session(
        id=session_id,
        created=pick("created", is_str, created),
        track=pick("track", is_str, "netflix-mle"),
        round=pick("round", is_str, session_id[16:] or "phone-screen"),
        mode=pick("mode", lambda v: v in ("voice", "demo", "text"), "voice"),
        status=pick("status", lambda v: v in ("in-progress", "complete", "interrupted"), "in-progress"),
        models=models,
        llm=pick("llm", lambda v: isinstance(v, str), ""),
        turns=sorted(turns, key=lambda t: t.index),
        summary=pick("summary", lambda v: isinstance(v, dict), {}),
    )
    return session, problems


def _read_session(folder: Path, session_id: str) -> tuple[Session | None, list[str]]:
    path = folder / "session.json"
    if not path.is_file():
        return None, ["no session.json (only audio files): it cannot be shown or re-scored"]
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return None, [f"session.json cannot be read ({e})"]
    problems: list[str] = []
    try:
        raw = json.loads(text)
    except ValueError:
        raw = salvage_json(text)
        if not isinstance(raw, dict):
            return None, ["session.json is empty or corrupt and nothing in it could be recovered"]
        problems.append("session.json is truncated or corrupt; what it held up to the damage is used")
    try:
        data, _ = migrate(raw, SCHEMA_VERSION)
    except UserError as e:
        return None, [e.message]
    try:
        session = Session.model_validate(data)
        session.id = session_id
        return session, problems
    except ValidationError as e:
        if not problems:
            problems.append(f"session.json does not match its schema ({str(e).splitlines()[0]}); read leniently")
    session, more = _tolerant_session(data, session_id)
    return session, problems + more


# --- audio files ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AudioFile:
    path: Path
    seconds: float | None  # None when unreadable
    problem: str | None = None
    pcm: bool = False  # raw 16-bit PCM left by a crash (no WAV header)


def _inside(folder: Path, name: str | None) -> Path | None:
    """``folder / name`` for a plain file name; None for anything that could point elsewhere.

    The names come from ``session.json``, which may have been edited or damaged.
    """
    if not name or name in (".", "..") or Path(name).name != name or "\\" in name:
        return None
    return folder / name


def check_audio(path: Path) -> AudioFile:
    """Header check only (fast enough for listing): length, or what is wrong with the file."""
    import soundfile as sf

    if path.suffix == ".pcm":
        size = path.stat().st_size
        return AudioFile(path, size / 2 / SAMPLE_RATE, None if size >= 2 else "empty crash recording", pcm=True)
    if not path.is_file():
        return AudioFile(path, None, "missing")
    if path.stat().st_size == 0:
        return AudioFile(path, None, "empty (0 bytes)")
    try:
        info = sf.info(str(path))
    except (RuntimeError, OSError) as e:  # soundfile's LibsndfileError is a RuntimeError
        reason = str(e).splitlines()[0].rsplit(": ", 1)[-1].strip(" .") if str(e) else type(e).__name__
        return AudioFile(path, None, f"unreadable ({reason[:60]})")
    if info.frames <= 0:
        return AudioFile(path, 0.0, "holds no audio")
    return AudioFile(path, info.frames / info.samplerate)


def answer_file(folder: Path, turn: Turn) -> AudioFile | None:
    """The answer's audio: the recorded file, or raw PCM a crash left (None: nothing on disk)."""
    default = f"turn-{turn.index:02d}-answer.wav"
    path = _inside(folder, turn.answer_audio) or _inside(folder, default)
    if path is None:
        return None
    if path.is_file():
        return check_audio(path)
    pcm = path.with_suffix(".pcm")
    if pcm.is_file():
        return check_audio(pcm)
    return check_audio(path) if turn.answer_audio else None


def interviewer_file(folder: Path, turn: Turn) -> AudioFile | None:
    path = _inside(folder, turn.interviewer_audio)
    return check_audio(path) if path else None


def read_audio(f: AudioFile) -> np.ndarray:
    """16 kHz mono float32 of a checked file (WAV of any rate, or raw crash PCM)."""
    if f.pcm:
        data = np.frombuffer(f.path.read_bytes()[: f.path.stat().st_size // 2 * 2], dtype="<i2")
        return data.astype(np.float32) / 32768.0
    from voice_interviewer.audio.io import load_audio

    return load_audio(f.path)


# --- a session as read from disk -----------------------------------------------------------------


@dataclass(frozen=True)
class SessionRecord:
    id: str
    folder: Path
    session: Session | None  # None when session.json is missing or unreadable
    problems: tuple[str, ...]
    rescores: tuple[Rescore, ...] = ()
    answers: dict[int, AudioFile | None] = field(default_factory=dict)  # by turn index
    lines: dict[int, AudioFile | None] = field(default_factory=dict)  # the interviewer's, by turn index

    @property
    def duration_s(self) -> float | None:
        secs = [f.seconds for f in (*self.answers.values(), *self.lines.values()) if f and f.seconds]
        return round(sum(secs), 1) if secs else None


def open_session(store: SessionStore, session_id: str) -> SessionRecord:
    """Read everything of one session that can be read. Raises only for a bad or unknown id."""
    folder = store.folder(validate_id(session_id))
    if not folder.is_dir():
        raise UserError(
            f"No session {session_id} in {store.root}. List them with: voice-interviewer sessions", ExitCode.USAGE
        )
    session, problems = _read_session(folder, session_id)
    rescores, more = load_rescores(folder)
    problems += more
    answers: dict[int, AudioFile | None] = {}
    lines: dict[int, AudioFile | None] = {}
    if session is not None:
        if session.status == "in-progress":
            problems.append("status in-progress: the recording stopped without finishing (a crash?)")
        for t in session.turns:
            answers[t.index] = a = answer_file(folder, t)
            lines[t.index] = line = interviewer_file(folder, t)
            if a is not None and a.pcm:
                problems.append(
                    f"turn {t.index}: the answer is raw audio left by a crash ({a.path.name}); "
                    f"re-scoring reads it, `practice --resume {session_id}` finishes it"
                )
            elif a is not None and a.problem:
                problems.append(f"turn {t.index}: answer audio {a.path.name} is {a.problem}")
            elif a is None and t.transcript is not None and t.transcript.source == "audio":
                problems.append(f"turn {t.index}: no answer audio (only the saved transcript)")
            if line is not None and line.problem:
                problems.append(f"turn {t.index}: interviewer audio {line.path.name} is {line.problem}")
    elif any(folder.glob("*.pcm")):
        problems.append("raw audio left by a crash (.pcm files)")
    return SessionRecord(session_id, folder, session, tuple(problems), tuple(rescores), answers, lines)


def scan(store: SessionStore) -> list[SessionRecord]:
    """Every session folder, newest first; damaged ones carry their problems and never raise."""
    out = []
    for sid in store.list_ids():
        try:
            out.append(open_session(store, sid))
        except OSError as e:  # the folder vanished or is not readable while listing
            out.append(SessionRecord(sid, store.root / sid, None, (f"cannot be read ({e})",)))
    return out


# --- which scorecards count ----------------------------------------------------------------------


def select_cards(record: SessionRecord, which: str = LATEST) -> dict[int, Scorecard]:
    """Scorecards by turn index: ``latest`` (default), ``original``, or one re-score by name or prefix."""
    if record.session is None:
        return {}
    cards = {t.index: t.scorecard for t in record.session.turns if t.scorecard is not None}
    if which == ORIGINAL:
        return cards
    chosen: Sequence[Rescore] = record.rescores
    if which != LATEST:
        chosen = [r for r in record.rescores if r.name.startswith(which)]
        if len(chosen) != 1:
            names = ", ".join(r.name for r in record.rescores) or "none yet"
            raise UserError(
                f"--scores {which!r} matches {len(chosen)} re-scores of {record.id}; use latest, original or one "
                f"of: {names}",
                ExitCode.USAGE,
            )
    for r in chosen:
        for t in r.record.turns:
            if t.scorecard is not None:
                cards[t.index] = t.scorecard
    return cards


def with_cards(session: Session, cards: dict[int, Scorecard]) -> Session:
    """A copy of the session whose turns carry the given scorecards."""
    turns = [t.model_copy(update={"scorecard": cards.get(t.index)}) for t in session.turns]
    return session.model_copy(update={"turns": turns})


# --- listing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    id: str
    date: str  # "2026-11-27 23:15"
    round: str
    status: str  # complete, interrupted, in-progress, or "damaged"
    questions: int
    answers: int  # answers with a scorecard
    overall_level: float | None  # mean level of the questions' main answers, 1..4
    duration_s: float | None  # interviewer lines and answers, from the audio files
    rescores: int
    problems: tuple[str, ...]


def display_date(created: str, session_id: str) -> str:
    m = re.match(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})", created)
    if m:
        return f"{m.group(1)} {m.group(2)}"
    m = re.match(r"^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})", session_id)
    return "{}-{}-{} {}:{}".format(*m.groups()) if m else "?"


def row(record: SessionRecord, which: str = LATEST) -> SessionRow:
    s = record.session
    if s is None:
        round_ = record.id[16:]  # ids end with the round (see store.new_session_id)
        return SessionRow(
            record.id, display_date("", record.id), round_, "damaged", 0, 0, None, record.duration_s, 0, record.problems
        )
    cards = select_cards(record, which)
    summary = summarize(with_cards(s, cards))
    return SessionRow(
        id=record.id,
        date=display_date(s.created, record.id),
        round=s.round,
        status=s.status,
        questions=len({t.question_id for t in s.turns if t.kind == "question"}),
        answers=len(cards),
        overall_level=summary.get("overall_level") if cards else None,
        duration_s=record.duration_s,
        rescores=len(record.rescores),
        problems=record.problems,
    )


def list_sessions(store: SessionStore, round_: str | None = None) -> list[SessionRow]:
    rows = [row(r) for r in scan(store)]
    return [r for r in rows if round_ is None or r.round == round_]


# --- replay --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplayStep:
    turn: int
    speaker: Literal["interviewer", "candidate"]
    kind: str  # question or follow-up
    text: str  # what was said (the transcript for the candidate)
    audio: AudioFile | None  # None: nothing recorded (schema 0 interviewer lines, typed answers)


def replay_plan(record: SessionRecord, turn: int | None = None) -> list[ReplayStep]:
    """The interviewer's line, then the answer, turn by turn in the order they were spoken."""
    s = record.session
    if s is None:
        raise UserError(f"Session {record.id} cannot be replayed: {'; '.join(record.problems)}.")
    turns = sorted(s.turns, key=lambda t: t.index)
    if turn is not None:
        turns = [t for t in turns if t.index == turn]
        if not turns:
            have = ", ".join(str(t.index) for t in s.turns) or "none"
            raise UserError(f"Session {record.id} has no turn {turn}; its turns: {have}.", ExitCode.USAGE)
    steps = []
    for t in turns:
        line = record.lines.get(t.index)
        steps.append(ReplayStep(t.index, "interviewer", t.kind, t.interviewer_text, line))
        answer = record.answers.get(t.index)
        text = t.transcript.text if t.transcript else ""
        steps.append(ReplayStep(t.index, "candidate", t.kind, text, answer))
    return steps


@dataclass(frozen=True)
class Placed:
    step: ReplayStep
    start_s: float | None  # where it starts in the combined audio; None when it has no audio
    note: str | None = None  # why it has no audio


def combine(
    steps: Sequence[ReplayStep], voice: Callable[[str], np.ndarray] | None = None, gap_s: float = GAP_S
) -> tuple[np.ndarray, list[Placed]]:
    """One 16 kHz track of the steps with ``gap_s`` of silence between them.

    ``voice`` renders interviewer lines that have no recording (sessions of schema 0).
    """
    parts: list[np.ndarray] = []
    placed: list[Placed] = []
    t = 0.0
    gap = np.zeros(int(gap_s * SAMPLE_RATE), dtype=np.float32)
    for step in steps:
        audio, note = None, None
        if step.audio is not None and step.audio.problem is None:
            try:
                audio = read_audio(step.audio)
            except UserError as e:
                note = e.message
        elif step.audio is not None:
            note = f"{step.audio.path.name} is {step.audio.problem}"
        elif step.speaker == "interviewer" and voice is not None and step.text:
            audio, note = voice(step.text), "re-synthesized: this line was not recorded"
        else:
            note = "no recording"
        if audio is None or audio.size == 0:
            placed.append(Placed(step, None, note))
            continue
        if parts:
            parts.append(gap)
            t += gap_s
        placed.append(Placed(step, round(t, 2), note))
        parts.append(audio.astype(np.float32))
        t += audio.size / SAMPLE_RATE
    return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)), placed


# --- export --------------------------------------------------------------------------------------


def export_json(record: SessionRecord, cards: dict[int, Scorecard], which: str = LATEST) -> str:
    s = _require(record)
    body = {
        "export_version": 1,
        "scores": which,
        "problems": list(record.problems),
        "rescores": [r.name for r in record.rescores],
        "summary": summarize(with_cards(s, cards)),
        "session": json.loads(with_cards(s, cards).model_dump_json()),
    }
    return json.dumps(body, indent=1, ensure_ascii=False) + "\n"


CSV_COLUMNS = (
    "session_id",
    "date",
    "round",
    "turn",
    "kind",
    "question_id",
    "interviewer",
    "answer_s",
    "words",
    "words_per_minute",
    "fillers_per_minute",
    "long_pauses",
    "content_score",
    "level",
    "recommendation",
    "criteria",
    "missed",
    "stt_model",
    "rubric_version",
    "transcript",
)


def export_csv(record: SessionRecord, cards: dict[int, Scorecard]) -> str:
    """One row per turn; criteria as ``name=level`` joined by "; "."""
    s = _require(record)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for t in s.turns:
        c = cards.get(t.index)
        d = c.delivery if c else None
        timed = c is not None and c.transcript.source == "audio"
        w.writerow(
            [
                s.id,
                display_date(s.created, s.id),
                s.round,
                t.index,
                t.kind,
                t.question_id,
                t.interviewer_text,
                c.transcript.duration_s if c else "",
                d.words if d else "",
                d.words_per_minute if d and timed else "",
                d.fillers_per_minute if d and timed else "",
                len(d.long_pauses) if d and timed else "",
                c.content.score if c else "",
                c.content.level if c else "",
                c.content.recommendation if c else "",
                "; ".join(f"{cr.name}={cr.level}" for cr in c.content.criteria) if c else "",
                "; ".join(p.text for cr in c.content.criteria for p in cr.missed) if c else "",
                (c.models.stt or "typed") if c else "",
                c.models.rubric_version if c else "",
                (c.transcript.text if c else t.transcript.text if t.transcript else ""),
            ]
        )
    return buf.getvalue()


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def export_md(record: SessionRecord, cards: dict[int, Scorecard]) -> str:
    s = _require(record)
    summary = summarize(with_cards(s, cards))
    out = [
        f"# Mock interview {s.id}",
        "",
        f"- Date: {display_date(s.created, s.id)}",
        f"- Round: {s.round} ({s.track}), {s.mode} mode, {s.status}",
    ]
    if cards:
        out.append(f"- Overall level: {summary.get('overall_level')} of 4")
        if summary.get("words_per_minute") is not None:
            out.append(
                f"- Delivery: {summary['words_per_minute']:.0f} words a minute, "
                f"{summary['fillers_per_minute']:.1f} fillers a minute, {summary['long_pauses']} long pauses"
            )
        for i, item in enumerate(summary.get("work_on") or [], 1):
            out.append(f"- Work on next {i}: {item}")
    for p in record.problems:
        out.append(f"- Problem: {p}")
    for t in s.turns:
        c = cards.get(t.index)
        out += ["", f"## Turn {t.index} ({t.kind}): {t.question_id}", "", f"**Interviewer:** {t.interviewer_text}", ""]
        text = c.transcript.text if c else t.transcript.text if t.transcript else ""
        out.append(f"**Candidate:** {text or '(no answer)'}")
        if c is None:
            out += ["", "_Not scored._"]
            continue
        out += [
            "",
            f"Content {c.content.score:.0f}/100, level {c.content.level} ({c.content.level_name}), "
            f"{c.content.recommendation}.",
            "",
            "| Criterion | Level | Covered (evidence) | Missed |",
            "|---|---|---|---|",
        ]
        for cr in c.content.criteria:
            cov = "<br>".join(f"✓ {_md(p.text)} — “{_md(p.evidence[0].sentence)}”" for p in cr.covered if p.evidence)
            miss = "<br>".join(f"✗ {_md(p.text)}" for p in cr.missed)
            out.append(f"| {_md(cr.name)} | {cr.level} | {cov} | {miss} |")
        d = c.delivery
        if c.transcript.source == "audio":
            out += [
                "",
                f"Delivery: {d.words_per_minute:.0f} words a minute ({d.pace}), {d.filler_count} fillers "
                f"({d.fillers_per_minute:.1f}/min), {len(d.long_pauses)} long pauses, {d.length_s:.0f} s "
                f"({d.length_verdict}).",
            ]
    return "\n".join(out) + "\n"


def _require(record: SessionRecord) -> Session:
    if record.session is None:
        raise UserError(f"Session {record.id} has nothing to export: {'; '.join(record.problems)}.")
    return record.session


# --- progress ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionPoint:
    id: str
    date: str
    round: str
    overall_level: float | None
    words_per_minute: float | None
    fillers_per_minute: float | None
    criteria: dict[str, float]  # criterion name -> mean level of the main answers asking it
    questions: dict[str, tuple[int, float]]  # question id -> (level, content score) of its main answer


@dataclass(frozen=True)
class CriterionTrend:
    name: str
    levels: tuple[float | None, ...]  # one per session point; None where it was not asked
    questions: tuple[str, ...]  # the questions that ask it

    @property
    def seen(self) -> list[float]:
        return [v for v in self.levels if v is not None]

    @property
    def recent(self) -> float:
        """Mean level over the last three sessions that asked it."""
        return round(mean(self.seen[-3:]), 2)

    @property
    def change(self) -> float:
        return round(self.seen[-1] - self.seen[0], 2)


@dataclass(frozen=True)
class Retold:
    question_id: str
    tellings: tuple[tuple[str, int, float], ...]  # (session id, level, content score), oldest first


@dataclass(frozen=True)
class ProgressReport:
    points: tuple[SessionPoint, ...]  # oldest first
    criteria: tuple[CriterionTrend, ...]
    weakest: tuple[CriterionTrend, ...]  # what to practise next, weakest first
    retold: tuple[Retold, ...]  # questions answered in more than one session
    skipped: tuple[str, ...]  # sessions left out, with why


def session_point(session: Session, cards: dict[int, Scorecard]) -> SessionPoint:
    summary = summarize(with_cards(session, cards))
    per_crit: dict[str, list[int]] = {}
    questions: dict[str, tuple[int, float]] = {}
    for t in session.turns:
        c = cards.get(t.index)
        if c is None or t.kind != "question":
            continue
        questions[t.question_id] = (c.content.level, c.content.score)
        for cr in c.content.criteria:
            per_crit.setdefault(cr.name, []).append(cr.level)
    return SessionPoint(
        id=session.id,
        date=display_date(session.created, session.id),
        round=session.round,
        overall_level=summary.get("overall_level") if questions else None,
        words_per_minute=summary.get("words_per_minute"),
        fillers_per_minute=summary.get("fillers_per_minute"),
        criteria={k: round(mean(v), 2) for k, v in per_crit.items()},
        questions=questions,
    )


def progress(
    items: Sequence[tuple[SessionRecord, dict[int, Scorecard]]], round_: str | None = None, weakest: int = 3
) -> ProgressReport:
    """Trends across sessions (a pure function of the records and the scorecards chosen for each)."""
    points: list[SessionPoint] = []
    skipped: list[str] = []
    questions_of: dict[str, set[str]] = {}
    for record, cards in sorted(items, key=lambda it: it[0].id):
        s = record.session
        if s is None or (round_ and s.round != round_):
            if s is None:
                skipped.append(f"{record.id}: {'; '.join(record.problems)}")
            continue
        if not cards:
            skipped.append(f"{record.id}: no scored answers")
            continue
        points.append(session_point(s, cards))
        for t in s.turns:
            c = cards.get(t.index)
            if c is not None and t.kind == "question":
                for cr in c.content.criteria:
                    questions_of.setdefault(cr.name, set()).add(t.question_id)
    names = sorted({n for p in points for n in p.criteria})
    trends = [
        CriterionTrend(n, tuple(p.criteria.get(n) for p in points), tuple(sorted(questions_of.get(n, ()))))
        for n in names
    ]
    weak = sorted(trends, key=lambda c: (c.recent, -len(c.seen), c.name))[:weakest]
    tellings: dict[str, list[tuple[str, int, float]]] = {}
    for p in points:
        for qid, (level, score) in p.questions.items():
            tellings.setdefault(qid, []).append((p.id, level, score))
    retold = [Retold(q, tuple(v)) for q, v in sorted(tellings.items()) if len(v) > 1]
    return ProgressReport(tuple(points), tuple(trends), tuple(weak), tuple(retold), tuple(skipped))


def progress_for_store(store: SessionStore, round_: str | None = None, which: str = LATEST) -> ProgressReport:
    if which not in (LATEST, ORIGINAL):
        raise UserError(f"--scores for progress is latest or original, not {which!r}.", ExitCode.USAGE)
    items = [(r, select_cards(r, which)) for r in scan(store)]
    return progress(items, round_)
