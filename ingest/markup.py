"""Markdown and reStructuredText: the text a reader sees, not the markup.

A README read as plain text puts badge images, link targets, substitution definitions and raw HTML
into the index, and quotes them as answers. Both formats are rendered to HTML by their own parser
(markdown-it-py with tables; docutils), and the HTML becomes text as a mail's or an e-book's does
(`ingest.text.laid_out`): headings and paragraphs as blocks, each list item and table row on its
own line, code line by line. Images, link targets and comments leave no text.

A `.txt` file is often one of the two without saying so (a package's long description that
declares no format, a README saved as text): `markup_of` tells them from prose by the constructs
only that markup has, and such a file is read as rendered too.
"""

from __future__ import annotations

import re
from itertools import accumulate
from pathlib import Path

from ingest.errors import IngestError
from ingest.models import SourceDocument
from ingest.settings import IngestSettings
from ingest.text import decode_text, laid_out, words_of

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Marks where a heading starts in the extracted text: a private-use character, taken out of the source first.
_MARK = "\ue000"
# A section's label is the last two headings of its path, at most this long.
MAX_LABEL_CHARS = 80

# What only reStructuredText writes: explicit markup (directives, link targets, substitution
# definitions, footnotes), inline literals, link references, a literal block's "::" and a
# substitution's use.
_RST_SIGNS = (
    re.compile(r"^\.\. (?:[\w-]+::|_[^:\n]+:|\|[^|\n]+\| [\w-]+::|\[[#*\w-]+\] )", re.M),
    re.compile(r"``[^`\s][^`\n]*``"),
    re.compile(r"`[^`\n]+`__?(?!\w)"),
    re.compile(r"\S::$", re.M),
    re.compile(r"(?<![|\w])\|[\w][\w -]*\|(?![|\w])"),
)
# A section title's underline: a line of one punctuation character at least as long as the title above it.
_ADORNED = re.compile(r"^(\S[^\n]*)\n(([=\-~^\"'`#*+:.])\3{2,})[ \t]*$", re.M)
_SETEXT = {"=", "-"}
# What only Markdown writes: an ATX heading, a fenced code block, a link or an image, a link's definition.
_MARKDOWN_SIGNS = (
    re.compile(r"^#{1,6} \S", re.M),
    re.compile(r"^```", re.M),
    # A link's text is bounded, so that a long line of "[" costs a pass, not a pass per bracket.
    re.compile(r"!?\[[^\]\n]{1,200}\]\((?:https?://|\.{0,2}/|#)[^)\s]*\)"),
    re.compile(r"^ {0,3}\[[^\]\n]+\]: \S", re.M),
)


def markup_of(text: str) -> str | None:
    """"rst" or "markdown" when a plain-text file is written in that markup, else None.

    Two signs of one markup are needed: two kinds of construct, or section titles underlined in two
    styles of reStructuredText's own, or three explicit markup lines (a README of badges). A plain
    note may underline its title or hold one "[link](…)", and it is then still read as written.
    """
    rst = sum(bool(sign.search(text)) for sign in _RST_SIGNS)
    styles = {m.group(3) for m in _ADORNED.finditer(text) if len(m.group(1).rstrip()) <= len(m.group(2))}
    # Markdown underlines its titles with "=" and "-" too; only the other characters are reStructuredText's own.
    rst += min(2, len(styles - _SETEXT) + bool(styles & _SETEXT))
    markdown = sum(bool(sign.search(text)) for sign in _MARKDOWN_SIGNS)
    if (rst >= 2 and rst > markdown) or len(_RST_SIGNS[0].findall(text)) >= 3:
        return "rst"
    if markdown >= 2:
        return "markdown"
    return None


def _document(doc_id: str, path: Path, html: str, kind: str) -> SourceDocument:
    """The rendered text, its first heading as title, and where each later section starts with its
    path of headings (the title left out), so a passage's citation can say what section it is in."""
    import html_text

    tree = laid_out(html)
    headings = [(element, words) for element in tree.iter(*_HEADINGS) if (words := words_of(element))]
    title = headings[0][1] if headings else None
    paths: list[str] = []
    open_headings: dict[int, str] = {}
    for element, words in headings[1:]:
        level = int(element.tag[1])
        open_headings = {lvl: text for lvl, text in open_headings.items() if lvl < level}
        open_headings[level] = words
        label = " › ".join(list(open_headings.values())[-2:])
        paths.append(label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1].rstrip() + "…")
        element.text = _MARK + (element.text or "")
    pieces = html_text.extract_text(tree, guess_layout=True).split(_MARK)
    starts = accumulate(len(piece) for piece in pieces[:-1])
    return SourceDocument(
        doc_id=doc_id, path=path, text="".join(pieces), title=title, kind=kind, headings=tuple(zip(starts, paths, strict=True))
    )


def read_markdown(doc_id: str, path: Path, data: bytes, settings: IngestSettings) -> SourceDocument:
    return render_markdown(doc_id, path, decode_text(path, data))


def render_markdown(doc_id: str, path: Path, text: str) -> SourceDocument:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    text = text.replace(_MARK, "")
    try:
        html = parser.render(text)
    except Exception as exc:  # a parser's failure on one file must not stop the batch
        raise IngestError(path, f"is not readable Markdown ({type(exc).__name__}: {exc}); rename it to .txt to index it as plain text") from None
    return _document(doc_id, path, html, "markdown")


def read_rst(doc_id: str, path: Path, data: bytes, settings: IngestSettings) -> SourceDocument:
    return render_rst(doc_id, path, decode_text(path, data))


def render_rst(doc_id: str, path: Path, text: str) -> SourceDocument:
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
    text = text.replace(_MARK, "")
    try:
        parts = publish_parts(text, source_path=str(path), writer="html5", settings_overrides=overrides)
    except Exception as exc:  # docutils raises many kinds of errors on input it cannot take; one file must not stop the batch
        raise IngestError(path, f"is not readable reStructuredText ({type(exc).__name__}: {exc}); rename it to .txt to index it as plain text") from None
    return _document(doc_id, path, parts["body"], "rst")
