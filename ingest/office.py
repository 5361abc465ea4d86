"""Readers for office files: slides (python-pptx), spreadsheets (openpyxl, csv), RTF (striprtf), ODT (odfpy).

A spreadsheet row becomes a line that names each value by its column header ("Region: North;
Sales: 120"), so a passage cut from the middle of a sheet still says what its numbers are.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from ingest.errors import IngestError, unreadable
from ingest.models import SourceDocument
from ingest.settings import IngestSettings
from ingest.text import decode_text, join_pages

def _cell(value: object) -> str:
    """A cell as it reads in a sentence: 120 not 120.0, dates without a midnight time, one line."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else f"{value:.15g}"
    elif isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    elif isinstance(value, (date, time)):
        text = value.isoformat()
    else:
        text = str(value)
    return " ".join(text.split())


def rows_as_text(rows: Iterable[Sequence[object]]) -> str:
    """Rows as "Header: value; ..." paragraphs; the first non-empty row holds the headers.

    A row is a paragraph of its own so that chunks end between rows, never inside one. A table of a
    single row has no headers to name: its values are kept as they are.
    """
    header: list[str] | None = None
    lines: list[str] = []
    for row in rows:
        cells = [_cell(value) for value in row]
        if not any(cells):
            continue
        if header is None:
            header = cells
            continue
        pairs = []
        for i, cell in enumerate(cells):
            if cell:
                name = header[i] if i < len(header) and header[i] else f"column {i + 1}"
                pairs.append(f"{name}: {cell}")
        lines.append("; ".join(pairs))
    if header is not None and not lines:
        return "; ".join(cell for cell in header if cell)
    return "\n\n".join(lines)


def read_xlsx(doc_id: str, path: Path, data: bytes, settings: IngestSettings) -> SourceDocument:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sections = [
                (rows_as_text(sheet.iter_rows(values_only=True)), f"sheet {sheet.title}")
                for sheet in workbook.worksheets
            ]
            title = workbook.properties.title
        finally:
            workbook.close()
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, SyntaxError, OSError) as exc:
        # SyntaxError covers the XML parser's ParseError for a damaged sheet.
        raise unreadable(path, ".xlsx", exc) from None
    text, pages = join_pages(sections)
    # Without a title of its own, a sheet is named by its file: a first row is no headline.
    return SourceDocument(
        doc_id=doc_id, path=path, text=text, title=(title or "").strip() or path.stem, pages=pages, kind="xlsx"
    )


def read_csv(doc_id: str, path: Path, data: bytes, settings: IngestSettings) -> SourceDocument:
    text = decode_text(path, data)
    dialect: type[csv.Dialect] | csv.Dialect
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:  # one column, or too little text to tell
        dialect = csv.excel
    # Strict: an unclosed quote is an error, not a field that swallows the rest of the file.
    reader = csv.reader(io.StringIO(text), dialect, strict=True)
    row_start = 1

    def rows() -> Iterator[list[str]]:
        nonlocal row_start
        for row in reader:
            yield row
            row_start = reader.line_num + 1

    try:
        body = rows_as_text(rows())
    except csv.Error as exc:
        raise IngestError(
            path, f"malformed CSV in the row starting at line {row_start} ({exc}): fix the quoting or export it again"
        ) from None
    return SourceDocument(doc_id=doc_id, path=path, text=body, title=path.stem, kind="csv")


def _shape_texts(shapes: Iterable[Any]) -> Iterator[str]:
    from pptx.shapes.group import GroupShape

    for shape in shapes:
        if isinstance(shape, GroupShape):
            yield from _shape_texts(shape.shapes)
        elif shape.has_text_frame:
            yield shape.text_frame.text
        elif shape.has_table:
            for row in shape.table.rows:
                yield " | ".join(cell.text.strip() for cell in row.cells if cell.text.strip())


def _slide_text(slide: Any) -> str:
    parts = [text for text in _shape_texts(slide.shapes) if text.strip()]
    notes = slide.notes_slide.notes_text_frame if slide.has_notes_slide else None
    if notes is not None and notes.text.strip():
        parts.append(f"Notes: {notes.text.strip()}")
    # A line break inside a paragraph comes out as a vertical tab.
    return "\n\n".join(parts).replace("\v", "\n")


def read_pptx(doc_id: str, path: Path, data: bytes, settings: IngestSettings) -> SourceDocument:
    import pptx
    from pptx.exc import PythonPptxError

    try:
        presentation = pptx.Presentation(io.BytesIO(data))
        sections = [(_slide_text(slide), f"slide {n}") for n, slide in enumerate(presentation.slides, start=1)]
        title = presentation.core_properties.title
    except (PythonPptxError, zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise unreadable(path, ".pptx", exc) from None
    text, pages = join_pages(sections)
    return SourceDocument(
        doc_id=doc_id, path=path, text=text, title=(title or "").strip() or None, pages=pages, kind="pptx"
    )


def read_rtf(doc_id: str, path: Path, data: bytes, settings: IngestSettings) -> SourceDocument:
    from striprtf.striprtf import rtf_to_text

    # RTF is 7-bit text with escapes; stray 8-bit bytes are in the Windows code page it names.
    raw = data.removeprefix(b"\xef\xbb\xbf").decode("cp1252", errors="replace")
    if not raw.lstrip().startswith("{\\rtf"):
        raise IngestError(path, "is not RTF (it does not start with {\\rtf): is the file extension right?")
    try:
        text = rtf_to_text(raw, errors="replace")
    except (ValueError, IndexError, LookupError) as exc:
        raise unreadable(path, "RTF", exc) from None
    return SourceDocument(doc_id=doc_id, path=path, text=text.replace("\r\n", "\n"), kind="rtf")


def _odf_blocks(element: Any) -> Iterator[str]:
    """Headings, paragraphs and table rows of an ODF body, in document order."""
    from odf import teletype
    from odf.namespaces import TABLENS, TEXTNS

    blocks = {(TEXTNS, "p"), (TEXTNS, "h")}
    for child in element.childNodes:
        qname = getattr(child, "qname", None)
        if qname in blocks:
            yield teletype.extractText(child)
        elif qname == (TABLENS, "table-row"):
            cells = [" ".join(_odf_blocks(cell)).strip() for cell in child.childNodes]
            yield " | ".join(cell for cell in cells if cell)
        elif qname is not None:
            yield from _odf_blocks(child)


def read_odt(doc_id: str, path: Path, data: bytes, settings: IngestSettings) -> SourceDocument:
    import xml.sax

    from odf import dc, teletype
    from odf.opendocument import load

    try:
        document = load(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, xml.sax.SAXException) as exc:
        raise unreadable(path, ".odt", exc) from None
    if document.text is None:
        raise IngestError(path, f"is not an OpenDocument text but {document.mimetype}: is the file extension right?")
    text = "\n\n".join(block for block in _odf_blocks(document.text) if block.strip())
    titles = [teletype.extractText(t).strip() for t in document.meta.getElementsByType(dc.Title)]
    return SourceDocument(doc_id=doc_id, path=path, text=text, title=next(filter(None, titles), None), kind="odt")
