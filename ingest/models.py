"""The data that flows out of ingestion: source documents and their chunks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Page:
    """One page of a paginated source: its number and its span in the document text."""

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class SourceDocument:
    """A file as read: its text (the coordinate system of every citation offset) and its pages."""

    doc_id: str
    path: Path
    text: str
    title: str | None = None
    pages: tuple[Page, ...] = ()
    kind: str = "text"

    def page_at(self, offset: int) -> int | None:
        for page in self.pages:
            if page.start <= offset < page.end:
                return page.number
        return None


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: `start`/`end` are offsets into `SourceDocument.text`."""

    doc_id: str
    chunk_no: int
    text: str
    start: int
    end: int
    title: str
    page: int | None = None
