"""Re-score files: ``<session>/rescores/<UTC time>-<stt model>-<rubric version>.json``, their schema,
reading them (oldest first, damaged ones reported) and writing a new one (never over another)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from voice_interviewer.types import ModelsUsed, Scorecard

RESCORES = "rescores"  # folder of re-scores inside a session folder


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
