"""askdocs' errors: one root, a few kinds that the edges translate, and the errors of reading files.

Every error askdocs raises on purpose is an `AskdocsError`. Its kind decides how an edge reports it:
the CLI's exit status, the HTTP API's status code. The kinds live here, at the bottom of the package
graph, so that every layer can raise them; each package adds its specific errors in its own
`errors.py`.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path


class AskdocsError(Exception):
    """Root of every error askdocs raises on purpose: the message says what is wrong and what to do."""


class InvalidInput(AskdocsError):
    """A request, file or setting that cannot be used as given (usage error, HTTP 400)."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class NotFound(AskdocsError):
    """Something asked for by name or id does not exist (HTTP 404)."""


class Unavailable(AskdocsError):
    """A service askdocs depends on cannot be reached or loaded (HTTP 503)."""

    def __init__(self, message: str, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class Conflict(AskdocsError):
    """The index is in a state that does not allow the request (HTTP 409)."""


class IngestError(AskdocsError):
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
