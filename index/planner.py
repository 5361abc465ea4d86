"""Planning a change to the index: which documents to add, update, re-chunk or remove. Nothing is written.

A document's identity is its path relative to the folder it was ingested from; the hash of its bytes
decides whether it changed. Boilerplate detection depends on the other documents, so a stored
document whose shared lines change status (a second page with the same menu arrives, or the only
other one leaves) is re-chunked too. Chunk ids come from the document and the chunk's text, so an
edit re-embeds only the passages it touched.

The plan is made in two steps: `plan()` reads and parses what changed and settles the corpus-wide
line counts; `chunk()` then turns one planned document into chunks. The writer calls `chunk()` as it
goes, so chunking overlaps embedding.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.catalog import Catalog, DocumentRecord
from index.report import Outcome, Status
from index.settings import IndexSettings
from ingest.chunk import Chunker
from ingest.clean import line_keys
from ingest.discover import Ignore, Target, doc_id_for, targets_for
from ingest.errors import IngestError, UnsupportedFile
from ingest.models import Chunk, SourceDocument
from ingest.readers import attachment_id, is_supported, parse, read_attachment, read_bytes
from ingest.settings import IngestSettings

log = logging.getLogger(__name__)

# Bump when cleaning or chunking changes what a document turns into: every document is re-chunked.
PIPELINE_VERSION = "4"


@dataclass
class _Read:
    """A file read and parsed for the plan, with the keys of its short lines."""

    document: SourceDocument
    root: Path
    content_hash: str
    status: Status
    keys: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.keys = frozenset(line_keys(self.document.text))


@dataclass(frozen=True)
class PlannedDocument:
    """A document to (re)chunk and write: its parsed form, where it came from, its shared lines."""

    document: SourceDocument
    root: Path
    content_hash: str
    status: Status
    keys: frozenset[str]
    repeated: frozenset[str]
    signature: str


@dataclass(frozen=True)
class DocumentWrite:
    """A planned document turned into chunks: all its chunk ids, which need vectors, which are gone."""

    planned: PlannedDocument
    chunks: tuple[Chunk, ...]
    ids: tuple[str, ...]
    new: tuple[int, ...]  # indexes into chunks/ids of the chunks that need a vector
    stale: tuple[str, ...]  # chunk ids the document had and no longer has

    @property
    def doc_id(self) -> str:
        return self.planned.document.doc_id


@dataclass
class Plan:
    """Everything a write will do, and the outcomes already known (unchanged, failed, skipped)."""

    documents: list[PlannedDocument] = field(default_factory=list)
    removals: list[DocumentRecord] = field(default_factory=list)
    moves: list[DocumentRecord] = field(default_factory=list)  # unchanged, found under a new path
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.documents or self.removals or self.moves)


def chunk_ids(doc_id: str, chunks: Sequence[Chunk]) -> list[str]:
    """Ids from the document and what is embedded of the chunk (`Chunk.embedded`): unchanged
    passages keep their id (and vector)."""
    doc_key = hashlib.sha1(doc_id.encode()).hexdigest()[:12]
    seen: dict[str, int] = {}
    ids = []
    for chunk in chunks:
        text_key = hashlib.sha1(chunk.embedded.encode()).hexdigest()[:16]
        seen[text_key] = seen.get(text_key, -1) + 1
        ids.append(f"{doc_key}-{text_key}-{seen[text_key]}")
    return ids


class Planner:
    """Compares files with the catalog and says what must change; reads, never writes."""

    def __init__(
        self, ingest: IngestSettings, index: IndexSettings, catalog: Catalog, model_name: str, tokenizer_file: Path | None
    ) -> None:
        self.ingest = ingest
        self.index = index
        self.catalog = catalog
        self.model_name = model_name
        self.chunker = Chunker(ingest, tokenizer_file)

    @property
    def chunking(self) -> str:
        """What every document's chunks depend on besides its own bytes and shared lines."""
        return json.dumps(
            [
                PIPELINE_VERSION, self.ingest.chunk_tokens, self.ingest.chunk_overlap, self.ingest.boilerplate_min_lines,
                self.ingest.ocr, self.model_name,
            ]
        )

    def signature(self, content_hash: str, repeated: Iterable[str]) -> str:
        parts = [self.chunking, content_hash, *sorted(repeated)]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    # -- planning -----------------------------------------------------------------------------
    def plan_paths(self, paths: Sequence[Path]) -> Plan:
        """What ingesting these files and folders takes (folders: files gone from them are removed)."""
        targets, missing = targets_for(list(paths))
        plan = Plan(outcomes=[Outcome(str(p), "failed", reason="no such file or folder", path=str(p)) for p in missing])
        removals: list[str] = []
        for target in targets:
            if target.sweep:
                seen = {doc_id_for(target.root, f) for f in target.files}
                # A mail's attachments stay while the mail does; reading the mail decides about them.
                removals += [
                    r.doc_id for r in self.catalog.documents(root=str(target.root)) if r.doc_id not in seen and r.parent not in seen
                ]
        return self._plan(targets, removals, plan)

    def plan_changes(self, root: Path, changed: Iterable[Path]) -> Plan:
        """What applying these file-system events under `root` takes: changed files read, vanished ones removed."""
        root = root.resolve()
        ignored = Ignore(root)
        files, gone = [], []
        for path in sorted(set(changed)):
            if path.is_file():
                if is_supported(path) and not ignored(path):
                    files.append(path)
            elif not path.exists():
                gone.append(path)
        removals = [
            record.doc_id
            for record in self.catalog.documents(root=str(root))
            for path in gone
            if record.path == str(path) or record.path.startswith(str(path) + "/")
        ]
        return self._plan([Target(root=root, files=tuple(files), sweep=False)], removals, Plan())

    def plan_removal(self, records: Sequence[DocumentRecord]) -> Plan:
        """What removing these documents takes (neighbours whose boilerplate changes are re-chunked)."""
        return self._plan([], [r.doc_id for r in records], Plan())

    def _plan(self, targets: list[Target], removal_ids: list[str], plan: Plan) -> Plan:
        with self.catalog.read():
            changed, unchanged, dropped = self._read(targets, plan)
            removing = set(removal_ids) | dropped
            removing |= {child.doc_id for doc_id in list(removing) for child in self.catalog.children(doc_id)}
            plan.removals = [r for r in (self.catalog.document(d) for d in sorted(removing)) if r is not None]
            counts = _KeyCounts(self.catalog)
            for record in plan.removals:
                counts.forget(record.doc_id)
            for item in changed.values():
                counts.replace(item.document.doc_id, item.keys)
            neighbours = self._neighbours(counts, set(changed) | {r.doc_id for r in plan.removals}, unchanged)
            for item in [*changed.values(), *neighbours.values()]:
                repeated = counts.repeated(item.keys)
                signature = self.signature(item.content_hash, repeated)
                plan.documents.append(
                    PlannedDocument(item.document, item.root, item.content_hash, item.status, item.keys, repeated, signature)
                )
        plan.outcomes += [
            Outcome(doc_id, "unchanged", chunks=record.n_chunks, path=record.path)
            for doc_id, record in unchanged.items()
            if doc_id not in neighbours
        ]
        return plan

    def _read(
        self, targets: list[Target], plan: Plan
    ) -> tuple[dict[str, _Read], dict[str, DocumentRecord], set[str]]:
        """Parse the files whose bytes changed, and the attachments they carry; note the others as
        unchanged (and moved, if they moved). Also returns the attachments a changed mail no longer has."""
        max_bytes = int(self.ingest.max_file_mb * 1_000_000)
        changed: dict[str, _Read] = {}
        unchanged: dict[str, DocumentRecord] = {}
        dropped: set[str] = set()
        for target in targets:
            plan.outcomes += [
                Outcome(doc_id_for(target.root, p), "skipped", reason=f"unsupported file type '{p.suffix or p.name}'", path=str(p))
                for p in target.skipped
            ]
            for path in target.files:
                doc_id = doc_id_for(target.root, path)
                existing = self.catalog.document(doc_id)
                try:
                    data = read_bytes(path, max_bytes)
                    content_hash = hashlib.sha256(data).hexdigest()
                    if existing and existing.content_hash == content_hash:
                        for record in [existing, *self.catalog.children(doc_id)]:
                            if record.path != str(path) or record.root != str(target.root):
                                plan.moves.append(replace(record, root=str(target.root), path=str(path)))
                            unchanged[record.doc_id] = record
                        continue
                    document = parse(doc_id, path, data, self.ingest)
                except UnsupportedFile as exc:
                    plan.outcomes.append(Outcome(doc_id, "skipped", reason=exc.reason, path=str(path)))
                    continue
                except IngestError as exc:
                    kept = " (the version ingested earlier is kept)" if existing else ""
                    plan.outcomes.append(Outcome(doc_id, "failed", reason=exc.reason + kept, path=str(path)))
                    continue
                changed[doc_id] = _Read(document, target.root, content_hash, "updated" if existing else "added")
                carried = self._read_attachments(document, target.root, plan, changed, unchanged)
                dropped |= {child.doc_id for child in self.catalog.children(doc_id)} - carried
        return changed, unchanged, dropped

    def _read_attachments(
        self, carrier: SourceDocument, root: Path, plan: Plan, changed: dict[str, _Read], unchanged: dict[str, DocumentRecord]
    ) -> set[str]:
        """Read each attachment of `carrier` as a document of its own; returns the ids it carries."""
        carried: set[str] = set()
        for attachment in carrier.attachments:
            child_id = attachment_id(carrier.doc_id, attachment.name)
            carried.add(child_id)
            existing = self.catalog.document(child_id)
            content_hash = hashlib.sha256(attachment.data).hexdigest()
            if existing and existing.content_hash == content_hash:
                unchanged[child_id] = existing
                continue
            try:
                document = read_attachment(carrier, attachment, self.ingest)
            except IngestError as exc:
                kept = " (the version ingested earlier is kept)" if existing else ""
                plan.outcomes.append(Outcome(child_id, "failed", reason=exc.reason + kept, path=str(carrier.path)))
                continue
            changed[child_id] = _Read(document, root, content_hash, "updated" if existing else "added")
        return carried

    def _reread(self, record: DocumentRecord) -> tuple[SourceDocument, str]:
        """A stored document read again from its file (an attachment, from the mail carrying it)."""
        path = Path(record.path)
        data = read_bytes(path, int(self.ingest.max_file_mb * 1_000_000))
        if record.parent is None:
            return parse(record.doc_id, path, data, self.ingest), hashlib.sha256(data).hexdigest()
        carrier = parse(record.parent, path, data, self.ingest)
        for attachment in carrier.attachments:
            if attachment_id(carrier.doc_id, attachment.name) == record.doc_id:
                return read_attachment(carrier, attachment, self.ingest), hashlib.sha256(attachment.data).hexdigest()
        raise IngestError(path, f"no longer carries {record.doc_id}")

    def _neighbours(
        self, counts: _KeyCounts, touched: set[str], unchanged: dict[str, DocumentRecord]
    ) -> dict[str, _Read]:
        """Stored documents to re-chunk: their shared lines changed status, or chunking settings changed."""
        settings_changed = self.catalog.get_meta("chunking") != self.chunking
        candidates = set(counts.holders_of_changed()) | (
            {r.doc_id for r in self.catalog.documents()} if settings_changed else set()
        )
        found: dict[str, _Read] = {}
        for doc_id in sorted(candidates - touched):
            record = unchanged.get(doc_id) or self.catalog.document(doc_id)
            if record is None:
                continue
            stored_keys = self.catalog.line_keys(doc_id)
            if self.signature(record.content_hash, counts.repeated(stored_keys)) == record.signature:
                continue
            try:
                document, content_hash = self._reread(record)
            except IngestError as exc:
                log.warning("%s: cannot re-read to update its boilerplate (%s); keeping it as it is", doc_id, exc.reason)
                continue
            found[doc_id] = _Read(document, Path(record.root), content_hash, "updated")
        return found

    # -- chunking -----------------------------------------------------------------------------
    def chunk(self, planned: PlannedDocument, stored_ids: Sequence[str]) -> DocumentWrite | Outcome:
        """The planned document's chunks and what writing them takes, or why it cannot be written."""
        chunks = self.chunker.chunk(planned.document, planned.repeated)
        document = planned.document
        if not chunks:
            return Outcome(document.doc_id, "failed", reason="nothing left after removing boilerplate", path=str(document.path))
        ids = chunk_ids(document.doc_id, chunks)
        old = set(stored_ids)
        new = tuple(i for i, cid in enumerate(ids) if cid not in old)
        return DocumentWrite(planned, tuple(chunks), tuple(ids), new, tuple(sorted(old - set(ids))))


class _KeyCounts:
    """How many documents hold each short line, as the catalog says, with the plan's changes applied."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._delta: Counter[str] = Counter()  # documents arriving add one, documents leaving take one
        self._changed: set[str] = set()
        self._stored: dict[str, int] = {}

    def forget(self, doc_id: str) -> None:
        self.replace(doc_id, set())

    def replace(self, doc_id: str, keys: Iterable[str]) -> None:
        old, new = self.catalog.line_keys(doc_id), set(keys)
        self._delta.subtract(old)
        self._delta.update(new)
        self._changed |= old ^ new

    def holders_of_changed(self) -> set[str]:
        holders = self.catalog.key_holders(self._changed)
        return set().union(*holders.values()) if holders else set()

    def repeated(self, keys: Iterable[str]) -> frozenset[str]:
        """Of `keys`, those that at least two documents hold once the plan is applied."""
        keys = set(keys)
        missing = keys - self._stored.keys()
        if missing:
            counts = self.catalog.key_counts(missing)
            self._stored.update({k: counts.get(k, 0) for k in missing})
        return frozenset(k for k in keys if self._stored[k] + self._delta[k] >= 2)
