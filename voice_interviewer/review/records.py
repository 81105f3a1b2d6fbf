"""A past session as read from disk: its ``session.json`` (read tolerantly), its audio files
checked, its re-scores, which scorecards count, and one row of the session list.

:func:`open_session` never raises for a damaged session folder: a missing or unreadable audio
file, a truncated ``session.json`` (the longest readable part is kept), a crash that left raw
``.pcm`` audio and the status "in-progress" all become ``problems`` on the record, and everything
that can still be read is used. Scorecards come from ``session.json`` and from the re-scores under
``rescores/`` (see :mod:`voice_interviewer.review.rescore`); the latest one per turn counts unless
another is asked for.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.scoring.content import Embedder
from voice_interviewer.store.lock import Owner, is_owned, read_owner
from voice_interviewer.store.reader import read_session
from voice_interviewer.store.rescores import Rescore, load_rescores
from voice_interviewer.store.sessions import Session, SessionStore, Turn, validate_id
from voice_interviewer.store.summary import SessionSummary, summarize
from voice_interviewer.track.rubric import Track, load_track
from voice_interviewer.types import Scorecard

LATEST, ORIGINAL = "latest", "original"


# --- audio files ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AudioFile:
    path: Path
    seconds: float | None  # None when unreadable
    problem: str | None = None
    pcm: bool = False  # raw 16-bit PCM left by a crash (no WAV header)
    damage: str | None = None  # readable but incomplete (a truncated WAV): what is there is still used


def _inside(folder: Path, name: str | None) -> Path | None:
    """``folder / name`` for a plain file name; None for anything that could point elsewhere.

    The names come from ``session.json``, which may have been edited or damaged.
    """
    if not name or name in (".", "..") or Path(name).name != name or "\\" in name:
        return None
    return folder / name


_UNKNOWN_SIZES = (0, 0xFFFFFFFF)  # what streaming writers put in a header before they know the length


def wav_damage(path: Path) -> str | None:
    """What is missing from a RIFF/WAVE file whose header promises more than the file holds.

    libsndfile and the decoders quietly read what is there, so only the header tells: the ``data``
    chunk's declared size against the bytes after it, and whether those bytes end mid-sample. Reads
    the chunk headers only. None for an intact file, another format, or an unparseable one (the
    decoders report those).
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            block_align = rate = 0
            while True:
                chunk = f.read(8)
                if len(chunk) < 8:
                    return None  # no data chunk: unreadable, which check_audio reports
                cid, csize = chunk[:4], struct.unpack("<I", chunk[4:])[0]
                if cid == b"fmt ":
                    if csize < 16:
                        return None
                    fmt = f.read(16)
                    if len(fmt) < 16:
                        return None
                    _, _, rate, _, block_align, _ = struct.unpack("<HHIIHH", fmt)
                    f.seek(csize - 16 + (csize & 1), 1)
                elif cid == b"data":
                    start = f.tell()
                    break
                else:
                    f.seek(csize + (csize & 1), 1)
    except OSError:
        return None
    if block_align <= 0 or rate <= 0:
        return None
    held = max(0, size - start)
    declared = None if csize in _UNKNOWN_SIZES else csize
    per_second = block_align * rate
    whole = held // block_align * block_align / per_second  # seconds of whole samples in the file
    kind = "cut mid-sample" if min(held, declared if declared is not None else held) % block_align else ""
    if declared is not None and held < declared:
        return (
            f"{kind or 'truncated'} (its header promises {declared / per_second:.2f} s, the file holds {whole:.2f} s)"
        )
    if kind:
        return f"{kind} (it ends inside a sample after {whole:.2f} s)"
    return None


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
    return AudioFile(path, info.frames / info.samplerate, damage=wav_damage(path))


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
    owner: Owner | None = None  # set while a live process records this session (it is running)

    @property
    def running(self) -> bool:
        return self.owner is not None

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
    session, problems = read_session(folder, session_id)
    rescores, more = load_rescores(folder)
    problems += more
    answers: dict[int, AudioFile | None] = {}
    lines: dict[int, AudioFile | None] = {}
    owner: Owner | None = None
    if (session is None or session.status == "in-progress") and is_owned(folder):
        # a live process holds the session: its raw audio is the recording going on, not a crash
        owner = read_owner(folder) or Owner(None, "", "")
    if session is not None:
        if session.status == "in-progress" and owner is None:
            problems.append("status in-progress: the recording stopped without finishing (a crash?)")
        for t in session.turns:
            answers[t.index] = a = answer_file(folder, t)
            lines[t.index] = line = interviewer_file(folder, t)
            if owner is not None and t is session.turns[-1] and (a is None or a.pcm or a.problem):
                pass  # the running session's current answer: still being recorded
            elif a is not None and a.pcm:
                problems.append(
                    f"turn {t.index}: the answer is raw audio left by a crash ({a.path.name}); "
                    f"re-scoring reads it, `practice --resume {session_id}` finishes it"
                )
            elif a is not None and a.problem:
                problems.append(f"turn {t.index}: answer audio {a.path.name} is {a.problem}")
            elif a is not None and a.damage:
                problems.append(
                    f"turn {t.index}: answer audio {a.path.name} is {a.damage}; the part that is there is used"
                )
            elif a is None and t.transcript is not None and t.transcript.source == "audio":
                problems.append(f"turn {t.index}: no answer audio (only the saved transcript)")
            if line is not None and (line.problem or line.damage):
                problems.append(f"turn {t.index}: interviewer audio {line.path.name} is {line.problem or line.damage}")
    elif owner is None and any(folder.glob("*.pcm")):
        problems.append("raw audio left by a crash (.pcm files)")
    return SessionRecord(session_id, folder, session, tuple(problems), tuple(rescores), answers, lines, owner)


def resolve_id(store: SessionStore, session_id: str) -> str:
    """A session id as given, checked; ``latest`` is the newest session in the store."""
    if session_id == "latest":
        ids = store.list_ids()
        if not ids:
            raise UserError("No sessions yet. Record one with: voice-interviewer practice --demo", ExitCode.USAGE)
        return ids[0]
    return validate_id(session_id)


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


@lru_cache(maxsize=8)
def _track(name: str) -> Track | None:
    try:
        return load_track(name)
    except UserError:
        return None  # a track no longer installed: each question's level is its first answer's


def summary_of(session: Session, cards: dict[int, Scorecard], embedder: Embedder | None = None) -> SessionSummary:
    """The session's summary with the chosen scorecards, each question's level over its whole exchange.

    ``embedder``: the one the answers were scored with; without it, exchanges of answers scored with
    meaning keep the first answer's level (see :func:`voice_interviewer.store.summary.question_summary`).
    """
    return summarize(with_cards(session, cards), _track(session.track), embedder)


# --- listing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    id: str
    date: str  # "2026-11-27 23:15"
    round: str
    status: str  # complete, interrupted, running (owned by a live process), in-progress (a crash), or "damaged"
    questions: int
    answers: int  # answers with a scorecard
    overall_level: float | None  # mean level of the questions' whole exchanges, 1..4
    duration_s: float | None  # interviewer lines and answers, from the audio files
    rescores: int
    problems: tuple[str, ...]


def display_date(created: str, session_id: str) -> str:
    m = re.match(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})", created)
    if m:
        return f"{m.group(1)} {m.group(2)}"
    m = re.match(r"^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})", session_id)
    return "{}-{}-{} {}:{}".format(*m.groups()) if m else "?"


def row(record: SessionRecord, which: str = LATEST, embedder: Embedder | None = None) -> SessionRow:
    """``embedder``: as for :func:`summary_of`; without it a question whose answers were scored with
    meaning has its first answer's level, not the whole exchange's that ``show`` and ``progress`` give."""
    s = record.session
    if s is None:
        round_ = record.id[16:]  # ids end with the round (see store.new_session_id)
        status = "running" if record.running else "damaged"  # a running session may not have written it yet
        return SessionRow(
            record.id, display_date("", record.id), round_, status, 0, 0, None, record.duration_s, 0, record.problems
        )
    cards = select_cards(record, which)
    summary = summary_of(s, cards, embedder)
    return SessionRow(
        id=record.id,
        date=display_date(s.created, record.id),
        round=s.round,
        status="running" if record.running and s.status == "in-progress" else s.status,
        questions=len({t.question_id for t in s.turns if t.kind == "question"}),
        answers=len(cards),
        overall_level=summary.overall_level if cards else None,
        duration_s=record.duration_s,
        rescores=len(record.rescores),
        problems=record.problems,
    )


def list_sessions(store: SessionStore, round_: str | None = None, embedder: Embedder | None = None) -> list[SessionRow]:
    rows = [row(r, embedder=embedder) for r in scan(store)]
    return [r for r in rows if round_ is None or r.round == round_]
