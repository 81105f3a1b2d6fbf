"""Which package serves a ``--llm provider:model``, and how to install it where this tool runs.

LangChain's ``init_chat_model`` knows the providers; three have an extra of their own here
(``voice-interviewer[ollama]``, ``[openai]``, ``[anthropic]``). API keys are never handled here: each
provider reads its own variable (``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``; ``OPENAI_BASE_URL`` points
the OpenAI provider at any compatible server, e.g. llama.cpp's on 127.0.0.1).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from typing import Any

EXTRAS = ("ollama", "openai", "anthropic")  # pyproject.toml's [project.optional-dependencies]


def _builtin() -> dict[str, tuple[str, ...]]:
    from langchain.chat_models import base

    known: dict[str, tuple[str, ...]] = getattr(base, "_BUILTIN_PROVIDERS", {})
    return known


FOLLOW_UP_MAX_TOKENS = 64  # a follow-up is one short question; the same cap as the local model's

# The keyword each provider's chat model takes for the reply's length. Without one, a small or slow
# model can generate until its context is full and every follow-up times out.
_LENGTH_KEYWORD = {"openai": "max_tokens", "anthropic": "max_tokens", "ollama": "num_predict"}


def generation_limits(provider: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for init_chat_model that cap the reply's length, where the provider has one.

    langchain-openai sends the cap as ``max_completion_tokens``, which OpenAI-compatible servers such
    as llama.cpp's ignore; pointed at one (``OPENAI_BASE_URL``), the cap goes in the request body as
    ``max_tokens``, the field they read.
    """
    env = os.environ if env is None else env
    if provider == "openai" and (env.get("OPENAI_BASE_URL") or env.get("OPENAI_API_BASE")):
        return {"extra_body": {"max_tokens": FOLLOW_UP_MAX_TOKENS}}
    key = _LENGTH_KEYWORD.get(provider)
    return {key: FOLLOW_UP_MAX_TOKENS} if key else {}


def provider_package(provider: str) -> str | None:
    """The pip package of a provider LangChain's init_chat_model knows, or None when it knows none."""
    entry = _builtin().get(provider)
    return entry[0].split(".", 1)[0].replace("_", "-") if entry else None


def known_providers() -> list[str]:
    return sorted(_builtin())


def is_installed(package: str) -> bool:
    return importlib.util.find_spec(package.replace("-", "_")) is not None


def install_hint(provider: str, package: str | None = None) -> str:
    """How to add the provider's package to the environment this command runs in."""
    from voice_interviewer.paths import running_from_checkout

    package = package or provider_package(provider) or f"langchain-{provider}"
    if running_from_checkout():
        return f".venv/bin/pip install {package}"
    if provider in EXTRAS:
        return (
            f"pipx install --force 'voice-interviewer[{provider}]' "
            f"(or: uv tool install 'voice-interviewer[{provider}]'; pip install 'voice-interviewer[{provider}]')"
        )
    return f"pipx inject voice-interviewer {package} (or: uv tool install voice-interviewer --with {package})"
