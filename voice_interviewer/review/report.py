"""A one-file HTML report of a session, worth sending to a mentor.

Self-contained: inline CSS and inline SVG charts, no scripts, no fonts, no external URLs, so it
opens offline and in a mail attachment. Rendering only: every figure comes from the scorecards.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from voice_interviewer.review.progress import ProgressReport
from voice_interviewer.review.records import SessionRecord, display_date, summary_of
from voice_interviewer.scoring.content import Embedder
from voice_interviewer.scoring.delivery import GOOD_WPM
from voice_interviewer.store.summary import SessionSummary
from voice_interviewer.types import Scorecard, Word

LEVEL_NAMES = {1: "poor", 2: "mixed", 3: "good", 4: "excellent"}
LEVEL_COLOURS = {1: "#c0392b", 2: "#d68910", 3: "#1e8449", 4: "#145a32"}

CSS = """
:root { --ink:#1d2330; --muted:#5d6575; --line:#dde1e8; --bg:#f6f7f9; --accent:#2457c5;
        --good:#1e8449; --bad:#c0392b; --filler:#e67e22; --pause:#8e44ad; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
       font:15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 0 0 10px; }
h3 { font-size: 15px; margin: 18px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.meta, .muted { color: var(--muted); }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px; margin: 18px 0; }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: 14px 0 4px; }
.kpi { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 130px; }
.kpi b { display: block; font-size: 22px; }
.level { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-weight: 600; font-size: 13px; }
.interviewer { border-left: 4px solid var(--accent); padding: 4px 12px; background: #eef3fc; border-radius: 4px; }
.transcript { line-height: 1.9; }
.filler { background: #fdebd0; color: #a04000; border-radius: 3px; padding: 0 2px; }
.pause { color: var(--pause); font-weight: 600; font-size: 12px; border: 1px solid var(--pause);
         border-radius: 8px; padding: 0 5px; margin: 0 3px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid var(--line); padding: 8px 6px; }
th { font-size: 13px; color: var(--muted); }
.covered { color: var(--good); }
.missed { color: var(--bad); }
.prompted { color: var(--filler); }
.evidence { color: var(--muted); font-style: italic; display: block; margin: 2px 0 6px 16px; }
.probe { color: var(--muted); display: block; margin: 2px 0 6px 16px; }
.problems { border-color: #f5b7b1; background: #fdf2f1; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font: 11px system-ui, sans-serif; fill: var(--muted); }
.legend span { margin-right: 14px; font-size: 13px; color: var(--muted); }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; }
footer { color: var(--muted); font-size: 12px; margin-top: 30px; }
"""


def _level(level: int | float | None) -> str:
    if level is None:
        return '<span class="muted">n/a</span>'
    k = max(1, min(4, round(level)))
    label = f"{level:g} {LEVEL_NAMES[k]}" if isinstance(level, int) else f"{level:.1f}"
    return f'<span class="level" style="background:{LEVEL_COLOURS[k]}">{escape(label)}</span>'


def _fmt_t(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


# --- charts (pure: data in, SVG text out) ----------------------------------------------------------


def rate_series(
    words: Sequence[Word], duration_s: float, window_s: float = 10.0, step_s: float = 5.0
) -> list[tuple[float, float]]:
    """(window centre in seconds, words a minute) over windows sliding along the answer."""
    if not words or duration_s <= 0:
        return []
    out = []
    start = 0.0
    span = min(window_s, duration_s)
    while start + span <= duration_s + 1e-6:
        n = sum(1 for w in words if start <= (w.start + w.end) / 2 < start + span)
        out.append((round(start + span / 2, 2), round(n * 60.0 / span, 1)))
        start += step_s
    return out


def timeline_svg(card: Scorecard, fillers: set[str], width: int = 1000) -> str:
    """The answer along time: words as grey blocks, fillers orange, long pauses purple, points green."""
    words = card.transcript.words
    dur = max(card.transcript.duration_s, words[-1].end if words else 0.0, 1.0)
    h, top, bar = 92, 26, 26
    x = lambda t: 10 + (width - 20) * t / dur  # noqa: E731 (a local scale)
    parts = [
        f'<svg class="timeline" viewBox="0 0 {width} {h}" width="{width}" height="{h}" role="img" '
        f'aria-label="Timeline of the answer">',
        f'<rect x="10" y="{top}" width="{width - 20}" height="{bar}" fill="#eef0f4" rx="3"/>',
    ]
    for w in words:
        filler = w.word.lower().strip(",.?!") in fillers
        colour = "#e67e22" if filler else "#9aa5b8"
        wx, ww = x(w.start), max(x(w.end) - x(w.start), 1.5)
        wy, wh = (top, bar) if filler else (top + 5, bar - 10)
        parts.append(
            f'<rect x="{wx:.1f}" y="{wy}" width="{ww:.1f}" height="{wh}" fill="{colour}">'
            f"<title>{escape(w.word)} {_fmt_t(w.start)}</title></rect>"
        )
    for p in card.delivery.long_pauses:
        px, pw = x(p.start), max(x(p.end) - x(p.start), 2)
        parts.append(
            f'<rect x="{px:.1f}" y="{top - 4}" width="{pw:.1f}" height="{bar + 8}" fill="#8e44ad" fill-opacity=".25" '
            f'stroke="#8e44ad"><title>pause {p.seconds:.1f} s after “{escape(p.after_word)}”</title></rect>'
            f'<text x="{px + pw / 2:.1f}" y="{top - 8}" text-anchor="middle" style="fill:#8e44ad">'
            f"{p.seconds:.1f}s</text>"
        )
    for cr in card.content.criteria:
        for pt in cr.covered:
            for ev in pt.evidence[:1]:
                if ev.start is None:
                    continue
                ex = x(ev.start)
                parts.append(
                    f'<path d="M{ex:.1f} {top + bar + 4} l5 8 h-10 z" fill="#1e8449">'
                    f"<title>{escape(pt.text)}</title></path>"
                )
    for i in range(0, int(dur) + 1, 10 if dur > 20 else 5):
        parts.append(f'<text x="{x(i):.1f}" y="{h - 4}" text-anchor="middle">{i}s</text>')
    parts.append("</svg>")
    return "".join(parts)


def rate_svg(series: Sequence[tuple[float, float]], width: int = 1000, height: int = 160) -> str:
    """Words a minute along the answer, with the band that reads well on a call shaded."""
    if len(series) < 1:
        return '<p class="muted">Too short to chart the speaking rate.</p>'
    left, right, top, bottom = 40.0, 10.0, 10.0, 24.0
    ymax = max(220.0, max(v for _, v in series) * 1.1)
    tmax = max(t for t, _ in series) or 1.0
    tmin = min(t for t, _ in series)
    span = max(tmax - tmin, 1.0)
    x = lambda t: left + (width - left - right) * ((t - tmin) / span if len(series) > 1 else 0.5)  # noqa: E731
    y = lambda v: top + (height - top - bottom) * (1 - v / ymax)  # noqa: E731
    lo, hi = GOOD_WPM
    parts = [
        f'<svg class="rate" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="Speaking rate">',
        f'<rect x="{left}" y="{y(hi):.1f}" width="{width - left - right}" height="{y(lo) - y(hi):.1f}" '
        f'fill="#1e8449" fill-opacity=".12"/>',
        f'<text x="{width - right - 4}" y="{y(hi) - 3:.1f}" text-anchor="end">{lo:.0f}-{hi:.0f} reads well</text>',
    ]
    for grid in (0, 100, 200):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(grid):.1f}" y2="{y(grid):.1f}" stroke="#dde1e8"/>'
            f'<text x="{left - 6}" y="{y(grid) + 4:.1f}" text-anchor="end">{grid}</text>'
        )
    pts = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in series)
    parts.append(f'<polyline points="{pts}" fill="none" stroke="#2457c5" stroke-width="2.5"/>')
    for t, v in series:
        parts.append(
            f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="3" fill="#2457c5"><title>{v:.0f} wpm</title></circle>'
        )
    parts.append(f'<text x="{left}" y="{height - 6}">{_fmt_t(tmin)}</text>')
    parts.append(f'<text x="{width - right}" y="{height - 6}" text-anchor="end">{_fmt_t(tmax)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def trend_svg(progress: ProgressReport, current: str, width: int = 1000, height: int = 180) -> str:
    """Overall level per session (1..4), oldest to newest, this session marked."""
    pts = [p for p in progress.points if p.overall_level is not None]
    if not pts:
        return '<p class="muted">No scored sessions to compare yet.</p>'
    left, right, top, bottom = 40, 20, 14, 30
    n = len(pts)
    x = lambda i: left + (width - left - right) * (i / (n - 1) if n > 1 else 0.5)  # noqa: E731
    y = lambda v: top + (height - top - bottom) * (4 - v) / 3  # noqa: E731
    parts = [
        f'<svg class="trend" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="Overall level across sessions">'
    ]
    for lv in (1, 2, 3, 4):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(lv):.1f}" y2="{y(lv):.1f}" stroke="#dde1e8"/>'
            f'<text x="{left - 6}" y="{y(lv) + 4:.1f}" text-anchor="end">{lv}</text>'
        )
    line = " ".join(f"{x(i):.1f},{y(p.overall_level or 1):.1f}" for i, p in enumerate(pts))
    parts.append(f'<polyline points="{line}" fill="none" stroke="#2457c5" stroke-width="2.5"/>')
    for i, p in enumerate(pts):
        me = p.id == current
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(p.overall_level or 1):.1f}" r="{7 if me else 4}" '
            f'fill="{"#e67e22" if me else "#2457c5"}"><title>{escape(p.id)}: level {p.overall_level}</title></circle>'
        )
        if me or n <= 8:
            anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="{anchor}">{escape(p.date[5:])}'
                f"{' (this)' if me else ''}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


# --- the page --------------------------------------------------------------------------------------


def _transcript_html(card: Scorecard, fillers: set[str]) -> str:
    if not card.transcript.words or card.transcript.source == "text":
        return f'<p class="transcript">{escape(card.transcript.text)}</p>'
    pauses = {round(p.start, 3): p.seconds for p in card.delivery.long_pauses}
    out = []
    for i, w in enumerate(card.transcript.words):
        word = escape(w.word)
        out.append("" if i == 0 or w.attached else " ")
        if w.word.lower().strip(",.?!") in fillers:
            out.append(f'<span class="filler" title="filler at {_fmt_t(w.start)}">{word}</span>')
        else:
            out.append(word)
        if round(w.end, 3) in pauses:
            out.append(f' <span class="pause" title="long pause">⏸ {pauses[round(w.end, 3)]:.1f} s</span>')
    return f'<p class="transcript">{"".join(out)}</p>'


def _points_html(card: Scorecard) -> str:
    rows = []
    for cr in card.content.criteria:
        cov = []
        for p in cr.covered:
            tag = "" if p.credit >= 1 else " (named, not explained)"
            ev = "".join(
                f'<span class="evidence">“{escape(e.sentence)}”'
                + (f" at {_fmt_t(e.start)}" if e.start is not None else "")
                + (f" ({escape(', '.join(e.matched))})" if e.matched else "")
                + "</span>"
                for e in p.evidence[:2]
            )
            cov.append(f'<div class="covered">✓ {escape(p.text)}{tag}{ev}</div>')
        miss = [
            f'<div class="missed">✗ {escape(p.text)}<span class="probe">Probe: {escape(p.follow_up)}</span></div>'
            for p in cr.missed
        ]
        rows.append(
            f"<tr><td><b>{escape(cr.name)}</b></td><td>{_level(cr.level)}</td>"
            f"<td>{''.join(cov) or '<span class=muted>none</span>'}</td>"
            f"<td>{''.join(miss) or '<span class=muted>none</span>'}</td></tr>"
        )
    return (
        '<table class="points"><thead><tr><th style="width:18%">Criterion</th><th style="width:9%">Level</th>'
        '<th style="width:40%">Covered, with the evidence</th><th>Missed</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _turn_html(index: int, kind: str, qid: str, asked: str, card: Scorecard | None, fallback_text: str) -> str:
    head = f'<h2 id="turn-{index}">Turn {index} · {escape(kind)} · <span class="muted">{escape(qid)}</span></h2>'
    interviewer = f'<p class="interviewer"><b>Interviewer:</b> {escape(asked)}</p>'
    if card is None:
        body = f'<h3>Transcript</h3><p class="transcript">{escape(fallback_text) or "(no answer)"}</p>'
        return f'<section class="card turn">{head}{interviewer}{body}<p class="muted">Not scored.</p></section>'
    c, d = card.content, card.delivery
    fillers = set(d.fillers)
    score = f"<p>Content <b>{c.score:.0f}/100</b> · level {_level(c.level)} · {escape(c.recommendation)}</p>" + "".join(
        f'<p class="missed">⚠ Red flag: {escape(f.text)} — “{escape(f.sentence)}”</p>' for f in c.red_flags
    )
    timed = card.transcript.source == "audio" and bool(card.transcript.words)
    parts = [head, interviewer, score, "<h3>Transcript</h3>", _transcript_html(card, fillers)]
    if timed:
        parts += [
            "<h3>Timeline</h3>",
            '<p class="legend"><span><i style="background:#9aa5b8"></i>words</span>'
            '<span><i style="background:#e67e22"></i>fillers</span>'
            '<span><i style="background:#8e44ad"></i>long pauses</span>'
            '<span><i style="background:#1e8449"></i>where a point was made</span></p>',
            timeline_svg(card, fillers),
            "<h3>Speaking rate</h3>",
            rate_svg(rate_series(card.transcript.words, card.transcript.duration_s)),
            f'<p class="muted">{d.words_per_minute:.0f} words a minute ({escape(d.pace)}), '
            f"{d.filler_count} fillers ({d.fillers_per_minute:.1f} a minute, {escape(d.fluency)}), "
            f"{len(d.long_pauses)} long pauses, {d.length_s:.0f} s ({escape(d.length_verdict)}; target "
            f"{d.target_min_s:.0f}-{d.target_max_s:.0f} s).</p>",
        ]
    parts += ["<h3>Points</h3>", _points_html(card)]
    if card.work_on:
        parts.append("<h3>Work on next</h3><ol>" + "".join(f"<li>{escape(w)}</li>" for w in card.work_on) + "</ol>")
    parts.append(
        f'<p class="muted">Scored with stt={escape(card.models.stt or "typed")}, '
        f"embeddings={escape(str(card.models.embeddings))}, rubric {escape(card.models.rubric_version)}.</p>"
    )
    return f'<section class="card turn">{"".join(parts)}</section>'


def _questions_html(summary: SessionSummary) -> str:
    """Each question's level over its whole exchange, the points that needed a follow-up, the ones missed."""
    rows = []
    for qid, q in summary.questions.items():
        prompted = "".join(f'<div class="prompted">↪ {escape(p)}</div>' for p in q.prompted)
        missed = "".join(f'<div class="missed">✗ {escape(p)}</div>' for p in q.missed)
        rows.append(
            f"<tr><td><b>{escape(qid)}</b></td><td>{escape(q.level_text)}</td>"
            f"<td>{prompted or '<span class=muted>none</span>'}</td>"
            f"<td>{missed or '<span class=muted>none</span>'}</td></tr>"
        )
    return (
        '<section class="card questions"><h2>Questions</h2>'
        '<p class="muted">The level of each question counts everything said on it, the answer and the follow-up '
        "answers; points made only after a follow-up are listed as needing prompting.</p>"
        '<table class="points"><thead><tr><th style="width:25%">Question</th><th style="width:18%">Level</th>'
        "<th>Needed a follow-up</th><th>Missed</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def render_report(
    record: SessionRecord,
    cards: dict[int, Scorecard],
    progress: ProgressReport | None = None,
    scores: str = "latest",
    embedder: Embedder | None = None,
) -> str:
    s = record.session
    if s is None:
        from voice_interviewer.errors import UserError

        raise UserError(f"Session {record.id} cannot be reported: {'; '.join(record.problems)}.")
    summary = summary_of(s, cards, embedder)
    title = f"Mock interview · {s.round} · {display_date(s.created, s.id)}"
    kpis = [
        ("Overall level", _level(summary.overall_level) if cards else _level(None)),
        ("Answers scored", str(len(cards))),
    ]
    if summary.words_per_minute is not None:
        kpis += [
            ("Words a minute", f"{summary.words_per_minute:.0f}"),
            ("Fillers a minute", f"{summary.fillers_per_minute or 0:.1f}"),
            ("Long pauses", str(summary.long_pauses)),
        ]
    if record.duration_s:
        kpis.append(("Length", _fmt_t(record.duration_s)))
    head = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">Session {escape(s.id)} · {escape(s.track)} · {escape(s.mode)} · {escape(s.status)}</p>',
        '<div class="kpis">' + "".join(f'<div class="kpi"><b>{v}</b>{escape(k)}</div>' for k, v in kpis) + "</div>",
    ]
    if summary.work_on:
        head.append("<h3>Work on next</h3><ol>" + "".join(f"<li>{escape(w)}</li>" for w in summary.work_on) + "</ol>")
    body = ["<header>" + "".join(head) + "</header>"]
    if record.problems:
        body.append(
            '<section class="card problems"><h2>Problems with this recording</h2><ul>'
            + "".join(f"<li>{escape(p)}</li>" for p in record.problems)
            + "</ul></section>"
        )
    if progress is not None and progress.points:
        weak = "".join(
            f"<li><b>{escape(c.name)}</b>: level {c.recent:.1f} recently ({len(c.seen)} answers; "
            f"{escape(', '.join(c.questions[:3]))})</li>"
            for c in progress.weakest
        )
        body.append(
            '<section class="card trend-section"><h2>Across sessions</h2>'
            f'<p class="muted">Overall level of the {len(progress.points)} scored {escape(s.round)} sessions, oldest '
            "first.</p>"
            f"{trend_svg(progress, s.id)}"
            + (f"<h3>Weakest criteria to practise next</h3><ul>{weak}</ul>" if weak else "")
            + "</section>"
        )
    if summary.questions:
        body.append(_questions_html(summary))
    for t in sorted(s.turns, key=lambda t: t.index):
        body.append(
            _turn_html(
                t.index,
                t.kind,
                t.question_id,
                t.interviewer_text,
                cards.get(t.index),
                t.transcript.text if t.transcript else "",
            )
        )
    rescored = ", ".join(r.name for r in record.rescores) or "none"
    body.append(f"<footer>voice-interviewer report · scores: {escape(scores)} · re-scores: {escape(rescored)}</footer>")
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )
