"""Fillers Whisper nearly wrote (stt/unwritten.py): the decoder's filler probability at each word it
wrote, the rules that keep a filler once, where it goes between the words, and how delivery counts
it. The logic is tested on synthetic tokens and probabilities; the tap on a stand-in for the model's
``generate``; the real model in tests/test_fillers_speech.py."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from voice_interviewer.scoring.delivery import delivery_metrics
from voice_interviewer.stt.unwritten import Decoded, LogitTap, filler_probability, place, unwritten_steps
from voice_interviewer.types import Hesitation, Word

# a toy vocabulary: ids below 100 are text, 100 and up timestamps
VOCAB = {1: " I", 2: " would", 3: " split", 4: " the", 5: " data", 6: ",", 7: " um", 8: " uh", 9: ".", 10: " by"}
UM, UH = 7, 8
FILLERS = frozenset({UM, UH})
TS = 100


def text_of(t: int) -> str:
    return VOCAB.get(t, "")


def is_text(t: int) -> bool:
    return t < TS


def steps(tokens: list[int], p: list[float], threshold: float = 0.1) -> list[int]:
    return unwritten_steps(Decoded(tuple(tokens), tuple(p)), FILLERS, is_text, text_of, threshold)


# --- the probability of a filler at one step --------------------------------------------------


def test_the_filler_probability_is_the_softmax_mass_of_the_filler_tokens() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(0.0, 1.0, 50).astype(np.float32)
    logits[[3, 9]] = [4.0, 3.5]  # two filler tokens among the likely ones
    soft = np.exp(logits.astype(np.float64)) / np.exp(logits.astype(np.float64)).sum()
    assert filler_probability(logits, np.array([3, 9]), 0.1) == pytest.approx(soft[[3, 9]].sum(), rel=1e-6)


def test_a_filler_surely_below_the_threshold_is_not_worked_out() -> None:
    logits = np.zeros(1000, dtype=np.float32)
    logits[0] = 10.0  # the written word
    # the fillers' probability is at most exp(0 - 10) of the top word's: far below a tenth
    assert filler_probability(logits, np.array([5, 6]), 0.1) == 0.0


# --- which steps count ----------------------------------------------------------------------


def test_a_likely_filler_where_a_word_was_written_counts() -> None:
    #        <ts>  I    would  split the  data
    tokens = [TS, 1, 2, 3, 4, 5]
    p = [0.0, 0.0, 0.0, 0.0, 0.3, 0.01]
    assert steps(tokens, p) == [4]  # before "the"


def test_an_unlikely_filler_does_not_count() -> None:
    assert steps([TS, 1, 2, 3, 4, 5], [0.0, 0.0, 0.05, 0.09, 0.0, 0.0]) == []


def test_the_first_word_after_the_prompt_does_not_count() -> None:
    # the filler prompt just before it makes a filler likely at the start of every window
    assert steps([TS, 1, 2, 3], [0.0, 0.6, 0.0, 0.0]) == []


def test_a_filler_written_beside_it_is_the_same_sound() -> None:
    # "I would, um, split": the steps after the written "um" still favour a filler
    assert steps([TS, 1, 2, 6, UM, 6, 3, 4], [0.0, 0.0, 0.0, 0.0, 0.9, 0.0, 0.4, 0.0]) == []
    # and the step just before one written next: "I would um," ("would" had p 0.3)
    assert steps([TS, 1, 2, UM, 6, 3], [0.0, 0.0, 0.3, 0.9, 0.0, 0.0]) == []
    # far enough away it is another sound
    far = [TS, 1, UM, 6, 2, 3, 4, 5, 10]
    assert steps(far, [0.0, 0.0, 0.9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5]) == [8]


def test_punctuation_written_where_a_filler_was_likely_does_not_count() -> None:
    assert steps([TS, 1, 2, 6, 3], [0.0, 0.0, 0.0, 0.4, 0.0]) == []


# --- where a filler goes ----------------------------------------------------------------------


def decode(tokens: Any) -> str:
    return "".join(text_of(t) for t in tokens)


RAW = [(" I", 0.0, 0.2), (" would", 0.2, 0.5), (" split", 0.9, 1.3), (" the", 1.3, 2.1), (" data.", 2.1, 2.6)]
SEG = [1, 2, 3, 4, 5, 9]


def test_a_filler_goes_in_the_gap_before_the_word_written_instead() -> None:
    call = Decoded((TS, *SEG, TS + 5), (0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0))  # likely before "split"
    (h,) = place(SEG, [call], lambda d: steps(list(d.tokens), list(d.filler_p)), decode, RAW)
    assert h == Hesitation(start=0.5, end=0.9, kind="unwritten", word="split")


def test_a_filler_folded_into_a_stretched_word_sits_at_its_start() -> None:
    call = Decoded((TS, *SEG), (0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0))  # likely before "data": no gap
    (h,) = place(SEG, [call], lambda d: steps(list(d.tokens), list(d.filler_p)), decode, RAW)
    assert (h.start, h.end, h.word) == (2.1, 2.1, "data.")


def test_the_decoding_kept_is_the_last_that_holds_the_segments_tokens() -> None:
    failed = Decoded((TS, 1, 2, 2, 2, 2), (0.0, 0.0, 0.0, 0.0, 0.0, 0.9))
    kept = Decoded((TS, *SEG), (0.0, 0.0, 0.0, 0.6, 0.0, 0.0, 0.0))
    other = Decoded((TS, 1, 2, 3, 4, 5, 9, TS), (0.0,) * 8)  # the same words, no filler likely: wins if last
    found = lambda calls: place(SEG, calls, lambda d: steps(list(d.tokens), list(d.filler_p)), decode, RAW)  # noqa: E731
    assert [h.word for h in found([failed, kept])] == ["split"]
    assert found([kept, other]) == []
    assert found([failed]) == []  # kept from a sampled fallback: nothing known


# --- counted by delivery ----------------------------------------------------------------------

WORDS = [Word(word="I", start=0.0, end=0.2), Word(word="would,", start=0.2, end=0.5)]
WORDS += [Word(word="um,", start=0.6, end=0.8), Word(word="split", start=1.5, end=1.9)]
WORDS += [Word(word="it.", start=1.9, end=2.3)]
TEXT = "I would, um, split it."


def test_a_filler_nearly_written_counts_once_with_its_signal() -> None:
    near_written = Hesitation(start=0.8, end=0.9, kind="unwritten", word="split")  # the "um" already there
    unwritten = Hesitation(start=1.9, end=1.9, kind="unwritten", word="it.")
    held = Hesitation(start=1.8, end=2.0)  # the acoustic detector heard the same sound
    d = delivery_metrics(WORDS, TEXT, (0.0, 600.0), 2.5, hesitations=[near_written, held, unwritten])
    assert d.filler_count == 2
    assert sorted(m.source for m in d.filler_marks) == ["acoustic", "transcript"]
    d = delivery_metrics(WORDS, TEXT, (0.0, 600.0), 2.5, hesitations=[unwritten])
    assert [(m.source, m.start) for m in d.filler_marks] == [("transcript", 0.6), ("decoder", 1.9)]


def test_the_scorecard_says_which_signal_found_the_fillers_the_transcript_lacks() -> None:
    from voice_interviewer.cli.render import heard_only

    hes = [Hesitation(start=1.1, end=1.4), Hesitation(start=1.9, end=1.9, kind="unwritten", word="it.")]
    d = delivery_metrics(WORDS, TEXT, (0.0, 600.0), 2.5, hesitations=hes)
    assert heard_only(d) == "; 1 heard in the audio only, at 1.1 s; 1 nearly written by the speech model, at 1.9 s"


# --- the tap on the model ---------------------------------------------------------------------


class Model:
    """Stands in for CTranslate2's Whisper: returns fixed tokens, with logits when asked."""

    def __init__(self) -> None:
        self.kwargs: list[dict[str, Any]] = []
        self.is_multilingual = False

    def generate(self, features: Any, prompts: Any, **kw: Any) -> list[Any]:
        self.kwargs.append(kw)
        logits = np.zeros((3, 100), dtype=np.float32)  # two fillers in 100 equal tokens: 2%
        logits[1, UM] = 5.0  # a filler likely at the second step
        return [
            SimpleNamespace(sequences_ids=[[1, 2, 3]], logits=[list(logits)] if kw.get("return_logits_vocab") else [])
        ]


def test_the_tap_keeps_greedy_decodings_while_recording_and_passes_the_rest_through() -> None:
    m = Model()
    tap = LogitTap(m, FILLERS, 0.1)
    tap.generate(None, [[0]], beam_size=1)  # not recording
    with tap.recording() as calls:
        tap.generate(None, [[0]], beam_size=1)
        tap.generate(None, [[0]], beam_size=5)  # a beam: its steps are not the distributions of one path
        tap.generate(None, [[0]], beam_size=1, sampling_temperature=0.4)  # a sampled fallback
    assert [k.get("return_logits_vocab", False) for k in m.kwargs] == [False, True, False, False]
    (d,) = calls
    assert d.tokens == (1, 2, 3) and d.filler_p[0] < 0.1 < d.filler_p[1] and d.filler_p[2] < 0.1
    assert tap.is_multilingual is False  # everything else is the model's


def test_the_tap_records_per_thread() -> None:
    m = Model()
    tap = LogitTap(m, FILLERS, 0.1)
    seen: list[int] = []
    with tap.recording() as calls:
        t = threading.Thread(target=lambda: seen.append(len(tap.generate(None, [[0]], beam_size=1))))
        t.start()
        t.join()
    assert seen == [1] and calls == []  # the other thread's decoding is not this one's


def test_logits_on_a_gpu_are_brought_to_memory_first() -> None:
    from voice_interviewer.stt.unwritten import _host

    class OnGpu:
        device = "cuda"

        def __init__(self) -> None:
            self.moved_to: object = None

        def to_device(self, device: object) -> np.ndarray:
            self.moved_to = device
            return np.arange(3.0)

    step = OnGpu()
    assert list(_host(step)) == [0.0, 1.0, 2.0] and str(step.moved_to) == "Device.cpu"
    assert list(_host(np.ones(2))) == [1.0, 1.0]  # in memory already


def test_logits_that_cannot_be_read_leave_the_decoding_as_it_is(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(Model):
        def generate(self, features: Any, prompts: Any, **kw: Any) -> list[Any]:
            return [SimpleNamespace(sequences_ids=[[1, 2, 3]], logits=[[object()]])]  # not an array

    tap = LogitTap(Broken(), FILLERS, 0.1)
    with tap.recording() as calls:
        (r,) = tap.generate(None, [[0]], beam_size=1)
    assert r.sequences_ids == [[1, 2, 3]] and calls == []  # the words, and no filler signal
    assert "filler probabilities could not be read" in caplog.text
