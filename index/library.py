"""The collections of one data directory: named, isolated sets of documents.

Each collection has its own catalog (documents, chunks, keyword index), its own Chroma collection
and its own record of the embedding model that built it; its folder also holds its uploads,
evaluation runs and answer log. The `default` collection lives in the data directory itself, so a
data directory made before collections existed opens as `default` unchanged; the others live under
`collections/<name>/`. A question asked of one collection never sees another's passages.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from index.catalog import Catalog
from index.collection import Collection, recorded_model
from index.embedder import Embedder
from index.errors import CollectionExists, UnknownCollection
from index.settings import COLLECTION_NAME, DEFAULT_COLLECTION, EmbedBackend, IndexSettings
from index.store import BASE
from ingest.errors import Conflict, InvalidInput
from ingest.settings import IngestSettings

log = logging.getLogger(__name__)
# The backends that run the installed model here; their vectors are interchangeable within a name.
LOCAL_BACKENDS: tuple[EmbedBackend, ...] = ("onnx", "openvino", "onnx-int8", "torch")


@dataclass(frozen=True)
class CollectionInfo:
    name: str
    documents: int
    chunks: int
    embedding_model: str | None

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "documents": self.documents, "chunks": self.chunks, "embedding_model": self.embedding_model}


def check_name(name: str) -> str:
    if not re.fullmatch(COLLECTION_NAME, name):
        raise InvalidInput(
            f"'{name}' is not a collection name: use 1 to 40 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit",
            param="collection",
        )
    return name


class Library:
    """Opens, lists, creates, renames and deletes the collections of a data directory."""

    def __init__(
        self,
        index: IndexSettings,
        ingest: IngestSettings | None = None,
        embedder: Embedder | None = None,
        on_wait: Callable[[str], None] | None = None,
        on_load: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = index
        self.ingest = ingest or IngestSettings()
        self.embedder = embedder or Embedder(index, on_load)
        self.on_wait = on_wait
        self.on_load = on_load
        self._embedders: dict[str, Embedder] = {self.embedder.backend: self.embedder}
        self._open: dict[str, Collection] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)  # told when work on a collection ends
        self._users: dict[str, int] = {}  # collections in use (`using`), by name
        self._closing: set[str] = set()  # collections being deleted or renamed

    def _settings(self, name: str) -> IndexSettings:
        return self.settings.model_copy(update={"collection": check_name(name)})

    def exists(self, name: str) -> bool:
        return name == DEFAULT_COLLECTION or self._settings(name).catalog_path.is_file()

    def names(self) -> list[str]:
        """`default` first, then the others by name."""
        folder = self.settings.collections_dir
        others = sorted(p.name for p in folder.iterdir() if (p / "catalog.sqlite3").is_file()) if folder.is_dir() else []
        return [DEFAULT_COLLECTION, *(n for n in others if re.fullmatch(COLLECTION_NAME, n))]

    def open(self, name: str, create: bool = False, check_model: bool = True) -> Collection:
        """A collection by name; an unknown one is an error unless `create`."""
        with self._lock:
            if name in self._open:
                return self._open[name]
            if not create and not self.exists(name):
                raise UnknownCollection(f"No collection '{name}': `askdocs collections` lists them, and ingesting into one creates it.")
            settings = self._settings(name)
            collection = Collection(settings, self.ingest, self._embedder_for(settings) if check_model else self.embedder, check_model, self.on_wait)
            self._open[name] = collection
            return collection

    @contextlib.contextmanager
    def using(self, name: str) -> Iterator[Collection]:
        """A collection held for one piece of work (an answer, a search): deleting or renaming it
        waits until the work is done, and work asked for meanwhile finds it gone."""
        collection = self.open(name)
        with self._lock:
            if name in self._closing:
                raise UnknownCollection(f"Collection '{name}' is being deleted or renamed.")
            self._users[name] = self._users.get(name, 0) + 1
        try:
            yield collection
        finally:
            with self._lock:
                self._users[name] -= 1
                self._idle.notify_all()

    @contextlib.contextmanager
    def _closed_to_users(self, name: str) -> Iterator[None]:
        """No new work on `name`, and the work in progress finished (within write_wait seconds)."""
        with self._lock:
            self._closing.add(name)
            if not self._idle.wait_for(lambda: not self._users.get(name), timeout=self.settings.write_wait):
                self._closing.discard(name)
                raise Conflict(f"Collection '{name}' is still answering or searching after {self.settings.write_wait:.0f} s; try again.")
        try:
            yield
        finally:
            with self._lock:
                self._closing.discard(name)

    def _embedder_for(self, settings: IndexSettings) -> Embedder:
        """The configured embedder, or, for a collection built by another local backend of the same
        model (torch before the ONNX backends existed), that backend: its vectors are only
        comparable with their own kind. `askdocs reindex` rebuilds it with the configured one."""
        if self.embedder.backend not in LOCAL_BACKENDS:
            return self.embedder
        catalog = Catalog(settings.catalog_path)
        try:
            recorded = recorded_model(catalog)
        finally:
            catalog.close()
        if recorded is None or recorded == self.embedder.name:
            return self.embedder
        for backend in LOCAL_BACKENDS:
            if backend not in self._embedders:
                self._embedders[backend] = Embedder(self.settings.model_copy(update={"embed_backend": backend}), self.on_load)
            if self._embedders[backend].name == recorded:
                log.info("collection '%s' was built by the %s backend: answering with it", settings.collection, backend)
                return self._embedders[backend]
        return self.embedder  # another model: Collection.check_model says what to do

    def create(self, name: str) -> Collection:
        if self.exists(name):
            raise CollectionExists(f"Collection '{name}' already exists.")
        return self.open(name, create=True)

    def info(self) -> list[CollectionInfo]:
        found = []
        for name in self.names():
            collection = self.open(name, check_model=False)
            with collection.catalog.read():
                model = collection.recorded_model()
                found.append(CollectionInfo(name, collection.catalog.document_count(), collection.catalog.chunk_count(), model))
        return found

    def delete(self, name: str) -> None:
        """Remove a collection and everything of it: documents, vectors, uploads, runs, answer log."""
        if name == DEFAULT_COLLECTION:
            raise Conflict("The default collection cannot be deleted: remove its documents with `askdocs remove`.")
        collection = self.open(name)
        with collection.lock.hold(), self._closed_to_users(name):
            for chroma_name in collection.vectors.generations():
                collection.vectors.drop(chroma_name)
            collection.close()
            with self._lock:
                self._open.pop(name, None)
            shutil.rmtree(collection.settings.collection_dir)

    def rename(self, old: str, new: str) -> None:
        """Give a collection another name; its Chroma collection keeps its own (the catalog records it)."""
        if DEFAULT_COLLECTION in (old, new):
            raise Conflict("The default collection cannot be renamed, nor another take its name.")
        if self.exists(new):
            raise CollectionExists(f"Collection '{new}' already exists.")
        collection = self.open(old)
        with collection.lock.hold(), self._closed_to_users(old):
            if collection.catalog.get_meta(BASE) is None:
                with collection.catalog.transaction():
                    collection.catalog.set_meta(BASE, collection.vectors.base)
            collection.close()
            with self._lock:
                self._open.pop(old, None)
            collection.settings.collection_dir.rename(self._settings(new).collection_dir)

    def close(self) -> None:
        with self._lock:
            for collection in self._open.values():
                collection.close()
            self._open.clear()
