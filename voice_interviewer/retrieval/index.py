"""Rubrics and knowledge in Chroma: incremental indexing, search, and question look-up.

Embedded ``PersistentClient`` in the data home by default; a Chroma server with ``--chroma-url``.
Every collection call passes our own embedding function, so Chroma never loads (or downloads)
its default model. Text from user-added files is stored and returned as data only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from voice_interviewer.engines import Engines
from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.paths import knowledge_root
from voice_interviewer.retrieval.embeddings import ChromaEmbeddingFunction
from voice_interviewer.track.rubric import Question

QUESTIONS = "vi-questions"  # one entry per question prompt and alias
KNOWLEDGE = "vi-knowledge"  # rubric criteria, knowledge notes, the user's own notes
MATCH_THRESHOLD = 0.4  # cosine similarity to accept a free-text question (paraphrases score 0.42+, unrelated 0.31-)
MAX_NOTE_BYTES = 512 * 1024
CHUNK_WORDS = 160


@dataclass(frozen=True)
class Chunk:
    id: str
    text: str
    source: str  # file name relative to its root, or "user:<name>"
    heading: str
    round: str  # a round name, or "" when the chunk is general
    kind: str  # "rubric", "knowledge" or "user"


@dataclass(frozen=True)
class Hit:
    text: str
    source: str
    heading: str
    round: str
    kind: str
    score: float  # cosine similarity, 1 is identical


def client(engines: Engines) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    url = engines.settings.chroma_url
    settings = ChromaSettings(anonymized_telemetry=False)
    if not url:
        engines.home.chroma.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(engines.home.chroma), settings=settings)
    u = urlparse(url if "://" in url else f"http://{url}")
    try:
        c = chromadb.HttpClient(
            host=u.hostname or "localhost", port=u.port or 8000, ssl=u.scheme == "https", settings=settings
        )
        c.heartbeat()
    except Exception as e:  # noqa: BLE001 (connection errors come in many types)
        raise UserError(
            f"The Chroma server at {url} did not answer ({type(e).__name__}). Start it, or leave out "
            "--chroma-url to use the embedded store in the data home.",
            ExitCode.DEVICE,
        ) from None
    return c


def _collection(engines: Engines, name: str) -> Any:
    assert engines.embedder is not None
    ef = ChromaEmbeddingFunction(engines.embedder)
    return client(engines).get_or_create_collection(name, embedding_function=ef, metadata={"hnsw:space": "cosine"})


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


_ROUND_WORDS = {
    "phone-screen": ("phone screen", "phone-screen", "fundamentals"),
    "coding-discussion": ("coding",),
    "ml-system-design": ("system design", "ml-system-design"),
    "experimentation": ("experiment",),
    "behavioral": ("behavioral", "culture", "hiring manager", "story", "stories"),
}


def _round_of(heading: str) -> str:
    low = heading.lower()
    return next((r for r, words in _ROUND_WORDS.items() if any(w in low for w in words)), "")


def markdown_chunks(text: str, source: str, kind: str) -> list[Chunk]:
    """Split Markdown at headings, then into ~160-word pieces, each carrying its heading."""
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
                chunks.append(Chunk(cid, piece, source, heading, _round_of(heading + " " + source), kind))
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


def _sync(col: Any, source: str, chunks: list[Chunk]) -> bool:
    """Replace the source's chunks when their content changed. True when anything was written."""
    digest = _sha("".join(c.id for c in chunks))
    have = col.get(where={"source": source}, include=["metadatas"])
    metas = have.get("metadatas") or []
    if have["ids"] and all(m.get("digest") == digest for m in metas) and len(have["ids"]) == len(chunks):
        return False
    if have["ids"]:
        col.delete(ids=have["ids"])
    if chunks:
        col.add(
            ids=[c.id for c in chunks],
            documents=[c.text for c in chunks],
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
    col = _collection(engines, KNOWLEDGE)
    groups: dict[str, list[Chunk]] = {}
    for ch in rubric_chunks(engines):
        groups.setdefault(ch.source, []).append(ch)
    root = knowledge_root()
    for f in sorted(root.glob("*.md")):
        groups[f"knowledge/{f.name}"] = markdown_chunks(
            f.read_text(encoding="utf-8"), f"knowledge/{f.name}", "knowledge"
        )
    qcol = _collection(engines, QUESTIONS)
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
        updated += _sync(col, src, chunks)
    if progress:
        progress("questions", total, total)
    updated += _sync(qcol, f"questions/{engines.track.name}", qchunks)
    return IndexReport(total, updated, sum(len(c) for c in groups.values()) + len(qchunks))


def _hits(res: dict[str, Any]) -> list[Hit]:
    out = []
    for doc, meta, dist in zip(res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True):
        out.append(
            Hit(
                doc,
                meta["source"],
                meta["heading"],
                meta.get("round", ""),
                meta.get("kind", ""),
                round(1.0 - float(dist), 3),
            )
        )
    return out


def search(
    engines: Engines, query: str, k: int = 5, round_: str | None = None, kinds: Iterable[str] | None = None
) -> list[Hit]:
    if not query.strip():
        raise UserError("The search query is empty.", ExitCode.USAGE)
    col = _collection(engines, KNOWLEDGE)
    if col.count() == 0:
        build_index(engines)
    where: dict[str, Any] | None = None
    conds: list[dict[str, Any]] = []
    if round_:
        conds.append({"round": {"$in": [round_, ""]}})
    if kinds:
        conds.append({"kind": {"$in": list(kinds)}})
    if conds:
        where = conds[0] if len(conds) == 1 else {"$and": conds}
    res = col.query(query_texts=[query], n_results=k, where=where)
    return _hits(res)


def culture_notes(engines: Engines, question: Question, k: int = 3) -> tuple[str, ...]:
    """What the knowledge notes say about the culture themes a behavioral question probes."""
    query = f"{' '.join(t.replace('-', ' ') for t in question.culture)} {question.prompt}"
    hits = search(engines, query, k=k, kinds=["knowledge", "user"])
    return tuple(f"{h.heading} ({h.source}): {h.text[:220]}" for h in hits)


def find_question(engines: Engines, text: str, k: int = 5) -> tuple[str, float]:
    """The rubric question closest to free text; refuses when nothing is close."""
    col = _collection(engines, QUESTIONS)
    if col.count() == 0:
        build_index(engines)
    res = col.query(query_texts=[text], n_results=k)
    best: dict[str, float] = {}
    for meta, dist in zip(res["metadatas"][0], res["distances"][0], strict=True):
        qid = meta["heading"]
        best[qid] = max(best.get(qid, -1.0), 1.0 - float(dist))
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < MATCH_THRESHOLD:
        close = ", ".join(f"{q} ({s:.2f})" for q, s in ranked[:3])
        raise UserError(
            f"No rubric question is close to \u201c{text}\u201d. Closest: {close or 'none'}. "
            "Pass a question id (voice-interviewer questions).",
            ExitCode.USAGE,
        )
    return ranked[0]


def add_notes(engines: Engines, files: list[Path]) -> list[tuple[Path, int]]:
    """Index the user's own notes (Markdown or text). Binary, huge or empty files are refused."""
    col = _collection(engines, KNOWLEDGE)
    done = []
    for f in files:
        if not f.is_file():
            raise UserError(f"{f}: no such file.", ExitCode.USAGE)
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
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UserError(f"{f} is not UTF-8 text; save it as UTF-8 and try again.") from None
        src = f"user:{f.name}"
        chunks = markdown_chunks(text, src, "user")
        if not chunks:
            raise UserError(f"{f} has no text worth indexing (under 20 characters).")
        _sync(col, src, chunks)
        done.append((f, len(chunks)))
    return done


def index_status(engines: Engines) -> str:
    if engines.settings.chroma_url:
        c = client(engines)
        return f"Chroma server at {engines.settings.chroma_url} ({len(c.list_collections())} collections)"
    c = client(engines)
    names = {col.name for col in c.list_collections()}
    if KNOWLEDGE not in names:
        return f"embedded store at {engines.home.chroma} (not built yet; built on first use)"
    return f"embedded store at {engines.home.chroma}"
