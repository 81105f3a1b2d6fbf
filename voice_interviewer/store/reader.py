"""Reading ``session.json``: the one parser (any schema, migrated in memory) that
:meth:`SessionStore.load` uses, and the tolerant reader for coming back to damaged sessions.

The tolerant reader never raises for a damaged file: a truncated ``session.json`` keeps the longest
readable part, fields that do not fit the schema are dropped, and the problems say what was lost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from voice_interviewer.errors import UserError
from voice_interviewer.store.migrations import migrate
from voice_interviewer.store.sessions import SCHEMA_VERSION, Session, Turn
from voice_interviewer.types import ModelsUsed


def parse_session_data(raw: object, session_id: str) -> Session:
    """Parsed ``session.json`` of any schema -> a current :class:`Session` (migrated in memory).

    Raises UserError for a schema it cannot migrate (e.g. a newer one) and pydantic's
    ValidationError for fields that do not fit. The folder is the identity: ``session_id`` wins
    over the id in the file (a copied or renamed folder keeps working).
    """
    data, applied = migrate(raw, SCHEMA_VERSION)
    session = Session.model_validate(data)
    session.id = session_id
    session._migrated_from = applied[0] if applied else None
    return session


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
        track=pick("track", is_str, _default_track()),
        round=pick("round", is_str, session_id[16:] or "unknown"),
        mode=pick("mode", lambda v: v in ("voice", "demo", "text"), "voice"),
        status=pick("status", lambda v: v in ("in-progress", "complete", "interrupted"), "in-progress"),
        models=models,
        llm=pick("llm", lambda v: isinstance(v, str), ""),
        turns=sorted(turns, key=lambda t: t.index),
        summary=pick("summary", lambda v: isinstance(v, dict), {}),
    )
    return session, problems


def read_session(folder: Path, session_id: str) -> tuple[Session | None, list[str]]:
    """(everything of ``folder/session.json`` that can be read, or None; the problems found)."""
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
        return parse_session_data(raw, session_id), problems
    except UserError as e:
        return None, [e.message.rstrip(".")]  # a problem is joined into a sentence that adds its own stop
    except ValidationError as e:
        if not problems:
            problems.append(f"session.json does not match its schema ({str(e).splitlines()[0]}); read leniently")
    data, _ = migrate(raw, SCHEMA_VERSION)  # pure; it succeeded above
    session, more = _tolerant_session(data, session_id)
    return session, problems + more


def _default_track() -> str:
    """For a damaged session with no track: the track a new session would use, if any is installed."""
    from voice_interviewer.errors import UserError
    from voice_interviewer.track.rubric import default_track

    try:
        return default_track()
    except UserError:
        return "unknown"
