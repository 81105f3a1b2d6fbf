"""The Chroma index of rubrics and knowledge: the client, chunks, incremental build, the user's notes.

Embedded ``PersistentClient`` in the data home by default; a Chroma server with ``--chroma-url``.
Every collection call passes our own embedding function, so Chroma never loads (or downloads)
its default model. Text from user-added files is stored and returned as data only.

The embedded store is shared by processes (a ``practice`` session reads it while ``knowledge add``
writes). Chroma keeps part of the index in each process's memory, so a reader that does not know
about another process's write fails ("Error finding id"). Here every write holds an exclusive file
lock and bumps a generation counter; every read holds a shared lock and first reopens the client
when the generation moved. Embeddings are computed outside the locks, so a lock is held for
milliseconds, and a read that cannot get its lock in time fails with :class:`RetrievalError`
(callers fall back) instead of waiting on a long write.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice_interviewer.config import server_address
from voice_interviewer.engines import Engines
from voice_interviewer.errors import ExitCode, UserError, first_line
from voice_interviewer.paths import knowledge_root
from voice_interviewer.retrieval.embeddings import ChromaEmbeddingFunction
from voice_interviewer.track.rubric import Track

QUESTIONS = "vi-questions"  # one entry per question prompt and alias
KNOWLEDGE = "vi-knowledge"  # rubric criteria, knowledge notes, the user's own notes
MAX_NOTE_BYTES = 512 * 1024
CHUNK_WORDS = 160
NOTE_SUFFIXES = (".md", ".markdown", ".txt")  # what `knowledge add DIR` takes from a folder
READ_LOCK_WAIT_S = 3.0  # a read waits this long for a write to finish, then fails (the follow-up falls back)
WRITE_LOCK_WAIT_S = 120.0  # a write waits for reads and other writes (each holds the lock for milliseconds)
_LOCK_FILE = "vi-store.lock"
_GENERATION_FILE = "vi-store.generation"


class RetrievalError(UserError):
    """The index could not be read or written just now (busy, or damaged by another process)."""


@dataclass(frozen=True)
class Chunk:
    id: str
    text: str
    source: str  # file name relative to its root, or "user:<name>"
    heading: str
    round: str  # a round name, or "" when the chunk is general
    kind: str  # "rubric", "knowledge" or "user"


# --- the client ------------------------------------------------------------------------------

_open_lock = threading.RLock()  # one thread at a time uses (or reopens) the embedded client of this process
_embedded: dict[str, tuple[Any, str]] = {}  # store path -> (client, generation it was opened at)


def _server_client(url: str, settings: Any) -> Any:
    import chromadb

    u = server_address(url)
    try:
        c = chromadb.HttpClient(
            host=u.hostname or "localhost", port=u.port or 8000, ssl=u.scheme == "https", settings=settings
        )
        c.heartbeat()
    except Exception as e:  # noqa: BLE001 (connection errors come in many types)
        raise UserError(
            f"The Chroma server at {url} did not answer ({first_line(e)[:120]}). Start it, or leave out "
            "--chroma-url to use the embedded store in the data home.",
            ExitCode.DEVICE,
        ) from None
    return c


def _generation(store: Path) -> str:
    try:
        return (store / _GENERATION_FILE).read_text().strip()
    except FileNotFoundError:
        return "0"


def _embedded_client(store: Path, reopen: bool = False) -> Any:
    """This process's client of the embedded store, reopened when another process wrote since it opened."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    key, gen = str(store), _generation(store)
    have = _embedded.get(key)
    if have is not None and have[1] == gen and not reopen:
        return have[0]
    if have is not None:
        _embedded.pop(key)
        with contextlib.suppress(Exception):  # a client that is already broken is dropped all the same
            have[0].close()
    c = chromadb.PersistentClient(path=key, settings=ChromaSettings(anonymized_telemetry=False))
    _embedded[key] = (c, gen)
    return c


def client(engines: Engines) -> Any:
    """A Chroma client: the server at ``--chroma-url``, else this process's embedded client."""
    from chromadb.config import Settings as ChromaSettings

    if engines.settings.chroma_url:
        return _server_client(engines.settings.chroma_url, ChromaSettings(anonymized_telemetry=False))
    engines.home.chroma.mkdir(parents=True, exist_ok=True)
    with _open_lock:
        return _embedded_client(engines.home.chroma)


@contextmanager
def _file_lock(store: Path, exclusive: bool, wait_s: float) -> Iterator[None]:
    store.mkdir(parents=True, exist_ok=True)
    fd = os.open(store / _LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    what = "written to" if exclusive else "read"
                    raise RetrievalError(
                        f"The knowledge index could not be {what}: another voice-interviewer process has been "
                        f"using it for over {wait_s:g} s. Try again when it has finished."
                    ) from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def collection(engines: Engines, name: str, write: bool = False) -> Iterator[Any]:
    """A collection to read (shared lock) or write (exclusive lock, then the generation moves on).

    A Chroma error inside a read is retried once on a reopened client; a second failure is a
    :class:`RetrievalError`.
    """
    assert engines.embedder is not None
    ef = ChromaEmbeddingFunction(engines.embedder)

    def get(c: Any) -> Any:
        return c.get_or_create_collection(name, embedding_function=ef, metadata={"hnsw:space": "cosine"})

    if engines.settings.chroma_url:
        yield get(client(engines))
        return
    store = engines.home.chroma
    with _open_lock, _file_lock(store, write, WRITE_LOCK_WAIT_S if write else READ_LOCK_WAIT_S):
        try:
            yield get(_embedded_client(store))
        finally:
            if write:  # even a failed write may have changed the files: every other process reopens
                (store / _GENERATION_FILE).write_text(f"{os.getpid()}-{time.time_ns()}\n")
                if str(store) in _embedded:  # our own write is known to our client
                    _embedded[str(store)] = (_embedded[str(store)][0], _generation(store))


def read(engines: Engines, name: str, fn: Callable[[Any], Any]) -> Any:
    """``fn(collection)`` under a shared lock; retried once on a reopened client when Chroma fails."""
    from chromadb.errors import ChromaError

    for attempt in (1, 2):
        try:
            with collection(engines, name) as col:
                return fn(col)
        except (ChromaError, RuntimeError) as e:
            if engines.settings.chroma_url:
                raise RetrievalError(f"The Chroma server failed to answer a query ({type(e).__name__}: {e}).") from None
            if attempt == 2:
                raise RetrievalError(f"The knowledge index could not be read ({type(e).__name__}: {e}).") from None
            with _open_lock:
                _embedded_client(engines.home.chroma, reopen=True)
    raise AssertionError("unreachable")


def embed(engines: Engines, texts: Sequence[str]) -> list[list[float]]:
    assert engines.embedder is not None
    return [[float(x) for x in row] for row in engines.embedder.embed(list(texts))]


# --- chunks ----------------------------------------------------------------------------------


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def round_words(track: Track) -> dict[str, tuple[str, ...]]:
    """Per round of the track, the words that mark a note's heading as being about it (rubric data)."""
    return {
        r.round.round: tuple(dict.fromkeys([r.round.round, r.round.round.replace("-", " "), *r.round.note_words]))
        for r in track.rounds.values()
    }


def _round_of(heading: str, rounds: Mapping[str, Sequence[str]]) -> str:
    low = heading.lower()
    return next((r for r, words in rounds.items() if any(w.lower() in low for w in words)), "")


def markdown_chunks(text: str, source: str, kind: str, rounds: Mapping[str, Sequence[str]]) -> list[Chunk]:
    """Split Markdown at headings, then into ~160-word pieces, each carrying its heading and round."""
    chunks: list[Chunk] = []
    heading = ""
    buf: list[str] = []

    def flush() -> None:
        body = " ".join(" ".join(buf).split())
        words = body.split()
        for i in range(0, len(words), CHUNK_WORDS):
            piece = " ".join(words[i : i + CHUNK_WORDS])
            if len(piece) >= 20:
                cid = f"{kind}:{source}:{len(chunks)}:{_sha(piece)}"
                chunks.append(Chunk(cid, piece, source, heading, _round_of(heading + " " + source, rounds), kind))
        buf.clear()

    for line in text.splitlines():
        m = re.match(r"^#{1,4}\s+(.*)", line)
        if m:
            flush()
            heading = m.group(1).strip()
        else:
            buf.append(line)
    flush()
    return chunks


def rubric_chunks(engines: Engines) -> list[Chunk]:
    out = []
    for r in engines.track.rounds.values():
        src = f"rubrics/{r.round.track}/{r.path.name}"
        out.append(
            Chunk(
                f"rubric:{src}:bar",
                f"{r.round.title}. {r.round.senior_bar}",
                src,
                "senior bar",
                r.round.round,
                "rubric",
            )
        )
        for q in r.round.questions:
            for c in q.criteria:
                body = f"{q.prompt} {c.name}: " + " ".join(k.text for k in c.key_points)
                out.append(Chunk(f"rubric:{q.id}:{c.id}", body, src, f"{q.id} / {c.name}", r.round.round, "rubric"))
    return out


def _sync(engines: Engines, name: str, source: str, chunks: list[Chunk]) -> bool:
    """Replace the source's chunks when their content changed. True when anything was written."""
    digest = _sha("".join(c.id for c in chunks))
    have = read(engines, name, lambda col: col.get(where={"source": source}, include=["metadatas"]))
    metas = have.get("metadatas") or []
    if have["ids"] and all(m.get("digest") == digest for m in metas) and len(have["ids"]) == len(chunks):
        return False
    vectors = embed(engines, [c.text for c in chunks]) if chunks else []  # the slow part, outside the lock
    with collection(engines, name, write=True) as col:
        old = col.get(where={"source": source}, include=[])["ids"]  # again: another process may have written
        if old:
            col.delete(ids=old)
        if chunks:
            col.add(
                ids=[c.id for c in chunks],
                documents=[c.text for c in chunks],
                embeddings=vectors,
                metadatas=[
                    {"source": c.source, "heading": c.heading, "round": c.round, "kind": c.kind, "digest": digest}
                    for c in chunks
                ],
            )
    return True


@dataclass(frozen=True)
class IndexReport:
    sources: int
    updated: int
    chunks: int


def build_index(engines: Engines, progress: Callable[[str, int, int], None] | None = None) -> IndexReport:
    """Index rubrics and bundled knowledge; unchanged sources are skipped."""
    groups: dict[str, list[Chunk]] = {}
    for ch in rubric_chunks(engines):
        groups.setdefault(ch.source, []).append(ch)
    rounds = round_words(engines.track)
    for f in sorted(knowledge_root().glob("*.md")):
        src = f"knowledge/{f.name}"
        groups[src] = markdown_chunks(f.read_text(encoding="utf-8"), src, "knowledge", rounds)
    qchunks = [
        Chunk(f"q:{qid}:{i}", text, f"questions/{engines.track.name}", qid, r.round.round, "question")
        for qid, (q, r) in engines.track.questions.items()
        for i, text in enumerate([q.prompt, *q.aliases])
    ]
    updated = 0
    total = len(groups) + 1
    for n, (src, chunks) in enumerate(groups.items(), 1):
        if progress:
            progress(src, n, total)
        updated += _sync(engines, KNOWLEDGE, src, chunks)
    if progress:
        progress("questions", total, total)
    updated += _sync(engines, QUESTIONS, f"questions/{engines.track.name}", qchunks)
    return IndexReport(total, updated, sum(len(c) for c in groups.values()) + len(qchunks))


def ensure_built(engines: Engines, name: str) -> None:
    """Build the index on first use."""
    if read(engines, name, lambda col: col.count()) == 0:
        build_index(engines)


# --- the user's notes ------------------------------------------------------------------------


def note_files(paths: Sequence[Path]) -> list[Path]:
    """The files to add: each file as given, and a folder's Markdown and text files (not recursive)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in NOTE_SUFFIXES)
            if not found:
                raise UserError(
                    f"{p} is a folder with no Markdown or text files in it ({', '.join(NOTE_SUFFIXES)}); "
                    "nothing to add.",
                    ExitCode.USAGE,
                )
            out += found
        elif p.is_file():
            out.append(p)
        else:
            raise UserError(f"{p}: no such file or folder.", ExitCode.USAGE)
    return out


def _note_text(f: Path) -> str:
    size = f.stat().st_size
    if size == 0:
        raise UserError(f"{f} is empty; nothing to add.")
    if size > MAX_NOTE_BYTES:
        raise UserError(
            f"{f} is {size // 1024} KB; notes over {MAX_NOTE_BYTES // 1024} KB are refused. Split it or trim it."
        )
    raw = f.read_bytes()
    if b"\x00" in raw[:8192]:
        raise UserError(f"{f} looks binary; add Markdown or plain text (export a PDF or Word file to text first).")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{f} is not UTF-8 text; save it as UTF-8 and try again.") from None


def add_notes(engines: Engines, paths: Sequence[Path]) -> list[tuple[Path, int]]:
    """Index the user's own notes (Markdown or text files, or folders of them).

    Every file is checked before anything is written: a binary, huge or empty file refuses the
    whole command with its reason.
    """
    rounds = round_words(engines.track)
    todo: list[tuple[Path, str, list[Chunk]]] = []
    for f in note_files(paths):
        src = f"user:{f.name}"
        chunks = markdown_chunks(_note_text(f), src, "user", rounds)
        if not chunks:
            raise UserError(f"{f} has no text worth indexing (under 20 characters).")
        todo.append((f, src, chunks))
    for _, src, chunks in todo:
        _sync(engines, KNOWLEDGE, src, chunks)
    return [(f, len(chunks)) for f, _, chunks in todo]


def index_status(engines: Engines) -> str:
    if engines.settings.chroma_url:
        c = client(engines)
        return f"Chroma server at {engines.settings.chroma_url} ({len(c.list_collections())} collections)"
    with _open_lock:
        names = {col.name for col in client(engines).list_collections()}
    if KNOWLEDGE not in names:
        return f"embedded store at {engines.home.chroma} (not built yet; built on first use)"
    return f"embedded store at {engines.home.chroma}"
