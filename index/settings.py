"""Settings the index reads: where data lives, which Chroma, which embedding model."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from ingest.settings import IngestSettings

PACKAGED_EMBED_MODEL = "all-MiniLM-L6-v2"


class IndexSettings(IngestSettings):
    """Storage, embedding and retrieval."""

    data_dir: Path = Field(Path(".askdocs"), description="Where the catalog, keyword index and embedded Chroma live.")
    chroma_url: str | None = Field(
        None,
        description="URL of a Chroma server (for example http://127.0.0.1:8000). Unset: an embedded "
        "Chroma under data_dir.",
    )
    collection: str = Field("askdocs", min_length=3, max_length=63, description="Chroma collection name.")
    embed_model: str = Field(
        PACKAGED_EMBED_MODEL,
        description="Sentence-transformers model: 'all-MiniLM-L6-v2' (packaged, offline) or a local model folder.",
    )
    embed_batch_size: int = Field(32, ge=1, le=1024, description="Texts embedded per batch.")
    threads: int | None = Field(
        None, ge=1, le=256, description="CPU threads for embedding and local LLMs (default: all cores)."
    )
    top_k: int = Field(5, ge=1, le=100, description="Passages returned by search and given to the answerer.")
    candidates: int = Field(
        50, ge=1, le=1000, description="Passages each retriever (dense, keyword) proposes before fusion."
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
        return self.data_dir / "chroma"

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "catalog.sqlite3"
