"""Checking that the catalog, the keyword index and Chroma agree, and repairing what can be repaired.

`askdocs doctor` runs `check()`; `--repair` runs `repair()`, which fixes what it found (deleting
vectors no chunk owns, re-embedding chunks that lost their vector, rebuilding the keyword index,
dropping the leftovers of an interrupted re-index) and checks again.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace

from index.collection import Collection
from index.errors import EmbeddingModelMismatch

log = logging.getLogger(__name__)


@dataclass
class Finding:
    """One check: what was looked at, whether it holds, and what is wrong when it does not."""

    name: str
    ok: bool
    detail: str
    count: int = 0
    repairable: bool = True

    def as_dict(self) -> dict[str, object]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail, "count": self.count}


@dataclass
class Diagnosis:
    findings: list[Finding] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    # What the repair needs: ids found by the checks.
    orphan_vectors: list[str] = field(default_factory=list, repr=False)
    missing_vectors: list[str] = field(default_factory=list, repr=False)
    leftover_collections: list[str] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "checks": [f.as_dict() for f in self.findings], "repaired": self.repaired}


def check(collection: Collection) -> Diagnosis:
    """Every consistency check, read-only."""
    catalog, vectors = collection.catalog, collection.vectors
    diagnosis = Diagnosis()
    add = diagnosis.findings.append

    journal = catalog.journal()
    add(Finding("journal", not journal, f"{len(journal)} vector writes of an interrupted write not settled" if journal else "no interrupted write", len(journal)))

    recorded = json.loads(catalog.get_meta("embedding") or "null")
    model_ok = not recorded or recorded["model"] == collection.embedder.name
    add(
        Finding(
            "embedding model",
            model_ok,
            f"built with {recorded['model'] if recorded else collection.embedder.name}"
            + ("" if model_ok else f", but {collection.embedder.name} is configured: run `askdocs reindex`"),
            repairable=False,
        )
    )

    live = vectors.live_name
    generations = vectors.generations()
    diagnosis.leftover_collections = sorted(generations - {live})
    add(
        Finding(
            "collections",
            not diagnosis.leftover_collections,
            f"live collection {live}"
            + (f"; left by an interrupted re-index: {', '.join(diagnosis.leftover_collections)}" if diagnosis.leftover_collections else ""),
            len(diagnosis.leftover_collections),
        )
    )

    with catalog.read():
        chunk_ids = catalog.all_chunk_ids()
        keyword_ok = catalog.keyword_index_ok()
        counts_wrong = [
            r.doc_id for r in catalog.documents() if r.n_chunks != len(catalog.chunk_ids(r.doc_id))
        ]
        orphan_keys = catalog.orphan_line_keys()
    try:
        store = vectors.live(check=model_ok)
        vector_ids = set(store.ids()) if live in generations else set()
    except EmbeddingModelMismatch:
        vector_ids = set()
    diagnosis.orphan_vectors = sorted(vector_ids - chunk_ids)
    diagnosis.missing_vectors = sorted(chunk_ids - vector_ids)
    add(Finding("chunks", True, f"{len(chunk_ids)} chunks in the catalog, {len(vector_ids)} vectors in {live}", len(chunk_ids)))
    add(Finding("orphan vectors", not diagnosis.orphan_vectors, f"{len(diagnosis.orphan_vectors)} vectors in Chroma with no chunk in the catalog", len(diagnosis.orphan_vectors)))
    add(Finding("missing vectors", not diagnosis.missing_vectors, f"{len(diagnosis.missing_vectors)} chunks with no vector in Chroma", len(diagnosis.missing_vectors)))
    add(Finding("keyword index", keyword_ok, "matches the chunks" if keyword_ok else "does not match the chunks (FTS5 integrity check failed)"))
    add(Finding("document records", not counts_wrong, f"{len(counts_wrong)} documents whose chunk count is wrong" if counts_wrong else "chunk counts agree", len(counts_wrong)))
    add(Finding("line keys", not orphan_keys, f"{orphan_keys} boilerplate line keys of documents not in the catalog", orphan_keys))
    return diagnosis


def repair(collection: Collection) -> Diagnosis:
    """Fix what `check()` finds (under the write lock), then check again."""
    catalog, vectors = collection.catalog, collection.vectors
    repaired: list[str] = []
    with collection.lock.hold():
        settled = collection.writer.recover()
        if settled:
            repaired.append(f"settled {settled} journal entries of an interrupted write")
        found = check(collection)
        for name in found.leftover_collections:
            vectors.drop(name)
            repaired.append(f"dropped collection {name}")
        store = vectors.live()
        if found.orphan_vectors:
            store.delete(found.orphan_vectors)
            repaired.append(f"deleted {len(found.orphan_vectors)} orphan vectors")
        if found.missing_vectors:
            records = catalog.chunks(found.missing_vectors)
            for start in range(0, len(found.missing_vectors), 256):
                batch = [records[i] for i in found.missing_vectors[start : start + 256] if i in records]
                store.upsert([c.id for c in batch], collection.embedder.embed([c.embedded for c in batch]), [c.doc_id for c in batch])
            repaired.append(f"re-embedded {len(found.missing_vectors)} chunks that had no vector")
        by_name = {f.name: f for f in found.findings}
        with catalog.transaction():
            if not by_name["keyword index"].ok:
                catalog.rebuild_keyword_index()
                repaired.append("rebuilt the keyword index")
            if not by_name["document records"].ok:
                for record in catalog.documents():
                    actual = len(catalog.chunk_ids(record.doc_id))
                    if actual != record.n_chunks:
                        catalog.put_document(replace(record, n_chunks=actual))
                repaired.append("corrected document chunk counts")
            if not by_name["line keys"].ok:
                catalog.delete_orphan_line_keys()
                repaired.append("deleted line keys of removed documents")
    after = check(collection)
    after.repaired = repaired
    return after
