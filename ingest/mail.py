"""The e-mail reader (the standard library's email): headers, the body, and attachments to read on their own."""

from __future__ import annotations

from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path, PurePosixPath

from ingest.errors import IngestError
from ingest.models import Attachment, SourceDocument
from ingest.settings import IngestSettings
from ingest.text import html_to_text

HEADERS = ("Subject", "From", "To", "Cc", "Date")


def _content(part: EmailMessage) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError):  # an unknown or wrong charset: keep what decodes
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""


def _body(message: EmailMessage) -> str:
    """The plain-text body, else the HTML one as text."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = _content(part)  # type: ignore[arg-type]
    return html_to_text(content) if part.get_content_type() == "text/html" else content


def _file_name(raw: str | None) -> str | None:
    """The attachment's name without any folder part (a name is no path to write to)."""
    if not raw:
        return None
    name = PurePosixPath(raw.replace("\\", "/")).name.strip()
    return name if name not in ("", ".", "..") else None


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        path = PurePosixPath(name)
        candidate = f"{path.stem}-{n}{path.suffix}"
    taken.add(candidate)
    return candidate


def read_eml(
    doc_id: str, path: Path, data: bytes, settings: IngestSettings, known: Callable[[Path], bool]
) -> SourceDocument:
    """A message as its headers and body; attachments of the types `known` accepts are kept to read."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
        headers = [(name, str(message[name]).strip()) for name in HEADERS if message[name] is not None]
        body = _body(message)
        names: list[str] = []
        attachments: list[Attachment] = []
        taken: set[str] = set()
        for part in message.iter_attachments():
            name = _file_name(part.get_filename())
            if name is None:
                continue
            names.append(name)
            payload = part.get_payload(decode=True)
            if known(Path(name)) and isinstance(payload, bytes):
                attachments.append(Attachment(name=_unique(name, taken), data=payload))
    except (ValueError, IndexError, TypeError, AttributeError, LookupError) as exc:
        raise IngestError(path, f"malformed e-mail message ({type(exc).__name__}: {exc}): export it again") from None
    if not any(value for name, value in headers if name != "Cc"):
        raise IngestError(path, "is not an e-mail message (no From, To, Subject or Date header): is the file extension right?")
    lines = [f"{name}: {value}" for name, value in headers]
    if names:
        lines.append(f"Attachments: {', '.join(names)}")
    text = "\n".join(lines) + "\n\n" + body.replace("\r\n", "\n").strip()
    subject = dict(headers).get("Subject")
    return SourceDocument(
        doc_id=doc_id, path=path, text=text, title=subject or None, kind="eml", attachments=tuple(attachments)
    )
