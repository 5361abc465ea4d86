"""The catalog: documents, chunks and the BM25 keyword index, in one SQLite file.

SQLite's FTS5 is the keyword index: BM25 ranking with Porter stemming, updated in the same
transaction as the chunks it indexes, so it is never rebuilt per query nor out of step with them.

Every thread gets its own connection (WAL mode: readers never wait for the writer). A writer changes
a document's chunks, keyword entries and record in one transaction; a reader that wraps its
statements in `read()` sees one snapshot, so it sees a document whole, before or after a write,
never half-written. The `journal` table records vector-store writes that the catalog has not caught
up with yet, so a crash between the two is repaired by the next write (`index.writer`).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.keywords import content_words, match_any
from index.postings import TOKENIZER, Postings
from ingest.models import Chunk, Section, embedded_text

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
    updated_at REAL NOT NULL,
    parent TEXT,
    ocr_pages TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    chunk_no INTEGER NOT NULL,
    text TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    page INTEGER,
    label TEXT,
    sections TEXT
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, chunk_no);
CREATE INDEX IF NOT EXISTS documents_parent ON documents(parent);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, content='chunks', content_rowid='rowid', tokenize='{tokenizer}'
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
CREATE TABLE IF NOT EXISTS journal (
    chunk_id TEXT NOT NULL,
    collection TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('add', 'delete')),
    PRIMARY KEY (chunk_id, collection, op)
) WITHOUT ROWID;
""".format(tokenizer=TOKENIZER)
# Columns added since the first release, by table: added to an older catalog when it is opened.
ADDED_COLUMNS = {
    "documents": {"parent": "TEXT", "ocr_pages": "TEXT NOT NULL DEFAULT '[]'"},
    "chunks": {"label": "TEXT", "sections": "TEXT"},
}


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
    parent: str | None = None  # the document carrying this one (a mail, for its attachments)
    ocr_pages: tuple[int, ...] = ()  # pages whose text was recognised from their image

    @classmethod
    def from_row(cls, row: Sequence[object]) -> DocumentRecord:
        *head, parent, ocr_pages = row
        return cls(*head, parent=parent, ocr_pages=tuple(json.loads(str(ocr_pages or "[]"))))  # type: ignore[arg-type]


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
    label: str | None = None  # how a citation names the page ("slide 3", "sheet Budget") or section ("3.5.0 › Changed")
    sections: tuple[Section, ...] = ()  # the headings that start inside the chunk

    @classmethod
    def from_row(cls, row: Sequence[object]) -> ChunkRecord:
        *head, sections = row
        return cls(*head, sections=tuple(Section(*section) for section in json.loads(str(sections or "[]"))))  # type: ignore[arg-type]

    @property
    def embedded(self) -> str:
        return embedded_text(self.text, self.title, self.page, self.label)


@dataclass(frozen=True)
class JournalEntry:
    """A vector-store change the catalog may not reflect yet: ids added, or ids to delete."""

    chunk_id: str
    collection: str
    op: str


CONNECT_TIMEOUT = 60.0  # seconds a statement waits for another process's lock


def _use_wal(db: sqlite3.Connection) -> None:
    """Switch the file to write-ahead logging (it stays so). Two processes opening a new catalog at
    once can be refused the switch at once, without SQLite's busy wait: try again for a while."""
    deadline = time.monotonic() + CONNECT_TIMEOUT
    while db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Catalog:
    """Documents, chunks, keyword index, line keys (for boilerplate) and the write journal."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._migrate()

    def _migrate(self) -> None:
        db = self._db
        existing = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table, columns in ADDED_COLUMNS.items():
            if table not in existing:
                continue
            present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            for name, kind in columns.items():
                if name not in present:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
        db.executescript(SCHEMA)

    @property
    def _db(self) -> sqlite3.Connection:
        """This thread's connection (autocommit; transactions are explicit)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=CONNECT_TIMEOUT, isolation_level=None, check_same_thread=False)
            _use_wal(db)
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
            self._local.depth = 0
            with self._connections_lock:
                self._connections.append(db)
        return db

    def close(self) -> None:
        with self._connections_lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()

    # -- transactions -------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction: taken at once (BEGIN IMMEDIATE), committed whole or not at all."""
        with self._begin("BEGIN IMMEDIATE"):
            yield

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        """A read snapshot: every statement inside sees the catalog as of the first one."""
        with self._begin("BEGIN"):
            yield

    @contextlib.contextmanager
    def _begin(self, statement: str) -> Iterator[None]:
        db = self._db
        if self._local.depth:  # nested: the outer transaction decides
            self._local.depth += 1
            try:
                yield
            finally:
                self._local.depth -= 1
            return
        db.execute(statement)
        self._local.depth = 1
        try:
            yield
        except BaseException:
            self._local.depth = 0
            db.execute("ROLLBACK")
            raise
        self._local.depth = 0
        db.execute("COMMIT")

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
        sql = f"SELECT {_DOCUMENT_COLUMNS} FROM documents" + (" WHERE root = ?" if root else "") + " ORDER BY doc_id"
        return [DocumentRecord.from_row(row) for row in self._db.execute(sql, (root,) if root else ())]

    def document(self, doc_id: str) -> DocumentRecord | None:
        row = self._db.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return DocumentRecord.from_row(row) if row else None

    def children(self, doc_id: str) -> list[DocumentRecord]:
        """The documents `doc_id` carries (a mail's attachments)."""
        rows = self._db.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE parent = ? ORDER BY doc_id", (doc_id,))
        return [DocumentRecord.from_row(row) for row in rows]

    def document_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM documents").fetchone()[0])

    def put_document(self, record: DocumentRecord) -> None:
        self._db.execute(
            f"INSERT OR REPLACE INTO documents({_DOCUMENT_COLUMNS}) VALUES ({','.join('?' * 14)})",
            (
                record.doc_id, record.root, record.path, record.title, record.kind, record.content_hash,
                record.signature, record.chars, record.pages, record.n_chunks, record.ingested_at,
                record.updated_at, record.parent, json.dumps(list(record.ocr_pages)),
            ),
        )

    def delete_document(self, doc_id: str) -> list[str]:
        """Remove a document, its chunks, text and line keys; returns the removed chunk ids."""
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

    def chunk_ids_of(self, doc_ids: Iterable[str]) -> dict[str, list[str]]:
        """Chunk ids of several documents, in chunk order, one query per batch of documents."""
        found: dict[str, list[str]] = {}
        sql = "SELECT doc_id, id FROM chunks WHERE doc_id IN ({marks}) ORDER BY doc_id, chunk_no"
        for doc_id, chunk_id in self._rows_in(sql, doc_ids):
            found.setdefault(doc_id, []).append(chunk_id)
        return found

    def all_chunk_ids(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT id FROM chunks")}

    def keyword_chunk_ids(self) -> set[str]:
        """Chunk ids the keyword index holds an entry for (FTS5 rows joined back to their chunk)."""
        rows = self._db.execute("SELECT c.id FROM chunks_fts f JOIN chunks c ON c.rowid = f.rowid")
        return {row[0] for row in rows}

    def keyword_index_ok(self) -> bool:
        """FTS5's own check that the keyword index matches the chunks it was built from."""
        try:
            self._db.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError:
            return False
        return True

    def rebuild_keyword_index(self) -> None:
        self._db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")

    def chunk_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def replace_chunks(self, doc_id: str, ids: Sequence[str], chunks: Sequence[Chunk]) -> None:
        self._db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        self._db.executemany(
            'INSERT INTO chunks(id, doc_id, chunk_no, text, start, "end", page, label, sections) VALUES (?,?,?,?,?,?,?,?,?)',
            [
                (cid, doc_id, c.chunk_no, c.text, c.start, c.end, c.page, c.label, json.dumps(c.sections) if c.sections else None)
                for cid, c in zip(ids, chunks, strict=True)
            ],
        )

    _CHUNK_SELECT = (
        'SELECT c.id, c.doc_id, c.chunk_no, c.text, c.start, c."end", c.page, d.title, c.label, c.sections '
        "FROM chunks c JOIN documents d ON d.doc_id = c.doc_id"
    )

    def _rows_in(self, sql: str, values: Iterable[str | int]) -> Iterator[tuple]:  # type: ignore[type-arg]
        """Rows of `sql`, whose `{marks}` is an IN-list, for every value, a batch of placeholders at a time.

        SQLite caps the number of placeholders in one statement.
        """
        wanted = list(dict.fromkeys(values))
        for start in range(0, len(wanted), 500):
            batch = wanted[start : start + 500]
            yield from self._db.execute(sql.format(marks=",".join("?" * len(batch))), batch)

    def chunks(self, ids: Iterable[str]) -> dict[str, ChunkRecord]:
        sql = f"{self._CHUNK_SELECT} WHERE c.id IN ({{marks}})"
        return {row[0]: ChunkRecord.from_row(row) for row in self._rows_in(sql, ids)}

    def document_chunks(self, doc_id: str) -> list[ChunkRecord]:
        sql = f"{self._CHUNK_SELECT} WHERE c.doc_id = ? ORDER BY c.chunk_no"
        return [ChunkRecord.from_row(row) for row in self._db.execute(sql, (doc_id,))]

    def chunk_at(self, doc_id: str, chunk_no: int) -> ChunkRecord | None:
        sql = f"{self._CHUNK_SELECT} WHERE c.doc_id = ? AND c.chunk_no = ?"
        row = self._db.execute(sql, (doc_id, chunk_no)).fetchone()
        return None if row is None else ChunkRecord.from_row(row)

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
            yield [ChunkRecord.from_row(row[1:]) for row in rows]

    def keyword_search(
        self, query: str | Sequence[str], limit: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """Chunk ids ranked by BM25 (higher is better) for the content words of `query` (a text, or
        its words already chosen)."""
        match = match_any(content_words(query) if isinstance(query, str) else query)
        if match is None:
            return []
        if not doc_ids:
            # The top rows by BM25 first, joined to their chunks after: only `limit` row lookups,
            # however many rows match (a common word matches a large share of a big corpus).
            sql = (
                "SELECT c.id, -f.score FROM (SELECT rowid, bm25(chunks_fts) AS score FROM chunks_fts "
                "WHERE chunks_fts MATCH ? ORDER BY score LIMIT ?) f JOIN chunks c ON c.rowid = f.rowid ORDER BY f.score"
            )
            return [(row[0], float(row[1])) for row in self._db.execute(sql, (match, limit))]
        sql = (
            "SELECT c.id, -bm25(chunks_fts) AS score FROM chunks_fts "
            "JOIN chunks c ON c.rowid = chunks_fts.rowid WHERE chunks_fts MATCH ? "
            f"AND c.doc_id IN ({','.join('?' * len(doc_ids))}) ORDER BY bm25(chunks_fts) LIMIT ?"
        )
        return [(row[0], float(row[1])) for row in self._db.execute(sql, (match, *doc_ids, limit))]

    def keyword_postings(self) -> Postings:
        """The keyword index as it stands, copied into memory (3.5-6 s of one core per 100k chunks)."""
        db = self._db
        db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_terms USING fts5vocab(main, chunks_fts, 'instance')")
        with self.read():
            # One row per term, its rowids joined by SQLite: far fewer Python objects than one per instance.
            listed = db.execute("SELECT term, count(*), group_concat(doc) FROM temp.chunks_terms GROUP BY term")
            return Postings.from_listing(self.version, self.chunk_count(), listed)

    def rows_of(self, doc_ids: Sequence[str]) -> list[int]:
        """The keyword-index rows (chunk rowids) of these documents."""
        return [int(row[0]) for row in self._rows_in("SELECT rowid FROM chunks WHERE doc_id IN ({marks})", doc_ids)]

    def rows_to_ids(self, rowids: Sequence[int]) -> dict[int, str]:
        """The chunk id of each of `rowids` (keyword-index rows) the catalog holds."""
        sql = "SELECT rowid, id FROM chunks WHERE rowid IN ({marks})"
        return {int(row[0]): row[1] for row in self._rows_in(sql, rowids)}

    def word_rows(self, words: Iterable[str]) -> dict[str, int]:
        """How many chunks hold each word (as the keyword index matches it: stemmed, any case)."""
        sql = "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?"
        return {word: int(self._db.execute(sql, (match_any([word]),)).fetchone()[0]) for word in words}

    # -- boilerplate statistics ---------------------------------------------------------------
    def line_keys(self, doc_id: str) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT key FROM doc_lines WHERE doc_id = ?", (doc_id,))}

    def set_line_keys(self, doc_id: str, keys: Iterable[str]) -> None:
        self._db.execute("DELETE FROM doc_lines WHERE doc_id = ?", (doc_id,))
        self._db.executemany("INSERT INTO doc_lines(doc_id, key) VALUES (?, ?)", [(doc_id, k) for k in keys])

    def key_counts(self, keys: Iterable[str]) -> dict[str, int]:
        """How many stored documents hold each of `keys` (keys held by none are left out)."""
        sql = "SELECT key, count(*) FROM doc_lines WHERE key IN ({marks}) GROUP BY key"
        return {row[0]: int(row[1]) for row in self._rows_in(sql, keys)}

    def key_holders(self, keys: Iterable[str]) -> dict[str, set[str]]:
        """For each of `keys`, the stored documents holding it."""
        holders: dict[str, set[str]] = {}
        for key, doc_id in self._rows_in("SELECT key, doc_id FROM doc_lines WHERE key IN ({marks})", keys):
            holders.setdefault(key, set()).add(doc_id)
        return holders

    def orphan_line_keys(self) -> int:
        """Line keys recorded for documents the catalog does not hold."""
        sql = "SELECT count(*) FROM doc_lines WHERE doc_id NOT IN (SELECT doc_id FROM documents)"
        return int(self._db.execute(sql).fetchone()[0])

    def delete_orphan_line_keys(self) -> None:
        self._db.execute("DELETE FROM doc_lines WHERE doc_id NOT IN (SELECT doc_id FROM documents)")

    # -- the write journal --------------------------------------------------------------------
    def journal(self) -> list[JournalEntry]:
        return [JournalEntry(*row) for row in self._db.execute("SELECT chunk_id, collection, op FROM journal")]

    def journal_add(self, op: str, collection: str, chunk_ids: Iterable[str]) -> None:
        self._db.executemany(
            "INSERT OR IGNORE INTO journal(chunk_id, collection, op) VALUES (?, ?, ?)",
            [(cid, collection, op) for cid in chunk_ids],
        )

    def journal_clear(self, op: str, collection: str, chunk_ids: Iterable[str]) -> None:
        self._db.executemany(
            "DELETE FROM journal WHERE chunk_id = ? AND collection = ? AND op = ?",
            [(cid, collection, op) for cid in chunk_ids],
        )


_DOCUMENT_COLUMNS = (
    "doc_id, root, path, title, kind, content_hash, signature, chars, pages, n_chunks, ingested_at, updated_at, "
    "parent, ocr_pages"
)


def now() -> float:
    return time.time()
