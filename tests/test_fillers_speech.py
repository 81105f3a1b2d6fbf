"""Fillers in real transcription: synthesized answers with known fillers (Piper and espeak-ng at
several rates), a held hesitation no text shows, and real speech that the filler prompt must not
change. Every test loads the real speech model."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio_fixtures import espeak_speech, held_vowel, piper_speech, real_speech_clips, silence, wer
from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.models import Checksums
from voice_interviewer.paths import DataHome
from voice_interviewer.scoring.delivery import delivery_metrics
from voice_interviewer.stt.placement import resolve_model
from voice_interviewer.stt.transcriber import DecodeOptions, FasterWhisperTranscriber, Transcriber
from voice_interviewer.types import Delivery, Transcript

pytestmark = pytest.mark.slow

FOUR = "I would, um, split the data by time, uh, and validate on the later window. Um, that keeps, uh, the future out."
NONE = "I would split the data by time and validate on the later window. That keeps the future out of training."


def delivery(t: Transcript) -> Delivery:
    return delivery_metrics(t.words, t.text, (0.0, 600.0), t.duration_s, hesitations=t.hesitations)


@pytest.fixture(scope="module")
def plain(stt_home: DataHome) -> Transcriber:
    """The same model without the filler prompt or the acoustic step."""
    path, name, sha = resolve_model("tiny.en", stt_home, Checksums(stt_home))
    return FasterWhisperTranscriber(path, name, sha, options=DecodeOptions(initial_prompt=None, hesitations=False))


@pytest.mark.parametrize(
    "voice",
    [("piper", 1.0), ("piper", 1.5), ("espeak", 150), ("espeak", 200)],
    ids=lambda v: f"{v[0]}@{v[1]}",
)
def test_written_fillers_are_heard(transcriber: Transcriber, plain: Transcriber, voice: tuple[str, float]) -> None:
    kind, rate = voice
    audio = piper_speech(FOUR, rate) if kind == "piper" else espeak_speech(FOUR, int(rate))
    found = delivery(transcriber.transcribe(audio)).filler_count
    assert abs(found - 4) <= 1, found
    assert delivery(plain.transcribe(audio)).filler_count < found  # what the prompt and the audio add


@pytest.mark.parametrize("voice", [("piper", 1.2), ("espeak", 140)], ids=lambda v: f"{v[0]}@{v[1]}")
def test_no_filler_is_invented_on_a_fluent_answer(transcriber: Transcriber, voice: tuple[str, float]) -> None:
    kind, rate = voice
    audio = piper_speech(NONE, rate) if kind == "piper" else espeak_speech(NONE, int(rate))
    t = transcriber.transcribe(audio)
    assert delivery(t).filler_count == 0, (t.text, t.hesitations)


@pytest.fixture(scope="module")
def held_answer() -> tuple[np.ndarray, float]:
    """(audio, second the hold starts): speech, a held "uhhh" that no text shows, speech."""
    first = piper_speech("I would split the data by time")
    second = piper_speech("and validate on the later window.")
    audio = np.concatenate([first, silence(0.15), held_vowel(0.7, f0=110.0), silence(0.2), second])
    return audio, first.size / SAMPLE_RATE + 0.15


def test_a_held_hesitation_the_transcript_leaves_out_is_heard_in_the_audio(
    stt_home: DataHome, held_answer: tuple[np.ndarray, float]
) -> None:
    path, name, sha = resolve_model("tiny.en", stt_home, Checksums(stt_home))
    no_prompt = FasterWhisperTranscriber(path, name, sha, options=DecodeOptions(initial_prompt=None))
    audio, at = held_answer
    t = no_prompt.transcribe(audio)
    d = delivery(t)
    assert d.filler_count == 1, (t.text, d.filler_marks)
    (mark,) = d.filler_marks
    assert mark.source == "acoustic" and mark.start is not None and abs(mark.start - at) < 0.3, (at, mark)


def test_a_held_hesitation_is_counted_once_whichever_signal_hears_it(
    transcriber: Transcriber, held_answer: tuple[np.ndarray, float]
) -> None:
    audio, at = held_answer
    t = transcriber.transcribe(audio)
    d = delivery(t)
    assert d.filler_count == 1, (t.text, d.filler_marks)
    (mark,) = d.filler_marks
    assert mark.start is not None and at - 0.3 < mark.start < at + 0.7 + 0.3, (at, mark)  # within the hold


FOLDED = (
    "I would look, um, at the precision, uh, and recall curve, and pick the, um, threshold from the, uh, "
    "cost of each error."
)


def test_a_filler_whisper_folds_into_the_next_word_is_found_by_its_decoder(
    stt_home: DataHome, transcriber: Transcriber
) -> None:
    """espeak-ng at 210 words a minute: tiny.en writes "I would look at the precision", the "um" gone,
    but gave it a real chance before "at" (stt/unwritten.py)."""
    audio = espeak_speech(FOLDED, 210)
    t = transcriber.transcribe(audio)
    d = delivery(t)
    assert [h.word for h in t.hesitations if h.kind == "unwritten"] == ["at"], (t.text, t.hesitations)
    assert [m.source for m in d.filler_marks].count("decoder") == 1 and abs(d.filler_count - 4) <= 1
    path, name, sha = resolve_model("tiny.en", stt_home, Checksums(stt_home))
    written_only = FasterWhisperTranscriber(path, name, sha, options=DecodeOptions(unwritten_fillers=None))
    off = written_only.transcribe(audio)
    assert off.text == t.text and delivery(off).filler_count == d.filler_count - 1  # the same words, one filler less


SWALLOWED = (
    "To detect drift, um, I would compare the, um, distribution of, um, each input feature this week with, uh, "
    "the training data, and alert when, uh, the difference stays, um, above a threshold for several days."
)


def test_short_fillers_timed_into_the_word_before_are_heard_apart(transcriber: Transcriber) -> None:
    """espeak-ng's British voice at 190 words a minute: tiny.en writes one "um" of six and times "the",
    "of", "with" over the pauses and the "um" after them (stt/fillers.py, sounds apart)."""
    t = transcriber.transcribe(espeak_speech(SWALLOWED, 190, "en-gb-x-rp+m3"))
    d = delivery(t)
    written = sum(m.source == "transcript" for m in d.filler_marks)
    apart = [h.word for h in t.hesitations if h.kind == "apart"]
    assert len(apart) >= 3 and written <= 2, (t.text, t.hesitations)
    assert abs(d.filler_count - 6) <= 1


def test_the_prompt_loses_no_word_on_real_speech(transcriber: Transcriber, plain: Transcriber) -> None:
    clips = real_speech_clips()
    assert clips
    for name, audio, ref in clips:
        with_prompt, without = transcriber.transcribe(audio), plain.transcribe(audio)
        assert wer(ref, with_prompt.text) <= wer(ref, without.text), (name, with_prompt.text, without.text)
        # no filler spoken in these clips: none heard in the audio, none more written than without the prompt
        # ("Side, right." reads as a filler "right," to the word rules, with or without it)
        assert with_prompt.hesitations == (), name
        assert delivery(with_prompt).filler_count <= delivery(without).filler_count, (name, with_prompt.text)


def test_the_decoding_is_recorded(transcriber: Transcriber) -> None:
    from voice_interviewer.stt.transcriber import decoding_of

    desc = decoding_of(transcriber)
    assert desc is not None and "prompt=" in desc and "hesitations=acoustic" in desc
    assert decoding_of(object()) is None


class _CountingModel:
    """The CTranslate2 model, its encoder passes and fallback decodes counted (work, not time)."""

    def __init__(self, model: object) -> None:
        self._m = model
        self.encodes = self.fallbacks = self.decodes = 0

    def encode(self, *a: object, **kw: object) -> object:
        self.encodes += 1
        return self._m.encode(*a, **kw)  # type: ignore[attr-defined]

    def generate(self, *a: object, **kw: object) -> object:
        sampled = float(kw.get("sampling_temperature", 0.0)) > 0  # type: ignore[arg-type]
        self.fallbacks += sampled
        self.decodes += not sampled
        return self._m.generate(*a, **kw)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._m, name)


@pytest.mark.parametrize(
    "voice", [("piper", 1.0), ("piper", 1.2), ("piper", 1.5), ("espeak", 150), ("espeak", 200)], ids=str
)
def test_an_answer_with_fillers_is_read_in_one_pass(stt_home: DataHome, voice: tuple[str, float]) -> None:
    """The filler prompt must not make Whisper decode the answer's end twice (a second 30 s window
    for its last fraction of a second) nor retry at higher temperatures: that is where its time went."""
    path, name, sha = resolve_model("tiny.en", stt_home, Checksums(stt_home))
    t = FasterWhisperTranscriber(path, name, sha, options=DecodeOptions(hesitations=False))
    counting = _CountingModel(t._model.model)
    t._model.model = counting
    kind, rate = voice
    audio = piper_speech(FOUR, rate) if kind == "piper" else espeak_speech(FOUR, int(rate))
    text = t.transcribe(audio).text
    assert (counting.encodes, counting.fallbacks) == (1, 0), text


def test_fillers_are_kept_after_the_first_30_s_of_a_long_answer(transcriber: Transcriber) -> None:
    """faster-whisper gives the prompt to the first 30 s window only; a long answer (as `score`
    and `rescore` transcribe it whole) is cut into pieces that each get it, as live pieces do."""
    say = piper_speech(FOUR, 1.2)
    audio = np.concatenate([x for _ in range(6) for x in (say, silence(0.6))])
    assert audio.size / SAMPLE_RATE > 40
    t = transcriber.transcribe(audio)
    late = [m for m in delivery(t).filler_marks if m.start is not None and m.start > 30.0]
    assert len(late) >= 3, t.text


@pytest.mark.parametrize("voice", ["en+f4@225", "en-us+f3@155", "en-gb-x-rp+m3@190"])
def test_the_prompt_loses_no_speech_on_voices_whisper_hears_badly(
    transcriber: Transcriber, plain: Transcriber, voice: str
) -> None:
    """On rough, fast espeak-ng voices the prompt could make tiny.en loop ("hmm, hmm, ...",
    "um, um, um, um") or stop writing while the voice goes on; such a decoding is redone, and a
    run of fillers counts no more than the sounds under it. The words come through and the count
    stays near the truth."""
    from voice_interviewer.stt.loops import decoding_failure

    name, rate = voice.split("@")
    said = (
        "A random forest, uh, averages many deep trees, um, each trained on a sample of the rows. "
        "Um, the averaging lowers the variance, uh, without adding much bias."
    )
    audio = espeak_speech(said, int(rate), name)
    t = transcriber.transcribe(audio)
    assert decoding_failure(audio, t.words) is None, t.text
    ref = said.replace("uh, ", "").replace("um, ", "").replace("Um, t", "T")
    assert wer(ref, t.text) <= wer(ref, plain.transcribe(audio).text) + 0.15, t.text
    assert abs(delivery(t).filler_count - 4) <= 2, t.text


# an espeak-ng answer (en+f4 at 225 words a minute) on which the prompt's decoding loops ("the sum,
# the sum, the sum, ...") and is redone without the prompt; eight fillers said
LOOPING = (
    "A random forest averages many deep trees, each, um, trained on a sample, um, of the rows, um, and "
    "a subset of the, um, columns. The averaging lowers, um, the, uh, variance, um, without adding much, "
    "um, bias."
)


def _fresh(stt_home: DataHome, **options: object) -> FasterWhisperTranscriber:
    """A new model (its decoding threads draw from the seed afresh)."""
    path, name, sha = resolve_model("tiny.en", stt_home, Checksums(stt_home))
    return FasterWhisperTranscriber(path, name, sha, options=DecodeOptions(**options))  # type: ignore[arg-type]


def test_a_redone_decoding_keeps_the_fillers_the_prompt_heard(stt_home: DataHome) -> None:
    audio = espeak_speech(LOOPING, 225, "en+f4")
    on = _fresh(stt_home).transcribe(audio)
    off = _fresh(stt_home, carry_fillers=False).transcribe(audio)
    n_on, n_off = delivery(on).filler_count, delivery(off).filler_count
    assert n_off < n_on <= 8 + 1, (on.text, off.text)
    # only fillers were added: the words are the redo's
    fillers = {"um", "uh", "hmm", "er", "ah"}
    assert [w.word.strip(",.") for w in on.words if w.word.strip(",.").lower() not in fillers] == [
        w.word.strip(",.") for w in off.words
    ]


def test_the_fallback_sampling_decodes_the_same_in_every_run(stt_home: DataHome) -> None:
    """Whisper's temperature fallback samples; with the seed two new models decode alike. (An
    espeak-ng voice, en-us+f3 at 155 words a minute, on which tiny.en falls back.)"""
    said = (
        "A random forest averages many deep trees, each trained on a sample of, um, the, uh, rows and a "
        "subset, um, of the columns, uh, the averaging lowers the variance, uh, without adding much bias."
    )
    audio = espeak_speech(said, 155, "en-us+f3")
    texts, draws = [], []
    for _ in range(2):
        t = _fresh(stt_home)
        counting = _CountingModel(t._model.model)
        t._model.model = counting
        texts.append(t.transcribe(audio).text)
        draws.append(counting.fallbacks)
    assert draws[0] > 0  # it did sample
    assert texts[0] == texts[1]


def test_a_redone_decoding_reuses_the_encoders_output(stt_home: DataHome) -> None:
    """The redo reads the same audio without the prompt: only the decoder runs again."""
    audio = espeak_speech(LOOPING, 225, "en+f4")
    work = []
    for redo in (True, False):
        t = _fresh(stt_home, redo_failed=redo)
        counting = _CountingModel(t._model.model)
        t._model.model = counting
        t.transcribe(audio)
        work.append((counting.encodes, counting.decodes))
    (encodes, decodes), (encodes_once, decodes_once) = work
    assert decodes > decodes_once  # it was redone
    assert encodes == encodes_once
