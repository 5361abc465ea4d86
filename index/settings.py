"""Settings the index reads: where data lives, which Chroma, which embedding model, how to retrieve."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

PACKAGED_EMBED_MODEL = "all-MiniLM-L6-v2"
DEFAULT_COLLECTION = "default"
COLLECTION_NAME = r"^[a-z0-9][a-z0-9_-]{0,39}$"
EmbedBackend = Literal["torch", "onnx", "onnx-int8", "openvino", "openai"]


class IndexSettings(BaseModel):
    """Storage, embedding and retrieval."""

    data_dir: Path = Field(Path(".askdocs"), description="Where the catalog, keyword index and embedded Chroma live.")
    chroma_url: str | None = Field(
        None,
        description="URL of a Chroma server (for example http://127.0.0.1:8000). Unset: an embedded "
        "Chroma under data_dir.",
    )
    collection: str = Field(
        DEFAULT_COLLECTION,
        pattern=COLLECTION_NAME,
        description="Which collection (an isolated set of documents) to use: lower-case letters, digits, '-' and '_'.",
    )
    chroma_collection: str = Field(
        "askdocs",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,40}[A-Za-z0-9]$",
        description="Name of the default collection's Chroma collection; other collections are named after it "
        "(`<name>-<collection>`). Re-indexing adds a generation suffix (`-g2`).",
    )
    embed_model: str = Field(
        PACKAGED_EMBED_MODEL,
        description="Sentence-transformers model: 'all-MiniLM-L6-v2' (packaged, offline) or a local model folder.",
    )
    embed_backend: EmbedBackend = Field(
        "openvino",
        description="What runs the embedding model: torch (sentence-transformers); onnx or onnx-int8 (an ONNX "
        "export, built offline from the model at install, run by onnxruntime; int8: quantized weights); openvino "
        "(the same fp32 export run by OpenVINO, in bfloat16 on CPUs with bfloat16 units); openai "
        "(an OpenAI-compatible /v1/embeddings service at embed_url, serving embed_model).",
    )
    embed_url: str | None = Field(
        None, description="Base URL of an OpenAI-compatible embeddings service, e.g. http://127.0.0.1:8081/v1 (openai backend)."
    )
    embed_api_key: SecretStr | None = Field(
        None, description="API key of the embeddings service (a secret: never logged)."
    )
    embed_timeout: float = Field(60.0, gt=0, le=3600, description="Seconds to wait for the embeddings service.")
    embed_batch_size: int = Field(32, ge=1, le=1024, description="Texts embedded per batch.")
    embed_cache: int = Field(
        4096,
        ge=0,
        le=1_000_000,
        description="Recently embedded short texts (queries, answer sentences) kept in memory, so none is "
        "embedded twice (0: no cache).",
    )
    threads: int | None = Field(None, ge=1, le=256, description="CPU threads for embedding (default: all cores).")
    top_k: int = Field(5, ge=1, le=100, description="Passages returned by search and given to the answerer.")
    candidates: int = Field(
        50, ge=1, le=1000, description="Passages each retriever (dense, keyword) proposes before fusion."
    )
    write_batch: int = Field(
        2048,
        ge=1,
        le=100_000,
        description="Chunks embedded and committed per step of an ingest (a crash loses the step being written and "
        "the next one, which is embedded meanwhile).",
    )
    write_wait: float = Field(
        600.0,
        ge=0,
        le=86400,
        description="Seconds a write (ingest, remove, reindex) waits for another process writing to the same "
        "data directory before giving up.",
    )
    hnsw_ef_search: int = Field(
        1000,
        ge=10,
        le=10_000,
        description="Candidates Chroma's HNSW index explores per vector query: more finds the true nearest chunks "
        "more often, at some speed. On SciFact's 12k chunks, Chroma's default of 100 missed up to 14 of a "
        "100-chunk query's true neighbours; 1000 misses at most 1, for about 1.5 ms more a query. Applied to "
        "existing collections when they are opened.",
    )
    keyword_prune_from: int = Field(
        20_000,
        ge=0,
        description="In a collection of at least this many chunks, the keyword search leaves out query words "
        "found in more than keyword_common_share of the chunks (the three rarest words are always kept): BM25 "
        "scores every chunk holding any query word, and common words add many chunks but little ranking "
        "(0: always; a very large number: never).",
    )
    keyword_memory_from: int = Field(
        20_000,
        ge=0,
        description="In a long-running process (web chat, HTTP API, MCP server), a collection of at least this many "
        "chunks has its keyword index copied into memory and searched there, with the same BM25 ranking as on disk: "
        "about 3 ms a query instead of 30-80 ms at 100k chunks, for 0.6 kB of memory a chunk. The copy is read again "
        "in the background after the collection changes; on disk answers meanwhile (0: always).",
    )
    keyword_common_share: float = Field(
        0.2, gt=0.0, le=1.0, description="Share of a large collection's chunks above which a query word is left out of the keyword search."
    )
    rrf_k: int = Field(60, ge=1, le=1000, description="Reciprocal-rank-fusion constant (fusion 'rrf').")
    fusion: Literal["weighted", "rrf"] = Field(
        "weighted",
        description="How dense and keyword candidates are merged: weighted (each score divided by its list's best, "
        "then blended by dense_weight) or rrf (reciprocal rank fusion).",
    )
    dense_weight: float = Field(
        0.65, ge=0.0, le=1.0, description="Share of the dense score in weighted fusion (chosen on SciFact's train queries)."
    )

    @property
    def chroma_path(self) -> Path:
        """The embedded Chroma of every collection of the data directory."""
        return self.data_dir / "chroma"

    @property
    def collections_dir(self) -> Path:
        return self.data_dir / "collections"

    @property
    def collection_dir(self) -> Path:
        """Everything of this collection but its vectors; the default collection's is the data directory itself."""
        if self.collection == DEFAULT_COLLECTION:
            return self.data_dir
        return self.collections_dir / self.collection

    @property
    def catalog_path(self) -> Path:
        return self.collection_dir / "catalog.sqlite3"

    @property
    def lock_path(self) -> Path:
        return self.collection_dir / "write.lock"

    @property
    def chroma_base(self) -> str:
        """The Chroma collection name a new collection starts with (the catalog keeps the one in use)."""
        if self.collection == DEFAULT_COLLECTION:
            return self.chroma_collection
        return f"{self.chroma_collection}-{self.collection}"
