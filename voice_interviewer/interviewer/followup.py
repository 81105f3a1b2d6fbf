"""The interviewer's follow-up question: asked of a chat model, checked, with the rubric as fallback.

The chat model's reply (to the request built in prompt.py) is checked by checks.check_reply; a
reply that fails, a model that hangs beyond ``timeout_s`` or raises, and a session without a model
all fall back to the rubric's own probe for the first missed point, with the reason recorded.
Model calls run in daemon threads, so a hung provider blocks neither the session nor its exit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from voice_interviewer.interviewer.chat import describe_error
from voice_interviewer.interviewer.checks import check_reply, clean_reply
from voice_interviewer.interviewer.prompt import FollowUpContext, build_prompt, rubric_probe

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

__all__ = ["FollowUp", "FollowUpContext", "Interviewer"]


@dataclass(frozen=True)
class FollowUp:
    text: str  # what the interviewer says next
    source: Literal["llm", "rubric"]
    reason: str | None  # why the model's reply was not used (rejected, timed out, failed); None when it was
    latency_s: float  # time spent waiting for the model; 0 when none was asked


def _start(fn: Callable[[], Any]) -> Future[Any]:
    """Run fn in a daemon thread; a hung model then blocks neither the session nor the exit."""
    fut: Future[Any] = Future()

    def work() -> None:
        if not fut.set_running_or_notify_cancel():
            return
        try:
            fut.set_result(fn())
        except BaseException as e:  # noqa: BLE001 (handed to the caller through the future, like an executor does)
            fut.set_exception(e)

    threading.Thread(target=work, name="vi-follow-up", daemon=True).start()
    return fut


def _reply_text(message: Any) -> str:
    text = getattr(message, "text", None)
    if isinstance(text, str):  # langchain-core 1.x: a property (a str that is also callable, deprecated)
        return str(text)
    if callable(text):  # langchain-core < 1.0: a method
        text = text()
    return text if isinstance(text, str) else str(getattr(message, "content", message))


class Interviewer:
    """Asks the follow-up question after an answer; never waits on the model beyond ``timeout_s``."""

    def __init__(
        self,
        chat_model: BaseChatModel | None,
        name: str,
        timeout_s: float = 20.0,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.chat_model = chat_model
        self.name = name  # e.g. "smollm2-135m (llama.cpp)", recorded with the scorecard
        self.timeout_s = timeout_s
        self.notify = notify  # told once when the model fails and the rubric's probes are used instead
        self._told = False
        self._pending: Future[Any] | None = None  # the last model call, which may outlive its timeout
        self._warm: Future[Any] | None = None

    def warm_up(self, ctx: FollowUpContext) -> None:
        """Start one throw-away generation in the background (call it while the first question is
        being asked). A local model then has its weights paged in and the prompt's fixed part (system
        message and worked examples) in its cache, so the first real follow-up is as fast as later ones.
        """
        if self.chat_model is None or self._pending is not None:
            return
        model, messages = self.chat_model, build_prompt(ctx)
        self._warm = self._pending = _start(lambda: model.invoke(messages))

    def follow_up(self, ctx: FollowUpContext) -> FollowUp:
        if self.chat_model is None:
            return FollowUp(rubric_probe(ctx), "rubric", None, 0.0)
        if self._warm is not None:
            wait([self._warm], timeout=self.timeout_s)  # a warm-up still running is waited for, not skipped
            self._warm = None
        if self._pending is not None and not self._pending.done():
            # A model that timed out is still working; a second call could run two generations on one
            # llama.cpp context at once.
            return self._fallback(ctx, "the model is still busy with an earlier request that timed out", 0.0)
        model, messages = self.chat_model, build_prompt(ctx)
        start = time.perf_counter()
        fut = self._pending = _start(lambda: model.invoke(messages))
        done, _ = wait([fut], timeout=self.timeout_s)
        latency = time.perf_counter() - start
        if not done:
            return self._unavailable(ctx, f"the model timed out after {self.timeout_s:g} s", latency)
        try:
            reply = _reply_text(fut.result())
        except Exception as e:  # noqa: BLE001 (providers raise their own types: network, auth, rate limits)
            return self._unavailable(ctx, f"the model failed ({describe_error(e)})", latency)
        reason = check_reply(reply, ctx)
        if reason:
            return self._fallback(ctx, f"rejected the model's reply: {reason}", latency)
        return FollowUp(clean_reply(reply), "llm", None, latency)

    def _unavailable(self, ctx: FollowUpContext, reason: str, latency: float) -> FollowUp:
        """The model did not answer (an error or a timeout, not a rejected reply): say so once a session."""
        if self.notify is not None and not self._told:
            self._told = True
            self.notify(
                f"The interviewer's model ({self.name}) did not answer: {reason}. "
                "Follow-ups come from the rubric's own probes while it does not; the session goes on."
            )
        return self._fallback(ctx, reason, latency)

    @staticmethod
    def _fallback(ctx: FollowUpContext, reason: str, latency: float) -> FollowUp:
        return FollowUp(rubric_probe(ctx), "rubric", reason, latency)
