"""Ingestion into the index: incremental by content hash, one document's chunks replaced at a time.

A document's identity is its path relative to the folder it was ingested from; the hash of its bytes
decides whether it changed. Chunks are addressed by their text, so an edit re-embeds only the
passages it touched. Boilerplate detection depends on the other documents, so a document whose
shared lines changed status (a second page with the same menu arrived) is re-chunked too.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from ingest.chunk import Chunker
from ingest.clean import line_keys
from ingest.discover import Target, doc_id_for, targets_for
from ingest.errors import IngestError, UnsupportedFile
from ingest.models import Chunk, SourceDocument
from ingest.readers import is_supported, parse, read_bytes
from index.catalog import Catalog, DocumentRecord, now
from index.embedder import Embedder
from index.errors import EmbeddingModelMismatch, UnknownDocument
from index.retrieve import Passage, Retriever
from index.settings import IndexSettings
from index.store import VectorStore

log = logging.getLogger(__name__)

# Bump when cleaning or chunking changes what a document turns into: every document is re-chunked.
PIPELINE_VERSION = "1"
# Chunks embedded and written per step; a crash loses at most one step of work.
WRITE_BATCH = 256

Status = Literal["added", "updated", "unchanged", "removed", "failed", "skipped"]


@dataclass(frozen=True)
class Outcome:
    """What ingesting one document did."""

    source: str
    status: Status
    chunks: int = 0
    embedded: int = 0
    reason: str | None = None
    path: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "status": self.status,
            "chunks": self.chunks,
            "embedded": self.embedded,
            "reason": self.reason,
            "path": self.path,
        }


@dataclass
class IngestReport:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def embedded(self) -> int:
        return sum(o.embedded for o in self.outcomes)

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> int:
        return self.count("failed")

    def as_dict(self) -> dict[str, object]:
        return {
            "documents": [o.as_dict() for o in self.outcomes],
            "embedded": self.embedded,
            "counts": {s: self.count(s) for s in ("added", "updated", "unchanged", "removed", "failed", "skipped")},
            "seconds": round(self.seconds, 3),
        }


@dataclass
class _Work:
    """A document to (re)chunk: its parsed form and where it came from."""

    document: SourceDocument
    root: Path
    content_hash: str
    status: Status
    keys: set[str]
    chunks: list[Chunk] = field(default_factory=list)
    signature: str = ""


@dataclass
class _Plan:
    """What writing one document takes: all its chunk ids, which are new, which are gone."""

    item: _Work
    ids: list[str]
    new: list[int]
    stale: list[str]


def chunk_ids(doc_id: str, chunks: Sequence[Chunk]) -> list[str]:
    """Ids from the document and the chunk's text: unchanged passages keep their id (and vector)."""
    doc_key = hashlib.sha1(doc_id.encode()).hexdigest()[:12]
    seen: dict[str, int] = {}
    ids = []
    for chunk in chunks:
        text_key = hashlib.sha1(chunk.text.encode()).hexdigest()[:16]
        seen[text_key] = seen.get(text_key, -1) + 1
        ids.append(f"{doc_key}-{text_key}-{seen[text_key]}")
    return ids


def chunk_metadata(chunk: Chunk) -> dict[str, str | int]:
    meta: dict[str, str | int] = {
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "chunk_no": chunk.chunk_no,
        "start": chunk.start,
        "end": chunk.end,
    }
    if chunk.page is not None:
        meta["page"] = chunk.page
    return meta


class Index:
    """The index: ingest, remove, list, search. The one object the layers above talk to."""

    def __init__(self, settings: IndexSettings, embedder: Embedder | None = None, check_model: bool = True) -> None:
        self.settings = settings
        self.catalog = Catalog(settings.catalog_path)
        self.embedder = embedder or Embedder(settings)
        self._lock = threading.RLock()
        if check_model:
            self._check_catalog_model()

    def close(self) -> None:
        self.catalog.close()

    def _check_catalog_model(self) -> None:
        recorded = json.loads(self.catalog.get_meta("embedding") or "null")
        if recorded and recorded["model"] != self.embedder.name and self.catalog.chunk_count():
            raise EmbeddingModelMismatch(
                str(self.settings.data_dir), recorded["model"], recorded.get("dim"),
                self.embedder.name, self.embedder.dimension,
            )

    @cached_property
    def store(self) -> VectorStore:
        return VectorStore(self.settings, self.embedder.name, self.embedder.dimension)

    @cached_property
    def chunker(self) -> Chunker:
        return Chunker(self.settings, self.embedder.tokenizer_file)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.settings, self.catalog, self.store, self.embedder)

    def search(self, query: str, k: int | None = None, doc_ids: Sequence[str] | None = None) -> list[Passage]:
        return self.retriever.retrieve(query, k, doc_ids)

    def documents(self) -> list[DocumentRecord]:
        return self.catalog.documents()

    @property
    def version(self) -> int:
        return self.catalog.version

    # -- ingest -------------------------------------------------------------------------------
    def ingest(self, paths: Sequence[Path], progress: bool = False) -> IngestReport:
        """Bring the index in line with these files and folders."""
        targets, missing = targets_for(list(paths))
        report = IngestReport()
        report.outcomes += [
            Outcome(str(p), "failed", reason="no such file or folder", path=str(p)) for p in missing
        ]
        return self._sync(targets, [], report, progress)

    def sync_changes(self, root: Path, changed: Iterable[Path], progress: bool = False) -> IngestReport:
        """Apply file-system changes under `root`: changed files re-ingested, vanished ones removed."""
        root = root.resolve()
        files, gone = [], []
        for path in sorted(set(changed)):
            if path.is_file():
                if is_supported(path) and not any(part.startswith(".") for part in path.relative_to(root).parts):
                    files.append(path)
            elif not path.exists():
                gone.append(path)
        removals = [
            record.doc_id
            for record in self.catalog.documents(root=str(root))
            for path in gone
            if record.path == str(path) or record.path.startswith(str(path) + "/")
        ]
        target = Target(root=root, files=tuple(files), sweep=False)
        return self._sync([target], removals, IngestReport(), progress)

    def _sync(self, targets: list[Target], removals: list[str], report: IngestReport, progress: bool) -> IngestReport:
        started = now()
        with self._lock:
            work, unchanged = self._read_targets(targets, report)
            for target in targets:
                if target.sweep:
                    seen = {doc_id_for(target.root, f) for f in target.files}
                    removals += [r.doc_id for r in self.catalog.documents(root=str(target.root)) if r.doc_id not in seen]
            removed_keys = self._remove(sorted(set(removals)), report)
            changed_keys = self._update_line_keys(work) | removed_keys
            self._add_neighbours(work, unchanged, changed_keys, report)
            self._chunk(work, report)
            self._write(work, report, progress)
            report.outcomes += [Outcome(doc_id, "unchanged", chunks=n, path=p) for doc_id, (n, p) in unchanged.items()]
        report.outcomes.sort(key=lambda o: (o.status == "unchanged", o.source))
        report.seconds = now() - started
        return report

    def _read_targets(self, targets: list[Target], report: IngestReport) -> tuple[dict[str, _Work], dict[str, tuple[int, str]]]:
        """Parse the files whose bytes changed; note the others as unchanged candidates."""
        max_bytes = int(self.settings.max_file_mb * 1_000_000)
        work: dict[str, _Work] = {}
        unchanged: dict[str, tuple[int, str]] = {}
        for target in targets:
            report.outcomes += [
                Outcome(doc_id_for(target.root, p), "skipped", reason=f"unsupported file type '{p.suffix or p.name}'", path=str(p))
                for p in target.skipped
            ]
            for path in target.files:
                doc_id = doc_id_for(target.root, path)
                existing = self.catalog.document(doc_id)
                try:
                    data = read_bytes(path, max_bytes)
                    content_hash = hashlib.sha256(data).hexdigest()
                    if existing and existing.content_hash == content_hash:
                        if existing.path != str(path) or existing.root != str(target.root):
                            self.catalog.put_document(_moved(existing, target.root, path))
                        unchanged[doc_id] = (existing.n_chunks, str(path))
                        continue
                    document = parse(doc_id, path, data)
                except UnsupportedFile as exc:
                    report.outcomes.append(Outcome(doc_id, "skipped", reason=exc.reason, path=str(path)))
                    continue
                except IngestError as exc:
                    kept = " (the version ingested earlier is kept)" if existing else ""
                    report.outcomes.append(Outcome(doc_id, "failed", reason=exc.reason + kept, path=str(path)))
                    continue
                work[doc_id] = _Work(
                    document=document,
                    root=target.root,
                    content_hash=content_hash,
                    status="updated" if existing else "added",
                    keys=line_keys(document.text),
                )
        return work, unchanged

    def _remove(self, doc_ids: Sequence[str], report: IngestReport) -> set[str]:
        """Remove documents; returns their line keys (other documents' boilerplate may change)."""
        keys: set[str] = set()
        for doc_id in doc_ids:
            record = self.catalog.document(doc_id)
            if record is None:
                continue
            keys |= self.catalog.line_keys(doc_id)
            ids = self.catalog.chunk_ids(doc_id)
            self.store.delete(ids)
            with self.catalog.transaction():
                self.catalog.delete_document(doc_id)
                self.catalog.bump_version()
            report.outcomes.append(Outcome(doc_id, "removed", chunks=len(ids), path=record.path))
        return keys

    def _update_line_keys(self, work: dict[str, _Work]) -> set[str]:
        """Record the short lines of changed documents; returns the keys whose counts moved."""
        changed: set[str] = set()
        with self.catalog.transaction():
            for doc_id, item in work.items():
                old = self.catalog.line_keys(doc_id)
                changed |= old ^ item.keys
                self.catalog.set_line_keys(doc_id, item.keys)
        return changed

    def _signature(self, content_hash: str, repeated: frozenset[str]) -> str:
        """What a document's chunks depend on: its bytes, the chunking settings, its shared lines."""
        parts = [
            PIPELINE_VERSION,
            content_hash,
            str(self.settings.chunk_tokens),
            str(self.settings.chunk_overlap),
            str(self.settings.boilerplate_min_lines),
            self.embedder.name,
            *sorted(repeated),
        ]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def _add_neighbours(
        self, work: dict[str, _Work], unchanged: dict[str, tuple[int, str]], changed_keys: set[str], report: IngestReport
    ) -> None:
        """Re-chunk stored documents whose boilerplate or chunking settings changed."""
        candidates = set(unchanged) | (self.catalog.documents_with_keys(changed_keys) if changed_keys else set())
        for doc_id in sorted(candidates - set(work)):
            record = self.catalog.document(doc_id)
            if record is None:
                continue
            repeated = self.catalog.repeated_keys(self.catalog.line_keys(doc_id))
            if self._signature(record.content_hash, repeated) == record.signature:
                continue
            path = Path(record.path)
            try:
                data = read_bytes(path, int(self.settings.max_file_mb * 1_000_000))
                document = parse(doc_id, path, data)
            except IngestError as exc:
                log.warning("%s: cannot re-read to update its boilerplate (%s); keeping it as it is", doc_id, exc.reason)
                continue
            unchanged.pop(doc_id, None)
            content_hash = hashlib.sha256(data).hexdigest()
            work[doc_id] = _Work(document, Path(record.root), content_hash, "updated", line_keys(document.text))

    def _chunk(self, work: dict[str, _Work], report: IngestReport) -> None:
        for doc_id in list(work):
            item = work[doc_id]
            repeated = self.catalog.repeated_keys(item.keys)
            item.signature = self._signature(item.content_hash, repeated)
            item.chunks = self.chunker.chunk(item.document, repeated)
            if not item.chunks:
                del work[doc_id]
                report.outcomes.append(
                    Outcome(doc_id, "failed", reason="nothing left after removing boilerplate", path=str(item.document.path))
                )

    def _write(self, work: dict[str, _Work], report: IngestReport, progress: bool) -> None:
        """Embed new chunks in batches across documents; write vectors first, then the catalog.

        Documents are committed to the catalog once their vectors are in the store, a batch at a
        time, so an interrupted run leaves whole documents either old or new.
        """
        plans = []
        for doc_id, item in work.items():
            ids = chunk_ids(doc_id, item.chunks)
            old = set(self.catalog.chunk_ids(doc_id))
            new = [i for i, cid in enumerate(ids) if cid not in old]
            plans.append(_Plan(item, ids, new, sorted(old - set(ids))))
        if not plans:
            return
        self.catalog.set_meta("embedding", json.dumps({"model": self.embedder.name, "dim": self.embedder.dimension}))
        bar = _progress_bar(sum(len(p.new) for p in plans), progress)
        pending: list[_Plan] = []
        pending_chunks = 0
        for plan in plans:
            pending.append(plan)
            pending_chunks += len(plan.new)
            if pending_chunks >= WRITE_BATCH:
                self._flush(pending, report, bar)
                pending, pending_chunks = [], 0
        self._flush(pending, report, bar)
        bar.close()

    def _flush(self, plans: list[_Plan], report: IngestReport, bar) -> None:  # type: ignore[no-untyped-def]
        if not plans:
            return
        chunks = [(plan, i) for plan in plans for i in plan.new]
        if chunks:
            vectors = self.embedder.embed([plan.item.chunks[i].text for plan, i in chunks])
            self.store.upsert(
                [plan.ids[i] for plan, i in chunks],
                vectors,
                [plan.item.chunks[i].text for plan, i in chunks],
                [chunk_metadata(plan.item.chunks[i]) for plan, i in chunks],
            )
            bar.update(len(chunks))
        kept = [(plan, i) for plan in plans for i in sorted(set(range(len(plan.ids))) - set(plan.new))]
        if kept:
            self.store.update_metadata([p.ids[i] for p, i in kept], [chunk_metadata(p.item.chunks[i]) for p, i in kept])
        self.store.delete([cid for plan in plans for cid in plan.stale])
        stamp = now()
        with self.catalog.transaction():
            for plan in plans:
                doc = plan.item.document
                existing = self.catalog.document(doc.doc_id)
                self.catalog.replace_chunks(doc.doc_id, plan.ids, plan.item.chunks)
                self.catalog.put_text(doc.doc_id, doc.text)
                self.catalog.put_document(
                    DocumentRecord(
                        doc_id=doc.doc_id,
                        root=str(plan.item.root),
                        path=str(doc.path),
                        title=plan.item.chunks[0].title,
                        kind=doc.kind,
                        content_hash=plan.item.content_hash,
                        signature=plan.item.signature,
                        chars=len(doc.text),
                        pages=len(doc.pages) or None,
                        n_chunks=len(plan.ids),
                        ingested_at=existing.ingested_at if existing else stamp,
                        updated_at=stamp,
                    )
                )
            self.catalog.bump_version()
        report.outcomes += [
            Outcome(p.item.document.doc_id, p.item.status, chunks=len(p.ids), embedded=len(p.new), path=str(p.item.document.path))
            for p in plans
        ]

    # -- other operations ---------------------------------------------------------------------
    def remove(self, doc_id: str) -> IngestReport:
        """Remove one document (by id, or by the path it was ingested from)."""
        record = self.catalog.document(doc_id) or next(
            (r for r in self.catalog.documents() if r.path == str(Path(doc_id).resolve())), None
        )
        if record is None:
            raise UnknownDocument(f"No document '{doc_id}' in the index: `askdocs docs` lists them.")
        report = IngestReport()
        with self._lock:
            keys = self._remove([record.doc_id], report)
            work: dict[str, _Work] = {}
            self._add_neighbours(work, {}, keys, report)
            self._chunk(work, report)
            self._write(work, report, progress=False)
        return report

    def reindex(self, progress: bool = False) -> int:
        """Re-embed every stored chunk with the configured model into a fresh collection."""
        with self._lock:
            self.__dict__.pop("retriever", None)
            store = VectorStore(self.settings, self.embedder.name, self.embedder.dimension, check=False)
            store.reset()
            self.__dict__["store"] = store
            bar = _progress_bar(self.catalog.chunk_count(), progress)
            total = 0
            for batch in self.catalog.iter_chunks(WRITE_BATCH):
                vectors = self.embedder.embed([c.text for c in batch])
                metas = [
                    chunk_metadata(Chunk(c.doc_id, c.chunk_no, c.text, c.start, c.end, c.title, c.page)) for c in batch
                ]
                store.upsert([c.id for c in batch], vectors, [c.text for c in batch], metas)
                bar.update(len(batch))
                total += len(batch)
            bar.close()
            with self.catalog.transaction():
                self.catalog.set_meta("embedding", json.dumps({"model": self.embedder.name, "dim": self.embedder.dimension}))
                self.catalog.bump_version()
            return total


def _moved(record: DocumentRecord, root: Path, path: Path) -> DocumentRecord:
    from dataclasses import replace

    return replace(record, root=str(root), path=str(path))


def _progress_bar(total: int, enabled: bool):  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    return tqdm(total=total, unit="chunk", desc="embedding", disable=not enabled or total < 64, leave=False)
