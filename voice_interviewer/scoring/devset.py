"""The development set of graded answers, and the validity figures computed on it.

The set lives in ``devset/<track>/<round>.yaml`` at the top of a source checkout: a YAML list of
``{question: <id>, answers: [{id, grade, style, why, text}]}``. Grades (1 poor, 2 mixed, 3 good,
4 excellent) were given from the rubric's level descriptors before any scoring, by someone who did
not read the rubric's phrasings; the set measures how the scorer generalizes. See devset/README.md.

The metrics take plain rows (question, round, grade, predicted score, predicted level), so any
predictor, in-sample or cross-validated, is measured the same way:

- Spearman rank correlation of score against grade (average ranks for ties), pooled over rows;
- the share of better/worse pairs within a question that the score orders right (a tie in score
  counts as half);
- the share of rows whose level equals the grade.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from voice_interviewer.errors import UserError

GRADES = (1, 2, 3, 4)
GRADE_NAMES = {1: "poor", 2: "mixed", 3: "good", 4: "excellent"}
STYLES = {
    "plain-paraphrase": "the key ideas in the candidate's own everyday words",
    "concise-correct": "short and right, little elaboration",
    "long-vague": "long, on-topic sounding, little substance (also hypotheticals and humble-brags)",
    "buzzword-list": "the right terms listed without explaining them",
    "misconception": "a confident, on-topic, wrong statement (the rubric's red flags among them)",
    "team-only": "a behavioral story that is partly owned or only the team's",
    "rambling": "spoken style with fillers and restarts ('um, so, the thing is...')",
    "gaming": "talks about the answer ('I covered all the key points including ...') or names points",
}
_ANSWER_KEYS = {"id", "grade", "style", "why", "text"}
# Shortest realistic answer per round, in words (a behavioral story, even a weak one, takes a while).
ROUND_MIN_WORDS = {"phone-screen": 40, "behavioral": 110}


@dataclass(frozen=True)
class DevAnswer:
    id: str
    grade: int
    style: str
    why: str
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class DevQuestion:
    id: str  # "<round>/<slug>", a rubric question id
    round: str
    answers: tuple[DevAnswer, ...]


@dataclass(frozen=True)
class DevSet:
    track: str
    questions: tuple[DevQuestion, ...]

    def items(self) -> list[tuple[DevQuestion, DevAnswer]]:
        return [(q, a) for q in self.questions for a in q.answers]

    def rounds(self) -> list[str]:
        return sorted({q.round for q in self.questions})


DEVSET_ROOT = Path(__file__).resolve().parents[2] / "devset"  # in the source checkout; not shipped


def default_devset_dir(track: str | None = None, root: Path | None = None) -> Path:
    """``devset/<track>`` in the source checkout; with no track, the first folder there."""
    base = root or DEVSET_ROOT
    if track is None:
        tracks = sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
        if not tracks:
            raise UserError(f"No development set found in {base} (expected <track>/<round>.yaml files).")
        track = tracks[0]
    return base / track


def _fail(path: Path, where: str, problem: str) -> UserError:
    return UserError(f"{path}: {where}: {problem}")


def _parse_answer(path: Path, where: str, raw: Any) -> DevAnswer:
    if not isinstance(raw, dict):
        raise _fail(path, where, "an answer must be a mapping")
    keys = set(raw)
    if keys != _ANSWER_KEYS:
        missing, extra = _ANSWER_KEYS - keys, keys - _ANSWER_KEYS
        raise _fail(path, where, f"fields missing {sorted(missing)}, unknown {sorted(extra)}")
    grade = raw["grade"]
    if not isinstance(grade, int) or isinstance(grade, bool) or grade not in GRADES:
        raise _fail(path, where, f"grade must be 1, 2, 3 or 4, not {grade!r}")
    if raw["style"] not in STYLES:
        raise _fail(path, where, f"unknown style {raw['style']!r} (one of: {', '.join(STYLES)})")
    for key in ("id", "why", "text"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise _fail(path, where, f"{key} must be non-empty text")
    return DevAnswer(
        id=raw["id"].strip(),
        grade=grade,
        style=raw["style"],
        why=raw["why"].strip(),
        text=" ".join(raw["text"].split()),
    )


def load_round_file(path: Path) -> list[DevQuestion]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise UserError(f"{path}: cannot read the development set ({e})") from None
    if not isinstance(data, list):
        raise _fail(path, "top level", "must be a list of {question, answers}")
    out: list[DevQuestion] = []
    for i, item in enumerate(data):
        where = f"item {i + 1}"
        if not isinstance(item, dict) or set(item) != {"question", "answers"}:
            raise _fail(path, where, "must be a mapping with exactly 'question' and 'answers'")
        qid = item["question"]
        if not isinstance(qid, str) or not qid.startswith(f"{path.stem}/"):
            raise _fail(path, where, f"question id {qid!r} must belong to round {path.stem!r}")
        if not isinstance(item["answers"], list) or not item["answers"]:
            raise _fail(path, where, "answers must be a non-empty list")
        answers = tuple(_parse_answer(path, f"{qid} answer {j + 1}", a) for j, a in enumerate(item["answers"]))
        ids = [a.id for a in answers]
        dup = sorted({x for x in ids if ids.count(x) > 1})
        if dup:
            raise _fail(path, qid, f"duplicate answer ids {dup}")
        out.append(DevQuestion(id=qid, round=path.stem, answers=answers))
    return out


def load_devset(path: Path | None = None, track: str | None = None) -> DevSet:
    """Every ``<round>.yaml`` under ``path`` (default: the checkout's ``devset/<track>``)."""
    folder = path or default_devset_dir(track)
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise UserError(f"No development set found in {folder} (expected <round>.yaml files).")
    questions = [q for f in files for q in load_round_file(f)]
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            raise UserError(f"{folder}: question {q.id!r} appears twice")
        seen.add(q.id)
    return DevSet(track=folder.name, questions=tuple(questions))


# --- metrics ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One answer as a predictor saw it."""

    question: str
    round: str
    grade: int
    score: float  # predicted 0..100 content score
    level: int  # predicted level 1..4
    answer: str = ""


@dataclass(frozen=True)
class Metrics:
    n: int
    spearman: float  # nan when either side is constant
    pairs: float  # share of within-question pairs ordered right; nan when there are none
    n_pairs: int
    level_agreement: float

    def as_dict(self) -> dict[str, float | int | None]:
        def clean(x: float) -> float | None:
            return None if math.isnan(x) else round(x, 4)

        return {
            "n": self.n,
            "spearman": clean(self.spearman),
            "pairs": clean(self.pairs),
            "n_pairs": self.n_pairs,
            "level_agreement": clean(self.level_agreement),
        }


def average_ranks(values: Sequence[float]) -> np.ndarray:
    """Ranks 1..n, tied values sharing the average of their ranks."""
    x = np.asarray(values, dtype=float)
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=float)
    sorted_x = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and sorted_x[j + 1] == sorted_x[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's rho: the Pearson correlation of the average ranks; nan if a side is constant."""
    if len(a) != len(b):
        raise ValueError("spearman needs two sequences of the same length")
    if len(a) < 2:
        return math.nan
    ra, rb = average_ranks(a), average_ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denom = math.sqrt(float((ra * ra).sum()) * float((rb * rb).sum()))
    return math.nan if denom == 0 else float((ra * rb).sum()) / denom


def pairs_ordered(rows: Iterable[Row]) -> tuple[float, int]:
    """(share right, number of pairs) over answers of one question with different grades."""
    by_q: dict[str, list[Row]] = {}
    for r in rows:
        by_q.setdefault(r.question, []).append(r)
    right, total = 0.0, 0
    for group in by_q.values():
        for x, y in combinations(group, 2):
            if x.grade == y.grade:
                continue
            hi, lo = (x, y) if x.grade > y.grade else (y, x)
            total += 1
            right += 1.0 if hi.score > lo.score else 0.5 if hi.score == lo.score else 0.0
    return (right / total if total else math.nan), total


def metrics(rows: Sequence[Row]) -> Metrics:
    share, n_pairs = pairs_ordered(rows)
    agree = sum(r.level == r.grade for r in rows) / len(rows) if rows else math.nan
    return Metrics(
        n=len(rows),
        spearman=spearman([r.score for r in rows], [r.grade for r in rows]),
        pairs=share,
        n_pairs=n_pairs,
        level_agreement=agree,
    )


def summarize(rows: Sequence[Row]) -> dict[str, Metrics]:
    """Metrics overall (key ``all``) and per round."""
    out = {"all": metrics(rows)}
    for rnd in sorted({r.round for r in rows}):
        out[rnd] = metrics([r for r in rows if r.round == rnd])
    return out
