"""The read side of the index: hybrid search, passages, documents and their text.

Dense (embedding) and keyword (BM25) candidates are fused by reciprocal rank. The catalog decides
what exists: every read happens inside one catalog snapshot, so a search running while a document
is rewritten sees the old version or the new one, whole. This is all the assistant and the
evaluation depend on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

from index.catalog import Catalog, ChunkRecord, DocumentRecord
from index.embedder import Embedder
from index.keywords import content_words, with_other_spellings
from index.postings import Postings, QueryTokenizer
from index.settings import IndexSettings
from index.store import Vectors
from ingest.models import Section, label_at

log = logging.getLogger(__name__)

# A large collection's keyword search always keeps this many of the query's rarest words.
KEPT_RAREST = 3
# How long the catalog must stay unchanged before its keyword index is read into memory again.
POSTINGS_SETTLE_S = 1.0


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
    label: str | None = None  # the page's name when "page N" would be wrong ("slide 3"), or the section's headings
    sections: tuple[Section, ...] = ()  # the headings that start inside the chunk

    def label_at(self, offset: int) -> str | None:
        """How a citation names where `offset` of the passage's text is: the section it is in."""
        return label_at(self.label, self.sections, offset)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.chunk_id,
            "source": self.doc_id,
            "title": self.title,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "page": self.page,
            "label": self.label,
            "chunk": self.chunk_no,
            "score": round(self.score, 6),
            "dense_score": None if self.dense_score is None else round(self.dense_score, 6),
            "keyword_score": None if self.keyword_score is None else round(self.keyword_score, 6),
        }


@dataclass(frozen=True)
class DocumentView:
    """What the index holds of one document: its record, its (uncleaned) text and its chunks."""

    record: DocumentRecord
    text: str
    chunks: tuple[ChunkRecord, ...]


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
    """search(query) -> ranked passages, from the vector store and the keyword index together."""

    def __init__(self, settings: IndexSettings, catalog: Catalog, vectors: Vectors, embedder: Embedder) -> None:
        self.settings = settings
        self.catalog = catalog
        self.vectors = vectors
        self.embedder = embedder
        self._warm = False
        self._counted: tuple[int, int] | None = None  # (index version, chunks)
        self._keep_postings = False
        self._postings: Postings | None = None
        self._postings_job: Future[None] | None = None
        self._postings_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._warm

    def load(self) -> None:
        """Load the embedding model and open the vector and keyword indexes now, rather than in the
        first search (servers do this at start; an answer times it apart from retrieving): one
        search embeds its query, which loads the model."""
        self.search("askdocs", k=1)
        self._warm = True

    # -- search -------------------------------------------------------------------------------
    def search(self, query: str, k: int | None = None, doc_ids: Sequence[str] | None = None) -> list[Passage]:
        k = k or self.settings.top_k
        limit = max(self.settings.candidates, k)
        # The dense side (encoder, Chroma) runs beside the keyword side (SQLite): both release the GIL.
        dense_future = self._pool.submit(self.dense_search, query, limit, doc_ids)
        with self.catalog.read():
            keyword = self.keyword_search(query, limit, doc_ids)
            dense = dense_future.result()
            fused = self.fuse(dense, keyword)
            # Vectors whose chunk the catalog does not hold (a write not yet committed) are left out.
            records = self.catalog.chunks(fused)
        dense_by_id = {cid: (rank, score) for rank, (cid, score) in enumerate(dense, start=1)}
        keyword_by_id = {cid: (rank, score) for rank, (cid, score) in enumerate(keyword, start=1)}
        # Ties (equal fused score) fall back to the dense similarity, then the id, for a stable order.
        ranked = sorted(records, key=lambda c: (-fused[c], -dense_by_id.get(c, (0, -1.0))[1], c))[:k]
        passages = []
        for cid in ranked:
            d_rank, d_score = dense_by_id.get(cid, (None, None))
            k_rank, k_score = keyword_by_id.get(cid, (None, None))
            passages.append(_passage(records[cid], fused[cid], d_score, k_score, d_rank, k_rank))
        return passages

    def fuse(self, dense: Sequence[tuple[str, float]], keyword: Sequence[tuple[str, float]]) -> dict[str, float]:
        if self.settings.fusion == "rrf":
            return reciprocal_rank_fusion([[c for c, _ in dense], [c for c, _ in keyword]], self.settings.rrf_k)
        weight = self.settings.dense_weight
        return weighted_fusion([dense, keyword], [weight, 1.0 - weight])

    @cached_property
    def _pool(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=4, thread_name_prefix="askdocs-dense")

    def dense_search(self, query: str, limit: int, doc_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Chunk ids by cosine similarity to the query (the live collection; retried once if it was swapped)."""
        vector = self.embedder.embed_query(query)
        name = self.vectors.live_name
        try:
            return self.vectors.open(name).query(vector, limit, doc_ids)
        except Exception:
            if self.vectors.live_name == name:
                raise
            # A re-index switched collections and dropped this one while we were asking it.
            self.vectors.forget(name)
            return self.vectors.live().query(vector, limit, doc_ids)

    def keyword_search(self, query: str, limit: int, doc_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Chunk ids by BM25, from the postings in memory when they are current, else from FTS5."""
        words = with_other_spellings(content_words(query))
        postings = self._current_postings()
        if postings is not None:
            terms = self._query_terms.terms(words)
            # A word FTS5 splits in two is a phrase query, which only FTS5 answers.
            if all(len(t) == 1 for t in terms):
                term_of = {word: t[0] for word, t in zip(words, terms, strict=True)}
                kept = self._prune(words, lambda ws: {w: postings.rows_holding(term_of[w]) for w in ws})
                among = self.catalog.rows_of(doc_ids) if doc_ids else None
                hits = postings.search([term_of[w] for w in kept], limit, among)
                ids = self.catalog.rows_to_ids([rowid for rowid, _ in hits])
                return [(ids[rowid], score) for rowid, score in hits if rowid in ids]
        return self.catalog.keyword_search(self._prune(words, self.catalog.word_rows), limit, doc_ids)

    def keyword_words(self, query: str) -> list[str]:
        """The query's content words the keyword search ranks by.

        In a large collection, words found in more than `keyword_common_share` of the chunks are left
        out, except the three rarest that occur at all: FTS5's BM25 scores every chunk holding any query
        word, so one common word can multiply a query's cost, while its low IDF adds little to the
        ranking (docs/performance.md measures both).
        """
        return self._prune(with_other_spellings(content_words(query)), self.catalog.word_rows)

    def _prune(self, words: list[str], count_rows: Callable[[list[str]], dict[str, int]]) -> list[str]:
        settings = self.settings
        if len(words) <= KEPT_RAREST or self._chunk_count() < max(settings.keyword_prune_from, 1):
            return words
        rows = count_rows(words)
        found = sorted((w for w in words if rows[w]), key=lambda w: rows[w])
        common = settings.keyword_common_share * self._chunk_count()
        kept = set(found[:KEPT_RAREST]) | {w for w in found if rows[w] <= common}
        return [w for w in words if w in kept] or words

    # -- the keyword index in memory ---------------------------------------------------------
    def keep_keywords_in_memory(self) -> None:
        """Serve keyword searches from a copy of the keyword index in memory, kept current in the
        background, once the collection holds `keyword_memory_from` chunks (for long-running
        processes: the copy takes 3.5-6 s per 100k chunks to read, and 0.6 kB a chunk to hold)."""
        self._keep_postings = True
        self._current_postings()

    def close(self) -> None:
        """Stop keeping the keyword index in memory; waits for a copy being read to finish."""
        self._keep_postings = False
        self._postings = None
        if "_postings_reader" in self.__dict__:
            self._postings_reader.shutdown(wait=True, cancel_futures=True)

    def wait_for_keywords_in_memory(self, timeout: float) -> bool:
        """Whether the copy in memory is current, after waiting up to `timeout` seconds for it."""
        deadline = time.monotonic() + timeout
        while True:
            with self.catalog.read():
                if self._current_postings() is not None:
                    return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    def _current_postings(self) -> Postings | None:
        """The in-memory copy if it is of the catalog version being read; otherwise None, and (when
        in-memory keywords are wanted) a fresh copy is read in the background."""
        if not self._keep_postings:
            return None
        postings = self._postings
        if postings is not None and postings.version == self.catalog.version:
            return postings
        if self._chunk_count() < self.settings.keyword_memory_from:
            self._postings = None
            return None
        with self._postings_lock:
            if self._postings_job is None or self._postings_job.done():
                self._postings_job = self._postings_reader.submit(self._read_postings)
        return None

    def _read_postings(self) -> None:
        try:
            # Wait out a run of writes (an ingest commits every few seconds): FTS5 answers meanwhile.
            version = self.catalog.version
            while True:
                time.sleep(POSTINGS_SETTLE_S)
                now = self.catalog.version
                if now == version:
                    break
                version = now
            if not self._keep_postings:  # closed while waiting
                return
            started = time.perf_counter()
            postings = self.catalog.keyword_postings()
            self._postings = postings
            log.info(
                "keyword index in memory: %d chunks, %.0f MB, read in %.1f s (version %d)",
                postings.rows, postings.size_bytes / 1e6, time.perf_counter() - started, postings.version,
            )
        except Exception:
            if self._keep_postings:  # not a close: stop trying, rather than fail again after every change
                self._keep_postings = False
                log.warning("could not read the keyword index into memory; searching it on disk from now on", exc_info=True)

    @cached_property
    def _postings_reader(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="askdocs-keywords")

    @cached_property
    def _query_terms(self) -> QueryTokenizer:
        return QueryTokenizer()

    def _chunk_count(self) -> int:
        """Chunks in the collection, counted again only after the index changed."""
        version = self.catalog.version
        if self._counted is None or self._counted[0] != version:
            self._counted = (version, self.catalog.chunk_count())
        return self._counted[1]

    def mentions(self, text: str) -> bool:
        """Whether any content word of `text` occurs in the indexed documents."""
        return bool(self.catalog.keyword_search(text, 1))

    # -- documents and passages ---------------------------------------------------------------
    def documents(self) -> list[DocumentRecord]:
        return self.catalog.documents()

    def document(self, doc_id: str) -> DocumentRecord | None:
        return self.catalog.document(doc_id)

    def document_text(self, doc_id: str) -> str | None:
        return self.catalog.text(doc_id)

    def document_chunks(self, doc_id: str) -> list[ChunkRecord]:
        return self.catalog.document_chunks(doc_id)

    def document_view(self, doc_id: str) -> DocumentView | None:
        """A document's record, text and chunks, read together (one snapshot)."""
        with self.catalog.read():
            record = self.catalog.document(doc_id)
            if record is None:
                return None
            return DocumentView(record, self.catalog.text(doc_id) or "", tuple(self.catalog.document_chunks(doc_id)))

    def chunks(self, ids: Sequence[str]) -> dict[str, ChunkRecord]:
        return self.catalog.chunks(ids)

    def all_chunks(self) -> Iterator[ChunkRecord]:
        """Every chunk of the collection, in the order it was written."""
        for batch in self.catalog.iter_chunks():
            yield from batch

    def next_passage(self, passage: Passage) -> Passage | None:
        """The chunk that follows the passage's chunk in its document as it is now, as a passage
        ranked with it (None at the document's end, or when the chunk is no longer in the index)."""
        with self.catalog.read():
            current = self.catalog.chunks([passage.chunk_id]).get(passage.chunk_id)
            record = None if current is None else self.catalog.chunk_at(current.doc_id, current.chunk_no + 1)
        return None if record is None else _passage(record, passage.score, None, None, None, None)

    def source_slice(self, passage: Passage) -> str | None:
        """The document text the passage was cut from, or None when the document has changed since."""
        with self.catalog.read():
            record = self.catalog.chunks([passage.chunk_id]).get(passage.chunk_id)
            if record is None or (record.start, record.end) != (passage.start, passage.end):
                return None
            text = self.catalog.text(passage.doc_id)
        return None if text is None else text[passage.start : passage.end]

    @property
    def version(self) -> int:
        return self.catalog.version


def _passage(
    record: ChunkRecord, score: float, d_score: float | None, k_score: float | None, d_rank: int | None, k_rank: int | None
) -> Passage:
    return Passage(
        chunk_id=record.id,
        doc_id=record.doc_id,
        title=record.title,
        text=record.text,
        start=record.start,
        end=record.end,
        page=record.page,
        chunk_no=record.chunk_no,
        score=score,
        dense_score=d_score,
        keyword_score=k_score,
        dense_rank=d_rank,
        keyword_rank=k_rank,
        label=record.label,
        sections=record.sections,
    )
