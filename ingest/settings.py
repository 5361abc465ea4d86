"""Settings the ingest step reads: chunk sizes and what a file may be."""

from __future__ import annotations

from pydantic import BaseModel, Field


class IngestSettings(BaseModel):
    """How files are read, cleaned and chunked."""

    chunk_tokens: int = Field(
        200, ge=32, le=2048, description="Target chunk size in tokens of the embedding model's tokenizer."
    )
    chunk_overlap: int = Field(40, ge=0, le=512, description="Tokens shared by consecutive chunks.")
    max_file_mb: float = Field(
        50.0, gt=0, le=4096, description="Files larger than this many megabytes are skipped with a reason."
    )
    boilerplate_min_lines: int = Field(
        3,
        ge=2,
        le=100,
        description="A block of short lines counts as boilerplate when at least this many of them also "
        "appear in other documents (a site menu, a repeated footer).",
    )
    ocr: bool = Field(
        True,
        description="Read PDF pages that have no text layer (scans) with Tesseract OCR. Off: such pages "
        "are left out, and a PDF with no text layer at all fails with a reason.",
    )
