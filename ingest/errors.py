"""Errors raised while reading a file. Each carries the path and a one-line reason with a fix."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path


class IngestError(Exception):
    """A file could not be turned into a document; the rest of the batch goes on."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


class UnsupportedFile(IngestError):
    """The file type has no reader; such files are skipped, not counted as failures."""


_OBJECT_REPR = re.compile(r"'?<[\w.]+ object at 0x[0-9a-f]+>'?")


def unreadable(path: Path | str, kind: str, exc: BaseException) -> IngestError:
    """The error for a file its library cannot open: not an archive at all, or damaged inside."""
    if isinstance(exc, zipfile.BadZipFile):
        return IngestError(path, f"is not a {kind} file (not a zip archive): is the file extension right?")
    detail = " ".join(_OBJECT_REPR.sub("the file", str(exc)).split())[:200]
    return IngestError(path, f"corrupt or unreadable {kind} ({type(exc).__name__}: {detail}): open it and save it again")
