"""Text helpers the readers share: decoding bytes, turning HTML into text, laying out pages."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.errors import IngestError
from ingest.models import Page

if TYPE_CHECKING:
    from lxml.html import HtmlElement

log = logging.getLogger(__name__)

PAGE_SEPARATOR = "\n\n"
# Control characters other than tab, line feed, form feed and carriage return: binary data.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def decode_text(path: Path, data: bytes) -> str:
    """Decode text as UTF-8, else as the encoding charset-normalizer finds; refuse binary data."""
    head = data[:8192]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(path, "looks binary (NUL bytes), not text: is the file extension right?")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise IngestError(
                path, "is not UTF-8 and no other text encoding fits: re-save it as UTF-8"
            ) from None
        text = str(best)
        log.info("%s: decoded as %s", path, best.encoding)
    sample = text[:20000]
    if len(_CONTROLS.findall(sample)) > max(2, len(sample) // 100):
        raise IngestError(path, "looks binary (control characters), not text: is the file extension right?")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def words_of(element: HtmlElement) -> str:
    """An element's visible text as words separated by single spaces."""
    return " ".join(element.text_content().split())


def laid_out(html: str) -> HtmlElement:
    """HTML parsed and laid out for html-text: each list item and table row a line of its own (items
    with their marker, rows as `| a | b |`, rows of only images or blanks left out), preformatted
    text line by line, the head left out."""
    import html_text
    from lxml.html import etree

    tree = html_text.parse_html(html)
    for head in tree.xpath("//head"):
        head.drop_tree()
    for pre in tree.iter("pre"):
        lines = pre.text_content().rstrip("\n").split("\n")
        pre.clear()
        for line in lines:
            etree.SubElement(pre, "div").text = line
    for item in tree.iter("li"):
        parent = item.getparent()
        ordered = parent is not None and parent.tag == "ol"
        start = parent.get("start", "") if parent is not None else ""
        marker = f"{parent.index(item) + (int(start) if start.isdigit() else 1)}. " if ordered else "- "
        # A loose list wraps each item in a paragraph: the marker goes inside it.
        target = item[0] if not (item.text or "").strip() and len(item) and item[0].tag in ("p", "div") else item
        target.text = marker + (target.text or "")
    for row in list(tree.iter("tr")):
        for br in row.iter("br"):
            br.tail = " " + (br.tail or "")
        cells = [words_of(cell) for cell in row if cell.tag in ("td", "th")]
        if any(cells):
            tail = row.tail
            row.clear()
            row.text, row.tail = "| " + " | ".join(cells) + " |", tail
        else:
            row.drop_tree()
    return tree


def html_to_text(html: str) -> str:
    """All visible text of an HTML fragment, a line per block (`laid_out`): for HTML that is content
    throughout.

    Web pages go through trafilatura's article extraction instead; a mail body, an e-book chapter or
    rendered Markdown has no navigation to strip, and article heuristics would drop its short lines
    (a greeting).
    """
    import html_text

    return html_text.extract_text(laid_out(html), guess_layout=True)


def join_pages(sections: Sequence[tuple[str, str | None]]) -> tuple[str, tuple[Page, ...]]:
    """One text from (text, label) sections, numbered from 1, each keeping its span."""
    pages: list[Page] = []
    parts: list[str] = []
    offset = 0
    for number, (text, label) in enumerate(sections, start=1):
        pages.append(Page(number=number, start=offset, end=offset + len(text), label=label))
        parts.append(text)
        offset += len(text) + len(PAGE_SEPARATOR)
    return PAGE_SEPARATOR.join(parts), tuple(pages)
