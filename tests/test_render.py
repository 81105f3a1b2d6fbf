"""The scorecard as the terminal shows it."""

from __future__ import annotations

from rich.console import Console

from tests.conftest import CardFor
from tests.fakes import QID, STRONG
from voice_interviewer.cli.render import print_scorecard


def test_the_pace_line_says_when_a_good_pace_is_outside_the_aim(card_for: CardFor) -> None:
    # 173 words a minute was shown as "good; 130-160 reads well"
    card = card_for(QID, STRONG)
    card = card.model_copy(update={"transcript": card.transcript.model_copy(update={"source": "audio"})})
    shown = {}
    for wpm in (150.0, 173.0, 125.0):
        d = card.delivery.model_copy(update={"words_per_minute": wpm, "pace": "good"})
        console = Console(record=True, width=120)
        print_scorecard(console, card.model_copy(update={"delivery": d}))
        shown[wpm] = next(line for line in console.export_text().splitlines() if "words/min" in line)
    assert "(good; 130-160 reads well)" in shown[150.0]
    assert "(good, a little fast; 130-160 reads well)" in shown[173.0]
    assert "(good, a little slow; 130-160 reads well)" in shown[125.0]


def test_a_transcript_is_written_with_the_spaces_whisper_heard(card_for: CardFor) -> None:
    # "The p -value ... below 5 %" in `sessions show`: Whisper times "p-value" as "p" and "-value"
    from voice_interviewer.cli.render import transcript_text
    from voice_interviewer.review.report import _transcript_html
    from voice_interviewer.types import Word, words_text

    said = ["The", "p", "-value", "was", "below", "5", "%,", "so", "it's", "a", "long", "-term", "win."]
    words = tuple(Word(word=w, start=i * 0.4, end=i * 0.4 + 0.3) for i, w in enumerate(said))
    written = "The p-value was below 5%, so it's a long-term win."
    assert words_text(words) == written
    card = card_for(QID, STRONG)
    t = card.transcript.model_copy(update={"words": words, "text": written, "source": "audio"})
    card = card.model_copy(update={"transcript": t})
    assert transcript_text(card).plain == written
    assert f'<p class="transcript">{written}</p>' in _transcript_html(card, set()).replace("&#x27;", "'")
