"""Applying a plan to the index, crash-safely: the catalog, its keyword index and Chroma end up agreeing.

The catalog is the source of truth: a passage exists when its chunk is in the catalog. Vectors are
written first and deleted last, and the catalog's journal records both before they happen:

1. journal "add" for the new chunk ids, then write their vectors;
2. in one catalog transaction: the documents' chunks, keyword entries, texts and records, a journal
   "delete" for the chunk ids they no longer have, and the "add" entries cleared;
3. delete those vectors, then clear the "delete" entries.

A process killed at any point leaves journal entries naming every vector the catalog does not hold;
`recover()` (run before every write) deletes them, and the next ingest redoes what was not committed.
Only one writer runs per data directory (`index.lock`).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

from index.catalog import Catalog, DocumentRecord, now
from index.embedder import Embedder
from index.lock import WriteLock
from index.planner import DocumentWrite, Plan, Planner
from index.report import IngestReport, Outcome
from index.store import BASE, POINTER, VectorStore, Vectors

log = logging.getLogger(__name__)

T = TypeVar("T")


class Writer:
    """Applies plans (ingest, remove), re-indexes, and recovers from interrupted writes."""

    def __init__(
        self, catalog: Catalog, vectors: Vectors, embedder: Embedder, planner: Planner, lock: WriteLock, batch: int = 256
    ) -> None:
        self.batch = batch  # chunks per step: a crash loses the step being written and the one being embedded
        self.catalog = catalog
        self.vectors = vectors
        self.embedder = embedder
        self.planner = planner
        self.lock = lock

    # -- recovery -----------------------------------------------------------------------------
    def recover(self) -> int:
        """Delete vectors that an interrupted write left behind; returns how many journal entries were settled."""
        with self.lock.hold():
            entries = self.catalog.journal()
            if not entries:
                return 0
            present = set(self.catalog.chunks(e.chunk_id for e in entries))
            live = self.vectors.generations()
            for name in {e.collection for e in entries}:
                orphans = [e.chunk_id for e in entries if e.collection == name and e.chunk_id not in present]
                if orphans and name in live:
                    self.vectors.open(name, check=False).delete(orphans)
            with self.catalog.transaction():
                for e in entries:
                    self.catalog.journal_clear(e.op, e.collection, [e.chunk_id])
            log.info("settled %d vector writes left by an interrupted write", len(entries))
            return len(entries)

    # -- applying plans -----------------------------------------------------------------------
    def apply(self, plan: Plan, progress: bool = False) -> IngestReport:
        """Write everything the plan says; documents that fail to chunk are reported, the rest go in."""
        started = now()
        report = IngestReport(outcomes=list(plan.outcomes))
        with self.lock.hold():
            self.recover()
            store = self.vectors.live()
            if plan.removals:
                self._remove(plan.removals, store, report)
            if plan.moves:
                with self.catalog.transaction():
                    for record in plan.moves:
                        self.catalog.put_document(record)
            if plan.documents:
                self._write(plan, store, report, progress)
        report.sort()
        report.seconds = now() - started
        return report

    def _remove(self, records: Sequence[DocumentRecord], store: VectorStore, report: IngestReport) -> None:
        gone: list[str] = []
        with self.catalog.transaction():
            for record in records:
                ids = self.catalog.delete_document(record.doc_id)
                gone += ids
                report.outcomes.append(Outcome(record.doc_id, "removed", chunks=len(ids), path=record.path))
            self.catalog.journal_add("delete", store.name, gone)
            self.catalog.bump_version()
        store.delete(gone)
        with self.catalog.transaction():
            self.catalog.journal_clear("delete", store.name, gone)

    def _write(self, plan: Plan, store: VectorStore, report: IngestReport, progress: bool) -> None:
        stored = self.catalog.chunk_ids_of(p.document.doc_id for p in plan.documents)
        with self.catalog.transaction():
            self.catalog.set_meta("embedding", json.dumps({"model": self.embedder.name, "dim": self.embedder.dimension}))
            self.catalog.set_meta(BASE, self.vectors.base)  # the Chroma name stays with the collection
        chunked = prefetch(self.planner.chunk(p, stored.get(p.document.doc_id, ())) for p in plan.documents)
        bar = _progress_bar(len(plan.documents), progress, unit="doc", desc="ingesting")
        # Each step is embedded on a thread while the step before it is written (Chroma's HNSW
        # insert, the catalog and its keyword index): the encoder never waits for the writes.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="askdocs-embed") as encoder:
            written: tuple[list[DocumentWrite], Future[np.ndarray | None]] | None = None
            for batch in self._steps(chunked, bar, report):
                embedding = encoder.submit(self._embed, batch)
                if written is not None:
                    self._flush(*written, store, report)
                written = (batch, embedding)
            if written is not None:
                self._flush(*written, store, report)
        bar.close()
        # Only now: a run interrupted before this point still finds the documents it did not re-chunk.
        with self.catalog.transaction():
            self.catalog.set_meta("chunking", self.planner.chunking)

    def _steps(
        self, chunked: Iterable[DocumentWrite | Outcome], bar: Any, report: IngestReport
    ) -> Iterator[list[DocumentWrite]]:
        """The chunked documents in steps of about `batch` new chunks; failures go to the report.

        The first step is an eighth of that: the encoder starts as soon as the first documents are
        chunked, rather than idling while a whole step is (about a second for 2,048 chunks)."""
        batch: list[DocumentWrite] = []
        pending = 0
        size = max(1, self.batch // 8)
        for item in chunked:
            bar.update(1)
            if isinstance(item, Outcome):
                report.outcomes.append(item)
                continue
            batch.append(item)
            pending += len(item.new)
            if pending >= size:
                yield batch
                batch, pending, size = [], 0, self.batch
        if batch:
            yield batch

    def _embed(self, batch: Sequence[DocumentWrite]) -> np.ndarray | None:
        chunks = [write.chunks[i] for write in batch for i in write.new]
        texts = [c.embedded for c in chunks]
        # Token ids counted by chunking are the text's: a passage read after its headings is tokenized anew.
        tokens = [c.tokens if text == c.text else None for c, text in zip(chunks, texts, strict=True)]
        return self.embedder.embed(texts, tokens=tokens) if chunks else None

    def _flush(
        self, batch: Sequence[DocumentWrite], embedding: Future[np.ndarray | None], store: VectorStore, report: IngestReport
    ) -> None:
        """Write one embedded step of documents (the three steps of the module docstring)."""
        new = [(write, i) for write in batch for i in write.new]
        ids = [write.ids[i] for write, i in new]
        vectors = embedding.result()
        if new:
            with self.catalog.transaction():
                self.catalog.journal_add("add", store.name, ids)
            store.upsert(ids, vectors, [write.doc_id for write, _ in new])
        stale = [cid for write in batch for cid in write.stale]
        stamp = now()
        with self.catalog.transaction():
            for write in batch:
                self._commit(write, stamp)
            self.catalog.journal_add("delete", store.name, stale)
            self.catalog.journal_clear("add", store.name, ids)
            self.catalog.bump_version()
        if stale:
            store.delete(stale)
            with self.catalog.transaction():
                self.catalog.journal_clear("delete", store.name, stale)
        report.outcomes += [
            Outcome(
                w.doc_id, w.planned.status, chunks=len(w.ids), embedded=len(w.new), path=str(w.planned.document.path),
                ocr_pages=w.planned.document.ocr_pages,
            )
            for w in batch
        ]

    def _commit(self, write: DocumentWrite, stamp: float) -> None:
        planned = write.planned
        document = planned.document
        existing = self.catalog.document(document.doc_id)
        self.catalog.replace_chunks(document.doc_id, write.ids, write.chunks)
        self.catalog.put_text(document.doc_id, document.text)
        self.catalog.set_line_keys(document.doc_id, planned.keys)
        self.catalog.put_document(
            DocumentRecord(
                doc_id=document.doc_id,
                root=str(planned.root),
                path=str(document.path),
                title=write.chunks[0].title,
                kind=document.kind,
                content_hash=planned.content_hash,
                signature=planned.signature,
                chars=len(document.text),
                pages=len(document.pages) or None,
                n_chunks=len(write.ids),
                ingested_at=existing.ingested_at if existing else stamp,
                updated_at=stamp,
                parent=document.parent,
                ocr_pages=document.ocr_pages,
            )
        )

    # -- re-indexing --------------------------------------------------------------------------
    def reindex(self, progress: bool = False) -> int:
        """Re-embed every chunk with the configured model into a new collection, then switch to it."""
        with self.lock.hold():
            self.recover()
            old = self.vectors.live_name
            name = self.vectors.next_generation()
            self.vectors.drop(name)  # left by an interrupted re-index
            store = self.vectors.open(name, check=False)
            bar = _progress_bar(self.catalog.chunk_count(), progress, unit="chunk", desc="re-embedding")
            total = 0
            for batch in self.catalog.iter_chunks(self.batch):
                vectors = self.embedder.embed([c.embedded for c in batch])
                store.upsert([c.id for c in batch], vectors, [c.doc_id for c in batch])
                bar.update(len(batch))
                total += len(batch)
            bar.close()
            with self.catalog.transaction():
                self.catalog.set_meta(BASE, self.vectors.base)
                self.catalog.set_meta(POINTER, name)
                self.catalog.set_meta("embedding", json.dumps({"model": self.embedder.name, "dim": self.embedder.dimension}))
                self.catalog.bump_version()
            self.vectors.drop(old)
            return total


def prefetch(items: Iterable[T], size: int = 32) -> Iterator[T]:
    """`items`, computed by a background thread up to `size` ahead (chunking overlaps embedding)."""
    done = object()
    buffer: queue.Queue[object] = queue.Queue(maxsize=size)
    failure: list[BaseException] = []
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                buffer.put(item)
        except BaseException as exc:  # handed to the consumer, raised there
            failure.append(exc)
        finally:
            buffer.put(done)

    thread = threading.Thread(target=produce, name="askdocs-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is done:
                break
            yield item  # type: ignore[misc]
        if failure:
            raise failure[0]
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full buffer
            try:
                buffer.get_nowait()
            except queue.Empty:
                thread.join(0.05)


def _progress_bar(total: int, enabled: bool, unit: str, desc: str):  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=desc, disable=not enabled or total < 64, leave=False)

