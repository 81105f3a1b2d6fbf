"""Delivery metrics from word timings: pace, fillers, pauses, hedges, length."""

from __future__ import annotations

import pytest

from voice_interviewer.scoring.delivery import count_fillers, count_hedges, delivery_metrics, long_pauses
from voice_interviewer.types import Hesitation, Word

TARGET = (45.0, 90.0)


def timed(text: str, seconds: float, start: float = 0.0) -> list[Word]:
    """The words of ``text`` spread evenly over ``seconds``, back to back."""
    toks = text.split()
    step = seconds / len(toks)
    return [Word(word=w, start=start + i * step, end=start + (i + 1) * step) for i, w in enumerate(toks)]


def fillers(text: str) -> dict[str, int]:
    return dict(delivery_metrics(timed(text, 10.0), text, TARGET).fillers)


# --- pace ----------------------------------------------------------------------------------


def test_words_a_minute_from_timings() -> None:
    text = " ".join(["model"] * 150)
    d = delivery_metrics(timed(text, 60.0), text, TARGET, duration_s=60.0)
    assert d.words == 150
    assert d.speaking_s == 60.0
    assert d.words_per_minute == 150.0
    assert d.pace == "good"


def test_speaking_time_runs_from_the_first_word_to_the_last() -> None:
    text = " ".join(["data"] * 100)
    words = timed(text, 30.0, start=5.0)  # 5 s of lead-in silence, 30 s of speech, 5 s of silence
    d = delivery_metrics(words, text, TARGET, duration_s=40.0)
    assert d.speaking_s == 30.0
    assert d.words_per_minute == 200.0
    assert d.pace == "fast"
    assert d.length_s == 35.0  # the recording's, up to the last word: the silence after it is no answer
    assert any("fast" in n for n in d.notes)


def test_silence_after_the_last_word_is_not_the_answers_length() -> None:
    # 16 s of speech and then three minutes of silence in the file was "196 s, too long"
    text = " ".join(["data"] * 40)
    d = delivery_metrics(timed(text, 16.0), text, TARGET, duration_s=196.0)
    assert d.length_s == 16.0 and d.length_verdict == "too short"
    heard = (Hesitation(start=16.5, end=17.0),)  # a hesitation after the last word still counts
    assert delivery_metrics(timed(text, 16.0), text, TARGET, 196.0, hesitations=heard).length_s == 17.0


def test_slow_pace() -> None:
    text = " ".join(["data"] * 50)
    d = delivery_metrics(timed(text, 60.0), text, TARGET, duration_s=60.0)
    assert d.words_per_minute == 50.0
    assert d.pace == "slow"
    assert any("slow" in n for n in d.notes)


def test_punctuation_only_tokens_are_not_words() -> None:
    words = [Word(word=w, start=i, end=i + 0.5) for i, w in enumerate(["Recall", "-", "went", "up", "%"])]
    d = delivery_metrics(words, "Recall - went up %", TARGET)
    assert d.words == 3


# --- fillers -------------------------------------------------------------------------------


def test_plain_fillers() -> None:
    assert fillers("Um, I think uh the model works, er, fine") == {"um": 1, "uh": 1, "er": 1}


def test_you_know_and_i_mean() -> None:
    assert fillers("It is, you know, a trade-off. I mean the loss goes down.") == {"you know": 1, "i mean": 1}


@pytest.mark.parametrize(
    "text",
    [
        "It was, like, really slow to train.",
        "Like, the model was slow.",
        "So I, like, retrained it twice.",
        "And then like um we retrained it.",
    ],
)
def test_like_as_a_filler(text: str) -> None:
    assert fillers(text).get("like") == 1, fillers(text)


@pytest.mark.parametrize(
    "text",
    [
        "I like this model a lot.",
        "It looks like overfitting to me.",
        "Use things like regularization and dropout.",
        "It seems like the data shifted.",
        "We would like more labels.",
    ],
)
def test_like_as_a_word_is_not_a_filler(text: str) -> None:
    assert "like" not in fillers(text)


def test_sometimes_fillers_count_only_in_filler_position() -> None:
    assert fillers("Basically, the model overfits.") == {"basically": 1}
    assert fillers("The model basically overfits.") == {}
    assert fillers("So, the model overfits.") == {"so": 1}
    assert fillers("The loss went down so we stopped.") == {}


def test_a_short_word_cut_off_with_an_ellipsis_is_a_drawn_out_uh() -> None:
    """Whisper writes a hesitation on an article as the article, trailing off."""
    assert fillers("Trained on a sample A... A... of the rows.") == {"a...": 2}
    assert fillers("A share of the… units.") == {"the...": 1}
    assert fillers("So no unit can... rely on a few others.") == {}  # a content word: a sentence broken off
    assert fillers("We could try the...") == {}  # trailing off at the very end: nothing follows
    assert fillers("A model, the data, and the metric.") == {}


def test_count_fillers_without_punctuation_uses_the_words() -> None:
    assert count_fillers(["um", "the", "model", "uh"]) == {"um": 1, "uh": 1}


def test_fillers_a_minute_and_fluency() -> None:
    base = ["word"] * 114
    for i in range(0, 114, 19):  # 6 fillers in 120 words over one minute
        base.insert(i, "um")
    text = " ".join(base)
    d = delivery_metrics(timed(text, 60.0), text, TARGET, duration_s=60.0)
    assert d.filler_count == 6
    assert d.fillers == {"um": 6}
    assert d.fillers_per_minute == 6.0
    assert d.fluency == "hesitant"
    assert any("fillers a minute" in n and '"um" x6' in n for n in d.notes)

    half = " ".join(["um"] + ["word"] * 119)
    d2 = delivery_metrics(timed(half, 60.0), half, TARGET, duration_s=60.0)
    assert d2.fillers_per_minute == 1.0
    assert d2.fluency == "fluent"
    assert not any("fillers" in n for n in d2.notes)


def test_fillers_a_minute_over_two_minutes() -> None:
    text = " ".join(["uh", "word", "word", "word"] * 50)  # 50 fillers over 2 minutes
    d = delivery_metrics(timed(text, 120.0), text, TARGET, duration_s=120.0)
    assert d.fillers_per_minute == 25.0


# --- pauses --------------------------------------------------------------------------------


def test_long_pauses_name_the_word_before() -> None:
    words = [
        Word(word="Bias", start=0.0, end=0.4),
        Word(word="is", start=0.5, end=0.7),
        Word(word="underfitting.", start=0.8, end=1.4),
        Word(word="Variance", start=4.0, end=4.5),  # 2.6 s pause
        Word(word="is", start=4.6, end=4.8),
        Word(word="overfitting.", start=6.3, end=7.0),  # 1.5 s: not long
    ]
    pauses = long_pauses(words)
    assert len(pauses) == 1
    (p,) = pauses
    assert p.after_word == "underfitting."
    assert (p.start, p.end) == (1.4, 4.0)
    assert p.seconds == 2.6
    d = delivery_metrics(words, "Bias is underfitting. Variance is overfitting.", TARGET, duration_s=7.0)
    assert d.long_pauses == (p,)
    assert any("1 pause(s) over 2 s; longest 2.6 s" in n for n in d.notes)


def test_a_pause_just_under_two_seconds_is_not_long() -> None:
    words = [Word(word="a", start=0.0, end=0.5), Word(word="b", start=2.4, end=2.6)]
    assert long_pauses(words) == []


# --- hedges --------------------------------------------------------------------------------


def test_hedges() -> None:
    text = "I guess the model is probably overfitting, sort of. I'm not sure, maybe."
    assert dict(count_hedges(text)) == {"i guess": 1, "probably": 1, "sort of": 1, "i'm not sure": 1, "maybe": 1}


def test_longer_hedge_is_counted_once() -> None:
    assert dict(count_hedges("I think maybe it overfits.")) == {"i think maybe": 1}


def test_no_hedges_in_a_direct_answer() -> None:
    assert count_hedges("The model overfits because it memorizes the training set.") == {}


def test_frequent_hedging_gets_a_note() -> None:
    text = "I guess it overfits. Maybe the data is small. Probably more data helps, sort of."
    d = delivery_metrics(timed(text, 60.0), text, TARGET, duration_s=60.0)
    assert d.hedge_count == 4
    assert any("hedging" in n for n in d.notes)


# --- length --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "verdict"),
    [(30.0, "too short"), (45.0, "on target"), (60.0, "on target"), (90.0, "on target"), (120.0, "too long")],
)
def test_length_verdict_against_the_target(seconds: float, verdict: str) -> None:
    text = " ".join(["word"] * int(seconds * 2.4))
    d = delivery_metrics(timed(text, seconds), text, TARGET, duration_s=seconds)
    assert d.length_verdict == verdict
    assert (d.target_min_s, d.target_max_s) == TARGET
    assert d.length_s == seconds
    assert any(verdict in n for n in d.notes) == (verdict != "on target")


# --- typed answers -------------------------------------------------------------------------


def test_typed_answer_has_no_pace_or_pauses() -> None:
    text = " ".join(["um model"] * 60)  # 120 tokens, 60 of them fillers
    zero = [Word(word=w, start=0.0, end=0.0) for w in text.split()]
    d = delivery_metrics(zero, text, TARGET, duration_s=0.0, timed=False)
    assert d.words == 60  # fillers are not words of the answer
    assert d.words_per_minute == 0.0
    assert d.pace == "n/a"
    assert d.long_pauses == ()
    assert d.speaking_s == 50.0  # read as if spoken at 144 words a minute
    assert d.length_s == 50.0
    assert d.length_verdict == "on target"
    assert d.fillers == {"um": 60}
    assert d.fillers_per_minute == 72.0
    assert not any("words a minute" in n for n in d.notes)


def test_typed_answer_ignores_fake_timings() -> None:
    words = [Word(word="a", start=0.0, end=0.1), Word(word="b", start=10.0, end=10.1)]
    d = delivery_metrics(words, "a b", TARGET, timed=False)
    assert d.long_pauses == ()
    assert d.pace == "n/a"
