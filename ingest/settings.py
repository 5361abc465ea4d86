"""Settings the ingest step reads: chunk sizes and what a file may be."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, SecretStr


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


def public_dump(model: BaseModel) -> dict[str, Any]:
    """A settings model as JSON-ready data with every secret left out (for reports, traces and logs)."""
    data: dict[str, Any] = {}
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, SecretStr) or "SecretStr" in str(field.annotation):
            continue
        data[name] = public_dump(value) if isinstance(value, BaseModel) else _plain(value)
    return data


def _plain(value: Any) -> Any:
    from pathlib import Path

    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
