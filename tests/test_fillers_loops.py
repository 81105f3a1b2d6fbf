"""Text the audio cannot hold (stt/loops.py): filler runs capped by the voiced sounds under them,
decodings that lost speech, and the transcriber redoing such a decoding. Synthetic audio; the
transcriber's own decoding is scripted here (its real decodings are in test_fillers_speech.py)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio_fixtures import held_vowel, silence, syllables, white_noise
from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.scoring.delivery import delivery_metrics
from voice_interviewer.stt.decoding import FILLER_PROMPT, DecodeOptions
from voice_interviewer.stt.loops import (
    carried_fillers,
    decoding_failure,
    looped_fillers,
    voiced_frames,
    voiced_sounds,
)
from voice_interviewer.stt.transcriber import Decoding, EncoderMemo, FasterWhisperTranscriber
from voice_interviewer.types import Word


def one_hold() -> np.ndarray:
    """1.5 s of speech, a pause, one held "uhhh" (1.65 - 2.25 s), a pause, 1.5 s of speech."""
    return np.concatenate([syllables(1.5, 1), silence(0.15), held_vowel(0.6), silence(0.15), syllables(1.5, 2)])


def two_holds() -> np.ndarray:
    """Speech, "um" (1.65 - 2.05 s), a 0.25 s pause, "uh" (2.3 - 2.7 s), speech: two fillers."""
    um, uh = held_vowel(0.4), held_vowel(0.4, f0=130.0)
    return np.concatenate([syllables(1.5, 1), silence(0.15), um, silence(0.25), uh, silence(0.15), syllables(1.5, 2)])


def w(word: str, start: float, end: float) -> Word:
    return Word(word=word, start=start, end=end)


def around(fillers: list[Word], after: float) -> list[Word]:
    end = [w("split", after, after + 0.5), w("it.", after + 0.5, 3.3)]
    return [w("I", 0.0, 0.6), w("would", 0.6, 1.5), *fillers, *end]


# --- filler runs ---------------------------------------------------------------------------------


def test_a_loop_of_fillers_over_one_sound_counts_once() -> None:
    loop = [w("um,", 1.6 + 0.1 * k, 1.7 + 0.1 * k) for k in range(6)]  # "um, um, um, um, um, um,"
    words = around(loop, 2.4)
    drop = looped_fillers(one_hold(), words)
    assert drop == {3, 4, 5, 6, 7}  # the first "um" of the run stays
    kept = [x for i, x in enumerate(words) if i not in drop]
    d = delivery_metrics(kept, " ".join(x.word for x in kept), (0.0, 600.0), 3.3)
    assert d.filler_count == 1


def test_two_fillers_with_a_break_between_them_both_count() -> None:
    words = around([w("um,", 1.65, 2.05), w("uh,", 2.3, 2.7)], 2.85)
    assert looped_fillers(two_holds(), words) == set()


def test_a_loop_keeps_as_many_fillers_as_there_are_sounds() -> None:
    loop = [w("uh,", 1.6 + 0.12 * k, 1.7 + 0.12 * k) for k in range(8)]
    assert len(looped_fillers(two_holds(), around(loop, 2.85))) == 8 - 2


def test_fillers_between_words_and_single_fillers_are_never_dropped() -> None:
    words = [w("um,", 0.0, 0.3), w("I", 0.4, 0.6), w("uh,", 0.7, 1.0), w("would", 1.1, 1.5), w("um.", 1.6, 2.2)]
    assert looped_fillers(one_hold(), words) == set()


def test_voiced_sounds_counts_separate_sounds_not_their_length() -> None:
    voiced = voiced_frames(two_holds())
    assert voiced_sounds(voiced, 1.55, 2.8) == 2
    assert voiced_sounds(voiced_frames(one_hold()), 1.55, 2.35) == 1
    assert voiced_sounds(voiced_frames(silence(2.0)), 0.0, 2.0) == 0
    assert voiced_sounds(voiced_frames(white_noise(2.0, -20.0)), 0.0, 2.0) == 0  # noise is not voiced


# --- lost speech ---------------------------------------------------------------------------------


SPEECH = syllables(6.0, 4)
EVERY_WORD = [
    w(x, 0.1 + 0.5 * k, 0.5 + 0.5 * k)
    for k, x in enumerate(
        ["we", "split", "the", "data", "by", "time", "and", "check", "every", "later", "window", "again"]
    )
]


def test_a_decoding_that_stops_early_lost_speech() -> None:
    why = decoding_failure(SPEECH, EVERY_WORD[:4])  # words up to 2 s of 6 s of speech
    assert why is not None and "outside the words" in why


def test_an_empty_decoding_of_speech_lost_it_and_of_silence_did_not() -> None:
    assert decoding_failure(SPEECH, []) is not None
    assert decoding_failure(silence(5.0), []) is None
    assert decoding_failure(white_noise(5.0, -30.0), []) is None


def test_a_word_longer_than_any_spoken_word_is_a_loop() -> None:
    why = decoding_failure(SPEECH, [*EVERY_WORD[:4], w("t-m-m-m-m-m-m-m", 2.1, 5.9)])
    assert why is not None and "lasting 3.8 s" in why


def test_words_covering_the_speech_lost_nothing() -> None:
    assert decoding_failure(SPEECH, EVERY_WORD) is None
    # a pause the words do not cover is not speech
    audio = np.concatenate([SPEECH[: 3 * SAMPLE_RATE], silence(2.0), SPEECH[3 * SAMPLE_RATE :]])
    words = EVERY_WORD[:6] + [x.model_copy(update={"start": x.start + 2, "end": x.end + 2}) for x in EVERY_WORD[6:]]
    assert decoding_failure(audio, words) is None


# --- the transcriber redoes a lost decoding ------------------------------------------------------


class Scripted(FasterWhisperTranscriber):
    """The transcriber's own logic around a scripted decoding: each call returns the next result
    and is recorded as (prompt, beam size)."""

    def __init__(self, results: list[list[Word]], options: DecodeOptions | None = None) -> None:
        self.name, self.sha256, self.options = "scripted", None, options or DecodeOptions()
        self._encoded = EncoderMemo(lambda features: features)
        self.results = results
        self.calls: list[tuple[str | None, int]] = []

    def _decode(self, audio: np.ndarray, prompt: str | None, beam_size: int, progress: object) -> Decoding:
        self.calls.append((prompt, beam_size))
        words = self.results[min(len(self.calls), len(self.results)) - 1]
        return words, " ".join(x.word for x in words), "en", ()


def test_a_lost_decoding_is_redone_without_the_prompt() -> None:
    t = Scripted([EVERY_WORD[:3], EVERY_WORD])
    tr = t.transcribe(SPEECH)
    assert t.calls == [(FILLER_PROMPT, 1), (None, 1)]
    assert len(tr.words) == 12


def test_a_wider_beam_with_the_prompt_can_come_first() -> None:
    t = Scripted([EVERY_WORD[:3], EVERY_WORD], DecodeOptions(redo_beam_size=5))
    assert len(t.transcribe(SPEECH).words) == 12
    assert t.calls == [(FILLER_PROMPT, 1), (FILLER_PROMPT, 5)]  # it did: no third decoding
    t = Scripted([EVERY_WORD[:3], EVERY_WORD[:3], EVERY_WORD], DecodeOptions(redo_beam_size=5))
    assert len(t.transcribe(SPEECH).words) == 12
    assert t.calls == [(FILLER_PROMPT, 1), (FILLER_PROMPT, 5), (None, 1)]


def test_when_the_redo_fails_too_a_wider_beam_without_the_prompt_is_the_last_try() -> None:
    t = Scripted([EVERY_WORD[:3], [], EVERY_WORD])
    assert len(t.transcribe(SPEECH).words) == 12
    assert t.calls == [(FILLER_PROMPT, 1), (None, 1), (None, DecodeOptions().last_beam_size)]
    t = Scripted([EVERY_WORD[:3], []], DecodeOptions(last_beam_size=0))
    assert len(t.transcribe(SPEECH).words) == 3 and len(t.calls) == 2


def test_when_every_decoding_fails_the_one_that_says_most_is_kept() -> None:
    assert len(Scripted([EVERY_WORD[:3], []]).transcribe(SPEECH).words) == 3  # never nothing over words
    assert len(Scripted([EVERY_WORD[:2], EVERY_WORD[:5]]).transcribe(SPEECH).words) == 5


@pytest.mark.parametrize(
    "options", [DecodeOptions(initial_prompt=None), DecodeOptions(redo_failed=False)], ids=["no prompt", "no redo"]
)
def test_no_redo_without_the_prompt_or_when_turned_off(options: DecodeOptions) -> None:
    t = Scripted([EVERY_WORD[:3]], options)
    assert len(t.transcribe(SPEECH).words) == 3
    assert len(t.calls) == 1


def test_a_good_decoding_is_done_once_and_its_loop_capped() -> None:
    loop = [w("um,", 1.6 + 0.1 * k, 1.7 + 0.1 * k) for k in range(6)]
    t = Scripted([around(loop, 2.4)])
    tr = t.transcribe(one_hold())
    assert len(t.calls) == 1
    assert tr.text == "I would um, split it."
    assert [x.word for x in tr.words] == ["I", "would", "um,", "split", "it."]


def test_a_decoding_that_cycles_through_a_few_words_is_a_loop() -> None:
    looped = ["the,", "um,", "the,", "um,", "and", "the,", "um,", "the,", "the,", "um,", "and"]
    words = [w(x, 0.1 + 0.5 * k, 0.5 + 0.5 * k) for k, x in enumerate(looped)]
    why = decoding_failure(SPEECH, words)
    assert why is not None and why.startswith("a loop")
    fluent = [
        "so",
        "the",
        "um",
        "model",
        "learns",
        "the",
        "weights",
        "and",
        "then",
        "um",
        "we",
        "check",
        "the",
        "errors",
    ]
    assert decoding_failure(SPEECH, [w(x, 0.1 + 0.4 * k, 0.5 + 0.4 * k) for k, x in enumerate(fluent)]) is None


def test_a_long_held_hesitation_between_words_is_no_lost_speech() -> None:
    audio = np.concatenate(
        [SPEECH[: 3 * SAMPLE_RATE], silence(0.1), held_vowel(2.5), silence(0.1), SPEECH[3 * SAMPLE_RATE :]]
    )
    late = [x.model_copy(update={"start": x.start + 2.7, "end": x.end + 2.7}) for x in EVERY_WORD[6:]]
    assert decoding_failure(audio, EVERY_WORD[:6] + late) is None
    # the same stretch of running speech, not a hold, is words left out
    speech = np.concatenate([SPEECH[: 3 * SAMPLE_RATE], syllables(2.7, 9), SPEECH[3 * SAMPLE_RATE :]])
    assert decoding_failure(speech, EVERY_WORD[:6] + late) is not None


# --- a redo without the prompt keeps the prompt's fillers ----------------------------------------

# the prompt's decoding heard "um" in the hold (1.65 - 2.25 s) and then lost the end of the speech
PROMPTED_LOST = [w("I", 0.0, 0.6), w("would,", 0.6, 1.5), w("um,", 1.7, 2.2), w("split", 2.4, 2.9)]
# the redo wrote every word and no filler; its "would" stretches over the hold, as Whisper's do
REDONE = [w("I", 0.0, 0.6), w("would", 0.6, 2.3), w("split", 2.4, 2.9), w("it.", 2.9, 3.3)]


def test_a_filler_between_the_same_two_words_is_carried_into_the_redo() -> None:
    out = carried_fillers(PROMPTED_LOST, REDONE, one_hold())
    assert [x.word for x in out] == ["I", "would", "um,", "split", "it."]
    um = out[2]
    assert 2.3 <= um.start <= um.end <= 2.4  # in the redo's gap, not over its words


def test_a_loop_of_fillers_carries_no_more_than_the_sounds_under_it() -> None:
    loop = [w("um,", 1.6 + 0.1 * k, 1.7 + 0.1 * k) for k in range(6)]
    first = [w("I", 0.0, 0.6), w("would", 0.6, 1.5), *loop, w("split", 2.4, 2.9)]
    out = carried_fillers(first, REDONE, one_hold())
    assert [x.word for x in out] == ["I", "would", "um,", "split", "it."]
    # over two sounds with a break between them: two of the eight
    loop = [w("um,", 1.6 + 0.12 * k, 1.7 + 0.12 * k) for k in range(8)]
    first = [w("I", 0.0, 0.6), w("would", 0.6, 1.5), *loop, w("split", 2.85, 3.3)]
    redone = [w("I", 0.0, 0.6), w("would", 0.6, 2.8), w("split", 2.85, 3.3), w("it.", 3.3, 3.6)]
    assert [x.word for x in carried_fillers(first, redone, two_holds())] == ["I", "would", "um,", "um,", "split", "it."]


def test_fillers_where_the_decodings_disagree_are_not_carried() -> None:
    # "the sum, um, the sum, um": a loop in words the redo does not have; a filler opening the
    # answer next to a word the redo does not start with
    first = [w("um,", 0.0, 0.3), w("we", 0.3, 0.6), w("the", 0.6, 0.8), w("sum,", 0.8, 1.0), w("um,", 1.0, 1.2)]
    first += [w("the", 1.2, 1.4), w("sum,", 1.4, 1.6), w("um,", 1.6, 1.9), w("the", 1.9, 2.0), w("sum", 2.0, 2.2)]
    assert carried_fillers(first, REDONE, one_hold()) == REDONE
    assert carried_fillers([x for x in first if x.word != "um,"], REDONE, one_hold()) == REDONE


def test_the_transcriber_carries_the_fillers_into_a_redo_and_delivery_counts_them() -> None:
    # 3 s of speech after the hold: the prompt's decoding lost 2 s of it
    audio = np.concatenate([syllables(1.5, 1), silence(0.15), held_vowel(0.6), silence(0.15), syllables(3.0, 2)])
    redone = [*REDONE[:3], w("it", 2.9, 3.3), w("by", 3.3, 4.0), w("time.", 4.0, 5.4)]
    t = Scripted([PROMPTED_LOST, redone])
    tr = t.transcribe(audio)
    assert t.calls == [(FILLER_PROMPT, 1), (None, 1)]
    assert tr.text == "I would um, split it by time."
    d = delivery_metrics(tr.words, tr.text, (0.0, 600.0), tr.duration_s, hesitations=tr.hesitations)
    assert d.filler_count == 1
    off = Scripted([PROMPTED_LOST, redone], DecodeOptions(carry_fillers=False)).transcribe(audio)
    assert off.text == "I would split it by time."


def test_the_encoders_output_is_kept_for_a_redo_of_the_same_window_and_then_let_go() -> None:
    encoded: list[np.ndarray] = []

    def encode(features: np.ndarray) -> object:
        encoded.append(features)
        return ("output", float(features.sum()))

    memo = EncoderMemo(encode)
    window = np.arange(12, dtype=np.float32).reshape(3, 4)
    first = memo(window)
    assert memo(window.copy()) is first  # the same features: the encoder does not run again
    assert memo(window[:, :2]) != first  # another window does
    assert len(encoded) == 2
    memo.clear()
    memo(window)
    assert len(encoded) == 3
