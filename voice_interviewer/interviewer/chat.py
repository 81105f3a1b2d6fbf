"""Chat models for the interviewer: the local SmolLM2 through llama.cpp, or any LangChain provider.

"local" is the bundled SmolLM2-135M (a pinned model package, checked by sha256) run by llama.cpp
with a grammar that only lets it write one question; "provider:model" goes through LangChain's
``init_chat_model``. Only voice_interviewer/engines.py calls :func:`build_chat_model`.
"""

from __future__ import annotations

import importlib.util
import os
import re
from typing import TYPE_CHECKING, Any

from voice_interviewer.errors import ExitCode, MissingModelError, UserError
from voice_interviewer.interviewer.providers import generation_limits, install_hint
from voice_interviewer.interviewer.providers import known_providers as _known_providers
from voice_interviewer.interviewer.providers import provider_package as _provider_package
from voice_interviewer.models import SMOLLM2, Checksums, verified_file

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

LOCAL_NAME = "smollm2-135m (llama.cpp)"
# llama.cpp grammar for the local model: one sentence that opens like a question and ends at its
# question mark, at most 180 characters. Without it SmolLM2-135M often answers the question itself
# or rambles past max_tokens; with it, the checks in check_reply judge the content.
_OPENERS = (
    "What", "How", "Why", "Which", "When", "Where", "Who", "Can", "Could", "Would", "Should", "Do", "Does", "Did",
    "Is", "Are", "If", "Suppose",
)  # fmt: skip
QUESTION_GRAMMAR = "\n".join(
    (
        'root ::= opener " " char{8,180} "?"',
        "opener ::= " + " | ".join(f'"{w}"' for w in _OPENERS),
        r"char ::= [^?\n.!;:]",
    )
)


_SECRET_RE = re.compile(r"\b(?:sk|pk|rk|key|token)[-_][A-Za-z0-9_*\-]{6,}|\b[A-Za-z0-9_\-]{32,}\b")


def describe_error(e: BaseException) -> str:
    """One line naming a provider error, with anything that looks like a key blanked out."""
    first = next((ln.strip() for ln in str(e).splitlines() if ln.strip()), "")
    first = _SECRET_RE.sub("[redacted]", first)
    return f"{type(e).__name__}: {first[:160]}" if first else type(e).__name__


def split_spec(spec: str) -> tuple[str, str]:
    """("ollama", "qwen2.5:7b") from "ollama:qwen2.5:7b": the provider ends at the first colon."""
    provider, sep, model = spec.strip().partition(":")
    provider = provider.strip().replace("-", "_").lower()
    if not sep or not provider or not model.strip():
        raise UserError(
            f"--llm {spec!r}: use 'local' (SmolLM2 via llama.cpp) or provider:model, "
            "e.g. ollama:qwen2.5:7b or openai:gpt-4o-mini.",
            ExitCode.USAGE,
        )
    return provider, model.strip()


def build_chat_model(spec: str, sums: Checksums, timeout_s: float = 20.0) -> tuple[BaseChatModel, str]:
    """(chat model, name for the scorecard) for "local" or "provider:model".

    API keys are read by each provider from its own environment variable; nothing here stores them.
    """
    if spec.strip().lower() == "local":
        return _local_model(sums), LOCAL_NAME
    provider, model = split_spec(spec)
    package = _provider_package(provider)
    if package is None:
        raise UserError(
            f"--llm {spec!r}: unknown provider {provider!r}. Use 'local', or one of "
            f"{', '.join(_known_providers())}, and install its package (e.g. pip install langchain-ollama).",
            ExitCode.USAGE,
        )
    if importlib.util.find_spec(package.replace("-", "_")) is None:
        raise UserError(
            f"--llm {spec!r} needs the {package} package, which is not installed. "
            f"Install it with: {install_hint(provider, package)}",
            ExitCode.MISSING_MODEL,
        )
    from langchain.chat_models import init_chat_model

    try:
        limits: dict[str, Any] = dict(generation_limits(provider))
        chat = init_chat_model(model, model_provider=provider, timeout=timeout_s, max_retries=0, **limits)
    except ImportError as e:
        hint = re.search(r"pip install [\w\-\[\]=.<>]+", str(e))
        raise UserError(
            f"--llm {spec!r}: {describe_error(e)}. Install it with: "
            f".venv/bin/{hint.group(0) if hint else 'pip install ' + package}",
            ExitCode.MISSING_MODEL,
        ) from None
    except Exception as e:  # noqa: BLE001 (providers raise their own types for a missing key or a bad option)
        raise UserError(f"--llm {spec!r}: could not set up the model ({describe_error(e)})", ExitCode.USAGE) from None
    return chat, f"{provider}:{model}"


def llama_cpp_installed() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


def _local_model(sums: Checksums) -> BaseChatModel:
    if not llama_cpp_installed():
        raise MissingModelError(
            "The local language model needs the llama-cpp-python package, which is not installed. "
            "Run the set-up again (make setup), or: .venv/bin/pip install llama-cpp-python"
        )
    path = verified_file(SMOLLM2, "SmolLM2-135M-Instruct.Q4_1.gguf", sums)
    # llama.cpp's OpenMP threads spin while they wait for each other. When other programs keep the cores
    # busy, a spinning thread holds a core its partner needs: measured here with the machine loaded
    # (load average 25 on 2 cores), one follow-up did not finish in 100 s with the default policy and took
    # 25 s (1.0 s with the prompt's prefix cached) with PASSIVE. Read when llama.cpp is first loaded.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from langchain_community.chat_models import ChatLlamaCpp
    from llama_cpp import LlamaGrammar

    try:
        return ChatLlamaCpp(
            model_path=str(path),
            n_ctx=2048,
            n_threads=2,
            temperature=0.2,
            max_tokens=64,
            seed=7,
            verbose=False,
            use_mmap=False,  # one sequential read at load; paging the weights in through mmap was slower
            grammar=LlamaGrammar.from_string(QUESTION_GRAMMAR, verbose=False),
        )
    except ValueError as e:  # llama.cpp could not load the file
        raise MissingModelError(
            f"llama.cpp could not load {path} ({describe_error(e)}). "
            f"Reinstall it: .venv/bin/pip install --force-reinstall {SMOLLM2.package}=={SMOLLM2.version}"
        ) from None
