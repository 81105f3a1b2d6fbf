"""The demo candidate: bundled sample answers, synthesized to speech."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import yaml

from voice_interviewer.engines import Engines
from voice_interviewer.errors import UserError
from voice_interviewer.paths import samples_root


@dataclass(frozen=True)
class SampleAnswer:
    question_id: str
    kind: str  # strong, vague, wrong, padded, triumph, blame, generic
    text: str
    demo_order: int | None = None  # the track's samples file picks what `demo` plays first (``demo:``)


@dataclass(frozen=True)
class DemoItem:
    question_id: str
    kind: str
    text: str
    audio: np.ndarray  # 16 kHz mono float32
    voice: str


def load_samples(track: str) -> list[SampleAnswer]:
    folder = samples_root() / track
    out = []
    for f in sorted(folder.glob("*.yaml")):
        try:
            items = yaml.safe_load(f.read_text())
        except yaml.YAMLError as e:
            raise UserError(f"{f}: YAML error: {e}") from None
        for item in items or []:
            demo = item.get("demo") or {}
            for kind, text in item["answers"].items():
                order = demo.get("order") if demo.get("answer") == kind else None
                out.append(SampleAnswer(item["question"], kind, " ".join(str(text).split()), order))
    return out


def pick(samples: list[SampleAnswer], round_: str | None, limit: int) -> list[SampleAnswer]:
    if round_:
        chosen = [s for s in samples if s.question_id.startswith(round_ + "/") and s.kind in ("strong", "vague")]
    else:
        chosen = sorted((s for s in samples if s.demo_order is not None), key=lambda s: s.demo_order or 0)
        chosen += [s for s in samples if s.kind == "strong" and s not in chosen]
    if not chosen:
        raise UserError(f"No sample answers for round {round_!r}.")
    return chosen[:limit]


def demo_answers(engines: Engines, round_: str | None, limit: int, notify: Callable[[str], None]) -> Iterator[DemoItem]:
    from voice_interviewer.tts.speaker import synthesize

    cache = engines.home.state / "demo-audio"
    for s in pick(load_samples(engines.track.name), round_, limit):
        audio, voice = synthesize(s.text, cache)
        notify(f"synthesized the {s.kind} sample answer to {s.question_id} ({audio.size / 16000:.0f} s, {voice})")
        yield DemoItem(s.question_id, s.kind, s.text, audio, voice)
