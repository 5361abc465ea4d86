"""The EPUB reader (ebooklib): the text of each document in the reading order, chapters as pages."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ingest.errors import unreadable
from ingest.models import SourceDocument
from ingest.settings import IngestSettings
from ingest.text import html_to_text, join_pages, words_of


def _heading(html: str) -> str | None:
    import html_text

    tree = html_text.parse_html(html)
    found = tree.xpath("(//h1|//h2|//h3|//title)[normalize-space()][1]")
    return words_of(found[0]) if found else None


def read_epub(doc_id: str, path: Path, data: bytes, settings: IngestSettings) -> SourceDocument:
    import ebooklib
    import lxml.etree
    from ebooklib import epub

    try:
        book = epub.read_epub(io.BytesIO(data), {"ignore_ncx": True})
        documents = [book.get_item_with_id(idref) for idref, _linear in book.spine]
        html_pages = [
            item.get_content().decode("utf-8", errors="replace")
            for item in documents
            if item is not None and item.get_type() == ebooklib.ITEM_DOCUMENT and not isinstance(item, epub.EpubNav)
        ]
        titles = book.get_metadata("DC", "title")
    except (epub.EpubException, zipfile.BadZipFile, lxml.etree.LxmlError, KeyError, ValueError, TypeError, AttributeError) as exc:
        not_zip = isinstance(exc, epub.EpubException) and exc.msg == "Bad Zip file"
        raise unreadable(path, ".epub", zipfile.BadZipFile() if not_zip else exc) from None
    sections: list[tuple[str, str | None]] = []
    for html in html_pages:
        text = html_to_text(html)
        if text.strip():  # covers and blank pages do not count as chapters
            heading = _heading(html)
            number = len(sections) + 1
            sections.append((text, f"chapter {number} ({heading})" if heading else f"chapter {number}"))
    text, pages = join_pages(sections)
    title = titles[0][0].strip() if titles and titles[0][0] else None
    return SourceDocument(doc_id=doc_id, path=path, text=text, title=title or None, pages=pages, kind="epub")
