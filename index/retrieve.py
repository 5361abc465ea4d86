"""Hybrid retrieval: dense (embedding) and keyword (BM25) candidates fused by reciprocal rank."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from index.catalog import Catalog
from index.embedder import Embedder
from index.settings import IndexSettings
from index.store import VectorStore


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with everything a citation needs and the scores that ranked it."""

    chunk_id: str
    doc_id: str
    title: str
    text: str
    start: int
    end: int
    page: int | None
    chunk_no: int
    score: float  # fused, scaled so that first place in both rankings (best score in both) is 1.0
    dense_score: float | None  # cosine similarity
    keyword_score: float | None  # BM25
    dense_rank: int | None
    keyword_rank: int | None

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.chunk_id,
            "source": self.doc_id,
            "title": self.title,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "page": self.page,
            "chunk": self.chunk_no,
            "score": round(self.score, 6),
            "dense_score": None if self.dense_score is None else round(self.dense_score, 6),
            "keyword_score": None if self.keyword_score is None else round(self.keyword_score, 6),
        }


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int) -> dict[str, float]:
    """RRF (Cormack et al. 2009): each list adds 1/(k + rank); normalised so the ideal is 1.0."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    best = len(rankings) / (k + 1)
    return {item: score / best for item, score in fused.items()}


def weighted_fusion(rankings: Sequence[Sequence[tuple[str, float]]], weights: Sequence[float]) -> dict[str, float]:
    """Scores blended by weight, each divided by its list's best; an item a list lacks gets that list's lowest."""
    scaled: list[tuple[dict[str, float], float]] = []
    for ranking in rankings:
        best = max((score for _, score in ranking), default=1.0)
        scores = {item: score / (best if best > 0 else 1.0) for item, score in ranking}
        scaled.append((scores, min(scores.values(), default=0.0)))
    items = {item for ranking in rankings for item, _ in ranking}
    return {
        item: sum(weight * scores.get(item, lowest) for weight, (scores, lowest) in zip(weights, scaled, strict=True))
        for item in items
    }


class Retriever:
    """retrieve(query) -> ranked passages, from the vector store and the keyword index together."""

    def __init__(self, settings: IndexSettings, catalog: Catalog, store: VectorStore, embedder: Embedder) -> None:
        self.settings = settings
        self.catalog = catalog
        self.store = store
        self.embedder = embedder

    def retrieve(self, query: str, k: int | None = None, doc_ids: Sequence[str] | None = None) -> list[Passage]:
        k = k or self.settings.top_k
        limit = max(self.settings.candidates, k)
        dense = self.store.query(self.embedder.embed_query(query), limit, doc_ids)
        keyword = self.catalog.keyword_search(query, limit, doc_ids)
        dense_by_id = {cid: (rank, score) for rank, (cid, score) in enumerate(dense, start=1)}
        keyword_by_id = {cid: (rank, score) for rank, (cid, score) in enumerate(keyword, start=1)}
        if self.settings.fusion == "rrf":
            fused = reciprocal_rank_fusion([[c for c, _ in dense], [c for c, _ in keyword]], self.settings.rrf_k)
        else:
            weight = self.settings.dense_weight
            fused = weighted_fusion([dense, keyword], [weight, 1.0 - weight])
        # Ties (equal fused score) fall back to the dense similarity, then the id, for a stable order.
        ranked = sorted(fused, key=lambda c: (-fused[c], -dense_by_id.get(c, (0, -1.0))[1], c))[:k]
        records = self.catalog.chunks(ranked)
        passages = []
        for cid in ranked:
            record = records.get(cid)
            if record is None:  # in Chroma but not in the catalog: a write that did not finish
                continue
            d_rank, d_score = dense_by_id.get(cid, (None, None))
            k_rank, k_score = keyword_by_id.get(cid, (None, None))
            passages.append(
                Passage(
                    chunk_id=cid,
                    doc_id=record.doc_id,
                    title=record.title,
                    text=record.text,
                    start=record.start,
                    end=record.end,
                    page=record.page,
                    chunk_no=record.chunk_no,
                    score=fused[cid],
                    dense_score=d_score,
                    keyword_score=k_score,
                    dense_rank=d_rank,
                    keyword_rank=k_rank,
                )
            )
        return passages
