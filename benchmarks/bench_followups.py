"""Benchmark the follow-up questions: how many come from the model, how many fall back, and why.

Mixed answers: for every rubric question one sample answer (the kinds rotate: strong, vague,
wrong, padded, and the behavioral ones), plus typed variants (an answer cut to its first sentence,
an answer said twice over, so about three times as long). Each is scored, its notes retrieved and
the follow-up asked of the local model exactly as in a session. Printed per answer: the most
important missed point, the follow-up and its source, so a reader can judge whether it is on
that gap; ``on_gap`` is a mechanical proxy (the follow-up shares a content word with the first
missed point or its probe). Also the prompt's size for the shortest and longest answer (it is
bounded, so it must not grow with the answer).

    .venv/bin/python benchmarks/bench_followups.py [--limit N] [--json] [--no-retrieval]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from collections import Counter

from voice_interviewer.api import typed_transcript
from voice_interviewer.engines import Engines, Settings
from voice_interviewer.interviewer.checks import _content_words
from voice_interviewer.interviewer.followup import Interviewer
from voice_interviewer.interviewer.grounded import GroundedFollowUps, follow_up_context, missed_points
from voice_interviewer.interviewer.prompt import build_prompt
from voice_interviewer.paths import data_home
from voice_interviewer.retrieval.context import retrieval_context
from voice_interviewer.retrieval.index import build_index
from voice_interviewer.scoring.scorecard import score_answer
from voice_interviewer.session.demo import load_samples


def mixed_answers(track_name: str) -> list[tuple[str, str, str]]:
    """(question id, kind, text): one answer per question with rotating kinds, then typed variants."""
    by_q: dict[str, dict[str, str]] = {}
    for s in load_samples(track_name):
        by_q.setdefault(s.question_id, {})[s.kind] = s.text
    out = []
    for i, (qid, answers) in enumerate(sorted(by_q.items())):
        kinds = sorted(answers)
        kind = kinds[i % len(kinds)]
        out.append((qid, kind, answers[kind]))
    for i, (qid, answers) in enumerate(sorted(by_q.items())[::5]):
        base = answers.get("vague") or answers.get("generic") or next(iter(answers.values()))
        if i % 2 == 0:
            first = re.split(r"(?<=[.!?])\s+", base)[0]
            out.append((qid, "typed: first sentence", first))
        else:
            out.append((qid, "typed: said twice", f"{answers.get('strong', base)} {base}"))
    return out


def reason_kind(reason: str | None) -> str:
    if reason is None:
        return "-"
    if reason.startswith("rejected the model's reply: "):
        return "rejected: " + re.sub(r"\s*\(.*", "", reason.removeprefix("rejected the model's reply: "))[:40]
    return re.sub(r"\s*\(.*", "", reason)[:50]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0, help="only the first N answers")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-retrieval", action="store_true")
    args = ap.parse_args()
    home = data_home({"VOICE_INTERVIEWER_HOME": tempfile.mkdtemp(prefix="vi-bench-fu-")}).ensure()
    eng = Engines(Settings(), notify=lambda m: None, home=home)
    chat, name = eng.chat_model("local")
    interviewer = Interviewer(chat, name, timeout_s=60)
    context = None
    if not args.no_retrieval:
        build_index(eng)
        context = retrieval_context(eng)
    follow = GroundedFollowUps(interviewer, context)
    items = mixed_answers(eng.track.name)
    if args.limit:
        items = items[: args.limit]
    first_q = eng.track.question(items[0][0])[0]
    follow.warm_up(first_q)
    rows = []
    for qid, kind, text in items:
        q, r = eng.track.question(qid)
        card = score_answer(q, r, typed_transcript(text), eng.embedder, eng.models_used(False, r.sha256, "bench"))
        missed = missed_points(card)
        t0 = time.perf_counter()
        f = follow.next_line(q, card, (q.prompt,))
        took = time.perf_counter() - t0
        gap = missed[0] if missed else None
        on_gap = bool(gap) and bool(_content_words(f.text) & _content_words(gap[0] + " " + gap[1]))
        prompt_chars = sum(len(m.text) for m in build_prompt(follow_up_context(q, card, (q.prompt,))))
        rows.append(
            {
                "question": qid,
                "kind": kind,
                "answer_words": len(text.split()),
                "gap": gap[0] if gap else "(nothing missed)",
                "probe": gap[1] if gap else "",
                "follow_up": f.text,
                "source": f.source,
                "why": reason_kind(f.reason),
                "on_gap": on_gap,
                "s": round(took, 2),
                "prompt_chars": prompt_chars,
            }
        )
        if not args.json:
            print(f"\n[{len(rows)}] {qid} ({kind}, {len(text.split())} words) {f.source} {took:.2f} s")
            print(f"  gap:   {rows[-1]['gap']}")
            print(f"  probe: {rows[-1]['probe']}")
            print(f"  said:  {f.text}")
            if f.reason:
                print(f"  why:   {f.reason}")
    n = len(rows)
    lat = sorted(r["s"] for r in rows)
    by_len = sorted(rows, key=lambda r: r["answer_words"])
    figures = {
        "answers": n,
        "from_model": sum(r["source"] == "llm" for r in rows),
        "fell_back": sum(r["source"] == "rubric" for r in rows),
        "fallback_reasons": dict(Counter(r["why"] for r in rows if r["source"] == "rubric").most_common()),
        "on_gap_proxy": sum(r["on_gap"] for r in rows),
        "model_on_gap_proxy": sum(r["on_gap"] for r in rows if r["source"] == "llm"),
        "p50_s": round(statistics.median(lat), 2),
        "p90_s": round(lat[min(n - 1, int(0.9 * n))], 2),
        "prompt_chars_shortest_answer": by_len[0]["prompt_chars"],
        "prompt_chars_longest_answer": by_len[-1]["prompt_chars"],
        "shortest_answer_words": by_len[0]["answer_words"],
        "longest_answer_words": by_len[-1]["answer_words"],
    }
    if args.json:
        print(json.dumps({"figures": figures, "rows": rows}, indent=1))
    else:
        print("\n" + json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
