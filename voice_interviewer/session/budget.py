"""How long the candidate waits for the interviewer: the deadline for the model's follow-up, and the
session's model call times that say whether waiting for it is worth it."""

from __future__ import annotations

import threading

from voice_interviewer.audio.turn import COMPLETE, MAX_LENGTH, SILENCE

BUDGET_S = 0.8  # after the end of the turn, the longest wait for the model's question
# After the candidate's last word, the longest silence spent waiting for the model: what the candidate
# hears is the whole gap, so a turn that took long to end leaves less of the budget (a person answers
# within about a second; past one and a half the pause reads as a stall).
SILENCE_S = 1.4
LISTENER_ENDS = (COMPLETE, SILENCE, MAX_LENGTH)  # the turn ends the listener decides
RECENT_CALLS = 5  # the model calls an estimate of the next one's time is taken from


def follow_up_deadline(
    end_decided_at: float, speech_ended_at: float | None, ended_by: str, budget_s: float = BUDGET_S
) -> float:
    """Until when (time.monotonic()) the model's line is waited for: ``budget_s`` after the end of the
    turn and, when the listener ended the turn (the candidate's silence did), no later than
    :data:`SILENCE_S` after the last voiced frame (but never before the end). A turn the candidate
    ended (Enter, "done") gets the whole budget: the silence they hear starts there."""
    deadline = end_decided_at + budget_s
    if speech_ended_at is not None and ended_by in LISTENER_ENDS:
        deadline = min(deadline, max(end_decided_at, speech_ended_at + SILENCE_S))
    return deadline


class CallTimes:
    """How long the model's recent calls took, kept across the turns of a session (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recent: list[float] = []

    def add(self, seconds: float) -> None:
        with self._lock:
            self._recent = [*self._recent[-(RECENT_CALLS - 1) :], seconds]

    def fastest(self) -> float | None:
        with self._lock:
            return min(self._recent) if self._recent else None
