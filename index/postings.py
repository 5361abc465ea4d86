"""The keyword index's postings held in memory, scored with FTS5's own BM25, for large collections.

FTS5 computes BM25 for every row that holds any query word: at 100k chunks a query's words match
20-50k rows, and that scan is most of a search's time. `Postings` is a copy of the same index (each
term's rows and term frequencies, read out of FTS5 itself through `fts5vocab`, so the tokens are
FTS5's) in numpy arrays, scored with the formula of FTS5's `bm25()`: the same ranking, from a
vectorised sum over the query terms' postings instead of a row-by-row scan.

A copy belongs to one catalog version; the retriever uses it only while the catalog is at that
version (`index.retrieve`). Query words are tokenized by FTS5 too, in a private in-memory table
with the catalog's tokenizer, so a word finds exactly the term FTS5 would look up.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

# The catalog's FTS5 tokenizer (index.catalog): documents and query words go through the same one.
TOKENIZER = "porter unicode61 remove_diacritics 2"
# FTS5's bm25() defaults (fts5_aux.c): k1 = 1.2, b = 0.75; a term in more than half the rows gets
# a tiny positive IDF instead of a negative one.
K1 = 1.2
B = 0.75
MIN_IDF = 1e-6


@dataclass(frozen=True)
class Postings:
    """One catalog version's keyword index: for each term, the rows holding it and how often."""

    version: int
    rowids: np.ndarray  # int64, ascending: the chunk rowid of each dense row number
    lengths: np.ndarray  # float64 per row: its token count (FTS5's document size)
    rows: int  # rows in the FTS5 index (chunks), empty ones included
    average_length: float
    spans: dict[str, tuple[int, int]]  # term -> [start, end) in `docs` / `counts`
    docs: np.ndarray  # int32 dense row numbers, term by term
    counts: np.ndarray  # float32 term frequency of each posting (whole numbers, exact)

    @classmethod
    def from_listing(cls, version: int, rows: int, listed: Iterable[tuple[str, int, str]]) -> Postings:
        """Build from FTS5's instance list grouped by term, in index order: (term, instances, the
        rowids of its instances joined by commas), as `fts5vocab(..., 'instance')` gives them.
        Read term by term, so only one term's text is held at a time."""
        spans: dict[str, tuple[int, int]] = {}
        row_parts: list[np.ndarray] = []
        count_parts: list[np.ndarray] = []
        at = 0
        for term, instances, joined in listed:
            listed_rows = np.fromstring(joined, dtype=np.int64, sep=",")
            if len(listed_rows) != instances:
                raise ValueError(f"the keyword index lists {len(listed_rows)} instances of {term!r}, and counts {instances}")
            held, counts = np.unique(listed_rows, return_counts=True)  # a row holding the term n times: tf n
            spans[term] = (at, at + len(held))
            at += len(held)
            row_parts.append(held.astype(np.int32) if held[-1] < 2**31 else held)  # half the memory while building
            count_parts.append(counts.astype(np.float32))
        by_posting = np.concatenate(row_parts) if row_parts else np.zeros(0, dtype=np.int32)
        counts = np.concatenate(count_parts) if count_parts else np.zeros(0, dtype=np.float32)
        del row_parts, count_parts
        rowids = np.unique(by_posting).astype(np.int64)
        docs = np.searchsorted(rowids, by_posting).astype(np.int32)
        del by_posting
        lengths = np.bincount(docs, weights=counts, minlength=len(rowids))
        return cls(
            version=version,
            rowids=rowids,
            lengths=lengths,
            rows=rows,
            average_length=float(lengths.sum()) / rows if rows else 0.0,
            spans=spans,
            docs=docs,
            counts=counts,
        )

    @property
    def size_bytes(self) -> int:
        return sum(a.nbytes for a in (self.rowids, self.lengths, self.docs, self.counts))

    def rows_holding(self, term: str) -> int:
        start, end = self.spans.get(term, (0, 0))
        return end - start

    def search(self, terms: Sequence[str], limit: int, among: Sequence[int] | None = None) -> list[tuple[int, float]]:
        """The `limit` best (rowid, BM25 score) for `terms`, each term counted once per time it is
        given (FTS5 sums over the query's phrases, so two words with one stem count twice); only
        rows in `among` (rowids), when it is given."""
        found = [self.spans[t] for t in terms if t in self.spans]
        if not found or limit <= 0:
            return []
        docs = np.concatenate([self.docs[s:e] for s, e in found])
        weights = np.concatenate([self._term_scores(s, e) for s, e in found])
        scores = np.bincount(docs, weights=weights, minlength=len(self.rowids))
        if among is None:
            hit = np.flatnonzero(scores)
        else:
            # A binary search per wanted row (np.intersect1d would sort all the rows on every query).
            wanted = np.asarray(among, dtype=np.int64)
            at = np.minimum(np.searchsorted(self.rowids, wanted), len(self.rowids) - 1)
            held = at[self.rowids[at] == wanted]
            hit = held[scores[held] > 0]
        if len(hit) > limit:
            hit = hit[np.argpartition(-scores[hit], limit - 1)[:limit]]
        # Best first; equal scores by rowid, so the order does not depend on the partition.
        hit = hit[np.lexsort((self.rowids[hit], -scores[hit]))]
        return [(int(self.rowids[i]), float(scores[i])) for i in hit]

    def _term_scores(self, start: int, end: int) -> np.ndarray:
        """fts5_aux.c's bm25 for one phrase: idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * D / avgD))."""
        hits = end - start
        idf = math.log((self.rows - hits + 0.5) / (hits + 0.5))
        idf = idf if idf > 0 else MIN_IDF
        tf = self.counts[start:end].astype(np.float64)
        length = self.lengths[self.docs[start:end]]
        return idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / self.average_length))


class QueryTokenizer:
    """Query words to FTS5 terms, by FTS5's own tokenizer (Porter stems, folded case and accents)."""

    def __init__(self) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._db.execute(f"CREATE VIRTUAL TABLE words USING fts5(text, tokenize='{TOKENIZER}')")
        self._db.execute("CREATE VIRTUAL TABLE word_terms USING fts5vocab(words, 'instance')")
        self._lock = threading.Lock()

    def terms(self, words: Sequence[str]) -> list[tuple[str, ...]]:
        """Each word's terms, in order (most words are one term; a word FTS5 splits gives several)."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany("INSERT INTO words(rowid, text) VALUES (?, ?)", enumerate(words, start=1))
                rows = self._db.execute("SELECT doc, term, \"offset\" FROM word_terms").fetchall()
            finally:
                self._db.execute("ROLLBACK")
        by_word: dict[int, list[tuple[int, str]]] = {}
        for doc, term, offset in rows:
            by_word.setdefault(doc, []).append((offset, term))
        return [tuple(term for _, term in sorted(by_word.get(n, []))) for n in range(1, len(words) + 1)]
