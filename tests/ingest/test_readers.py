"""Readers for every supported format, and bad files that must fail with a reason naming them."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ingest.errors import IngestError, UnsupportedFile
from ingest.readers import parse, read_bytes

MB = 1_000_000


def read(path: Path, max_bytes: int = 50 * MB):
    return parse(path.name, path, read_bytes(path, max_bytes))


def make_pdf(path: Path, pages: list[str]) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle("Field report")
    for text in pages:
        y = 800
        for line in text.split("\n"):
            pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()
    return path


def make_docx(path: Path, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = "Minutes"
    for text in paragraphs:
        document.add_paragraph(text)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Budget"
    table.rows[0].cells[1].text = "42 000 EUR"
    document.save(str(path))
    return path


def test_text_and_markdown(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Plain text line.\r\nSecond line.", encoding="utf-8")
    (tmp_path / "b.md").write_text("# Title\n\nSome *markdown* text.", encoding="utf-8")
    assert read(tmp_path / "a.txt").text == "Plain text line.\nSecond line."
    markdown = read(tmp_path / "b.md")
    assert (markdown.text, markdown.title) == ("Title\n\nSome markdown text.", "Title")


README_MD = """<h1 align="center">Quickcache <img src="logo.png" alt="logo"></h1>

[![PyPI](https://img.shields.io/pypi/v/quickcache.svg)](https://pypi.org/project/quickcache/)

Quickcache keeps the results of slow calls on disk, so that a second call with the
same arguments returns at once; see [the guide][guide] for more.

## Settings

| Setting | Default |
|---|---|
| `max_size` | 1 GB |
| `eviction` | LRU<br>or LFU |

- Set `QUICKCACHE_OFF=1` to switch the cache off
  in production.
- Entries expire after a day.

```python
from quickcache import cached
    @cached
```

[guide]: https://example.org/guide
"""


def test_markdown_is_read_as_rendered_text(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(README_MD, encoding="utf-8")
    document = read(tmp_path / "README.md")
    text = document.text
    assert document.title == "Quickcache"
    for markup in ("https://", "shields", "<img", "[guide]", "```", "|---|", "**"):
        assert markup not in text
    assert "on disk, so that a second call with the same arguments returns at once; see the guide for more." in text
    assert "| max_size | 1 GB |\n| eviction | LRU or LFU |" in text
    assert "- Set QUICKCACHE_OFF=1 to switch the cache off in production.\n- Entries expire after a day." in text
    assert "from quickcache import cached\n@cached" in text  # code line by line
    # Sections below the title are known by their headings, for citations to name.
    assert document.heading_at(text.index("on disk")) is None
    assert document.heading_at(text.index("max_size")) == "Settings"


README_RST = """.. |build| image:: https://ci.example.org/badge.svg
   :target: https://ci.example.org/

|build|

Quickcache
==========

Quickcache keeps the results of slow calls on disk, so that a second call with the
same arguments returns at once. Call :func:`quickcache.clear` to empty it.

.. code:: python

   from quickcache import cached

.. automodule:: quickcache
   :members:

.. A comment the reader never sees.
"""


def test_restructuredtext_is_read_as_rendered_text(tmp_path: Path) -> None:
    (tmp_path / "README.rst").write_text(README_RST, encoding="utf-8")
    document = read(tmp_path / "README.rst")
    text = document.text
    assert document.title == "Quickcache"
    for markup in ("https://", "image::", ":target:", "|build|", "automodule", "comment"):
        assert markup not in text
    assert "on disk, so that a second call with the same arguments returns at once." in text
    assert "quickcache.clear" in text  # a role docutils does not know (Sphinx's) keeps its text
    assert "from quickcache import cached" in text


def test_a_text_file_written_in_markup_is_read_as_rendered(tmp_path: Path) -> None:
    # A package's long description that declares no format is saved as .txt; so are many READMEs.
    (tmp_path / "quickcache.txt").write_text(README_RST, encoding="utf-8")
    (tmp_path / "notes.txt").write_text(README_MD, encoding="utf-8")
    rst, markdown = read(tmp_path / "quickcache.txt"), read(tmp_path / "notes.txt")
    assert (rst.kind, rst.title, markdown.kind, markdown.title) == ("rst", "Quickcache", "markdown", "Quickcache")
    assert "image::" not in rst.text and "from quickcache import cached" in rst.text
    assert "img.shields.io" not in markdown.text and "| max_size | 1 GB |" in markdown.text


def test_plain_text_with_one_sign_of_markup_is_read_as_written(tmp_path: Path) -> None:
    note = "Harbour works\n=============\n\nThe *north* pier closes:\n\n  on 3 May, see [the notice](https://example.org/n).\n"
    (tmp_path / "note.txt").write_text(note, encoding="utf-8")
    document = read(tmp_path / "note.txt")
    assert (document.kind, document.text) == ("text", note)


def test_html_keeps_visible_text_only(tmp_path: Path) -> None:
    html = """<html><head><title>Harbour notice</title><style>.x{color:red}</style>
    <script>var secret = "do not index";</script></head>
    <body><nav><a href="/">Home</a> | <a href="/about">About us</a></nav>
    <article><h1>Harbour closed</h1><p>The harbour closes on 3 May for dredging works that last
    two weeks. Ferries leave from the north pier instead.</p></article></body></html>"""
    (tmp_path / "notice.html").write_text(html, encoding="utf-8")
    document = read(tmp_path / "notice.html")
    assert "The harbour closes on 3 May" in document.text
    assert "do not index" not in document.text and "color:red" not in document.text
    assert document.title == "Harbour notice"


def test_pdf_pages_are_kept(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "report.pdf", ["The first page talks about rivers.", "The second page is about mountains."])
    document = read(path)
    assert [p.number for p in document.pages] == [1, 2]
    second = document.pages[1]
    assert "mountains" in document.text[second.start : second.end]
    assert document.page_at(document.text.index("rivers")) == 1
    assert document.title == "Field report"


def test_docx_paragraphs_and_tables(tmp_path: Path) -> None:
    document = read(make_docx(tmp_path / "minutes.docx", ["The board met on Tuesday.", "It approved the plan."]))
    assert "The board met on Tuesday." in document.text
    assert "Budget | 42 000 EUR" in document.text
    assert document.title == "Minutes"


def test_latin1_text_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes("Le café du marché ouvre à sept heures et ferme très tard le soir.".encode("latin-1"))
    assert "café du marché" in read(path).text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"   \n\n  ", "empty"),
        ("binary.txt", bytes(range(256)) * 40, "binary"),
        ("corrupt.pdf", b"%PDF-1.4\n1 0 obj <</Type /Catalog>> garbage without xref", "PDF"),
        ("corrupt.docx", b"PK\x03\x04 this is not really a zip archive", ".docx"),
        ("wrong-encoding.txt", random.Random(7).randbytes(4096).replace(b"\x00", b"\x01"), "UTF-8"),
    ],
)
def test_bad_files_fail_with_a_reason(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError) as caught:
        read(path)
    assert reason in caught.value.reason
    assert caught.value.path == path
    assert name in str(caught.value)


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_text("word " * 300_000)
    with pytest.raises(IngestError, match="over the 1 MB limit"):
        read_bytes(path, 1 * MB)


def test_unreadable_file(tmp_path: Path) -> None:
    link = tmp_path / "gone.txt"
    link.symlink_to(tmp_path / "missing-target.txt")
    with pytest.raises(IngestError, match="not found"):
        read_bytes(link, MB)


def test_unsupported_type(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    with pytest.raises(UnsupportedFile):
        read(path)


def test_html_lists_tables_and_code_are_laid_out_a_line_each() -> None:
    from ingest.text import html_to_text

    html = (
        '<ol start="x"><li>first</li><li><p>second</p></li></ol>'
        "<table><tr><td><img src='badge.svg'></td></tr><tr><th>Setting</th><th>Default</th></tr>"
        "<tr><td>eviction</td><td>LRU<br>or LFU</td></tr></table>"
        "<pre>for x in items:\n    print(x)\n</pre>"
    )
    assert html_to_text(html).split("\n") == [
        "1. first", "", "2. second", "", "| Setting | Default |", "| eviction | LRU or LFU |", "", "for x in items:", "print(x)",
    ]


def test_a_private_use_character_in_markdown_does_not_confuse_its_sections(tmp_path: Path) -> None:
    (tmp_path / "odd.md").write_text("# Odd\n\n## One \ue000 two\n\nText \ue000 here.\n\n## Three\n\nMore.", encoding="utf-8")
    document = read(tmp_path / "odd.md")
    assert document.heading_at(document.text.index("More")) == "Three"
    assert document.heading_at(document.text.index("here")) == "One two"


def test_restructuredtext_never_reads_other_files_or_raw_html(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password=hunter2", encoding="utf-8")
    (tmp_path / "notes.rst").write_text(
        f"Notes\n=====\n\n.. include:: {secret}\n\n.. csv-table:: Keys\n   :file: {secret}\n\n"
        ".. raw:: html\n\n   <script>steal()</script>\n\nThe notes end here.\n",
        encoding="utf-8",
    )
    text = read(tmp_path / "notes.rst").text
    assert "hunter2" not in text and "steal" not in text
    assert "The notes end here." in text
