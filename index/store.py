"""The vector store: Chroma collections (embedded or a server), cosine distance, batched writes.

Vectors are addressed by chunk id and carry only the document id (for filtering); the text, offsets
and titles live in the catalog, which decides what exists. A re-index writes a new collection and
the catalog's pointer flips to it in one transaction, so readers never see a half-built one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from urllib.parse import urlparse

import numpy as np

from index.errors import ChromaUnavailable, EmbeddingModelMismatch
from index.settings import IndexSettings

log = logging.getLogger(__name__)


def connect(settings: IndexSettings):  # type: ignore[no-untyped-def]
    """A Chroma client: a server when `chroma_url` is set, else embedded under the data directory."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if not settings.chroma_url:
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    url = urlparse(settings.chroma_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ChromaUnavailable(
            f"ASKDOCS_CHROMA_URL '{settings.chroma_url}' is not an http(s) URL such as http://127.0.0.1:8000",
            url=settings.chroma_url,
        )
    try:
        client = chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
        client.heartbeat()
    except Exception as exc:  # chromadb raises several transport errors; all mean "not reachable"
        raise unreachable(settings.chroma_url, exc) from None
    return client


def unreachable(url: str, exc: BaseException) -> ChromaUnavailable:
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ChromaUnavailable(
        f"Cannot reach the Chroma server at {url} ({reason}). Start one with "
        "`chroma run --path DIR --port PORT`, or unset ASKDOCS_CHROMA_URL to use the embedded store.",
        url=url,
    )


def collection_names(client) -> set[str]:  # type: ignore[no-untyped-def]
    return {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}


class VectorStore:
    """One Chroma collection holding every chunk's vector and its document id."""

    def __init__(  # type: ignore[no-untyped-def]
        self, client, name: str, model_name: str, dimension: int, where: str, check: bool = True, ef_search: int = 1000
    ) -> None:
        self.name = name
        self.model_name = model_name
        self.dimension = dimension
        self.where = where
        self.ef_search = ef_search
        self._client = client
        self._collection = self._open(check)
        self.max_batch = int(client.get_max_batch_size())

    def _open(self, check: bool):  # type: ignore[no-untyped-def]
        if self.name not in collection_names(self._client):
            return self._client.create_collection(
                self.name,
                configuration={"hnsw": {"space": "cosine", "ef_search": self.ef_search}},
                metadata={"embedding_model": self.model_name, "embedding_dim": self.dimension},
                embedding_function=None,
            )
        collection = self._client.get_collection(self.name, embedding_function=None)
        meta = dict(collection.metadata or {})
        built_with = meta.get("embedding_model")
        if built_with != self.model_name:
            if check and built_with and collection.count() > 0:
                raise EmbeddingModelMismatch(
                    self.where, str(built_with), meta.get("embedding_dim"), self.model_name, self.dimension
                )
            collection.modify(metadata={**meta, "embedding_model": self.model_name, "embedding_dim": self.dimension})
        hnsw = (collection.configuration_json or {}).get("hnsw") or {}
        if hnsw and hnsw.get("ef_search") != self.ef_search:  # a search-time setting: changed in place
            collection.modify(configuration={"hnsw": {"ef_search": self.ef_search}})
        return collection

    def drop(self) -> None:
        """Delete the whole collection."""
        self._client.delete_collection(self.name)

    def count(self) -> int:
        return int(self._collection.count())

    def _batches(self, size: int) -> range:
        return range(0, size, self.max_batch)

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, doc_ids: Sequence[str]) -> None:
        for start in self._batches(len(ids)):
            end = start + self.max_batch
            self._collection.upsert(
                ids=list(ids[start:end]),
                embeddings=vectors[start:end],
                metadatas=[{"doc_id": d} for d in doc_ids[start:end]],
            )

    def delete(self, ids: Sequence[str]) -> None:
        for start in self._batches(len(ids)):
            self._collection.delete(ids=list(ids[start : start + self.max_batch]))

    def ids(self, batch: int = 5000) -> Iterator[str]:
        """Every id in the collection (for consistency checks)."""
        offset = 0
        while True:
            got = self._collection.get(include=[], limit=batch, offset=offset)["ids"]
            yield from got
            if len(got) < batch:
                return
            offset += batch

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of `ids` (those present)."""
        found: dict[str, np.ndarray] = {}
        for start in self._batches(len(ids)):
            got = self._collection.get(ids=list(ids[start : start + self.max_batch]), include=["embeddings"])
            for cid, vector in zip(got["ids"], got["embeddings"], strict=True):
                found[cid] = np.asarray(vector, dtype=np.float32)
        return found

    def query(self, vector: np.ndarray, limit: int, doc_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Chunk ids with their cosine similarity to `vector`, best first."""
        if limit <= 0:
            return []
        where = None
        if doc_ids:
            where = {"doc_id": {"$in": list(doc_ids)}} if len(doc_ids) > 1 else {"doc_id": doc_ids[0]}
        # Chroma returns fewer than n_results when the collection holds fewer (no count() per query).
        result = self._collection.query(query_embeddings=[vector], n_results=limit, where=where, include=["distances"])
        return [(cid, 1.0 - float(dist)) for cid, dist in zip(result["ids"][0], result["distances"][0], strict=True)]


POINTER = "vector_collection"  # catalog meta key naming the live Chroma collection
BASE = "vector_base"  # catalog meta key: the Chroma name the collection's generations derive from


class Vectors:
    """The vector collections of one index: the live one (named by the catalog) and any being built.

    A re-index fills a new generation (`<collection>-g<N>`) and flips the catalog's pointer to it in
    one transaction; readers that still hold the old one retry with the new one when it is dropped.
    """

    def __init__(self, settings: IndexSettings, catalog, model_name: str, dimension: int) -> None:  # type: ignore[no-untyped-def]
        self.settings = settings
        self.catalog = catalog
        self.model_name = model_name
        self.dimension = dimension
        self.where = settings.chroma_url or str(settings.chroma_path)
        self._client = None
        self._stores: dict[str, VectorStore] = {}
        self._lock = threading.Lock()

    @property
    def client(self):  # type: ignore[no-untyped-def]
        with self._lock:
            if self._client is None:
                self._client = connect(self.settings)
            return self._client

    @property
    def base(self) -> str:
        return self.catalog.get_meta(BASE) or self.settings.chroma_base

    @property
    def live_name(self) -> str:
        return self.catalog.get_meta(POINTER) or self.base

    def live(self, check: bool = True) -> VectorStore:
        return self.open(self.live_name, check)

    def open(self, name: str, check: bool = True) -> VectorStore:
        store = self._stores.get(name)
        if store is None:
            store = VectorStore(
                self.client, name, self.model_name, self.dimension, self.where, check, self.settings.hnsw_ef_search
            )
            self._stores[name] = store
        return store

    def next_generation(self) -> str:
        """The name of the collection the next re-index builds."""
        base = self.base
        prefix, _, number = self.live_name.rpartition("-g")
        if prefix == base and number.isdigit():
            return f"{base}-g{int(number) + 1}"
        return f"{base}-g2"

    def generations(self) -> set[str]:
        """Every Chroma collection of this index: the live one and leftovers of interrupted re-indexes."""
        base = self.base
        return {n for n in collection_names(self.client) if n == base or (n.startswith(f"{base}-g") and n[len(base) + 2 :].isdigit())}

    def drop(self, name: str) -> None:
        self._stores.pop(name, None)
        if name in collection_names(self.client):
            self.client.delete_collection(name)

    def forget(self, name: str) -> None:
        """Stop using a cached handle (its collection was dropped by another process or thread)."""
        self._stores.pop(name, None)
