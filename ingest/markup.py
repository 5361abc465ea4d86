"""Markdown and reStructuredText: the text a reader sees, not the markup.

A README read as plain text puts badge images, link targets, substitution definitions and raw HTML
into the index, and quotes them as answers. Both formats are rendered to HTML by their own parser
(markdown-it-py with tables; docutils), and the HTML becomes text as a mail's or an e-book's does
(`ingest.text.laid_out`): headings and paragraphs as blocks, each list item and table row on its
own line, code line by line. Images, link targets and comments leave no text.
"""

from __future__ import annotations

from pathlib import Path

from ingest.errors import IngestError
from ingest.models import SourceDocument
from ingest.settings import IngestSettings
from ingest.text import decode_text, laid_out

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _document(doc_id: str, path: Path, html: str, kind: str) -> SourceDocument:
    import html_text

    tree = laid_out(html)
    heading = next((el for el in tree.iter(*_HEADINGS) if el.text_content().strip()), None)
    title = " ".join(heading.text_content().split()) if heading is not None else None
    text = html_text.extract_text(tree, guess_layout=True)
    return SourceDocument(doc_id=doc_id, path=path, text=text, title=title, kind=kind)


def read_markdown(doc_id: str, path: Path, data: bytes, settings: IngestSettings) -> SourceDocument:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    text = decode_text(path, data)
    try:
        html = parser.render(text)
    except Exception as exc:  # a parser's failure on one file must not stop the batch
        raise IngestError(path, f"is not readable Markdown ({type(exc).__name__}: {exc}); rename it to .txt to index it as plain text") from None
    return _document(doc_id, path, html, "markdown")


def read_rst(doc_id: str, path: Path, data: bytes, settings: IngestSettings) -> SourceDocument:
    from docutils.core import publish_parts

    overrides = {
        # Quiet and lenient: a directive or role docutils does not know (Sphinx's) is left out, not fatal.
        "report_level": 5,
        "halt_level": 5,
        "warning_stream": False,
        "file_insertion_enabled": False,
        "raw_enabled": False,
        "syntax_highlight": "none",
        "doctitle_xform": False,
    }
    text = decode_text(path, data)
    try:
        parts = publish_parts(text, source_path=str(path), writer="html5", settings_overrides=overrides)
    except Exception as exc:  # docutils raises many kinds of errors on input it cannot take; one file must not stop the batch
        raise IngestError(path, f"is not readable reStructuredText ({type(exc).__name__}: {exc}); rename it to .txt to index it as plain text") from None
    return _document(doc_id, path, parts["body"], "rst")
