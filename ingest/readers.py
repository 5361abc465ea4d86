"""Readers: one file in, one `SourceDocument` out, or an `IngestError` naming the file and a fix.

Parsing is left to well-kept libraries (see `FORMATS`); what is ours is choosing the reader,
deciding what counts as bad input, and keeping page spans so citations can name a page, a slide,
a sheet or a chapter.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from ingest.epub import read_epub
from ingest.errors import IngestError, UnsupportedFile, unreadable
from ingest.mail import read_eml
from ingest.markup import markup_of, read_markdown, read_rst, render_markdown, render_rst
from ingest.models import Attachment, SourceDocument
from ingest.office import read_csv, read_odt, read_pptx, read_rtf, read_xlsx
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


def attachment_id(parent_id: str, name: str) -> str:
    """The document id of a file carried by another document: `mail.eml/report.pdf`."""
    return f"{parent_id}/{name}"


def read_attachment(
    parent: SourceDocument, attachment: Attachment, settings: IngestSettings | None = None
) -> SourceDocument:
    """Read a file `parent` carries as a document of its own, with the readers of its type.

    Its id is `attachment_id(parent.doc_id, attachment.name)`, its `parent` the carrier's id and its
    `path` the carrier's file. Errors name it as `<carrier path>/<name>`.
    """
    shown = Path(f"{parent.path}/{attachment.name}")
    if not attachment.data.strip():
        raise IngestError(shown, "attachment is empty")
    document = parse(attachment_id(parent.doc_id, attachment.name), shown, attachment.data, settings)
    return replace(document, path=parent.path, parent=parent.doc_id)


def _read_text(doc_id: str, path: Path, data: bytes, settings: IngestSettings) -> SourceDocument:
    """The text as written, or as rendered when it is Markdown or reStructuredText (`markup_of`)."""
    text = decode_text(path, data)
    render = {"markdown": render_markdown, "rst": render_rst}.get(markup_of(text) or "")
    if render is not None:
        try:
            document = render(doc_id, path, text)
        except IngestError:  # markup its parser cannot take: the file is still text
            pass
        else:
            if document.text.strip():
                return document
    return SourceDocument(doc_id=doc_id, path=path, text=text, kind="text")


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


@dataclass(frozen=True)
class Format:
    """A kind of file the readers take: its suffixes, its reader, and what is read of it."""

    suffixes: tuple[str, ...]
    reader: Reader
    reads: str


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


# The one list of formats: discovery, the upload check and the README's table all come from it.
FORMATS: tuple[Format, ...] = (
    Format(
        (".txt", ".text"),
        _read_text,
        "the text, as UTF-8 or the encoding charset-normalizer finds; read as Markdown or reStructuredText "
        "when it is written in one (two signs of that markup: directives, link targets, ``literals``, fences…)",
    ),
    Format(
        (".md", ".markdown"),
        read_markdown,
        "the text as rendered (markdown-it-py, with tables): no link targets, images or HTML tags; "
        "list items and table rows a line each",
    ),
    Format((".rst",), read_rst, "the text as rendered (docutils): no directives' options, substitutions or comments"),
    Format((".html", ".htm", ".xhtml"), _read_html, "the visible article text (trafilatura): no scripts, styles or navigation"),
    Format(
        (".pdf",),
        _read_pdf,
        "text per page (pypdf), page numbers kept; pages with no text layer (scans) are read by OCR "
        "(Tesseract through pytesseract, pages rendered by pypdfium2) unless `ocr` is off",
    ),
    Format((".docx",), _read_docx, "paragraphs and tables (python-docx)"),
    Format((".pptx",), read_pptx, "the text of each slide and its notes (python-pptx); slides are the pages"),
    Format(
        (".xlsx",),
        read_xlsx,
        "each row with its column headers, `Region: North; Sales: 120` (openpyxl; stored values of formulas); "
        "sheets are the pages",
    ),
    Format((".csv",), read_csv, "each row with its column headers (the standard library's csv)"),
    Format((".epub",), read_epub, "the text of each chapter in reading order (ebooklib, html-text); chapters are the pages"),
    Format(
        (".eml",),
        partial(read_eml, known=is_supported),
        "Subject, From, To, Cc, Date and the body, plain text preferred over HTML (the standard library's email); "
        "attachments of the types in this table become documents of their own",
    ),
    Format((".rtf",), read_rtf, "the text (striprtf)"),
    Format((".odt",), read_odt, "headings, paragraphs, lists and tables (odfpy)"),
)

_READERS: dict[str, Reader] = {suffix: fmt.reader for fmt in FORMATS for suffix in fmt.suffixes}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_READERS)


def formats_table() -> str:
    """The formats as the Markdown table the README shows."""
    rows = ["| files | what is read |", "|---|---|"]
    rows += [f"| {', '.join(f'`{s}`' for s in fmt.suffixes)} | {fmt.reads} |" for fmt in FORMATS]
    return "\n".join(rows)
