"""Which speech model files to load and where to run them: the bundled models, a local folder or a
faster-whisper name from the cache, on the CPU or a CUDA GPU (``auto`` falls back to the CPU with
one note when CUDA 12's cuBLAS is missing)."""

from __future__ import annotations

import ctypes
import difflib
import os
from pathlib import Path

from voice_interviewer.errors import ExitCode, MissingModelError, UserError
from voice_interviewer.models import WHISPER_TINY_EN, Checksums, verified_folder, whisper_base_dir
from voice_interviewer.paths import DataHome


def cuda_libraries_present() -> bool:
    """ctranslate2 4.x wheels need CUDA 12's cuBLAS at run time."""
    try:
        ctypes.CDLL("libcublas.so.12")
    except OSError:
        return False
    return True


def choose_device(requested: str, cuda_devices: int, cublas: bool) -> tuple[str, str | None]:
    """(device, note). A pure decision: the inputs are what the machine has."""
    if requested == "cpu":
        return "cpu", None
    if requested == "cuda":
        if cuda_devices == 0:
            raise UserError("--device cuda: no CUDA GPU is visible. Use --device cpu or auto.", ExitCode.DEVICE)
        if not cublas:
            raise UserError(
                "--device cuda: libcublas.so.12 (CUDA 12) is missing, which ctranslate2 needs. "
                "Install CUDA 12's cuBLAS (e.g. pip install nvidia-cublas-cu12) or use --device cpu.",
                ExitCode.DEVICE,
            )
        return "cuda", None
    if requested != "auto":
        raise UserError(f"--device must be cpu, cuda or auto, not {requested!r}.", ExitCode.USAGE)
    if cuda_devices > 0 and cublas:
        return "cuda", None
    if cuda_devices > 0:
        return "cpu", "GPU found but CUDA 12's libcublas.so.12 is missing: transcribing on the CPU."
    return "cpu", "No CUDA GPU found: transcribing on the CPU."


def resolve_model(spec: str, home: DataHome, sums: Checksums) -> tuple[str, str, str | None]:
    """(model path or name for WhisperModel, display name, sha256 of model.bin or None)."""
    if spec in ("tiny.en", "default", ""):
        folder = verified_folder(WHISPER_TINY_EN, sums)
        return str(folder), "tiny.en", WHISPER_TINY_EN.files[0].sha256
    if spec in ("base", "base-bundled"):
        folder = whisper_base_dir(home, sums)
        return str(folder), "base", None
    p = Path(spec).expanduser()
    if p.is_dir():
        if not (p / "model.bin").is_file():
            raise UserError(f"{p} has no model.bin: give a CTranslate2 Whisper model folder.", ExitCode.USAGE)
        return str(p), p.name, sums.of(p / "model.bin")
    if os.sep in spec or spec.startswith("."):
        raise UserError(f"--stt-model {spec}: no such folder.", ExitCode.USAGE)
    from faster_whisper.utils import available_models, download_model

    names = ["tiny.en", "base", *available_models()]
    if spec not in names:
        close = difflib.get_close_matches(spec, names, n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        raise UserError(
            f"Unknown speech model {spec!r}.{hint} The bundled ones are tiny.en (default) and base; a local "
            "CTranslate2 model folder or another faster-whisper model name also works.",
            ExitCode.USAGE,
        )
    # a faster-whisper model name: only from the local cache unless the user allows downloads
    try:
        local = download_model(spec, local_files_only=os.environ.get("VOICE_INTERVIEWER_ALLOW_DOWNLOAD") != "1")
    except Exception:  # noqa: BLE001 (huggingface_hub raises several types for "not cached")
        raise MissingModelError(
            f"Speech model {spec!r} is not installed. The bundled ones are tiny.en (default) and "
            "base. To fetch another faster-whisper model once while online, run with "
            f"VOICE_INTERVIEWER_ALLOW_DOWNLOAD=1, or pass a local model folder."
        ) from None
    return local, spec, None


def cuda_device_count() -> int:
    """The CUDA GPUs ctranslate2 can see (0 without a CUDA runtime)."""
    import ctranslate2

    try:
        return int(ctranslate2.get_cuda_device_count())
    except Exception:  # noqa: BLE001 (no CUDA runtime at all)
        return 0


def probe_device(requested: str) -> tuple[str, str | None]:
    """:func:`choose_device` on what this machine has: (device, note)."""
    n_cuda = cuda_device_count()
    return choose_device(requested, n_cuda, cuda_libraries_present() if n_cuda else False)
