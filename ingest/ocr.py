"""OCR of PDF pages that have no text layer: pypdfium2 renders the page, Tesseract reads it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from ingest.errors import IngestError

log = logging.getLogger(__name__)

# Tesseract reads best at about 300 dots per inch; PDF sizes are in points (1/72 inch).
RENDER_SCALE = 300 / 72
# A page that takes longer than this is given up (a poster-sized scan), not left to stall the batch.
PAGE_TIMEOUT_S = 120
LANGUAGE = "eng"
INSTALL_HINT = "install Tesseract (apt-get install tesseract-ocr tesseract-ocr-eng) or set ASKDOCS_OCR=false"


def recognise_pages(path: Path, data: bytes, numbers: Sequence[int]) -> dict[int, str]:
    """The recognised text of the given pages (numbered from 1) of a PDF."""
    import pypdfium2
    import pytesseract

    try:
        pytesseract.get_tesseract_version()
    except pytesseract.TesseractNotFoundError:
        raise IngestError(path, f"page {numbers[0]} has no text layer and OCR needs Tesseract: {INSTALL_HINT}") from None
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise IngestError(path, f"PDF pages cannot be rendered for OCR ({exc})") from None
    texts: dict[int, str] = {}
    try:
        for number in numbers:
            page = pdf[number - 1]
            image = page.render(scale=RENDER_SCALE, grayscale=True).to_pil()
            try:
                text = pytesseract.image_to_string(image, lang=LANGUAGE, timeout=PAGE_TIMEOUT_S)
            except pytesseract.TesseractError as exc:
                raise IngestError(path, f"OCR of page {number} failed ({exc.message.strip()})") from None
            except RuntimeError:  # pytesseract's timeout (TesseractError is a RuntimeError too)
                raise IngestError(path, f"OCR of page {number} took over {PAGE_TIMEOUT_S} s: split the PDF") from None
            texts[number] = text.replace("\f", "").strip()
            log.info("%s: page %d read by OCR (%d characters)", path, number, len(texts[number]))
    finally:
        pdf.close()
    return texts
