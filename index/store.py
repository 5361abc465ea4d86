"""The vector store: a Chroma collection (embedded or a server), cosine distance, batched writes."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from urllib.parse import urlparse

import numpy as np

from index.errors import ChromaUnavailable, EmbeddingModelMismatch
from index.settings import IndexSettings

log = logging.getLogger(__name__)

Metadata = Mapping[str, str | int | float | bool]


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
            f"ASKDOCS_CHROMA_URL '{settings.chroma_url}' is not an http(s) URL such as http://127.0.0.1:8000"
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
        raise ChromaUnavailable(
            f"Cannot reach the Chroma server at {settings.chroma_url} ({exc}). Start one with "
            "`chroma run --path DIR --port PORT`, or unset ASKDOCS_CHROMA_URL to use the embedded store."
        ) from None
    return client


class VectorStore:
    """One Chroma collection holding every chunk's vector, text and position."""

    def __init__(self, settings: IndexSettings, model_name: str, dimension: int, check: bool = True) -> None:
        self.settings = settings
        self.model_name = model_name
        self.dimension = dimension
        self.where = settings.chroma_url or str(settings.chroma_path)
        self._client = connect(settings)
        self._collection = self._open(check)
        self.max_batch = int(self._client.get_max_batch_size())

    def _open(self, check: bool):  # type: ignore[no-untyped-def]
        existing = {c.name if hasattr(c, "name") else str(c) for c in self._client.list_collections()}
        name = self.settings.collection
        if name in existing:
            collection = self._client.get_collection(name, embedding_function=None)
            meta = dict(collection.metadata or {})
            built_with = meta.get("embedding_model")
            if built_with != self.model_name:
                if check and built_with and collection.count() > 0:
                    raise EmbeddingModelMismatch(
                        self.where, str(built_with), meta.get("embedding_dim"), self.model_name, self.dimension
                    )
                collection.modify(metadata={**meta, "embedding_model": self.model_name, "embedding_dim": self.dimension})
            return collection
        return self._client.create_collection(
            name,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding_model": self.model_name, "embedding_dim": self.dimension},
            embedding_function=None,
        )

    def reset(self) -> None:
        """Drop the collection and create it anew for the configured model."""
        self._client.delete_collection(self.settings.collection)
        self._collection = self._open(check=False)

    def count(self) -> int:
        return int(self._collection.count())

    def _batches(self, size: int) -> range:
        return range(0, size, self.max_batch)

    def upsert(
        self, ids: Sequence[str], vectors: np.ndarray, texts: Sequence[str], metadatas: Sequence[Metadata]
    ) -> None:
        for start in self._batches(len(ids)):
            end = start + self.max_batch
            self._collection.upsert(
                ids=list(ids[start:end]),
                embeddings=vectors[start:end],
                documents=list(texts[start:end]),
                metadatas=[dict(m) for m in metadatas[start:end]],
            )

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[Metadata]) -> None:
        for start in self._batches(len(ids)):
            end = start + self.max_batch
            self._collection.update(ids=list(ids[start:end]), metadatas=[dict(m) for m in metadatas[start:end]])

    def delete(self, ids: Sequence[str]) -> None:
        for start in self._batches(len(ids)):
            self._collection.delete(ids=list(ids[start : start + self.max_batch]))

    def query(self, vector: np.ndarray, limit: int, doc_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Chunk ids with their cosine similarity to `vector`, best first."""
        if limit <= 0 or self.count() == 0:
            return []
        where = None
        if doc_ids:
            where = {"doc_id": {"$in": list(doc_ids)}} if len(doc_ids) > 1 else {"doc_id": doc_ids[0]}
        result = self._collection.query(
            query_embeddings=[vector], n_results=min(limit, self.count()), where=where, include=["distances"]
        )
        return [(cid, 1.0 - float(dist)) for cid, dist in zip(result["ids"][0], result["distances"][0], strict=True)]
