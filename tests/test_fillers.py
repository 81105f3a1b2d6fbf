"""Hesitations heard in the audio (stt/fillers.py) and how delivery merges them with the
transcript's fillers. Synthetic audio: a held "uhhh" between bursts of speech-like sound."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.audio_fixtures import held_vowel, silence, syllables, white_noise
from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.scoring.content import Embedder
from voice_interviewer.scoring.delivery import delivery_metrics, without_fillers
from voice_interviewer.scoring.scorecard import score_answer
from voice_interviewer.stt.fillers import DEFAULT, detect_hesitations, frame_features, held_sounds, sounds
from voice_interviewer.track.rubric import Track
from voice_interviewer.types import Hesitation, ModelsUsed, Scorecard, Transcript, Word

TARGET = (0.0, 600.0)


def at(seconds: float) -> int:
    return int(seconds * SAMPLE_RATE)


def answer_with_hold(hold_s: float = 0.6) -> np.ndarray:
    """1.5 s of speech, 0.1 s pause, a held "uhhh", 0.1 s pause, 1.5 s of speech."""
    return np.concatenate([syllables(1.5, 1), silence(0.1), held_vowel(hold_s), silence(0.1), syllables(1.5, 2)])


# --- the held sound ------------------------------------------------------------------------


def test_a_held_vowel_is_found_with_its_time() -> None:
    holds = held_sounds(answer_with_hold(0.6))
    assert len(holds) == 1
    start, end = holds[0]
    assert 1.55 <= start <= 1.75 and 2.05 <= end <= 2.25  # the hold runs 1.6 - 2.2 s


def test_running_speech_has_no_held_sound() -> None:
    assert held_sounds(syllables(6.0, 3)) == []


@pytest.mark.parametrize("hold_s", [0.15, 0.22])
def test_an_ordinary_vowel_length_is_not_a_hesitation(hold_s: float) -> None:
    assert held_sounds(answer_with_hold(hold_s)) == []


def test_a_frames_voicing_is_its_autocorrelation_peak_and_quiet_frames_are_skipped() -> None:
    """The voicing is the normalised autocorrelation peak in the pitch range, as computed directly
    (the FFT that gives it must be long enough not to wrap it); frames far below the answer's
    level (its pauses) are neither voiced nor steady."""
    audio = np.concatenate([silence(0.3), held_vowel(0.5, f0=110.0), silence(0.3)])
    _, voicing, change = frame_features(audio)
    n, hop = int(DEFAULT.frame_s * SAMPLE_RATE), int(DEFAULT.hop_s * SAMPLE_RATE)
    lo, hi = int(SAMPLE_RATE / DEFAULT.max_pitch_hz), int(SAMPLE_RATE / DEFAULT.min_pitch_hz)
    for i in (45, 55):  # frames inside the vowel (0.45 s, 0.55 s)
        x = audio[i * hop : i * hop + n].astype(np.float64)
        x = (x - x.mean()) * np.hanning(n)
        ac = np.correlate(x, x, "full")[n - 1 :]
        direct = max(ac[k] / ac[0] * n / (n - k) for k in range(lo, hi))
        assert voicing[i] == pytest.approx(min(direct, 1.0), abs=1e-6)
        assert voicing[i] > DEFAULT.voicing and change[i] < DEFAULT.steadiness
    for i in (5, 95):  # in the silence before and after
        assert voicing[i] == 0.0 and change[i] == np.inf


def test_silence_noise_and_empty_audio_hold_nothing() -> None:
    assert held_sounds(silence(3.0)) == []
    assert held_sounds(white_noise(3.0, -20.0)) == []
    assert held_sounds(np.zeros(0, dtype=np.float32)) == []
    assert held_sounds(np.zeros(100, dtype=np.float32)) == []


def test_a_quiet_hold_far_below_the_speech_is_not_counted() -> None:
    audio = answer_with_hold(0.6)
    audio[at(1.6) : at(2.2)] *= 10 ** (-45 / 20)  # 45 dB below: breath or room hum, not a voice
    assert held_sounds(audio) == []


# --- against the words ---------------------------------------------------------------------


WORDS = (
    Word(word="I", start=0.0, end=0.3),
    Word(word="would", start=0.3, end=1.0),
    Word(word="split", start=1.0, end=1.5),
    Word(word="the", start=2.3, end=2.6),
    Word(word="data.", start=2.6, end=3.2),
)


def test_a_hold_in_a_gap_between_words_is_a_hesitation() -> None:
    (h,) = detect_hesitations(answer_with_hold(0.6), WORDS)
    assert h.kind == "gap"
    assert 1.55 <= h.start <= 1.75


def test_a_hold_the_transcript_wrote_as_a_filler_is_not_reported_again() -> None:
    words = (*WORDS[:3], Word(word="uh,", start=1.6, end=2.2), *WORDS[3:])
    assert detect_hesitations(answer_with_hold(0.6), words) == ()


def test_a_drawn_out_function_word_is_a_long_vowel() -> None:
    words = (*WORDS[:3], Word(word="the", start=1.55, end=2.3), Word(word="data.", start=2.6, end=3.2))
    (h,) = detect_hesitations(answer_with_hold(0.6), words)
    assert (h.kind, h.word) == ("long vowel", "the")


def test_a_hold_inside_a_content_word_is_left_alone() -> None:
    """A long "sooo" is a hesitation; a long stressed vowel in "data" is how some people speak."""
    words = (*WORDS[:3], Word(word="training", start=1.55, end=2.3), Word(word="data.", start=2.6, end=3.2))
    assert detect_hesitations(answer_with_hold(0.6), words) == ()


def test_no_hold_no_hesitation() -> None:
    audio = np.concatenate([syllables(1.5, 1), silence(0.8), syllables(1.5, 2)])
    assert detect_hesitations(audio, WORDS) == ()


# --- a short filler the word timings swallowed ----------------------------------------------


def swallowed_um(pause_s: float = 0.15) -> np.ndarray:
    """1.5 s of speech, a pause, a short voiced "um" (0.25 s, too short to be a held sound), a
    pause, 1.5 s of speech: "... the, um, data ..." with the filler left out of the transcript."""
    um = held_vowel(0.25, formants=(300.0, 1000.0, 2200.0))
    return np.concatenate([syllables(1.5, 1), silence(pause_s), um, silence(pause_s), syllables(1.5, 2)])


UM_AT = (1.65, 1.9)  # where swallowed_um() puts the filler


def words_around_um(first: str = "the", first_start: float = 1.2) -> tuple[Word, ...]:
    """Whisper's timings for it: the word before the filler stretched over the pauses and the filler."""
    return (
        Word(word="split", start=0.5, end=first_start),
        Word(word=first, start=first_start, end=2.15),
        Word(word="data.", start=2.15, end=3.0),
    )


def test_a_short_filler_inside_a_stretched_word_is_heard_apart() -> None:
    audio = swallowed_um()
    assert held_sounds(audio) == []  # too short for the held-sound signal
    (h,) = detect_hesitations(audio, words_around_um())
    assert (h.kind, h.word) == ("apart", "the")
    assert UM_AT[0] - 0.05 <= h.start and h.end <= UM_AT[1] + 0.05


def test_a_word_whose_span_holds_only_its_own_sound_and_the_next_words_start_is_left_alone() -> None:
    """The word starts in the pause: its own sound is the first one inside its span, not a filler."""
    assert detect_hesitations(swallowed_um(), words_around_um(first_start=1.58)) == ()


def test_a_sound_apart_beside_a_written_filler_is_that_filler() -> None:
    words = words_around_um()
    assert detect_hesitations(swallowed_um(), (words[0], Word(word="uh,", start=1.0, end=1.2), *words[1:])) == ()


def test_an_unvoiced_sound_apart_is_not_a_filler() -> None:
    audio = swallowed_um()
    audio[at(UM_AT[0]) : at(UM_AT[1])] = white_noise(UM_AT[1] - UM_AT[0] + 0.001, -20.0)[: at(UM_AT[1]) - at(UM_AT[0])]
    assert detect_hesitations(audio, words_around_um()) == ()


def test_sounds_are_split_by_pauses_not_by_a_stops_closure() -> None:
    assert len(sounds(frame_features(swallowed_um(0.15)))) >= 3
    closure = sounds(frame_features(swallowed_um(0.05)))  # 50 ms: as long as a stop's silence
    assert not any(UM_AT[0] - 0.05 <= a * DEFAULT.hop_s and b * DEFAULT.hop_s <= UM_AT[1] + 0.05 for a, b in closure)


def test_delivery_counts_a_filler_heard_apart_as_acoustic() -> None:
    words = words_around_um()
    d = delivery_metrics(words, "split the data.", TARGET, 3.0, hesitations=detect_hesitations(swallowed_um(), words))
    assert d.filler_count == 1
    assert [m.source for m in d.filler_marks] == ["acoustic"]


# --- delivery: the two signals ------------------------------------------------------------


def test_delivery_counts_a_heard_hesitation_and_says_which_signal_heard_each_filler() -> None:
    words = [
        Word(word="Um,", start=0.0, end=0.4),
        Word(word="I", start=0.5, end=0.6),
        Word(word="would", start=0.6, end=1.0),
        Word(word="split", start=1.0, end=1.5),
        Word(word="the", start=2.3, end=2.6),
        Word(word="data.", start=2.6, end=3.2),
    ]
    hes = [Hesitation(start=1.6, end=2.2)]
    d = delivery_metrics(words, "Um, I would split the data.", TARGET, 3.2, hesitations=hes)
    assert d.filler_count == 2
    assert d.fillers == {"um": 1, "hesitation": 1}
    assert [(m.kind, m.source, m.start) for m in d.filler_marks] == [
        ("um", "transcript", 0.0),
        ("hesitation", "acoustic", 1.6),
    ]


def test_a_hesitation_at_a_written_filler_is_counted_once() -> None:
    words = [
        Word(word="So", start=0.0, end=0.3),
        Word(word="uh,", start=0.4, end=1.0),
        Word(word="yes.", start=1.1, end=1.5),
    ]
    hes = [Hesitation(start=0.45, end=1.05)]
    d = delivery_metrics(words, "So uh, yes.", TARGET, 1.5, hesitations=hes)
    assert d.filler_count == 1
    assert d.filler_marks[0].source == "transcript"


def test_typed_answers_ignore_hesitations() -> None:
    words = [Word(word=w, start=0.0, end=0.0) for w in ["Um", "the", "data"]]
    d = delivery_metrics(words, "Um the data", TARGET, timed=False, hesitations=[Hesitation(start=0.0, end=1.0)])
    assert d.fillers == {"um": 1}
    assert d.filler_marks[0].start is None


def test_words_a_minute_leaves_the_fillers_out() -> None:
    text = " ".join(["um", "data", "data", "uh", "data"] * 24)  # 120 words, 48 fillers, 60 s
    toks = text.split()
    words = [Word(word=w, start=i * 0.5, end=i * 0.5 + 0.5) for i, w in enumerate(toks)]
    d = delivery_metrics(words, text, TARGET, 60.0)
    assert d.words == 72
    assert d.words_per_minute == 72.0
    assert d.filler_count == 48


def test_long_pauses_are_unchanged_by_fillers() -> None:
    words = [
        Word(word="Bias.", start=0.0, end=0.5),
        Word(word="Um,", start=3.0, end=3.3),
        Word(word="variance.", start=3.4, end=4.0),
    ]
    d = delivery_metrics(words, "Bias. Um, variance.", TARGET, 4.0)
    assert [(p.start, p.end) for p in d.long_pauses] == [(0.5, 3.0)]


def test_without_fillers_keeps_every_other_word_and_the_sentence_ends() -> None:
    said = "Then, um, I would, uh, split by time. That keeps, uh. the future out."
    words = tuple(Word(word=w, start=float(i), end=float(i) + 0.5) for i, w in enumerate(said.split()))
    text, kept = without_fillers(words, said)
    assert text == "Then I would split by time. That keeps. the future out."  # the fillers' commas go too
    assert " ".join(w.word for w in kept) == "Then, I would, split by time. That keeps, the future out."
    assert kept[1].start == 2.0  # timings kept as they were


# --- content scoring ignores the fillers ---------------------------------------------------

ANSWER = (
    "Bias is error from assumptions that are too simple, so the model underfits. Variance is how sensitive "
    "the model is to the training sample, so a high variance model overfits the noise. I compare training "
    "and validation error: a big gap means variance. To fix variance I would add regularization."
)
HESITANT = (
    "Um, bias is, uh, error from assumptions that are too simple, so the model, um, underfits. Uh, variance "
    "is how sensitive the model is to the, um, training sample, so a high variance model overfits the noise. "
    "I, uh, compare training and validation error: a big gap means, um, variance. To fix variance I would, "
    "uh, add regularization, you know."
)


def _card(track: Track, text: str, embedder: Embedder | None) -> Scorecard:
    q, rnd = track.question("phone-screen/bias-variance")
    toks = text.split()
    words = tuple(Word(word=w, start=i * 0.4, end=i * 0.4 + 0.3) for i, w in enumerate(toks))
    t = Transcript(text=text, words=words, duration_s=len(toks) * 0.4)
    return score_answer(q, rnd, t, embedder, ModelsUsed())


def _same_content(a: Scorecard, b: Scorecard) -> None:
    assert b.content.score == a.content.score
    assert b.content.level == a.content.level
    ids = [[p.id for p in c.covered] for c in a.content.criteria]
    assert [[p.id for p in c.covered] for c in b.content.criteria] == ids
    quoted = [e.sentence for c in b.content.criteria for p in c.covered for e in p.evidence]
    assert quoted and not any(f in s.lower().split() for s in quoted for f in ("um,", "uh,", "um", "uh"))


def test_fillers_do_not_move_the_content_score_phrases(track: Track) -> None:
    fluent, hesitant = _card(track, ANSWER, None), _card(track, HESITANT, None)
    assert hesitant.delivery.filler_count == 9 and fluent.delivery.filler_count == 0
    _same_content(fluent, hesitant)


def test_fillers_do_not_move_the_content_score_meaning(track: Track, embedder: Embedder) -> None:
    _same_content(_card(track, ANSWER, embedder), _card(track, HESITANT, embedder))


def test_the_scorecard_says_which_fillers_only_the_audio_heard() -> None:
    from voice_interviewer.cli.render import heard_only

    words = [Word(word="Um,", start=0.0, end=0.4), Word(word="yes.", start=2.5, end=2.9)]
    d = delivery_metrics(words, "Um, yes.", TARGET, 3.0, hesitations=[Hesitation(start=1.2, end=1.9)])
    assert heard_only(d) == "; 1 heard in the audio only, at 1.2 s"
    assert heard_only(delivery_metrics(words, "Um, yes.", TARGET, 3.0)) == ""


# --- the decoding choice -------------------------------------------------------------------


def test_the_filler_prompt_is_used_on_answers_not_on_scraps() -> None:
    from voice_interviewer.stt.transcriber import FILLER_PROMPT, DecodeOptions

    o = DecodeOptions()
    assert o.prompt_for(30.0) == FILLER_PROMPT
    assert o.prompt_for(o.prompt_min_s - 0.1) is None
    assert DecodeOptions(initial_prompt=None).prompt_for(30.0) is None
    # the silence skip is off only while a prompt is on
    assert o.silence_skip_for(FILLER_PROMPT) is None
    assert o.silence_skip_for(None) == o.hallucination_silence_threshold


def test_the_decoding_goes_into_the_scorecards_models() -> None:
    from dataclasses import dataclass

    from voice_interviewer.stt.transcriber import DecodeOptions, decoding_of

    @dataclass
    class WithOptions:
        options: DecodeOptions

    shipped = decoding_of(WithOptions(DecodeOptions()))
    assert shipped is not None and "Um, uh" in shipped and "hesitations=acoustic (held sounds, sounds apart" in shipped
    assert "segment" in shipped and "tokens a second" in shipped
    # each choice that changes the transcript changes the record, so a re-score can tell them apart
    as_text = decoding_of(WithOptions(DecodeOptions(prompt_segment_s=None)))
    unbounded = decoding_of(WithOptions(DecodeOptions(max_tokens_per_s=None)))
    written = decoding_of(WithOptions(DecodeOptions(unwritten_fillers=None)))
    assert len({shipped, as_text, unbounded, written}) == 4 and as_text is not None and "segment" not in as_text
    assert "fillers the decoder gave p >= 0.1" in shipped
    plain = DecodeOptions(
        initial_prompt=None, hesitations=False, max_tokens_per_s=None, loop_cap=False, unwritten_fillers=None
    )
    assert decoding_of(WithOptions(plain)) is None
    assert decoding_of(object()) is None  # a fake transcriber
    assert ModelsUsed.model_validate({"stt": "tiny.en"}).stt_decoding is None  # older scorecards still load


def test_the_prompt_is_given_as_a_timed_segment() -> None:
    from voice_interviewer.stt.transcriber import timed_prompt

    class Letters:  # a tokenizer of one id per character, timestamps from 1000
        timestamp_begin = 1000

        def encode(self, text: str) -> list[int]:
            return [ord(c) for c in text]

    ids = timed_prompt(Letters(), " Um, uh. ", 1.0)
    assert ids[0] == 1000 and ids[-1] == 1000 + 50  # <|0.00|> ... <|1.00|>: 20 ms a step
    assert "".join(chr(i) for i in ids[1:-1]) == " Um, uh."  # one leading space, as Whisper writes words


def test_the_timed_prompt_reads_back_in_whispers_own_tokens() -> None:
    import importlib
    from pathlib import Path

    import tokenizers
    from faster_whisper.tokenizer import Tokenizer

    from voice_interviewer.models import WHISPER_TINY_EN
    from voice_interviewer.stt.transcriber import FILLER_PROMPT, timed_prompt

    folder = Path(str(importlib.import_module(WHISPER_TINY_EN.module).__file__)).parent / "model"
    tok = Tokenizer(tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json")), False, "transcribe", "en")
    assert tok.decode_with_timestamps(timed_prompt(tok, FILLER_PROMPT, 1.0)) == f"<|0.00|> {FILLER_PROMPT}<|1.00|>"


def test_a_windows_tokens_are_bounded_by_the_audios_length() -> None:
    from voice_interviewer.stt.transcriber import DecodeOptions

    o = DecodeOptions()
    short, longer = o.token_budget(4.0), o.token_budget(12.0)
    assert short is not None and longer is not None and short < longer
    # room for very fast speech with a filler every few words: 250 words a minute, 1.5 tokens a word
    assert longer >= 12.0 * 250 / 60 * 1.5
    assert o.token_budget(60.0) is None  # a full window keeps Whisper's own limit
    assert DecodeOptions(max_tokens_per_s=None).token_budget(4.0) is None


def test_a_long_answer_is_cut_between_speech_chunks() -> None:
    from voice_interviewer.stt.transcriber import pieces

    speech = [(0, 10), (14, 30), (34, 50), (60, 95), (100, 110)]
    got = pieces(speech, 120, 40)
    assert got[0][0] == 0 and got[-1][1] == 120
    assert all(a[1] == b[0] for a, b in itertools.pairwise(got))  # contiguous, nothing lost
    assert got == [(0, 32), (32, 55), (55, 97), (97, 120)]  # halfway between chunks
    # every cut is in a pause, and a piece is longer than the limit only when one chunk is
    assert all(not any(a < cut < b for a, b in speech) for cut, _ in got[1:])
    assert pieces([(5, 90)], 100, 40) == [(0, 100)]  # one chunk: nowhere to cut
    assert pieces([], 100, 40) == [(0, 100)]
