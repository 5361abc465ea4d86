"""Files sent by users (the web chat, the HTTP API): safe names, type and size checks, storage.

An upload names its own file; the name is reduced to a plain last component before anything is
written, and the file lands in the collection's uploads folder and nowhere else.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from ingest.readers import SUPPORTED_SUFFIXES

MAX_NAME = 120


@dataclass(frozen=True)
class Refusal:
    """Why an upload is not taken in: its type has no reader, or it is too large."""

    kind: Literal["unsupported_type", "too_large"]
    reason: str


def safe_filename(name: str) -> str:
    """A file name safe to store: the last path component only, no hidden or special names.

    Uploads name their own files; "../../etc/passwd" or "C:\\x\\..\\evil.txt" must land inside the
    uploads folder under a plain name.
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name))[-1]
    base = re.sub(r"[^\w.\- ]", "_", base).strip(" .")
    base = re.sub(r"\.{2,}", ".", base)
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem[: MAX_NAME - len(suffix) - 1] or "upload"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def refusal(name: str, size: int, max_mb: float) -> Refusal | None:
    """Why a file of this name and size cannot go in, or None."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        allowed = ", ".join(sorted(SUPPORTED_SUFFIXES))
        return Refusal("unsupported_type", f"unsupported file type '{suffix or name}' (supported: {allowed})")
    if size > max_mb * 1_000_000:
        return Refusal("too_large", f"file is {size / 1_000_000:.1f} MB, larger than max_file_mb = {max_mb:g}")
    return None


def check_upload(path: Path, name: str, max_mb: float) -> str | None:
    """Why an uploaded file cannot go in (type, size), or None."""
    refused = refusal(name, path.stat().st_size, max_mb)
    return refused.reason if refused else None


def store_upload(source: Path | BinaryIO, uploads: Path, name: str) -> Path:
    """Put an upload (a file, or an open binary stream) in the uploads folder under its sanitised name.

    The file is written aside under a hidden name and then moved into place, so an ingest never
    reads it half-written and two uploads of one name leave one whole file.
    """
    uploads.mkdir(parents=True, exist_ok=True)
    target = (uploads / safe_filename(name)).resolve()
    if target.parent != uploads.resolve():  # cannot happen after safe_filename; kept as the last guard
        raise ValueError(f"refusing to write outside {uploads}: {name!r}")
    handle, staging = tempfile.mkstemp(prefix=".incoming-", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            if isinstance(source, Path):
                with source.open("rb") as given:
                    shutil.copyfileobj(given, out)
            else:
                shutil.copyfileobj(source, out)
        os.replace(staging, target)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return target
