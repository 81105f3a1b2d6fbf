"""Rich rendering of scorecards and tables. Rendering only: no scoring happens here."""

from __future__ import annotations

import time

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from voice_interviewer.scoring.delivery import GOOD_WPM
from voice_interviewer.types import Delivery, Scorecard

LEVEL_STYLE = {1: "bold red", 2: "yellow", 3: "green", 4: "bold green"}


def _level(level: int, name: str) -> Text:
    return Text(f"{level} {name}", style=LEVEL_STYLE.get(level, ""))


def evidence_text(sentence: str, matched: tuple[str, ...], width: int = 140) -> Text:
    """The sentence that covered a point, quoted, with the words that matched in bold."""
    quote = sentence if len(sentence) <= width else sentence[: width - 1].rstrip() + "\u2026"
    t = Text(f"   \u201c{quote}\u201d", style="dim")
    t.highlight_words([w for w in matched if len(w) > 2], style="bold", case_sensitive=False)
    return t


def transcript_text(card: Scorecard) -> Text:
    """The transcript with fillers dimmed and long pauses marked."""
    t = Text()
    fillers = set(card.delivery.fillers)
    pauses = {round(p.start, 3): p.seconds for p in card.delivery.long_pauses}
    if not card.transcript.words or card.transcript.source == "text":
        return Text(card.transcript.text)
    for i, w in enumerate(card.transcript.words):
        low = w.word.lower().strip(",.?!")
        t.append("" if i == 0 or w.attached else " ")
        t.append(w.word, style="dim italic" if low in fillers else "")
        if round(w.end, 3) in pauses:
            t.append(f" [{pauses[round(w.end, 3)]:.1f}s]", style="magenta")
    return t


UNWRITTEN_BY = {"acoustic": "heard in the audio only", "decoder": "nearly written by the speech model"}


def heard_only(d: Delivery) -> str:
    """Which fillers the transcript has no word for, by the signal that found them, with their times."""
    out = ""
    for source, said in UNWRITTEN_BY.items():
        times = [m.start for m in d.filler_marks if m.source == source and m.start is not None]
        if times:
            out += f"; {len(times)} {said}, at " + ", ".join(f"{t:.1f} s" for t in times)
    return out


def scorecard(card: Scorecard) -> Group:
    c, d = card.content, card.delivery
    head = Text.assemble(
        (card.question.id, "bold cyan"),
        "  ",
        (card.question.prompt, "italic"),
    )
    if card.question.matched_from:
        head.append(
            f"\n(matched from \u201c{card.question.matched_from}\u201d, similarity {card.question.match_similarity})",
            style="dim",
        )
    summary = Text.assemble(
        "Content ",
        (f"{c.score:.0f}/100", "bold"),
        "  level ",
        _level(c.level, c.level_name),
        "  \u2192 ",
        (c.recommendation, LEVEL_STYLE.get(c.level, "")),
    )
    crit = Table(show_header=True, header_style="bold", expand=True, show_lines=True)
    crit.add_column("Criterion", ratio=2)
    crit.add_column("Level", min_width=5, no_wrap=True)
    crit.add_column("Covered (evidence)", ratio=5)
    crit.add_column("Missed", ratio=4)
    for cr in c.criteria:
        cov = Text()
        for p in cr.covered:
            ev = p.evidence[0]
            tag = "" if p.credit >= 1 else " (named, not explained)" if ev.how == "phrase" else " (by meaning)"
            cov.append(f"\u2713 {p.text}{tag}\n", style="green" if p.credit >= 0.75 else "yellow")
            cov.append_text(evidence_text(ev.sentence, ev.matched))
            cov.append("\n")
        miss = Text("\n".join(f"\u2717 {p.text}" for p in cr.missed), style="red")
        crit.add_row(cr.name, _level(cr.level, ""), cov, miss)
    parts: list = [head, Text(), summary, crit]
    for f in c.red_flags:
        parts.append(
            Text(f"\u26a0 Red flag: {f.text} (\u2212{f.penalty:.0f})  \u201c{f.sentence}\u201d", style="bold red")
        )
    for n in c.notes:
        parts.append(Text(n, style="yellow"))
    if card.behavioral:
        b = card.behavioral
        bt = Table(title="Story", show_header=True, header_style="bold", expand=True)
        bt.add_column("Part")
        bt.add_column("Carried by")
        for sp in b.parts:
            bt.add_row(sp.part, "\n".join(f"\u201c{s}\u201d" for s in sp.sentences[:2]))
        for m in b.missing_parts:
            bt.add_row(Text(m, style="red"), Text("missing", style="red"))
        parts.append(bt)
        parts.append(
            Text.assemble(
                ("Failure owned: ", "bold"),
                ("yes" if b.failure_owned else "no", "green" if b.failure_owned else "red"),
                f" ({b.failure_note})   ",
                ("I/we: ", "bold"),
                f"{b.i_count}/{b.we_count} ({b.ownership})   ",
                ("Numbers in the result: ", "bold"),
                ", ".join(b.result_numbers) or "none",
                ("   Specificity: ", "bold"),
                f"{b.specificity:.2f}",
            )
        )
        if b.blame:
            parts.append(Text(f"Blame: \u201c{b.blame[0]}\u201d", style="red"))
        for note in b.culture_notes[:2]:
            parts.append(Text(f"Culture note: {note}", style="dim cyan"))
        if b.culture_signals:
            parts.append(Text("Culture signals shown: " + ", ".join(b.culture_signals), style="cyan"))
    dt = Table(show_header=False, box=None, padding=(0, 2))
    if card.transcript.source == "audio":
        lo, hi = GOOD_WPM
        pace = d.pace
        if pace == "good" and not lo <= d.words_per_minute <= hi:  # within the band, outside the aim
            pace = f"good, a little {'fast' if d.words_per_minute > hi else 'slow'}"
        dt.add_row("Pace", f"{d.words_per_minute:.0f} words/min ({pace}; {lo:.0f}-{hi:.0f} reads well)")
        dt.add_row("Pauses > 2 s", str(len(d.long_pauses)))
    dt.add_row(
        "Fillers",
        f"{d.filler_count} ({d.fillers_per_minute:.1f}/min, {d.fluency})"
        + ("  " + ", ".join(f"{k}\u00d7{v}" for k, v in d.fillers.items()) if d.fillers else "")
        + heard_only(d),
    )
    dt.add_row("Hedges", ", ".join(f"{k}\u00d7{v}" for k, v in d.hedges.items()) or "none")
    dt.add_row("Length", f"{d.length_s:.0f} s, {d.length_verdict} (target {d.target_min_s:.0f}-{d.target_max_s:.0f} s)")
    parts += [Text("Delivery", style="bold"), dt]
    if card.work_on:
        parts.append(Text("Work on next", style="bold"))
        parts += [Text(f"  {i}. {w}") for i, w in enumerate(card.work_on, 1)]
    parts.append(
        Text(
            f"models: stt={card.models.stt or 'typed'} embeddings={card.models.embeddings} "
            f"rubric={card.models.rubric_version}",
            style="dim",
        )
    )
    return Group(*parts)


def print_scorecard(console: Console, card: Scorecard, show_transcript: bool = True) -> None:
    if show_transcript:
        console.print(Panel(transcript_text(card), title="Transcript", title_align="left", border_style="dim"))
    console.print(Panel(scorecard(card), title="Scorecard", title_align="left"))


def mmss(seconds: float | None) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}" if seconds is not None else "-"


def day(date: str) -> str:
    """ "2026-11-27 23:15" -> "Nov 27" this year, "Nov 27 2025" otherwise (the time is in the id)."""
    try:
        d = time.strptime(date[:10], "%Y-%m-%d")
    except ValueError:
        return date
    return time.strftime("%b %d" if d.tm_year == time.localtime().tm_year else "%b %d %Y", d)


def level_text(level: float | None) -> Text:
    """A level 1..4 (or a mean of levels), coloured by the level it rounds to; "-" when None."""
    if level is None:
        return Text("-", style="dim")
    return Text(f"{level:g}", style=LEVEL_STYLE.get(max(1, min(4, round(level))), ""))


def compact_table(title: str) -> Table:
    return Table(title=title, title_justify="left", title_style="bold", box=None, padding=(0, 1), pad_edge=False)
