"""The data that flows out of ingestion: source documents and their chunks."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple


@dataclass(frozen=True)
class Page:
    """One page of a paginated source: its number and its span in the document text.

    `label` is how a citation names the page when "page N" would be wrong: "slide 3",
    "sheet Budget", "chapter 2 (The Harbour)". None for the pages of a PDF.
    """

    number: int
    start: int
    end: int
    label: str | None = None


@dataclass(frozen=True)
class Attachment:
    """A file carried inside another one (a mail's attachment), to be read as its own document."""

    name: str
    data: bytes


@dataclass(frozen=True)
class SourceDocument:
    """A file as read: its text (the coordinate system of every citation offset) and its pages.

    `ocr_pages` are the numbers of the pages whose text was recognised from their image.
    `headings` are the section headings of a document that has them (rendered Markdown or
    reStructuredText): where each starts in `text`, and its path of headings ("Changelog › 3.5.0").
    `attachments` are the files of a known type it carries; `read_attachment` reads each. A document
    read from an attachment has `parent`, the id of the document carrying it, and `path` is the
    carrier's file.
    """

    doc_id: str
    path: Path
    text: str
    title: str | None = None
    pages: tuple[Page, ...] = ()
    kind: str = "text"
    ocr_pages: tuple[int, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    parent: str | None = None
    headings: tuple[tuple[int, str], ...] = ()

    def heading_at(self, offset: int) -> str | None:
        """The path of the headings of the section `offset` is in, or None before the first."""
        index = bisect_right(self.headings, offset, key=lambda heading: heading[0]) - 1
        return self.headings[index][1] if index >= 0 else None

    def headings_in(self, start: int, end: int) -> tuple[tuple[int, str], ...]:
        """The headings that start after `start` and before `end`."""
        first = bisect_right(self.headings, start, key=lambda heading: heading[0])
        return self.headings[first : bisect_left(self.headings, end, key=lambda heading: heading[0])]

    def page_at(self, offset: int) -> int | None:
        page = self.page_of(offset)
        return page.number if page else None

    def page_of(self, offset: int) -> Page | None:
        for page in self.pages:
            if page.start <= offset < page.end:
                return page
        return None


class Section(NamedTuple):
    """A heading that starts inside a passage: where in the passage's text (`at`), where in the
    document (`start`), and its path of headings ("3.5.0 › Changed")."""

    at: int
    start: int
    label: str


def label_at(label: str | None, sections: Sequence[Section], offset: int, *, in_document: bool = False) -> str | None:
    """The label of the section that `offset` of a passage is in: the last of its `sections` that
    starts at or before it, else the passage's own `label`. `offset` is into the passage's text, or
    into the document with `in_document`."""
    index = bisect_right(sections, offset, key=(lambda s: s.start) if in_document else (lambda s: s.at)) - 1
    return sections[index].label if index >= 0 else label


def embedded_text(text: str, title: str, page: int | None, label: str | None) -> str:
    """What the embedding model reads of a passage: its text, after the document's title and the
    section's headings when it sits in a section ("psutil › Windows services").

    A README's passages rarely name what they are about; its title and headings do. A passage
    that is on a page (a PDF's, a slide), or before a document's first section, is read as it is.
    """
    return f"{title} › {label}\n{text}" if label and page is None else text


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: `start`/`end` are offsets into `SourceDocument.text`.

    `label` is the page's label ("slide 3", "sheet Budget") when it has one, else the last two
    headings of the section it starts in ("Examples and Advanced Usage › Pandas Integration") when
    the document has them. `tokens` are the embedding model's token ids of `text` (no special
    tokens) when chunking counted them: the encoder takes them rather than tokenize the text again.
    """

    doc_id: str
    chunk_no: int
    text: str
    start: int
    end: int
    title: str
    page: int | None = None
    label: str | None = None
    sections: tuple[Section, ...] = ()
    tokens: tuple[int, ...] | None = field(default=None, compare=False, repr=False)

    @property
    def embedded(self) -> str:
        return embedded_text(self.text, self.title, self.page, self.label)
