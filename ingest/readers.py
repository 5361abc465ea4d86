"""Readers: one file in, one `SourceDocument` out, or an `IngestError` naming the file and a fix.

Parsing is left to well-kept libraries (pypdf, python-docx, trafilatura; scanned pages through
Tesseract); what is ours is choosing the reader, deciding what counts as bad input, and keeping page
spans so citations can name a page.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

from ingest.errors import IngestError, UnsupportedFile, unreadable
from ingest.models import SourceDocument
from ingest.settings import IngestSettings
from ingest.text import decode_text, join_pages

log = logging.getLogger(__name__)

Reader = Callable[[str, Path, bytes, IngestSettings], SourceDocument]

_WORD = re.compile(r"\w")


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, refusing what is missing, unreadable, empty or too large."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(
                path,
                f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit "
                "(raise ASKDOCS_MAX_FILE_MB to ingest it)",
            )
        data = path.read_bytes()
    except IngestError:
        raise
    except FileNotFoundError:
        raise IngestError(path, "file not found (a dangling link, or removed while ingesting)") from None
    except IsADirectoryError:
        raise IngestError(path, "is a directory, not a file") from None
    except PermissionError:
        raise IngestError(path, "permission denied: make the file readable") from None
    except OSError as exc:
        raise IngestError(path, f"cannot be read: {exc.strerror or exc}") from None
    if not data.strip():
        raise IngestError(path, "file is empty")
    return data


def parse(doc_id: str, path: Path, data: bytes, settings: IngestSettings | None = None) -> SourceDocument:
    """Turn a file's bytes into a document, choosing the reader by suffix."""
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise UnsupportedFile(path, f"unsupported file type '{suffix or path.name}'")
    document = reader(doc_id, path, data, settings or IngestSettings())
    if not document.text.strip():
        raise IngestError(path, "no text could be extracted")
    return document


def _read_text(doc_id: str, path: Path, data: bytes, settings: IngestSettings) -> SourceDocument:
    return SourceDocument(doc_id=doc_id, path=path, text=decode_text(path, data), kind="text")


def _read_html(doc_id: str, path: Path, data: bytes, settings: IngestSettings) -> SourceDocument:
    import lxml.html
    import trafilatura

    html = decode_text(path, data)
    text = trafilatura.extract(
        html, include_comments=False, include_tables=True, favor_recall=True, deduplicate=False
    )
    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise IngestError(path, f"is not parseable HTML ({exc})") from None
    title_el = tree.find(".//title")
    title = title_el.text_content().strip() if title_el is not None else None
    if not text:
        # Short pages fall below trafilatura's article heuristics: keep the visible text.
        for element in tree.xpath("//script|//style|//noscript|//nav|//template"):
            element.drop_tree()
        text = "\n".join(line.strip() for line in tree.text_content().splitlines() if line.strip())
    return SourceDocument(doc_id=doc_id, path=path, text=text, title=title or None, kind="html")


def _read_pdf(doc_id: str, path: Path, data: bytes, settings: IngestSettings) -> SourceDocument:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(path, "PDF is password-protected: save an unprotected copy")
        page_texts = [(page.extract_text() or "").replace("\r\n", "\n").replace("\r", "\n") for page in reader.pages]
        meta_title = reader.metadata.title if reader.metadata else None
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise IngestError(path, f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from None
    if not page_texts:
        raise IngestError(path, "PDF has no pages")
    # A page without a word in its text layer is a scan (or blank): its text has to be recognised.
    imaged = [number for number, text in enumerate(page_texts, start=1) if not _WORD.search(text)]
    ocr_pages: list[int] = []
    if imaged and settings.ocr:
        from ingest.ocr import recognise_pages

        for number, text in recognise_pages(path, data, imaged).items():
            if _WORD.search(text):
                page_texts[number - 1] = text
                ocr_pages.append(number)
    if not any(_WORD.search(text) for text in page_texts):
        if not settings.ocr:
            raise IngestError(path, "PDF has no text layer (a scan) and OCR is off: set ASKDOCS_OCR=true to read it")
        raise IngestError(path, "no text found, not even by OCR: is the PDF blank, or its scan unreadable?")
    text, pages = join_pages([(page_text, None) for page_text in page_texts])
    return SourceDocument(
        doc_id=doc_id,
        path=path,
        text=text,
        title=(meta_title or "").strip() or None,
        pages=pages,
        kind="pdf",
        ocr_pages=tuple(ocr_pages),
    )


def _read_docx(doc_id: str, path: Path, data: bytes, settings: IngestSettings) -> SourceDocument:
    import io
    import zipfile

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise unreadable(path, ".docx", exc) from None
    blocks: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            blocks.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                cells = [cell.text.strip() for cell in row.cells]
                blocks.append(" | ".join(cell for cell in cells if cell))
    title = (document.core_properties.title or "").strip() or None
    return SourceDocument(
        doc_id=doc_id, path=path, text="\n\n".join(b for b in blocks if b.strip()), title=title, kind="docx"
    )


TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".rst", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}

_READERS: dict[str, Reader] = {
    **{suffix: _read_text for suffix in TEXT_SUFFIXES},
    **{suffix: _read_html for suffix in HTML_SUFFIXES},
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_READERS)


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES
