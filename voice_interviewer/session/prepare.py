"""The follow-up, prepared while the candidate talks.

At each likely end of the turn (a pause that sounds complete, or a long one) the transcript so far
is final up to that point, so scoring, the rubric's probe, retrieval and the interviewer's model
can start at once, in the background. Two worker threads: one transcribes, scores and renders the
probe; the other asks the model (one llama.cpp model, one generation at a time). On both, the
newest job replaces one still waiting (it is *superseded* and never runs).

Speech that comes back makes a job *stale*: the candidate went on, so its line is not used as it
stands. But an interviewer forms the next question while listening, and keeps it when what follows
does not change it: a stale job's line is kept as a candidate, and at the end of the turn it is
used when the final answer's most important gap (the missed point the model is told to probe,
:func:`gap_for`) is the one the line was written for. A job with the same gap as an earlier
job's line does not ask the model again.

When the turn ends, the job prepared for the same words is used; the model's line is waited for
only until the deadline (:func:`~voice_interviewer.session.budget.follow_up_deadline`), after which
the rubric's probe is said: the wait never depends on the machine's or the provider's speed. Nor is
it waited for in vain: when even this session's fastest model call could not finish it by then, the
probe is said at once.
"""

from __future__ import annotations

import queue
import tempfile
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from pathlib import Path

from voice_interviewer.interviewer.followup import FollowUp
from voice_interviewer.interviewer.probes import first_probe
from voice_interviewer.session.budget import CallTimes
from voice_interviewer.track.rubric import Question
from voice_interviewer.types import Scorecard, Transcript

ScoreFn = Callable[[Transcript], Scorecard]
LineFn = Callable[[Scorecard], FollowUp]  # the follow-up: text, source "llm"/"rubric", reason
ProbeFn = Callable[[Scorecard], str]  # the rubric's probe for the answer's first missed point
RenderFn = Callable[[str, Path], Path]  # text-to-speech into a WAV file
GapsFn = Callable[[Scorecard], Hashable]  # what a follow-up is written for: the gap it probes (gap_for)


@dataclass(frozen=True)
class Line:
    text: str
    source: str  # "llm" or "rubric"
    reason: str | None  # why the model's line was not used
    audio: Path | None = None  # already rendered speech, when a renderer was given
    earlier: bool = False  # written at an earlier pause, for the same gaps as the final answer
    prepared: bool = field(default=False, compare=False)  # ready before the end of the turn
    chosen_at: float = field(default_factory=time.monotonic, compare=False)  # time.monotonic() when chosen


class Job:
    """One preparation for the answer up to a possible end. Stages run on the preparer's worker."""

    def __init__(self, transcript: Callable[[], Transcript | None], started_at: float, before_end: bool = True) -> None:
        self._transcript_fn = transcript
        self.started_at = started_at  # time.monotonic()
        self.before_end = before_end  # started at a pause while the candidate could still go on
        self.stale = False  # the candidate went on: the line is only a candidate for the same gaps
        self.superseded = False  # a newer job replaced this one before it ran: nothing of it runs
        self.decided = False  # the line was chosen without waiting for the rest of this job
        self.transcript: Transcript | None = None
        self.card: Scorecard | None = None
        self.probe: Line | None = None
        self.line: Line | None = None
        self.gaps: Hashable | None = None  # set with the scorecard when a gaps function was given
        self.error: BaseException | None = None
        self.asked_at: float | None = None  # time.monotonic() when the model started on this job
        self.timings: dict[str, float] = {}
        self.have_transcript = threading.Event()
        self.scored = threading.Event()
        self.probed = threading.Event()
        self.finished = threading.Event()

    def wait_transcript(self, timeout: float | None = None) -> Transcript | None:
        self.have_transcript.wait(timeout)
        return self.transcript


class Preparer:
    """Runs :class:`Job` stages in the background: transcript, score, probe, model line, speech."""

    def __init__(
        self,
        score: ScoreFn,
        probe: ProbeFn | None = None,
        line: LineFn | None = None,
        render: RenderFn | None = None,
        folder: Path | None = None,
        gaps: GapsFn | None = None,
        fallback: str | None = None,
        times: CallTimes | None = None,
    ) -> None:
        """``fallback``: the line said when the answer is not even scored by the budget (the rubric's
        first probe); its speech is rendered ahead, while the question is being asked. ``times``: the
        session's model call times (shared by its turns' preparers)."""
        self._score = score
        self._probe = probe
        self._line = line
        self._render = render
        self._gaps = gaps  # without it, a line is only used for the words it was written for
        self._folder = Path(folder or tempfile.mkdtemp(prefix="vi-prepared-"))
        self._q: queue.Queue[Job | None] = queue.Queue()
        self._model_q: queue.Queue[Job | None] = queue.Queue()
        self.current: Job | None = None
        self.started = 0  # jobs started (one per likely end)
        self.model_calls = 0  # lines asked of the model (a job with an earlier line's gaps asks none)
        self._n = 0
        self._lock = threading.Lock()
        self._rendered: dict[str, Path] = {}  # text -> speech already rendered for it
        self._written: list[Job] = []  # jobs with a model line, oldest first (candidates for the same gaps)
        self._asking: Job | None = None  # the job the model is writing a line for
        self.times = times or CallTimes()
        threading.Thread(target=self._run, name="prepare-follow-up", daemon=True).start()
        threading.Thread(target=self._run_model, name="prepare-model", daemon=True).start()
        if fallback is not None and render is not None:
            threading.Thread(target=self._speech, args=(fallback,), name="prepare-fallback", daemon=True).start()

    # --- told by the listener -----------------------------------------------------------------

    def start(self, transcript: Callable[[], Transcript | None], before_end: bool = True, decided: bool = False) -> Job:
        """Prepare for the answer whose transcript ``transcript()`` returns (it may block).

        ``decided``: the follow-up is already chosen; only the scorecard is wanted.
        """
        self.discard()
        job = Job(transcript, time.monotonic(), before_end)
        job.decided = decided
        self.current = job
        self.started += 1
        _replace(self._q, job)
        return job

    def discard(self) -> None:
        """The candidate went on: what is being prepared is stale (its line stays a candidate)."""
        if self.current is not None:
            self.current.stale = True
            self.current = None

    def close(self) -> None:
        self.discard()
        self._q.put(None)
        self._model_q.put(None)

    # --- the worker ---------------------------------------------------------------------------

    def _run(self) -> None:
        while (job := self._q.get()) is not None:
            try:
                if self._do(job):
                    _replace(self._model_q, job)
                    continue
            except BaseException as e:  # noqa: BLE001 (handed to the caller through the job)
                job.error = e
            _finish(job)

    def _run_model(self) -> None:
        while (job := self._model_q.get()) is not None:
            try:
                if not job.superseded and not job.decided:
                    self._ask_model(job)
            except BaseException as e:  # noqa: BLE001 (handed to the caller through the job)
                job.error = e
            finally:
                self._asking = None
            _finish(job)

    def _speech(self, text: str) -> Path | None:
        if self._render is None:
            return None
        with self._lock:
            if text in self._rendered:
                return self._rendered[text]
            self._n += 1
            path = self._folder / f"prepared-{self._n:03d}.wav"
        out = self._render(text, path)
        with self._lock:
            self._rendered[text] = out
        return out

    def rendered(self, text: str) -> Path | None:
        """Speech already rendered for ``text``, if any (never renders)."""
        with self._lock:
            return self._rendered.get(text)

    def _earlier_line(self, gaps: Hashable | None) -> Line | None:
        """The newest model line written for the same gaps, if any."""
        if gaps is None:
            return None
        with self._lock:
            for old in reversed(self._written):
                if old.gaps == gaps and old.line is not None and old.line.source == "llm":
                    return replace(old.line, earlier=True)
        return None

    def _do(self, job: Job) -> bool:
        """Transcript, scorecard, probe; True when the model should be asked next."""
        t = time.monotonic()
        job.transcript = job._transcript_fn()
        job.have_transcript.set()
        job.timings["transcript_s"] = round(time.monotonic() - t, 3)
        if job.superseded or job.transcript is None or job.transcript.no_speech:
            return False
        t = time.monotonic()
        job.card = self._score(job.transcript)
        job.gaps = self._gaps(job.card) if self._gaps is not None else None
        job.scored.set()
        job.timings["scoring_s"] = round(time.monotonic() - t, 3)
        if job.superseded or job.decided or self._probe is None:
            return False
        text = self._probe(job.card)
        job.probe = Line(text, "rubric", None, self._speech(text))
        job.probed.set()
        if self._line is None or job.superseded or job.decided:
            return False
        earlier = self._earlier_line(job.gaps)
        if earlier is not None:  # the gaps have not changed since that line was written
            job.line = earlier
            return False
        return True

    def _ask_model(self, job: Job) -> None:
        assert self._line is not None and job.card is not None and job.probe is not None
        earlier = self._earlier_line(job.gaps)
        if earlier is not None:  # written while this job waited its turn
            job.line = earlier
            return
        job.asked_at = t = time.monotonic()
        self._asking = job
        self.model_calls += 1
        f = self._line(job.card)
        text, source, reason = f.text, f.source, f.reason
        took = time.monotonic() - t
        job.timings["follow_up_s"] = round(took, 3)
        self.times.add(took)
        if job.decided:
            return
        if source == "rubric" and job.probe.text == text:
            job.line = Line(text, source, reason, job.probe.audio)
        else:
            job.line = Line(text, source, reason, self._speech(text))
        with self._lock:
            self._written.append(job)

    # --- after the end of the turn ------------------------------------------------------------

    def settled(self) -> Job | None:
        """The job prepared at the last pause when no speech came after it (it heard every word)."""
        job = self.current
        return job if job is not None and not job.stale else None

    def job_for(self, transcript: Transcript, wait_s: float = 2.0, decided: bool = False) -> tuple[Job, bool]:
        """(the job for the final transcript, whether it was prepared before the end).

        The current job is used when it heard the same words; otherwise a new one starts now
        (``decided``: for the scorecard only, the follow-up being chosen already).
        """
        job = self.current
        if job is not None and not job.stale:
            heard = job.wait_transcript(wait_s)
            if heard is not None and heard.text == transcript.text:
                return job, job.before_end
        return self.start(lambda: transcript, before_end=False, decided=decided), False

    def ready_by(self, job: Job) -> float:
        """The earliest time.monotonic() the model's line for ``job`` could be ready, from this
        session's fastest recent call (-inf before any call finished: no estimate yet)."""
        fastest = self.times.fastest()
        if fastest is None:
            return float("-inf")
        asking = self._asking
        if asking is job and job.asked_at is not None:
            return job.asked_at + fastest
        now = time.monotonic()  # waiting its turn: behind the call under way, if any
        ahead = max(now, asking.asked_at + fastest) if asking is not None and asking.asked_at is not None else now
        return ahead + fastest

    @staticmethod
    def card(job: Job) -> Scorecard | None:
        job.scored.wait()
        if job.error:
            raise job.error
        return job.card

    def _wait_for_line(self, job: Job, deadline: float) -> Line | None:
        """Until ``deadline``: this job's line, or a line written (or being written) for its gaps."""
        remaining = lambda: None if deadline == float("inf") else max(0.0, deadline - time.monotonic())  # noqa: E731
        job.scored.wait(remaining())
        while True:
            if job.line is not None:
                return job.line
            if job.error or job.finished.is_set():
                return None
            if job.scored.is_set() and (earlier := self._earlier_line(job.gaps)) is not None:
                job.decided = True  # the final answer's gaps are those the earlier line was written for
                return earlier
            asking = self._asking
            if asking is not None and asking is not job and job.gaps is not None and asking.gaps == job.gaps:
                waited_on = asking  # an earlier job is writing a line for the same gaps: wait for either
            else:
                waited_on = job
            left = remaining()
            if left is not None and left <= 0:
                return None
            if deadline != float("inf") and job.scored.is_set() and self.ready_by(waited_on) > deadline:
                return None  # not even this session's fastest model call would finish it in time
            waited_on.finished.wait(0.02 if left is None else min(0.02, left))

    def line(self, job: Job, deadline: float, unscored: Callable[[], str] | None = None) -> Line:
        """The model's line when it is ready by ``deadline`` (time.monotonic()), else the rubric's probe
        for the answer's first missed point; when even the answer's scoring is not done by then (a busy
        machine), ``unscored()`` gives the line: the wait never passes the deadline."""
        got = self._wait_for_line(job, deadline)
        if job.error:
            raise job.error
        if got is not None:
            return replace(got, prepared=job.before_end or got.earlier, chosen_at=time.monotonic())
        if unscored is not None and not job.probed.is_set():
            job.decided = True  # scoring goes on (the scorecard needs it); no probe or model line
            text = unscored()
            why = "the answer was not scored within the budget after the end of the turn"
            return Line(text, "rubric", why, self.rendered(text))
        job.probed.wait()
        if job.error:
            raise job.error
        if job.probe is None:
            raise RuntimeError("the follow-up preparation produced no line")
        job.decided = True  # the model's line, when it comes, is not rendered or used
        late = "the model's question was not ready within the budget after the end of the turn"
        return Line(job.probe.text, "rubric", late, job.probe.audio, prepared=job.before_end)


def line_by(
    prep: Preparer,
    transcript_by: Callable[[float], Transcript | None],
    deadline: float,
    question: Question,
    asked: tuple[str, ...],
) -> Line | None:
    """The follow-up to a live answer, chosen by ``deadline`` whether or not the transcript is final.

    When the turn ended at a settled pause, the job prepared there heard every word; otherwise the
    final transcript (``transcript_by(deadline)``: None when not ready by then) is waited for until
    the deadline. None: the answer had no words after all.
    """
    job = prep.settled()
    if job is None:
        transcript = transcript_by(deadline)
        if transcript is None:
            why = "the answer was not transcribed within the budget after the end of the turn"
            text = first_probe(question, asked)
            return Line(text, "rubric", why, prep.rendered(text))
        if transcript.no_speech:
            return None
        job, _ = prep.job_for(transcript)
    return prep.line(job, deadline, unscored=lambda: first_probe(question, asked))


def _replace(q: queue.Queue[Job | None], job: Job) -> None:
    """Put ``job`` on ``q``; jobs still waiting there are superseded."""
    while True:
        try:
            old = q.get_nowait()
        except queue.Empty:
            break
        if old is not None:
            old.superseded = True
            _finish(old)
    q.put(job)


def _finish(job: Job) -> None:
    for ev in (job.have_transcript, job.scored, job.probed, job.finished):
        ev.set()
