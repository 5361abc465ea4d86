"""Readers: one file in, one `SourceDocument` out, or an `IngestError` naming the file and a fix.

Parsing is left to well-kept libraries (pypdf, python-docx, trafilatura); what is ours is choosing
the reader, deciding what counts as bad input, and keeping page spans so citations can name a page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from ingest.errors import IngestError, UnsupportedFile
from ingest.models import Page, SourceDocument

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".rst", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf", ".docx"}
PAGE_SEPARATOR = "\n\n"


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


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


def parse(doc_id: str, path: Path, data: bytes) -> SourceDocument:
    """Turn a file's bytes into a document, choosing the reader by suffix."""
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise UnsupportedFile(path, f"unsupported file type '{suffix or path.name}'")
    document = reader(doc_id, path, data)
    if not document.text.strip():
        raise IngestError(path, "no text could be extracted (a scanned PDF needs OCR first)")
    return document


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
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(2, len(text[:20000]) // 100):
        raise IngestError(path, "looks binary (control characters), not text: is the file extension right?")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_text(doc_id: str, path: Path, data: bytes) -> SourceDocument:
    return SourceDocument(doc_id=doc_id, path=path, text=decode_text(path, data), kind="text")


def _read_html(doc_id: str, path: Path, data: bytes) -> SourceDocument:
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


def _read_pdf(doc_id: str, path: Path, data: bytes) -> SourceDocument:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(path, "PDF is password-protected: save an unprotected copy")
        page_texts = [page.extract_text() or "" for page in reader.pages]
        meta_title = reader.metadata.title if reader.metadata else None
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise IngestError(path, f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from None
    pages: list[Page] = []
    parts: list[str] = []
    offset = 0
    for number, page_text in enumerate(page_texts, start=1):
        page_text = page_text.replace("\r\n", "\n").replace("\r", "\n")
        pages.append(Page(number=number, start=offset, end=offset + len(page_text)))
        parts.append(page_text)
        offset += len(page_text) + len(PAGE_SEPARATOR)
    return SourceDocument(
        doc_id=doc_id,
        path=path,
        text=PAGE_SEPARATOR.join(parts),
        title=(meta_title or "").strip() or None,
        pages=tuple(pages),
        kind="pdf",
    )


def _read_docx(doc_id: str, path: Path, data: bytes) -> SourceDocument:
    import io
    import zipfile

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError(path, f"corrupt or unreadable .docx ({type(exc).__name__}: {exc})") from None
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


_READERS: dict[str, Callable[[str, Path, bytes], SourceDocument]] = {
    **{suffix: _read_text for suffix in TEXT_SUFFIXES},
    **{suffix: _read_html for suffix in HTML_SUFFIXES},
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}
