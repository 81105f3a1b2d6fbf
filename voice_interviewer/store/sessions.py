"""Sessions on disk: ``<data home>/recordings/<session-id>/session.json`` plus one audio file per
answer. ``session.json`` is schema-versioned and written atomically when a turn starts and after it.

A session is owned by one process while it runs (:mod:`voice_interviewer.store.lock`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from voice_interviewer.errors import ExitCode, UserError, first_line
from voice_interviewer.paths import DataHome
from voice_interviewer.store.lock import SessionLock
from voice_interviewer.types import ModelsUsed, Scorecard, Transcript

SCHEMA_VERSION = 2
_ID_RE = re.compile(r"^[0-9]{8}-[0-9]{6}-[a-z0-9-]{1,40}$")


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index: int
    question_id: str
    # "in-progress" from the moment the candidate is asked (so an answer cut short by a crash belongs to
    # its turn), "answered" once its transcript is saved, "interrupted" when Ctrl-C, a lost device, the
    # end of typed input or a crash (found at the next start-up) cut the answer short
    status: Literal["in-progress", "answered", "interrupted"] = "answered"
    kind: Literal["question", "follow-up"]
    interviewer_text: str
    interviewer_audio: str | None = None  # file name in the session folder
    answer_audio: str | None = None  # file name in the session folder
    # "silence", "enter", "done", "max-length", "interrupted", "typed", "no-speech", "end-of-input", "crash"
    ended_by: str = ""
    transcript: Transcript | None = None
    scorecard: Scorecard | None = None
    follow_up_source: str | None = None  # "llm" or "rubric" (for follow-up turns)
    follow_up_reason: str | None = None  # why an LLM reply was not used
    timings: dict[str, float] = Field(default_factory=dict)  # seconds per stage


class Session(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    id: str
    created: str
    track: str
    round: str
    mode: Literal["voice", "demo", "text"]
    status: Literal["in-progress", "complete", "interrupted"] = "in-progress"
    models: ModelsUsed = Field(default_factory=ModelsUsed)
    llm: str = ""
    turns: list[Turn] = Field(default_factory=list)
    summary: dict[str, Any] = Field(default_factory=dict)
    # the schema session.json was in when loaded, when older than SCHEMA_VERSION (see migrations.py)
    _migrated_from: int | None = PrivateAttr(default=None)


def new_session_id(round_: str, now: float | None = None) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    return f"{stamp}-{round_}"


def validate_id(session_id: str) -> str:
    if not _ID_RE.match(session_id):
        raise UserError(f"{session_id!r} is not a session id (like 20261127-231500-phone-screen).", ExitCode.USAGE)
    return session_id


def next_turn_index(session: Session, folder: Path) -> int:
    """The index of the next turn: after every saved turn and after any answer audio already in the
    folder (a crash before a turn was saved must not have its recording overwritten)."""
    taken = [t.index for t in session.turns]
    for f in folder.glob("turn-*-answer.*"):
        part = f.name.split("-")[1]
        if part.isdigit():
            taken.append(int(part))
    return max(taken, default=0) + 1


def parse_session(raw: object, session_id: str, path: Path) -> Session:
    """Parsed ``session.json`` of any schema -> a current :class:`Session` (migrated in memory).

    The parser is :func:`voice_interviewer.store.reader.parse_session_data` (the tolerant reader
    shares it); here its errors name the file.
    """
    from voice_interviewer.store.reader import parse_session_data

    try:
        return parse_session_data(raw, session_id)
    except UserError as e:
        raise UserError(f"{path}: {e.message}", e.code) from None
    except ValueError as e:
        raise UserError(f"{path} is damaged ({first_line(e)}).") from None


class SessionStore:
    def __init__(self, home: DataHome) -> None:
        self.root = home.recordings

    def folder(self, session_id: str) -> Path:
        return self.root / validate_id(session_id)

    def _new_folder(self, session: Session) -> Path:
        """A new folder for the session; two processes starting in the same second get different ids."""
        self.root.mkdir(parents=True, exist_ok=True)
        base, n = session.id, 1
        while True:
            try:
                self.folder(session.id).mkdir()
                return self.folder(session.id)
            except FileExistsError:
                n += 1
                session.id = f"{base}-{n}"

    def create(self, session: Session) -> Path:
        folder = self._new_folder(session)
        self.save(session)
        return folder

    def create_owned(self, session: Session) -> SessionLock:
        """Create the session with this process as its owner (release the lock when the run ends)."""
        folder = self._new_folder(session)
        lock = SessionLock(folder).acquire(session.id, wait_s=2.0)
        self.save(session)
        return lock

    def own(self, session_id: str) -> SessionLock:
        """Take over an existing session (to resume it); :class:`SessionBusy` when a live process runs it."""
        if not (self.folder(session_id) / "session.json").is_file():  # nothing to take over, nor a folder to lock
            raise UserError(
                f"No session {session_id} to resume in {self.root}. List them with: voice-interviewer sessions",
                ExitCode.USAGE,
            )
        return SessionLock(self.folder(session_id)).acquire(session_id, wait_s=0.5)

    def save(self, session: Session) -> None:
        """Atomic: write a temporary file, fsync, rename over session.json."""
        folder = self.folder(session.id)
        old = session._migrated_from
        if old is not None and (folder / "session.json").is_file() and not (folder / f"session.v{old}.json").exists():
            shutil.copy2(folder / "session.json", folder / f"session.v{old}.json")  # keep the original layout
        tmp = folder / f".session.json.{os.getpid()}.tmp"
        data = session.model_dump_json(indent=1)
        with tmp.open("w", encoding="utf-8") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(folder / "session.json")

    def load(self, session_id: str) -> Session:
        path = self.folder(session_id) / "session.json"
        if not path.is_file():
            raise UserError(f"No session {session_id} in {self.root}.", ExitCode.USAGE)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, OSError) as e:
            raise UserError(
                f"{path} is damaged ({first_line(e)}). `voice-interviewer sessions` shows what can be "
                "recovered, and `voice-interviewer rescore` scores it as far as its data goes."
            ) from None
        return parse_session(raw, session_id, path)

    def list_ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted((p.name for p in self.root.iterdir() if p.is_dir() and _ID_RE.match(p.name)), reverse=True)

    def unfinished(self) -> list[str]:
        out = []
        for sid in self.list_ids():
            try:
                s = self.load(sid)
            except UserError:
                continue
            if s.status != "complete":
                out.append(sid)
        return out
