"""Data that crosses a boundary: transcripts, scorecards. Frozen pydantic models, JSON-ready."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Word(Frozen):
    word: str  # as Whisper wrote it, leading space stripped
    start: float  # seconds from the start of the answer
    end: float
    probability: float = 1.0  # Whisper's word probability; 1.0 for typed answers

    @property
    def attached(self) -> bool:
        """Whether it is written against the word before it: Whisper times "p-value" as "p" and
        "-value", "5%" as "5" and "%", "don't" as "don" and "'t"."""
        return self.word[:1] in _ATTACHED


_ATTACHED = frozenset("-%'’.,;:!?)")


def words_text(words: Sequence[Word]) -> str:
    """The words as one line of text, with a space only where Whisper's tokens had one."""
    return "".join(("" if i == 0 or w.attached else " ") + w.word for i, w in enumerate(words))


def clip(text: str, n: int) -> str:
    """``text`` on one line in at most ``n`` characters: cut at a word, the ellipsis included."""
    text = " ".join(text.split())
    if len(text) <= n:
        return text
    cut = text[: n - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "\u2026"


class Hesitation(Frozen):
    """A hesitation sound heard in the audio (held, voiced, steady), whatever the transcript says."""

    start: float
    end: float
    # "gap": between words; "long vowel": a drawn-out function word; "apart": a sound set apart by pauses
    # inside a word's timed span (stt/fillers.py); "unwritten": a filler Whisper's decoder nearly wrote
    # before ``word`` (stt/unwritten.py)
    kind: str = "gap"
    # the drawn-out word, for "long vowel"; the word timed over the sound, for "apart"; the word written
    # instead, for "unwritten"
    word: str = ""


class Transcript(Frozen):
    text: str
    words: tuple[Word, ...] = ()
    duration_s: float = 0.0  # length of the audio (or of the spoken words for typed answers)
    language: str = "en"
    no_speech: bool = False  # True when the audio held no speech at all
    source: str = "audio"  # "audio" or "text"
    hesitations: tuple[Hesitation, ...] = ()  # found in the audio (stt/fillers.py); () for typed answers


class PauseSpan(Frozen):
    start: float
    end: float
    after_word: str  # the word spoken before the pause

    @property
    def seconds(self) -> float:
        return round(self.end - self.start, 2)


class FillerMark(Frozen):
    """One filler and the signal that heard it: "transcript" (a written word), "acoustic" (a held sound)
    or "decoder" (a filler Whisper nearly wrote)."""

    kind: str  # "um", "like", "you know"... or "hesitation" for a sound only the audio showed
    start: float | None = None  # seconds into the answer, when timings exist
    end: float | None = None
    source: str = "transcript"  # "transcript", "acoustic" or "decoder"


class Delivery(Frozen):
    words: int
    speaking_s: float  # from the first word's start to the last word's end
    words_per_minute: float
    pace: str  # "slow", "good", "fast", or "n/a" for typed answers
    fillers: dict[str, int]
    filler_count: int
    fillers_per_minute: float
    fluency: str  # "fluent", "some fillers", "hesitant"
    long_pauses: tuple[PauseSpan, ...]
    hedges: dict[str, int]
    hedge_count: int
    length_s: float
    target_min_s: float
    target_max_s: float
    length_verdict: str  # "too short", "on target", "too long"
    notes: tuple[str, ...] = ()  # one line each, what a coach would say
    filler_marks: tuple[FillerMark, ...] = ()  # each filler with its time and the signal that heard it


class Evidence(Frozen):
    sentence: str  # the transcript sentence that carried the point
    matched: tuple[str, ...]  # the words in it that matched
    how: str  # "phrase" (a listed phrasing) or "meaning" (semantic match plus a key term)
    similarity: float = 0.0
    start: float | None = None  # seconds into the answer, when word timings exist
    heard: tuple[tuple[str, str], ...] = ()  # (heard, term): a speech-model slip taken for the question's term


class PointResult(Frozen):
    id: str
    text: str
    credit: float  # 1 covered, 0.5 only named (no explanation), 0 missed
    evidence: tuple[Evidence, ...] = ()
    follow_up: str = ""

    @property
    def covered(self) -> bool:
        return self.credit > 0


class RedFlagHit(Frozen):
    id: str
    text: str
    sentence: str
    penalty: float


class CriterionResult(Frozen):
    id: str
    name: str
    weight: float
    coverage: float  # 0..1 weighted credit of its key points
    level: int  # 1..4
    level_text: str
    covered: tuple[PointResult, ...]
    missed: tuple[PointResult, ...]


class Content(Frozen):
    score: float  # 0..100, comparable across questions
    level: int  # 1 poor, 2 mixed, 3 good, 4 excellent
    level_name: str
    recommendation: str  # "strong no hire" .. "strong hire"
    criteria: tuple[CriterionResult, ...]
    red_flags: tuple[RedFlagHit, ...] = ()
    notes: tuple[str, ...] = ()


class StoryPart(Frozen):
    part: str  # situation, task, action, result, learning
    sentences: tuple[str, ...]


class Behavioral(Frozen):
    parts: tuple[StoryPart, ...]
    missing_parts: tuple[str, ...]
    failure_owned: bool
    failure_note: str
    i_count: int
    we_count: int
    ownership: str  # "owns it", "mixed", "hides behind we"
    result_numbers: tuple[str, ...]
    learning: tuple[str, ...]
    blame: tuple[str, ...]  # sentences that put the fault on others
    specificity: float  # 0..1
    culture_signals: tuple[str, ...] = ()  # themes the story shows
    culture_notes: tuple[str, ...] = ()  # what the knowledge notes say the question probes (retrieved)
    score_adjustment: float = 0.0


class QuestionRef(Frozen):
    id: str
    round: str
    track: str
    prompt: str
    matched_from: str | None = None  # the free text the user gave, when found by retrieval
    match_similarity: float | None = None


class ModelsUsed(Frozen):
    stt: str | None = None
    stt_sha256: str | None = None
    embeddings: str | None = None
    rubric_version: str = ""
    rubric_sha256: str = ""
    scorer_version: str = ""
    llm: str | None = None
    stt_decoding: str | None = None  # decoding choices that change the transcript, e.g. the filler prompt


class Scorecard(Frozen):
    schema_version: int = 1
    question: QuestionRef
    transcript: Transcript
    delivery: Delivery
    content: Content
    behavioral: Behavioral | None = None
    models: ModelsUsed = Field(default_factory=ModelsUsed)
    work_on: tuple[str, ...] = ()  # the two things to practise next
