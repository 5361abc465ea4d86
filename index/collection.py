"""A collection: one corpus's catalog, keyword index and vectors, and the parts that work on them.

The planner says what a change takes, the writer applies it crash-safely, the retriever reads. This
module only wires them together for one data directory and holds the write lock while a change is
planned and applied, so that the plan is never stale.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from pathlib import Path

from index.catalog import Catalog, DocumentRecord
from index.embedder import Embedder
from index.errors import EmbeddingModelMismatch, UnknownDocument
from index.lock import WriteLock
from index.planner import Planner
from index.report import IngestReport
from index.retrieve import Retriever
from index.settings import IndexSettings
from index.store import Vectors
from index.writer import Writer
from ingest.settings import IngestSettings


class Collection:
    """One corpus in one data directory."""

    def __init__(
        self,
        index: IndexSettings,
        ingest: IngestSettings | None = None,
        embedder: Embedder | None = None,
        check_model: bool = True,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = index
        self.ingest_settings = ingest or IngestSettings()
        self.catalog = Catalog(index.catalog_path)
        self.embedder = embedder or Embedder(index)
        self.lock = WriteLock(index.lock_path, index.write_wait, on_wait)
        self.vectors = Vectors(index, self.catalog, self.embedder.name, self.embedder.dimension)
        if check_model:
            self.check_model()

    def close(self) -> None:
        if "retriever" in self.__dict__:
            self.retriever.close()
        self.catalog.close()

    @property
    def name(self) -> str:
        return self.settings.collection

    def recorded_model(self) -> str | None:
        return recorded_model(self.catalog)

    def check_model(self) -> None:
        """Refuse to mix vectors of two embedding models: the catalog records which one built it."""
        recorded = json.loads(self.catalog.get_meta("embedding") or "null")
        if recorded and recorded["model"] != self.embedder.name and self.catalog.chunk_count():
            raise EmbeddingModelMismatch(
                str(self.settings.collection_dir), recorded["model"], recorded.get("dim"), self.embedder.name, self.embedder.dimension
            )

    @cached_property
    def planner(self) -> Planner:
        # Chunks depend on the model's tokenizer, not on what runs the model.
        return Planner(self.ingest_settings, self.settings, self.catalog, self.embedder.model_name, self.embedder.tokenizer_file)

    @cached_property
    def writer(self) -> Writer:
        return Writer(self.catalog, self.vectors, self.embedder, self.planner, self.lock, self.settings.write_batch)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.settings, self.catalog, self.vectors, self.embedder)

    # -- changes ------------------------------------------------------------------------------
    def ingest(self, paths: Sequence[Path], progress: bool = False, wait: bool = True) -> IngestReport:
        """Bring the index in line with these files and folders."""
        with self.lock.hold(wait):
            return self.writer.apply(self.planner.plan_paths(paths), progress)

    def sync(self, root: Path, changed: Iterable[Path]) -> IngestReport:
        """Apply file-system changes under `root` (the folder watcher)."""
        with self.lock.hold():
            return self.writer.apply(self.planner.plan_changes(root, changed))

    def remove(self, doc_id: str, wait: bool = True) -> IngestReport:
        """Remove one document (by id, or by the path it was ingested from)."""
        with self.lock.hold(wait):
            record = self.find(doc_id)
            return self.writer.apply(self.planner.plan_removal([record]))

    def reindex(self, progress: bool = False, wait: bool = True) -> int:
        with self.lock.hold(wait):
            return self.writer.reindex(progress)

    def find(self, doc_id: str) -> DocumentRecord:
        """A document by id, or by the path it was ingested from."""
        record = self.catalog.document(doc_id)
        if record is None:
            wanted = str(Path(doc_id).resolve())
            record = next((r for r in self.catalog.documents() if r.path == wanted), None)
        if record is None:
            raise UnknownDocument(f"No document '{doc_id}' in the index: `askdocs docs` lists them.")
        return record


def recorded_model(catalog: Catalog) -> str | None:
    """The embedding model that built a collection's vectors, as its catalog records it."""
    recorded = json.loads(catalog.get_meta("embedding") or "null")
    return recorded["model"] if recorded else None
