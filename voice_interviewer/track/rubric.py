"""Rubrics: YAML files under ``rubrics/<track>/<round>.yaml``, validated on load.

A broken file is a :class:`~voice_interviewer.errors.UserError` naming the file, the line and
the field, e.g. ``rubrics/netflix-mle/phone-screen.yaml:42: questions[3].criteria[0].key_points:
field required``.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.paths import rubrics_root
from voice_interviewer.track.phrasing import parse_phrasing


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_phrasing(p: str) -> str:
    parse_phrasing(p)  # a ValueError names the bad word
    return p


# Checked one by one, so that an error points at the line of the bad phrasing itself.
PhrasingText = Annotated[str, AfterValidator(_check_phrasing)]


def _check_regex(p: str) -> str:
    try:
        re.compile(p)
    except re.error as e:
        raise ValueError(f"bad regular expression {p!r}: {e}") from None
    return p


# A culture signal: a regular expression (case-insensitive, whole words) for what shows a theme.
SignalPattern = Annotated[str, AfterValidator(_check_regex)]


class Target(_Model):
    min_s: float = Field(gt=0)
    max_s: float = Field(gt=0)

    @model_validator(mode="after")
    def _order(self) -> Target:
        if self.min_s > self.max_s:
            raise ValueError("min_s must not exceed max_s")
        return self


class KeyPoint(_Model):
    id: str
    text: str = Field(min_length=8)  # the point in one sentence, as a senior answer would say it
    phrasings: list[PhrasingText] = Field(min_length=1)  # what counts as covering it (see scoring.text)
    follow_up: str = Field(min_length=8)  # the probe an interviewer asks when it is missed
    weight: float = Field(default=1.0, gt=0)
    # Common wrong versions of the point, in one sentence each: an answer closer to one of these
    # than to the point itself does not earn the point by meaning (optional; the question's red
    # flags are contrasted too).
    misconceptions: list[str] = []
    # Behavioral: the story panel's finding that also decides this point, so the two never
    # disagree. A story part counts when the panel or the point's own evidence finds it; the
    # result's number and an owned failure count exactly when the panel finds them.
    shown_by: Literal["situation", "task", "action", "result", "learning", "result-number", "owned-failure"] | None = (
        None
    )


class Criterion(_Model):
    id: str
    name: str
    weight: float = Field(default=1.0, gt=0)
    key_points: list[KeyPoint] = Field(min_length=1)
    levels: dict[int, str]  # 1 poor, 2 mixed, 3 good, 4 excellent: what each looks like

    @field_validator("levels")
    @classmethod
    def _four_levels(cls, v: dict[int, str]) -> dict[int, str]:
        if sorted(v) != [1, 2, 3, 4]:
            raise ValueError("levels must describe exactly 1, 2, 3 and 4")
        return v


class RedFlag(_Model):
    id: str
    text: str  # the misconception or evasion, in words a coach would use
    phrasings: list[PhrasingText] = Field(min_length=1)
    penalty: float = Field(default=20.0, ge=0, le=100)  # points off the 0..100 content score


class Question(_Model):
    id: str  # "<round>/<slug>"
    prompt: str = Field(min_length=10)  # what the interviewer says
    aliases: list[str] = []  # other ways the question is asked (helps retrieval)
    kind: Literal["technical", "behavioral"] = "technical"
    target: Target | None = None  # overrides the round's target length
    criteria: list[Criterion] = Field(min_length=1)
    red_flags: list[RedFlag] = []
    culture: list[str] = []  # culture themes the question probes (behavioral)
    # What shows each of those themes in a story: filled from the round's culture_signals on load
    # (every theme when the question names none), or written here to override them.
    culture_signals: dict[str, list[SignalPattern]] = {}
    # The question asks for a failure: owning one earns credit, a story that owns none loses it.
    asks_for_failure: bool = False

    @field_validator("id")
    @classmethod
    def _id_form(cls, v: str) -> str:
        if "/" not in v or v != v.strip().lower() or " " in v:
            raise ValueError("id must look like 'round/slug', lower case, no spaces")
        return v

    def points(self) -> list[tuple[Criterion, KeyPoint]]:
        return [(c, k) for c in self.criteria for k in c.key_points]


class Round(_Model):
    schema_version: int = Field(1, alias="schema")
    track: str
    round: str
    order: int = 0  # the round's place in the track's loop; the first is practice's default round
    version: str  # bump when the rubric changes; stored with every scorecard
    title: str
    target: Target
    senior_bar: str  # what a senior-bar answer in this round shows
    # Culture themes of the track and what shows each one in a story (regular expressions).
    culture_signals: dict[str, list[SignalPattern]] = {}
    # words that mark a knowledge note's heading as being about this round (besides the round's own name)
    note_words: list[str] = []
    questions: list[Question] = Field(min_length=1)
    # question ids (unique, '<round>/...') are checked in load_round, which knows their lines

    @model_validator(mode="before")
    @classmethod
    def _share_culture_signals(cls, data: Any) -> Any:
        """Give each question the round's signals for the themes it probes (before validation)."""
        if not isinstance(data, dict) or not isinstance(data.get("culture_signals"), dict):
            return data
        table = data["culture_signals"]
        questions = data.get("questions")
        if not isinstance(questions, list):
            return data
        out = []
        for q in questions:
            if isinstance(q, dict) and "culture_signals" not in q:
                culture = q.get("culture") or []
                themes = [t for t in table if t in culture] if culture else list(table)
                q = {**q, "culture_signals": {t: table[t] for t in themes}}
            out.append(q)
        return {**data, "questions": out}

    @model_validator(mode="after")
    def _themes_have_signals(self) -> Round:
        for i, q in enumerate(self.questions):
            unknown = [t for t in q.culture if t not in q.culture_signals]
            if unknown and (self.culture_signals or q.culture_signals):
                raise ValueError(
                    f"questions[{i}] ({q.id}): culture theme(s) {', '.join(unknown)} have no culture_signals"
                )
        return self


class LoadedRound:
    """A validated round with where it came from."""

    def __init__(self, round_: Round, path: Path, sha256: str) -> None:
        self.round = round_
        self.path = path
        self.sha256 = sha256

    def target_for(self, q: Question) -> Target:
        return q.target or self.round.target


class Track:
    """All rounds of one track, with question look-up."""

    def __init__(self, name: str, rounds: list[LoadedRound]) -> None:
        self.name = name
        self.rounds = {r.round.round: r for r in sorted(rounds, key=lambda r: (r.round.order, r.round.round))}

    @property
    def first_round(self) -> str:
        """The round practice starts with when none is named (the lowest ``order``)."""
        return next(iter(self.rounds))

    @cached_property
    def questions(self) -> dict[str, tuple[Question, LoadedRound]]:
        out: dict[str, tuple[Question, LoadedRound]] = {}
        for r in self.rounds.values():
            for q in r.round.questions:
                if q.id in out:
                    raise UserError(f"{r.path}: duplicate question id {q.id!r} (also in {out[q.id][1].path})")
                out[q.id] = (q, r)
        return out

    def check_round(self, name: str) -> None:
        """A usage error naming the rounds (the closest first) when the track has no round ``name``."""
        if name in self.rounds:
            return
        close = difflib.get_close_matches(name, list(self.rounds), n=2, cutoff=0.6)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise UserError(f"Unknown round {name!r}.{hint} Rounds: {', '.join(self.rounds)}.", ExitCode.USAGE)

    def question(self, qid: str) -> tuple[Question, LoadedRound]:
        try:
            return self.questions[qid]
        except KeyError:
            close = [k for k in self.questions if qid.split("/")[-1] in k][:5]
            close = close or difflib.get_close_matches(qid, list(self.questions), n=3, cutoff=0.75)
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            raise UserError(
                f"Unknown question id {qid!r}.{hint} List them with: voice-interviewer questions",
                ExitCode.USAGE,
            ) from None

    @property
    def version(self) -> str:
        return "+".join(f"{k}@{r.round.version}" for k, r in sorted(self.rounds.items()))


# --- loading with line numbers -------------------------------------------------------------


def _line_index(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = k.value
            if isinstance(key, str) and key.isdigit():
                key = int(key)
            out[(*path, key)] = k.start_mark.line + 1
            _line_index(v, (*path, key), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _line_index(v, (*path, i), out)


def _fmt_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def load_round(path: Path) -> LoadedRound:
    """Load and validate one round file; every problem names the file, line and field."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: cannot read rubric file ({e})") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        raise UserError(f"{path}{where}: YAML error: {problem}") from None
    if not isinstance(data, dict) or node is None:
        raise UserError(f"{path}:1: a rubric file must be a mapping with 'questions'")
    lines: dict[tuple[Any, ...], int] = {}
    _line_index(node, (), lines)
    try:
        rnd = Round.model_validate(data)
    except ValidationError as e:
        msgs = []
        for err in e.errors()[:5]:
            loc = tuple(err["loc"])
            line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), 1)
            msgs.append(f"{path}:{line}: {_fmt_loc(loc)}: {err['msg']}")
        more = f" (and {len(e.errors()) - 5} more)" if len(e.errors()) > 5 else ""
        raise UserError("\n".join(msgs) + more) from None
    if rnd.round != path.stem:
        raise UserError(f"{path}:{lines.get(('round',), 1)}: round: {rnd.round!r} must match the file name")
    first: dict[str, int] = {}
    for i, q in enumerate(rnd.questions):
        line = lines.get(("questions", i, "id"), 1)
        where = f"{path}:{line}: questions[{i}].id"
        if not q.id.startswith(rnd.round + "/"):
            raise UserError(f"{where}: question id {q.id!r} must start with '{rnd.round}/'")
        if q.id in first:
            raise UserError(f"{where}: duplicate question id {q.id!r} (first at line {first[q.id]})")
        first[q.id] = line
    return LoadedRound(rnd, path, hashlib.sha256(raw).hexdigest())


def default_track(root: Path | None = None) -> str:
    """The track used when none is named: the first folder of rubrics (a track is data, not code)."""
    base = root or rubrics_root()
    tracks = sorted(p.name for p in base.iterdir() if p.is_dir() and any(p.glob("*.yaml"))) if base.is_dir() else []
    if not tracks:
        raise UserError(f"No rubric tracks found in {base}. A track is a folder of <round>.yaml files.", ExitCode.USAGE)
    return tracks[0]


def load_track(track: str | None = None, root: Path | None = None) -> Track:
    track = track or default_track(root)
    folder = (root or rubrics_root()) / track
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise UserError(
            f"No rubrics found for track {track!r} in {folder}. A track is a folder of <round>.yaml files.",
            ExitCode.USAGE,
        )
    t = Track(track, [load_round(f) for f in files])
    _ = t.questions  # duplicate ids across files fail now, not at first use
    return t
