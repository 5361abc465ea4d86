"""Chunking: sentence-aware passages of about `chunk_tokens` tokens, each mapped back to the source."""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections.abc import Callable, Sized
from pathlib import Path

from ingest.clean import CleanText, clean
from ingest.models import Chunk, Page, Section, SourceDocument
from ingest.settings import IngestSettings

Tokenize = Callable[[str], list[int]]

_WORDS = re.compile(r"\w[\w'’-]*")
# Kinds of document whose lines may be prose wrapped at a width (a PDF's lines, a plain-text file or
# mail filled to 72 or 80 columns). The other readers give one line per paragraph, row or item.
WRAPPED_KINDS = frozenset({"text", "pdf", "eml"})


def _model_tokenizer(tokenizer_file: Path | None):  # type: ignore[no-untyped-def]
    """The embedding model's tokenizer, whole texts (no padding, no truncation); None without one."""
    if tokenizer_file is None or not tokenizer_file.exists():
        return None
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def _estimate(text: str) -> list[int]:
    return [0] * round(len(_WORDS.findall(text)) * 1.3)


def load_tokenizer(tokenizer_file: Path | None) -> Tokenize:
    """Token counter of the embedding model (so chunks fit it), or a word-based estimate without one."""
    tokenizer = _model_tokenizer(tokenizer_file)
    if tokenizer is None:
        return _estimate
    return lambda text: tokenizer.encode(text, add_special_tokens=False).ids


class _PieceCounter:
    """Token counts of the pieces of one text, from a single tokenization of that text.

    llama-index's SentenceSplitter measures a text, then each of its paragraphs, then each
    sentence, each with a new tokenizer call: on SciFact that tokenizes 3.6 times the text and is
    two thirds of chunking's time, on the cores the encoder needs. Every piece it measures is a
    substring of the text it was given. Where a piece starts and ends between two of the text's
    tokens, and not inside a word (the next token is no `##` continuation), tokenizing it alone
    gives exactly the text's tokens that lie inside it, so those are counted instead. Any other
    piece, or a tokenizer without offsets, is tokenized on its own.
    """

    def __init__(self, tokenizer_file: Path | None) -> None:
        self._tokenizer = _model_tokenizer(tokenizer_file)
        self._local = threading.local()  # the text being split, per thread

    def begin(self, text: str) -> None:
        """Tokenize `text`, the text the next pieces come from."""
        if self._tokenizer is None:
            return
        encoding = self._tokenizer.encode(text, add_special_tokens=False)
        self._local.text = text
        self._local.ids = encoding.ids
        self._local.starts = [start for start, _ in encoding.offsets]
        self._local.ends = [end for _, end in encoding.offsets]
        self._local.continues = [token.startswith("##") for token in encoding.tokens]
        self._local.cursor = 0

    def _between_tokens(self, at: int) -> bool:
        starts, ends = self._local.starts, self._local.ends
        i = bisect_left(starts, at)
        return (i == 0 or ends[i - 1] <= at) and (i == len(starts) or not self._local.continues[i])

    def ids(self, start: int, end: int) -> tuple[int, ...] | None:
        """The token ids of text[start:end] of the text begun, where they are the text's own; else None."""
        if self._tokenizer is None or not (self._between_tokens(start) and self._between_tokens(end)):
            return None
        starts = self._local.starts
        return tuple(self._local.ids[bisect_left(starts, start) : bisect_left(starts, end)])

    def __call__(self, piece: str) -> Sized:
        if self._tokenizer is None:
            return _estimate(piece)
        text = getattr(self._local, "text", "")
        at = text.find(piece, self._local.cursor) if text else -1
        if at < 0 and text:
            at = text.find(piece)
        end = at + len(piece)
        if at < 0 or not (self._between_tokens(at) and self._between_tokens(end)):
            return self._tokenizer.encode(piece, add_special_tokens=False).ids
        self._local.cursor = at
        starts = self._local.starts
        return range(bisect_left(starts, at), bisect_left(starts, end))


def guess_title(text: str, fallback: str) -> str:
    """A headline-like line near the top (4 to 30 words, not a sentence of prose), else the first line."""
    lines = [line.strip() for line in text.split("\n") if line.strip()][:6]
    for line in lines:
        words = len(line.split())
        if 4 <= words <= 30 and len(line) <= 200 and not line.endswith((".", ":", ";", ",")):
            return line
    if lines and len(lines[0]) <= 120:
        return lines[0]
    return fallback


def _sections_in(
    headings: tuple[tuple[int, str], ...], cleaned: CleanText, base: int, at: int, length: int
) -> tuple[Section, ...]:
    """The `headings` (document offset, label) that start inside the piece of `cleaned` at `at` (of
    `length` characters), with where each starts in the piece too (`cleaned` is the document's text
    from `base`)."""
    return tuple(
        Section(min(max(bisect_left(cleaned.offsets, heading - base) - at, 0), length), heading, label)
        for heading, label in headings
    )


class Chunker:
    """Cleans a document and splits it into passages that carry their source offsets."""

    def __init__(self, settings: IngestSettings, tokenizer_file: Path | None) -> None:
        from llama_index.core.node_parser import SentenceSplitter

        self.settings = settings
        self._count = _PieceCounter(tokenizer_file)
        self._splitter = SentenceSplitter(
            chunk_size=settings.chunk_tokens,
            chunk_overlap=min(settings.chunk_overlap, settings.chunk_tokens // 2),
            tokenizer=self._count,
            paragraph_separator="\n\n",
            include_metadata=False,
        )

    def _sections(self, document: SourceDocument, repeated: frozenset[str]) -> list[tuple[CleanText, int, Page | None]]:
        """Cleaned text per page (or the whole text), with the page's start offset and the page."""
        min_lines = self.settings.boilerplate_min_lines
        unwrap = document.kind in WRAPPED_KINDS
        if not document.pages:
            return [(clean(document.text, repeated, min_lines, unwrap), 0, None)]
        return [
            (clean(document.text[page.start : page.end], repeated, min_lines, unwrap), page.start, page)
            for page in document.pages
        ]

    def chunk(self, document: SourceDocument, repeated: frozenset[str] = frozenset()) -> list[Chunk]:
        sections = self._sections(document, repeated)
        title = document.title or guess_title(
            "\n".join(section.text for section, _, _ in sections[:1]), Path(document.doc_id).stem
        )
        chunks: list[Chunk] = []
        for cleaned, base, page in sections:
            if not cleaned.text.strip():
                continue
            cursor = 0
            self._count.begin(cleaned.text)
            for piece in self._splitter.split_text(cleaned.text):
                found = cleaned.text.find(piece, cursor)
                tokens = self._count.ids(found, found + len(piece)) if found >= 0 else None
                if found < 0:  # the splitter only ever trims whitespace, so this is a safety net
                    found = cursor
                start, end = cleaned.source_span(found, found + len(piece))
                chunks.append(
                    Chunk(
                        doc_id=document.doc_id,
                        chunk_no=len(chunks),
                        text=piece,
                        start=base + start,
                        end=base + end,
                        title=title,
                        page=page.number if page else None,
                        label=page.label if page else document.heading_at(base + start),
                        sections=()
                        if page
                        else _sections_in(document.headings_in(base + start, base + end), cleaned, base, found, len(piece)),
                        tokens=tokens,
                    )
                )
                cursor = found + 1
        return chunks
