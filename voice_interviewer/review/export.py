"""Exporting a session with the scorecards chosen for it: JSON (the session and its summary),
CSV (one row per answer) or Markdown."""

from __future__ import annotations

import csv
import io
import json

from voice_interviewer.errors import UserError
from voice_interviewer.review.records import LATEST, SessionRecord, display_date, summary_of, with_cards
from voice_interviewer.scoring.content import Embedder
from voice_interviewer.store.sessions import Session
from voice_interviewer.types import Scorecard

# --- export --------------------------------------------------------------------------------------


def export_json(
    record: SessionRecord, cards: dict[int, Scorecard], which: str = LATEST, embedder: Embedder | None = None
) -> str:
    s = _require(record)
    body = {
        "export_version": 1,
        "scores": which,
        "problems": list(record.problems),
        "rescores": [r.name for r in record.rescores],
        "summary": summary_of(s, cards, embedder).as_dict(),
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
    "question_level",  # the question's level over its whole exchange (answer and follow-up answers)
    "prompted",  # the question's key points that came only after a follow-up
    "stt_model",
    "rubric_version",
    "transcript",
)


def export_csv(record: SessionRecord, cards: dict[int, Scorecard], embedder: Embedder | None = None) -> str:
    """One row per turn; criteria as ``name=level`` joined by "; "; each row also carries its
    question's level over the whole exchange and the points that needed a follow-up."""
    s = _require(record)
    questions = summary_of(s, cards, embedder).questions
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
                questions[t.question_id].level if t.question_id in questions else "",
                "; ".join(questions[t.question_id].prompted) if t.question_id in questions else "",
                (c.models.stt or "typed") if c else "",
                c.models.rubric_version if c else "",
                (c.transcript.text if c else t.transcript.text if t.transcript else ""),
            ]
        )
    return buf.getvalue()


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def export_md(record: SessionRecord, cards: dict[int, Scorecard], embedder: Embedder | None = None) -> str:
    s = _require(record)
    summary = summary_of(s, cards, embedder)
    out = [
        f"# Mock interview {s.id}",
        "",
        f"- Date: {display_date(s.created, s.id)}",
        f"- Round: {s.round} ({s.track}), {s.mode} mode, {s.status}",
    ]
    if cards:
        out.append(f"- Overall level: {summary.overall_level} of 4")
        if summary.words_per_minute is not None:
            out.append(
                f"- Delivery: {summary.words_per_minute:.0f} words a minute, "
                f"{summary.fillers_per_minute or 0:.1f} fillers a minute, {summary.long_pauses} long pauses"
            )
        for i, item in enumerate(summary.work_on, 1):
            out.append(f"- Work on next {i}: {item}")
        out += [
            "",
            "## Questions",
            "",
            "| Question | Level (whole exchange) | Needed a follow-up | Missed |",
            "|---|---|---|---|",
        ]
        for qid, q in summary.questions.items():
            prompted = "<br>".join(_md(p) for p in q.prompted) or "-"
            missed = "<br>".join(_md(p) for p in q.missed) or "-"
            out.append(f"| {_md(qid)} | {q.level_text} | {prompted} | {missed} |")
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
