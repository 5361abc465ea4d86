"""Scanned PDFs: a page with no text layer is read by OCR, and OCR can be turned off."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import IngestError
from ingest.models import SourceDocument
from ingest.readers import parse, read_bytes
from ingest.settings import IngestSettings
from tests.ingest.test_readers import make_pdf

MB = 1_000_000


def read(path: Path, settings: IngestSettings | None = None) -> SourceDocument:
    return parse(path.name, path, read_bytes(path, 50 * MB), settings)


def span_of(document: SourceDocument, phrase: str) -> tuple[int | None, str | None]:
    """The number and label of the page holding `phrase`."""
    page = document.page_of(document.text.index(phrase))
    assert page is not None, f"{phrase!r} is outside every page"
    return page.number, page.label


def make_scan(path: Path, lines: list[str]) -> Path:
    """A PDF page that is only an image of text, as a scanner makes it: no text layer."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (900, 60 + 55 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=36)
    for i, line in enumerate(lines):
        draw.text((30, 30 + 55 * i), line, fill=0, font=font)
    image.save(path, "PDF", resolution=150)
    return path


def make_scanned_report(folder: Path) -> Path:
    """A two-page PDF: page 1 has a text layer, page 2 is a scan."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.append(make_pdf(folder / "typed.pdf", ["The typed page is about the ferry timetable."]))
    writer.append(make_scan(folder / "scan-only.pdf", ["The lighthouse keeper", "lights the lamp at seven."]))
    path = folder / "scanned.pdf"
    writer.write(path)
    (folder / "typed.pdf").unlink()
    (folder / "scan-only.pdf").unlink()
    return path


def test_scanned_page_is_read_by_ocr_and_keeps_its_number(tmp_path: Path) -> None:
    document = read(make_scanned_report(tmp_path))
    assert document.ocr_pages == (2,)
    assert span_of(document, "typed page is about the ferry timetable")[0] == 1
    assert span_of(document, "lights the lamp at seven")[0] == 2


def test_ocr_can_be_turned_off(tmp_path: Path) -> None:
    document = read(make_scanned_report(tmp_path), IngestSettings(ocr=False))
    assert document.ocr_pages == ()
    assert [p.number for p in document.pages] == [1, 2]
    assert "lighthouse" not in document.text and "ferry timetable" in document.text
    only_scan = make_scan(tmp_path / "only-scan.pdf", ["Nothing but pixels here."])
    with pytest.raises(IngestError, match="no text layer .* OCR is off: set ASKDOCS_OCR=true"):
        read(only_scan, IngestSettings(ocr=False))
