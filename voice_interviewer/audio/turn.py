"""When an answer is over: the pure end-of-turn decision from speech probabilities and turn verdicts.

Silero gives a speech probability per 32 ms frame. After a short silence (``propose_s``) the
detector proposes a possible end; the caller asks the turn model (Smart Turn) whether the turn
sounds complete and hands the probability back with :meth:`TurnDetector.judge`.

- Complete: the end is likely (the caller starts preparing the follow-up) and the turn ends
  once the silence reaches ``hold_s``. The hold is longer than the gap between two fluent
  sentences, each of which can sound complete on its own; it grows, up to ``max_hold_s``, for a
  speaker who has already gone on after a complete-sounding pause of that length.
- The words so far (the transcript up to the possible end, which arrives a little later) are a
  second opinion (a complete verdict waits a little past the hold for them): a pause after a
  dangling word ("...and", "the", "um", "because") is a thinking pause; when the voice is sure,
  only a word no sentence ends on ("a", "and", "um") says so, since "...to begin with." can end
  an answer (a finished-looking sentence is weak evidence the other way: Whisper puts a full
  stop after almost any fragment).
- Otherwise (a thinking pause, "so the way I'd do it is..."): keep listening, up to
  ``end_silence_s`` of silence, the cap that ends even a turn the model keeps calling
  incomplete (a long pause). The end is treated as likely from ``prepare_s`` on.

No audio and no clocks in here: tests feed probabilities and verdicts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE

FRAME = 512  # Silero frame at 16 kHz: 32 ms
FRAME_S = FRAME / SAMPLE_RATE
POSSIBLE_END = "possible-end"  # push() result: ask the turn model, then call judge()
LIKELY_END = "likely-end"  # push() or judge() result: the answer is probably over; prepare the follow-up

# The end-of-turn reasons recorded with each turn.
COMPLETE = "complete"  # the turn model judged the turn finished after a short silence
SILENCE = "silence"  # the cap: this much silence ends the turn whatever the model says
NO_SPEECH = "no-speech"
MAX_LENGTH = "max-length"


# Words that leave a sentence hanging: people pause after them to find the next (content) word.
_DANGLING_TEXT = (
    "a an the and or but so then because since if when while whereas although though which who whom whose "
    "where of to in at by for from with into onto as than like um uh er erm hmm mm is are was were be been "
    "being am will would can could should might must shall may i we they he she my our your their its his "
    "very let's i'm i'd i'll we'd we'll we're it's that's what's there's"
)
DANGLING = frozenset(_DANGLING_TEXT.split())
# Of those, the words a sentence never ends on (articles, conjunctions, fillers, determiners, a subject
# with its verb): the others can close one ("to begin with.", "I think it will.", "so I think so.").
_NEVER_LAST_TEXT = (
    "a an the and or but because whereas although if um uh er erm hmm mm my our your their very "
    "let's i'm i'd i'll we'd we'll we're it's that's what's there's"
)
NEVER_LAST = frozenset(_NEVER_LAST_TEXT.split())
_WORD_RE = re.compile(r"[a-z']+")
_TRAILING_OFF = ("...", "…", ",", "-", "–", "—")  # a sentence left open by its punctuation


def _hangs(text: str, on: frozenset[str]) -> bool | None:
    """None for no words; else whether the last word is one of ``on`` or the text trails off."""
    t = text.strip()
    words = _WORD_RE.findall(t.lower())
    if not words:
        return None
    return words[-1] in on or t.endswith(_TRAILING_OFF)


def text_sounds_finished(text: str) -> bool | None:
    """From the words alone: True for a finished sentence, False for one left hanging, None for no words.

    A sentence is finished when it ends in a full stop, question or exclamation mark (no ellipsis) and
    its last word is not one that leaves it hanging (:data:`DANGLING`).
    """
    hangs = _hangs(text, DANGLING)
    if hangs is None:
        return None
    return not hangs and text.strip().endswith((".", "!", "?"))


def text_hangs_for_sure(text: str) -> bool:
    """The words end on one no sentence ends on (:data:`NEVER_LAST`), or trail off ("...", ",")."""
    return bool(_hangs(text, NEVER_LAST))


def words_verdict(hearings: Sequence[str]) -> tuple[bool | None, bool]:
    """(finished, hangs for sure) from the transcript up to a possible end (``hearings[0]``) and other
    hearings of its last words: the words hang when any hearing leaves them hanging. The others' last
    words count, not their punctuation (a quick decoding may leave off the final full stop)."""
    first, *others = hearings
    if any(_hangs(h, DANGLING) for h in others):
        return False, any(text_hangs_for_sure(h) for h in hearings)
    return text_sounds_finished(first), text_hangs_for_sure(first)


@dataclass(frozen=True)
class TurnOptions:
    end_silence_s: float = 2.5  # the cap: silence that ends the answer even when it sounds unfinished
    start_timeout_s: float = 12.0  # no speech at all by then: the answer is empty
    max_answer_s: float = 600.0  # hard cap (10 minutes)
    threshold: float = 0.5  # speech probability
    min_speech_s: float = 0.4  # shorter bursts (a cough) do not start the answer
    semantic: bool = True  # ask the turn model at each possible end (off: the cap alone decides)
    propose_s: float = 0.25  # silence after which the turn model is asked
    complete_threshold: float = 0.5  # turn-model probability that counts as "complete"
    hold_s: float = 0.6  # silence after a complete verdict that ends the turn (fluent sentence gaps are shorter)
    max_hold_s: float = 1.0  # the hold never grows past this
    prepare_s: float = 1.0  # silence after which the end is likely even without a complete verdict
    # With a finished-looking sentence, the voice need only be this likely complete. Not lower than
    # complete_threshold by default: Whisper ends almost any fragment it is given with a full stop, and
    # on the turn benchmark the lower bar (0.1) ended turns only inside thinking pauses (p 0.17, 0.20)
    # while every real end there had p >= 0.74. The words still veto a hanging sentence.
    text_threshold: float = 0.5
    text_wait_s: float = 0.4  # past the hold, how long a complete verdict waits for the words (their veto)
    # A verdict this sure is vetoed only by words no sentence ends on (:data:`NEVER_LAST`): a voice
    # that sure of itself may well end on "with" or "it", never on "a" or "and". It still waits for the
    # words: a fragment said with a falling voice ("...explore across a") sounds as complete as an end.
    sure_threshold: float = 0.9
    # Speech before a semantic end may end the turn. An answer's opening words ("And so, my fellow
    # Americans,") can sound complete, and the pause after them is a speaker gathering the answer: the
    # real JFK clip was cut there. Shorter answers end at the cap (end_silence_s) instead.
    min_answer_s: float = 4.0


@dataclass(frozen=True)
class Verdict:
    at_s: float  # seconds into the answer when the possible end was proposed
    probability: float  # turn model: probability that the turn is complete


@dataclass
class TurnDetector:
    """End-of-turn decision. Pure: fed frame probabilities and turn-model verdicts, no audio, no clocks."""

    o: TurnOptions = field(default_factory=TurnOptions)
    t: float = 0.0  # seconds consumed
    speech_s: float = 0.0
    started_at: float | None = None
    last_speech: float = 0.0  # end of the last voiced frame, seconds into the answer
    verdicts: list[Verdict] = field(default_factory=list)
    awaiting: bool = False  # a possible end was proposed and not judged yet
    hold_s: float = 0.0  # the current hold (set from the options)
    _run: float = 0.0  # current run of speech frames
    _proposed: bool = False  # this silence already had its possible end
    _complete: bool = False  # this silence was judged complete
    _likely: bool = False  # this silence was already reported as a likely end
    _p: float | None = None  # the turn model's verdict on this silence
    _text: bool | None = None  # the words so far: finished sentence (True), hanging (False), unknown
    _hangs: bool = False  # the words so far end on one no sentence ends on
    _text_seen: bool = False  # the words up to this silence arrived
    expects_text: bool = False  # the caller will hand in the words at each possible end

    def __post_init__(self) -> None:
        self.hold_s = self.o.hold_s

    @property
    def silence_s(self) -> float:
        return self.t - self.last_speech

    def _speech_came_back(self) -> None:
        if self._complete:  # a complete-sounding pause this long was not the end: hold longer next time
            self.hold_s = min(self.o.max_hold_s, max(self.hold_s, self.silence_s + 2 * FRAME_S))
        self._proposed = self._complete = self._likely = False
        self._p = self._text = None
        self._text_seen = self._hangs = False

    @property
    def wants_text(self) -> bool:
        """A possible end is waiting for its words."""
        return self._proposed and not self._text_seen

    @property
    def held(self) -> bool:
        """The turn sounds complete and its silence has reached the hold: it ends once the words
        are in (the caller may wait for them rather than for the next chunk)."""
        return self._complete and self.silence_s >= self.hold_s

    def ended(self) -> str | None:
        """:data:`COMPLETE` when the turn can end now (held, with its words), else None."""
        return COMPLETE if self.held and (self._text_seen or not self.expects_text) else None

    def push(self, probs: np.ndarray, frame_s: float = FRAME_S) -> str | None:
        """Feed frame probabilities: why the turn ended, :data:`POSSIBLE_END`, :data:`LIKELY_END`, or
        None while it goes on.

        After :data:`POSSIBLE_END` the caller should call :meth:`judge` (or just keep pushing: an
        unjudged possible end is treated as incomplete).
        """
        event: str | None = None
        for p in probs:
            self.t += frame_s
            if p >= self.o.threshold:
                if self.started_at is not None and self.silence_s > frame_s * 1.5:
                    self._speech_came_back()
                    event = None  # speech came back within this chunk
                self._run += frame_s
                self.speech_s += frame_s
                self.last_speech = self.t
                if self.started_at is None and self._run >= self.o.min_speech_s:
                    self.started_at = self.t - self._run
            else:
                self._run = 0.0
            if self.started_at is None:
                if self.t >= self.o.start_timeout_s:
                    return NO_SPEECH
                continue
            if self.silence_s >= self.o.end_silence_s:
                return SILENCE
            if self.t >= self.o.max_answer_s:
                return MAX_LENGTH
            if self.ended() or (self.held and self.silence_s >= self.hold_s + self.o.text_wait_s):
                return COMPLETE  # held with its words, or the words did not come in time: the voice decides
            if not self.o.semantic:
                continue
            if not self._proposed and self.silence_s >= self.o.propose_s:
                self._proposed = True
                event = POSSIBLE_END
            elif not self._likely and self.silence_s >= self.o.prepare_s:
                self._likely = True
                event = event or LIKELY_END
        if self.t >= self.o.max_answer_s:
            return MAX_LENGTH
        self.awaiting = event == POSSIBLE_END
        return event

    def judge(self, probability: float) -> str | None:
        """The turn model's verdict on the possible end: :data:`LIKELY_END` when the turn now counts as
        complete (it then ends once the silence reaches the hold), else None."""
        self.awaiting = False
        self.verdicts.append(Verdict(round(self.last_speech, 3), round(float(probability), 3)))
        self._p = float(probability)
        return self._decide()

    def judge_text(self, finished: bool | None, hangs: bool = False) -> str | None:
        """The words up to the possible end (:func:`text_sounds_finished`, :func:`text_hangs_for_sure`);
        same result as :meth:`judge`."""
        self._text = finished
        self._hangs = hangs
        self._text_seen = True
        return self._decide()

    def _decide(self) -> str | None:
        p, text = self._p, self._text
        if p is not None and p >= self.o.sure_threshold and text is False and not self._hangs:
            text = None  # a sure voice on a word that can close a sentence: the voice decides
        if p is None or text is False or self._hangs or self.speech_s < self.o.min_answer_s:
            complete = False  # a hanging sentence (or a mere opening) is a thinking pause, whatever the voice
        elif text is True:
            complete = p >= self.o.text_threshold
        else:
            complete = p >= self.o.complete_threshold
        self._complete = complete
        if complete and not self._likely:
            self._likely = True
            return LIKELY_END
        return None
