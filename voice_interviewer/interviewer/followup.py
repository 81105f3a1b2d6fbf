r"""The interviewer's follow-up question: asked of a chat model, checked, with the rubric as fallback.

The chat model's reply (to the request built in prompt.py) is checked by checks.check_reply; a
reply that fails, a model that hangs beyond ``timeout_s`` or raises, and a session without a model
all fall back to the rubric's own probe for the first missed point, with the reason recorded.
Model calls run in daemon threads, so a hung provider blocks neither the session nor its exit,
and one at a time, since a local llama.cpp model has one context.

:meth:`Interviewer.prepare` starts a follow-up in the background and returns a handle: the session
asks for its :meth:`~PendingFollowUp.result` within a budget (the rubric's probe when the model is
not ready) or :meth:`~PendingFollowUp.cancel`\ s it when the candidate goes on talking. A newer
request supersedes older ones that have not started yet.
"""

from __future__ import annotations

import os
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

__all__ = ["FollowUp", "FollowUpContext", "Interviewer", "PendingFollowUp"]


GENERATION_THREAD = "vi-follow-up"  # the thread of each generation (callers wait for it before exiting)
# How much nicer than the rest of the program a generation runs. Follow-ups are mostly prepared while
# the candidate talks, when the transcription of the answer's last words is what the end of the turn
# waits for; on a machine with few cores a local model's threads and the speech model's would share
# them evenly. Threads started by the generation's thread (llama.cpp's workers) inherit it.
GENERATION_NICENESS = 10


def _yield_to_speech() -> None:
    """Lower the CPU priority of the calling thread (Linux: per thread), when the system allows it."""
    try:
        me = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, me, min(19, os.getpriority(os.PRIO_PROCESS, me) + GENERATION_NICENESS))
    except (AttributeError, OSError):  # no per-thread priorities here: the model runs at the usual one
        pass


@dataclass(frozen=True)
class FollowUp:
    text: str  # what the interviewer says next
    source: Literal["llm", "rubric"]
    reason: str | None  # why the model's reply was not used (rejected, timed out, failed); None when it was
    latency_s: float  # time spent waiting for the model; 0 when none was asked


def _reply_text(message: Any) -> str:
    text = getattr(message, "text", None)
    if isinstance(text, str):  # langchain-core 1.x: a property (a str that is also callable, deprecated)
        return str(text)
    if callable(text):  # langchain-core < 1.0: a method
        text = text()
    return text if isinstance(text, str) else str(getattr(message, "content", message))


def fallback(ctx: FollowUpContext, reason: str | None, latency_s: float = 0.0) -> FollowUp:
    """The rubric's probe for the most important missed point not yet asked (instant, no model)."""
    return FollowUp(rubric_probe(ctx), "rubric", reason, latency_s)


def judge(ctx: FollowUpContext, reply: str, latency_s: float) -> FollowUp:
    """The model's reply as the follow-up when it passes the checks, else the rubric's probe with why."""
    reason = check_reply(reply, ctx)
    if reason:
        return fallback(ctx, f"rejected the model's reply: {reason}", latency_s)
    return FollowUp(clean_reply(reply), "llm", None, latency_s)


class PendingFollowUp:
    """A follow-up being prepared in the background: wait for it within a budget, or drop it."""

    def __init__(
        self,
        ctx: FollowUpContext,
        future: Future[Any] | None,
        reason: str | None = None,
        on_result: Callable[[FollowUp], None] | None = None,
    ) -> None:
        self.ctx = ctx
        self.probe = rubric_probe(ctx)  # what is said when the model's question is not ready or not usable
        self._future = future
        self._reason = reason  # why no model was asked (None: there is no model)
        self._on_result = on_result
        self._started = time.perf_counter()
        self._result: FollowUp | None = None

    def done(self) -> bool:
        """True when :meth:`result` would not wait."""
        return self._future is None or self._future.done()

    def cancel(self) -> None:
        """Drop this follow-up: not started yet, it never runs; already running, its reply is ignored."""
        if self._future is not None:
            self._future.cancel()

    @property
    def cancelled(self) -> bool:
        return self._future is not None and self._future.cancelled()

    def result(self, timeout_s: float) -> FollowUp:
        """The model's checked question if it is ready within ``timeout_s``, else the rubric's probe."""
        out = self._result or self._wait(timeout_s)
        if self._on_result is not None:
            self._on_result(out)
        return out

    def _wait(self, timeout_s: float) -> FollowUp:
        if self._future is None:
            return fallback(self.ctx, self._reason)
        if self._future.cancelled():
            return fallback(self.ctx, "the request was cancelled before the model answered")
        done, _ = wait([self._future], timeout=max(0.0, timeout_s))
        latency = time.perf_counter() - self._started
        if not done:
            return fallback(self.ctx, f"the model timed out after {timeout_s:g} s", latency)
        try:
            reply = _reply_text(self._future.result())
        except Exception as e:  # noqa: BLE001 (providers raise their own types: network, auth, rate limits)
            self._result = fallback(self.ctx, f"the model failed ({describe_error(e)})", latency)
        else:
            self._result = judge(self.ctx, reply, latency)
        return self._result


class Interviewer:
    """Asks the follow-up question after an answer; never waits on the model beyond its budget."""

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
        self._model_lock = threading.Lock()  # one generation at a time on the model
        self._queued: list[Future[Any]] = []  # requests waiting for the model (a newer one supersedes them)
        self._pending: Future[Any] | None = None  # the last follow_up's model call, which may outlive its timeout
        self._warm: Future[Any] | None = None

    def _submit(self, ctx: FollowUpContext) -> Future[Any]:
        """Ask the model in a daemon thread that waits its turn; superseded requests never start."""
        assert self.chat_model is not None
        model, messages = self.chat_model, build_prompt(ctx)
        for old in self._queued:
            old.cancel()  # only succeeds for requests still waiting for the model
        fut: Future[Any] = Future()
        self._queued = [fut]

        def work() -> None:
            with self._model_lock:
                if not fut.set_running_or_notify_cancel():
                    return
                _yield_to_speech()
                try:
                    fut.set_result(model.invoke(messages))
                except BaseException as e:  # noqa: BLE001 (handed to the caller through the future)
                    fut.set_exception(e)

        threading.Thread(target=work, name=GENERATION_THREAD, daemon=True).start()
        return fut

    def warm_up(self, ctx: FollowUpContext) -> None:
        """Start one throw-away generation in the background (call it while the first question is
        being asked). A local model then has its weights paged in and the prompt's fixed part (system
        message and worked examples) in its cache, so the first real follow-up is as fast as later ones.
        """
        if self.chat_model is None or self._pending is not None or self._warm is not None:
            return
        self._warm = self._submit(ctx)
        self._queued = []  # a warm-up is never superseded: its job is to fill the cache

    def prepare(self, ctx: FollowUpContext, on_result: Callable[[FollowUp], None] | None = None) -> PendingFollowUp:
        """Start preparing the follow-up for ``ctx`` in the background (e.g. at a possible end of turn).

        ``on_result`` sees every follow-up the handle hands out (the session uses it to tell the
        user once that the model is not answering).
        """

        def seen(f: FollowUp) -> None:
            if f.reason and f.reason.startswith("the model failed"):
                self._unavailable(f.reason)
            if on_result is not None:
                on_result(f)

        if self.chat_model is None:
            return PendingFollowUp(ctx, None, on_result=on_result)
        return PendingFollowUp(ctx, self._submit(ctx), on_result=seen)

    def _unavailable(self, reason: str) -> None:
        """The model did not answer (an error, or no reply within ``timeout_s``): say so once a session.
        A prepared follow-up whose budget ran out is not this: the budget is the session's choice."""
        if self.notify is not None and not self._told:
            self._told = True
            self.notify(
                f"The interviewer's model ({self.name}) did not answer: {reason}. "
                "Follow-ups come from the rubric's own probes while it does not; the session goes on."
            )

    def follow_up(self, ctx: FollowUpContext, on_result: Callable[[FollowUp], None] | None = None) -> FollowUp:
        """The follow-up for ``ctx`` now: waits up to ``timeout_s`` for the model (after a warm-up)."""
        if self.chat_model is None:
            return self.prepare(ctx, on_result).result(0.0)
        if self._warm is not None:
            wait([self._warm], timeout=self.timeout_s)  # a warm-up still running is waited for, not skipped
            self._warm = None
        if self._pending is not None and not self._pending.done():
            # A model that timed out is still working: a new request would only queue behind it.
            return PendingFollowUp(
                ctx, None, "the model is still busy with an earlier request that timed out", on_result
            ).result(0.0)
        pending = self.prepare(ctx, on_result)
        self._pending = pending._future
        out = pending.result(self.timeout_s)
        if out.reason and out.reason.startswith("the model timed out"):
            self._unavailable(out.reason)
        return out
