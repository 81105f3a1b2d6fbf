"""Validity figures: how well scores rank graded answers (Spearman, pairs, level agreement), overall and per round.

The development set is a folder of ``<track>/<round>.yaml`` files, each a list of
``{question, answers: [{id, grade, style, why, text}]}`` with grades 1-4 given from the rubric's
level descriptors before scoring.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml


@dataclass(frozen=True)
class GradedAnswer:
    question: str  # "<round>/<slug>"
    id: str
    grade: int  # 1..4
    style: str
    text: str

    @property
    def round(self) -> str:
        return self.question.split("/", 1)[0]


def load_set(folder: Path) -> list[GradedAnswer]:
    """Every graded answer under ``folder`` (searched recursively for ``*.yaml``)."""
    out = []
    for f in sorted(Path(folder).rglob("*.yaml")):
        for item in yaml.safe_load(f.read_text(encoding="utf-8")) or []:
            for a in item.get("answers", []):
                out.append(
                    GradedAnswer(
                        question=item["question"],
                        id=str(a["id"]),
                        grade=int(a["grade"]),
                        style=str(a.get("style", "")),
                        text=str(a["text"]),
                    )
                )
    return out


def _ranks(x: Sequence[float]) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    order = a.argsort(kind="mergesort")
    ranks = np.empty(len(a))
    ranks[order] = np.arange(len(a), dtype=float)
    for v in np.unique(a):  # ties share their mean rank
        m = a == v
        ranks[m] = ranks[m].mean()
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    if len(x) < 3:
        return float("nan")
    rx, ry = _ranks(x), _ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1])


def pairs_right(items: Sequence[GradedAnswer], scores: Sequence[float]) -> float:
    """Share of same-question pairs with different grades that the scores order right (ties: half)."""
    by_q: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for it, s in zip(items, scores, strict=True):
        by_q[it.question].append((it.grade, s))
    good = total = 0.0
    for rows in by_q.values():
        for i, (ga, sa) in enumerate(rows):
            for gb, sb in rows[i + 1 :]:
                if ga == gb:
                    continue
                total += 1
                d = (sa - sb) * (ga - gb)
                good += 1.0 if d > 0 else 0.5 if sa == sb else 0.0
    return good / total if total else float("nan")


@dataclass(frozen=True)
class Figures:
    n: int
    spearman: float
    pairs: float
    levels: float  # share of answers whose level equals the grade


def figures(items: Sequence[GradedAnswer], scores: Sequence[float], levels: Sequence[int]) -> Figures:
    grades = [it.grade for it in items]
    agree = sum(int(lv == g) for lv, g in zip(levels, grades, strict=True)) / max(len(items), 1)
    return Figures(len(items), spearman(scores, grades), pairs_right(items, scores), agree)


def table(items: Sequence[GradedAnswer], scores: Sequence[float], levels: Sequence[int]) -> list[tuple[str, Figures]]:
    """Figures overall and per round."""
    rows = [("all", figures(items, scores, levels))]
    for rnd in sorted({it.round for it in items}):
        idx = [i for i, it in enumerate(items) if it.round == rnd]
        rows.append((rnd, figures([items[i] for i in idx], [scores[i] for i in idx], [levels[i] for i in idx])))
    return rows


def format_table(title: str, rows: list[tuple[str, Figures]]) -> str:
    out = [f"{title}", f"{'':22} {'n':>4} {'Spearman':>9} {'pairs':>7} {'levels':>7}"]
    for name, f in rows:
        out.append(f"{name:22} {f.n:4d} {f.spearman:9.3f} {100 * f.pairs:6.1f}% {100 * f.levels:6.1f}%")
    return "\n".join(out)
