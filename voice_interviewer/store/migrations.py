"""Versioned migrations of ``session.json``, so a session written by any earlier version loads.

Each migration takes the parsed JSON of schema ``n`` and returns schema ``n + 1``; :func:`migrate`
chains them up to the version the store writes. Migrations are pure (data in, data out): they
never touch the files, so the original ``session.json`` stays as it was until the store saves
the session again (and then keeps a copy, ``session.v<n>.json``).

Schemas:

- 0: the pre-release layout. No ``schema_version``; ``session_id`` instead of ``id``; an
  ``answers`` list of ``{"question_id", "prompt", "audio", "transcript"}`` with the transcript
  as plain text; no scorecards, no interviewer audio.
- 1: ``turns`` with transcripts and scorecards; a turn was written only once answered (or cut short
  by Ctrl-C, ``ended_by`` "interrupted").
- 2: :class:`voice_interviewer.store.sessions.Session`: every turn has a ``status`` ("in-progress",
  "answered", "interrupted"), because a turn is now written when it starts.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from voice_interviewer.errors import UserError

Data = dict[str, Any]
_STAMP = re.compile(r"^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-(.+)$")


@dataclass(frozen=True)
class Migration:
    from_version: int  # turns this schema into from_version + 1
    describe: str
    apply: Callable[[Data], Data]


MIGRATIONS: dict[int, Migration] = {}


def migration(from_version: int, describe: str) -> Callable[[Callable[[Data], Data]], Callable[[Data], Data]]:
    def register(fn: Callable[[Data], Data]) -> Callable[[Data], Data]:
        if from_version in MIGRATIONS:
            raise RuntimeError(f"two migrations from schema {from_version}")
        MIGRATIONS[from_version] = Migration(from_version, describe, fn)
        return fn

    return register


def schema_of(data: object) -> int:
    """The schema version of parsed ``session.json`` data (0 for the pre-release layout)."""
    if not isinstance(data, dict):
        raise UserError("session.json does not hold a JSON object.")
    v = data.get("schema_version")
    if v is None:
        if "session_id" in data or "answers" in data:
            return 0
        raise UserError("session.json has no schema_version and is not in the pre-release layout either.")
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise UserError(f"session.json has an invalid schema_version {v!r}.")
    return v


def migrate(data: object, target: int) -> tuple[Data, tuple[int, ...]]:
    """(data at schema ``target``, the schema versions it was migrated from, oldest first)."""
    version = schema_of(data)
    assert isinstance(data, dict)
    if version > target:
        raise UserError(
            f"This session was written by a newer voice-interviewer (session schema {version}; this version "
            f"reads up to {target}). Upgrade with: git pull && make setup (or pip install -U voice-interviewer)."
        )
    out: Data = data
    applied: list[int] = []
    while version < target:
        step = MIGRATIONS.get(version)
        if step is None:  # a release added a schema without its migration: a bug, not the user's
            raise RuntimeError(f"no migration from session schema {version}")
        out = step.apply(copy.deepcopy(out))
        applied.append(version)
        version += 1
        out["schema_version"] = version
    return out, tuple(applied)


def _safe_name(name: object) -> str | None:
    """A file name inside the session folder, or None for anything that could point outside it."""
    if not isinstance(name, str) or not name.strip():
        return None
    name = name.strip().replace("\\", "/")
    if name.startswith("/") or any(part in ("", ".", "..") for part in name.split("/")) or ":" in name:
        return None
    return name


def _created_from_id(session_id: str) -> str:
    m = _STAMP.match(session_id)
    if not m:
        return ""
    y, mo, d, h, mi, s, _ = m.groups()
    return f"{y}-{mo}-{d}T{h}:{mi}:{s}"


def _round_from_id(session_id: str) -> str:
    m = _STAMP.match(session_id)
    tail = m.group(7) if m else ""
    return re.sub(r"-\d+$", "", tail) or "unknown"  # a v0 id ends in the round, maybe with a counter


@migration(0, "pre-release layout: session_id and answers with plain-text transcripts become id and turns")
def _v0_to_v1(d: Data) -> Data:
    sid = str(d.get("session_id") or d.get("id") or "")
    answers = [a for a in d.get("answers") or [] if isinstance(a, dict)]
    turns = []
    for i, a in enumerate(answers, 1):
        text = a.get("transcript")
        text = text if isinstance(text, str) else ""
        qid = str(a.get("question_id") or "")
        turns.append(
            {
                "index": i,
                "question_id": qid,
                "kind": "question",
                "interviewer_text": str(a.get("prompt") or ""),
                "interviewer_audio": None,  # schema 0 kept no recording of the interviewer
                "answer_audio": _safe_name(a.get("audio")),
                "ended_by": "",
                # word timings did not exist: only the text, which a rescore replaces
                "transcript": {"text": text.strip(), "no_speech": not text.strip(), "source": "audio"},
                "scorecard": None,
            }
        )
    return {
        "schema_version": 1,
        "id": sid,
        "created": str(d.get("created") or _created_from_id(sid)),
        "track": str(d.get("track") or "netflix-mle"),  # the one track of v0 (a fact of that format)
        "round": str(d.get("round") or _round_from_id(sid)),
        "mode": "voice",  # the only mode there was
        "status": "complete",  # schema 0 wrote the file once, at the end of the session
        "llm": "",
        "turns": turns,
        "summary": {"migrated_from_schema": 0},
    }


@migration(1, "turns get a status: answered when they hold a transcript, else interrupted")
def _v1_to_v2(d: Data) -> Data:
    for t in d.get("turns") or []:
        if isinstance(t, dict) and "status" not in t:
            t["status"] = "answered" if t.get("transcript") is not None else "interrupted"
    return d
