"""Cleaning: drop boilerplate blocks and repeated paragraphs, normalise whitespace, keep offsets.

Boilerplate is found across the corpus: a block of short lines most of which also appear in other
documents (a site's navigation menu, a shared footer) is not content. Lines repeated within one
document (a lead paragraph printed twice) are kept once. Lines of prose wrapped at a fixed width
(a PDF's printed lines, a plain-text file or a mail filled to 72 or 80 columns) can be joined back
into one line, so that a sentence is one line again. Every character of the cleaned text keeps the offset of the
character it came from, so a chunk of cleaned text maps back to the source.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

# Lines longer than this are prose, never menu items.
SHORT_LINE_CHARS = 120
# Unshared lines tolerated between two shared ones inside one block (a menu entry renamed on one page).
MAX_GAP_LINES = 2
# Lines at least this long are compared when dropping within-document repeats.
REPEAT_MIN_CHARS = 30
# Share of repeated lines needed in the stretch between the first and last repeated line.
BLOCK_DENSITY = 0.6
# A paragraph is wrapped prose when its longest line is this long or longer, but not longer than
# WRAP_MAX_CHARS (lines of one paragraph each are not wrapped); a line filled to WRAP_FILL of the
# longest one continues on the next, unless that one opens a list item or is indented further.
WRAP_MIN_CHARS = 40
WRAP_MAX_CHARS = 160
WRAP_FILL = 0.6

_WS = re.compile(r"\s+")
_BULLET = re.compile(r"^[\s\-–—•*·▪>|#]+")
_WORD = re.compile(r"\w")
_TOKEN = re.compile(r"\S+")
_COLUMNS = re.compile(r"\S(?: {2,}|\t)\S")
_PROMPT = re.compile(r"^(?:>>>|\.\.\.|\$ )")
_ITEM = re.compile(r"^(?:[-–—•*·▪>|#+]|\d{1,3}[.)](?:\s|$)|\(?[a-zA-Z0-9]{1,3}\)\s)")


def line_key(line: str) -> str | None:
    """The comparable form of a short line, or None for blank, punctuation-only and long lines."""
    stripped = _WS.sub(" ", _BULLET.sub("", line)).strip().lower()
    if not stripped or not _WORD.search(stripped) or len(stripped) > SHORT_LINE_CHARS:
        return None
    return stripped


def line_keys(text: str) -> set[str]:
    """Keys of a document's short lines: what is counted across the corpus to spot boilerplate."""
    return {key for key in map(line_key, text.split("\n")) if key is not None}


@dataclass(frozen=True)
class CleanText:
    """Cleaned text and, for every character of it, the offset of its source character."""

    text: str
    offsets: array

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the cleaned text to the matching span of the source text."""
        if end <= start:
            position = self.offsets[start] if start < len(self.offsets) else (self.offsets[-1] + 1)
            return position, position
        return self.offsets[start], self.offsets[end - 1] + 1


@dataclass(frozen=True)
class _Line:
    start: int  # offset of the line's first character in the source
    text: str


def _lines(text: str, base: int = 0) -> Iterator[_Line]:
    offset = base
    for raw in text.split("\n"):
        yield _Line(offset, raw)
        offset += len(raw) + 1


def boilerplate_lines(lines: list[_Line], repeated: frozenset[str], min_lines: int) -> set[int]:
    """Indexes of lines inside blocks of short lines dominated by lines other documents share."""
    keys = [line_key(line.text) for line in lines]
    hits = [i for i, key in enumerate(keys) if key in repeated]
    clusters: list[list[int]] = []
    for i in hits:
        if clusters:
            previous = clusters[-1][-1]
            between = range(previous + 1, i)
            gap = sum(1 for j in between if keys[j] is not None)
            if gap <= MAX_GAP_LINES and all(len(lines[j].text.strip()) <= SHORT_LINE_CHARS for j in between):
                clusters[-1].append(i)
                continue
        clusters.append([i])
    dropped: set[int] = set()
    for cluster in clusters:
        first, last = cluster[0], cluster[-1]
        content = sum(1 for j in range(first, last + 1) if keys[j] is not None)
        if len(cluster) < min_lines or len(cluster) < BLOCK_DENSITY * content:
            continue
        # Blank and punctuation-only lines at a block's edges (a menu's "-" separators) go with it.
        while first > 0 and keys[first - 1] is None and len(lines[first - 1].text.strip()) < 3:
            first -= 1
        while last + 1 < len(lines) and keys[last + 1] is None and len(lines[last + 1].text.strip()) < 3:
            last += 1
        dropped.update(range(first, last + 1))
    return dropped


def _paragraphs(lines: list[_Line], dropped: set[int]) -> Iterator[list[_Line]]:
    """Runs of kept, non-blank lines; a blank or dropped line ends a paragraph."""
    paragraph: list[_Line] = []
    for i, line in enumerate(lines):
        if i in dropped or not line.text.strip():
            if paragraph:
                yield paragraph
            paragraph = []
        else:
            paragraph.append(line)
    if paragraph:
        yield paragraph


def _continues(paragraph: list[_Line]) -> list[bool]:
    """For each line of a paragraph, whether it continues the line before (prose wrapped at a width)."""
    bodies = [line.text.strip() for line in paragraph]
    width = max(map(len, bodies))
    if not WRAP_MIN_CHARS <= width <= WRAP_MAX_CHARS:
        return [False] * len(paragraph)
    indents = [len(line.text) - len(line.text.lstrip()) for line in paragraph]
    # Lines laid out in columns (a table, a listing), a console's lines and a rule are no prose.
    prose = [bool(_WORD.search(body)) and not _COLUMNS.search(body) and not _PROMPT.match(body) for body in bodies]
    flags = [False]
    for i in range(1, len(paragraph)):
        filled = prose[i - 1] and prose[i] and len(bodies[i - 1]) >= WRAP_FILL * width
        # Further indented: code or a quotation, unless it carries on a list item.
        aligned = indents[i] <= indents[i - 1] or bool(_ITEM.match(bodies[i - 1]))
        flags.append(filled and aligned and not _ITEM.match(bodies[i]))
    return flags


def _normal(text: str) -> str:
    return " ".join(text.split()).lower()


def _without_repeats(paragraphs: Iterable[list[_Line]]) -> Iterator[list[_Line]]:
    """Drop paragraphs, then long lines, already seen earlier in the document."""
    seen_paragraphs: set[str] = set()
    seen_lines: set[str] = set()
    for paragraph in paragraphs:
        normals = [_normal(line.text) for line in paragraph]
        whole = " ".join(normals)  # the paragraph's lines are never blank
        if len(whole) >= REPEAT_MIN_CHARS and whole in seen_paragraphs:
            continue
        seen_paragraphs.add(whole)
        kept = []
        for line, normal in zip(paragraph, normals, strict=True):
            if len(normal) >= REPEAT_MIN_CHARS:
                if normal in seen_lines:
                    continue
                seen_lines.add(normal)
            kept.append(line)
        if kept:
            yield kept


def _extend_range(offsets: array, start: int, stop: int) -> None:
    """offsets.extend(range(start, stop)), through numpy: 15 times faster on a line of prose."""
    offsets.frombytes(np.arange(start, stop, dtype=np.int64).tobytes())


def clean(text: str, repeated: frozenset[str] = frozenset(), min_lines: int = 3, unwrap: bool = True) -> CleanText:
    """Clean a document's text; `repeated` holds the line keys other documents share. `unwrap` joins
    prose wrapped at a width: off for text whose lines are already its own (rendered markup, rows)."""
    lines = list(_lines(text))
    dropped = boilerplate_lines(lines, repeated, min_lines) if repeated else set()
    out: list[str] = []
    offsets = array("q")
    for p_index, paragraph in enumerate(_without_repeats(_paragraphs(lines, dropped))):
        joins = _continues(paragraph) if unwrap else [False] * len(paragraph)
        for l_index, (line, continues) in enumerate(zip(paragraph, joins, strict=True)):
            separator = (" " if continues else "\n") if l_index else ("\n\n" if p_index else "")
            body = line.text.strip()
            start = line.start + len(line.text) - len(line.text.lstrip())
            # A separator maps to the source character just before the word it precedes.
            out.append(separator)
            offsets.extend([start - 1] * len(separator))
            if body.isprintable() and "  " not in body:
                # No whitespace but lone spaces (nearly every line): the line maps through unchanged.
                out.append(body)
                _extend_range(offsets, start, start + len(body))
                continue
            for w_index, word in enumerate(_TOKEN.finditer(body)):
                source = start + word.start()
                if w_index:
                    out.append(" ")
                    offsets.append(source - 1)
                out.append(word.group())
                _extend_range(offsets, source, source + len(word.group()))
    return CleanText(text="".join(out), offsets=offsets)
