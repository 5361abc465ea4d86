"""The catalog: documents, chunks and the BM25 keyword index, in one SQLite file.

SQLite's FTS5 is the keyword index: BM25 ranking with Porter stemming, updated in the same
transaction as the chunks it indexes, so it is never rebuilt per query nor out of step with them.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ingest.models import Chunk

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    root TEXT NOT NULL,
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    signature TEXT NOT NULL,
    chars INTEGER NOT NULL,
    pages INTEGER,
    n_chunks INTEGER NOT NULL,
    ingested_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    chunk_no INTEGER NOT NULL,
    text TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    page INTEGER
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, chunk_no);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, content='chunks', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
CREATE TABLE IF NOT EXISTS doc_texts (doc_id TEXT PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS doc_lines (
    doc_id TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (doc_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_lines_key ON doc_lines(key);
"""

_TOKEN = re.compile(r"\w+", re.UNICODE)


@cache
def stopwords() -> frozenset[str]:
    """English stopwords (NLTK's list, shipped inside llama-index-core), left out of keyword queries."""
    import llama_index.core

    path = Path(llama_index.core.__file__).parent / "_static/nltk_cache/corpora/stopwords/english"
    return frozenset(path.read_text().split()) if path.exists() else frozenset()


def keyword_query(text: str) -> str | None:
    """An FTS5 query matching any content word of `text`; each term quoted, so nothing is syntax."""
    terms = dict.fromkeys(t for t in (m.lower() for m in _TOKEN.findall(text)) if t not in stopwords())
    if not terms:
        return None
    return " OR ".join(f'"{term}"' for term in terms)


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    root: str
    path: str
    title: str
    kind: str
    content_hash: str
    signature: str
    chars: int
    pages: int | None
    n_chunks: int
    ingested_at: float
    updated_at: float


@dataclass(frozen=True)
class ChunkRecord:
    id: str
    doc_id: str
    chunk_no: int
    text: str
    start: int
    end: int
    page: int | None
    title: str


class Catalog:
    """Documents, chunks, keyword index and the per-document line keys used to spot boilerplate."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    # -- transactions -------------------------------------------------------------------------
    def transaction(self) -> _Transaction:
        return _Transaction(self._db)

    # -- meta ---------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def bump_version(self) -> int:
        """Count of changes to the indexed content: recorded with every answer as provenance."""
        version = int(self.get_meta("index_version") or 0) + 1
        self.set_meta("index_version", str(version))
        return version

    @property
    def version(self) -> int:
        return int(self.get_meta("index_version") or 0)

    # -- documents ----------------------------------------------------------------------------
    def documents(self, root: str | None = None) -> list[DocumentRecord]:
        sql = "SELECT * FROM documents" + (" WHERE root = ?" if root else "") + " ORDER BY doc_id"
        return [DocumentRecord(*row) for row in self._db.execute(sql, (root,) if root else ())]

    def document(self, doc_id: str) -> DocumentRecord | None:
        row = self._db.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return DocumentRecord(*row) if row else None

    def put_document(self, record: DocumentRecord) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                record.doc_id, record.root, record.path, record.title, record.kind, record.content_hash,
                record.signature, record.chars, record.pages, record.n_chunks, record.ingested_at,
                record.updated_at,
            ),
        )

    def delete_document(self, doc_id: str) -> list[str]:
        """Remove a document, its chunks and line keys; returns the removed chunk ids."""
        ids = self.chunk_ids(doc_id)
        self._db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        self._db.execute("DELETE FROM doc_lines WHERE doc_id = ?", (doc_id,))
        self._db.execute("DELETE FROM doc_texts WHERE doc_id = ?", (doc_id,))
        self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
        return ids

    def put_text(self, doc_id: str, text: str) -> None:
        """Keep the document's text: the coordinates of every citation's offsets."""
        self._db.execute("INSERT OR REPLACE INTO doc_texts(doc_id, text) VALUES (?, ?)", (doc_id, text))

    def text(self, doc_id: str) -> str | None:
        row = self._db.execute("SELECT text FROM doc_texts WHERE doc_id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    # -- chunks -------------------------------------------------------------------------------
    def chunk_ids(self, doc_id: str) -> list[str]:
        rows = self._db.execute("SELECT id FROM chunks WHERE doc_id = ? ORDER BY chunk_no", (doc_id,))
        return [row[0] for row in rows]

    def chunk_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def replace_chunks(self, doc_id: str, ids: Sequence[str], chunks: Sequence[Chunk]) -> None:
        self._db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        self._db.executemany(
            'INSERT INTO chunks(id, doc_id, chunk_no, text, start, "end", page) VALUES (?,?,?,?,?,?,?)',
            [(cid, doc_id, c.chunk_no, c.text, c.start, c.end, c.page) for cid, c in zip(ids, chunks, strict=True)],
        )

    _CHUNK_SELECT = (
        'SELECT c.id, c.doc_id, c.chunk_no, c.text, c.start, c."end", c.page, d.title '
        "FROM chunks c JOIN documents d ON d.doc_id = c.doc_id"
    )

    def _rows_in(self, sql: str, values: Iterable[str]) -> Iterator[tuple]:  # type: ignore[type-arg]
        """Rows of `sql`, whose `{marks}` is an IN-list, for every value, a batch of placeholders at a time.

        SQLite caps the number of placeholders in one statement.
        """
        wanted = list(dict.fromkeys(values))
        for start in range(0, len(wanted), 500):
            batch = wanted[start : start + 500]
            yield from self._db.execute(sql.format(marks=",".join("?" * len(batch))), batch)

    def chunks(self, ids: Iterable[str]) -> dict[str, ChunkRecord]:
        sql = f"{self._CHUNK_SELECT} WHERE c.id IN ({{marks}})"
        return {row[0]: ChunkRecord(*row) for row in self._rows_in(sql, ids)}

    def iter_chunks(self, batch: int = 1000) -> Iterator[list[ChunkRecord]]:
        """Every chunk, in batches (for re-embedding the whole index)."""
        last = -1
        while True:
            rows = self._db.execute(
                f"{self._CHUNK_SELECT.replace('SELECT ', 'SELECT c.rowid, ', 1)} "
                "WHERE c.rowid > ? ORDER BY c.rowid LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield [ChunkRecord(*row[1:]) for row in rows]

    def keyword_search(self, query: str, limit: int, doc_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Chunk ids ranked by BM25 (higher is better) for the content words of `query`."""
        match = keyword_query(query)
        if match is None:
            return []
        sql = (
            "SELECT c.id, -bm25(chunks_fts) AS score FROM chunks_fts "
            "JOIN chunks c ON c.rowid = chunks_fts.rowid WHERE chunks_fts MATCH ?"
        )
        params: list[object] = [match]
        if doc_ids:
            sql += f" AND c.doc_id IN ({','.join('?' * len(doc_ids))})"
            params.extend(doc_ids)
        sql += " ORDER BY bm25(chunks_fts) LIMIT ?"
        params.append(limit)
        return [(row[0], float(row[1])) for row in self._db.execute(sql, params)]

    # -- boilerplate statistics ---------------------------------------------------------------
    def line_keys(self, doc_id: str) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT key FROM doc_lines WHERE doc_id = ?", (doc_id,))}

    def set_line_keys(self, doc_id: str, keys: Iterable[str]) -> None:
        self._db.execute("DELETE FROM doc_lines WHERE doc_id = ?", (doc_id,))
        self._db.executemany("INSERT INTO doc_lines(doc_id, key) VALUES (?, ?)", [(doc_id, k) for k in keys])

    def repeated_keys(self, keys: Iterable[str]) -> frozenset[str]:
        """Of `keys`, those that occur in at least two documents."""
        sql = "SELECT key FROM doc_lines WHERE key IN ({marks}) GROUP BY key HAVING count(*) >= 2"
        return frozenset(row[0] for row in self._rows_in(sql, keys))

    def documents_with_keys(self, keys: Iterable[str]) -> set[str]:
        sql = "SELECT DISTINCT doc_id FROM doc_lines WHERE key IN ({marks})"
        return {row[0] for row in self._rows_in(sql, keys)}


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def now() -> float:
    return time.time()
