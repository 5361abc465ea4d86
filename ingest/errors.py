"""Errors raised while reading a file. Each carries the path and a one-line reason with a fix."""

from __future__ import annotations

from pathlib import Path


class IngestError(Exception):
    """A file could not be turned into a document; the rest of the batch goes on."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


class UnsupportedFile(IngestError):
    """The file type has no reader; such files are skipped, not counted as failures."""
