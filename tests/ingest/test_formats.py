"""Slides, spreadsheets, e-books, mail, RTF, ODT and scanned PDFs: real files, written by the same libraries.

Each format is read with its text in the right page, slide, sheet or chapter; a damaged file of each
fails with one line naming it; and every format goes through the index, found with its page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from index.collection import Collection
from index.embedder import Embedder
from index.report import IngestReport
from index.settings import IndexSettings
from ingest.chunk import Chunker
from ingest.errors import IngestError
from ingest.models import SourceDocument
from ingest.readers import SUPPORTED_SUFFIXES, formats_table, parse, read_attachment, read_bytes
from ingest.settings import IngestSettings
from tests.conftest import ROOT
from tests.ingest.test_readers import make_pdf

MB = 1_000_000


def read(path: Path, settings: IngestSettings | None = None) -> SourceDocument:
    return parse(path.name, path, read_bytes(path, 50 * MB), settings)


def span_of(document: SourceDocument, phrase: str) -> tuple[int | None, str | None]:
    """The number and label of the page holding `phrase`."""
    page = document.page_of(document.text.index(phrase))
    assert page is not None, f"{phrase!r} is outside every page"
    return page.number, page.label


def make_pptx(path: Path) -> Path:
    import pptx
    from pptx.util import Inches

    presentation = pptx.Presentation()
    presentation.core_properties.title = "Harbour plans"
    layout = presentation.slide_layouts[1]  # title and content
    first = presentation.slides.add_slide(layout)
    first.shapes.title.text = "Dredging the harbour"
    first.placeholders[1].text = "Dredging starts on 3 May and lasts two weeks."
    second = presentation.slides.add_slide(layout)
    second.shapes.title.text = "Ferry timetable"
    second.placeholders[1].text = "Ferries leave from the north pier."
    table = second.shapes.add_table(2, 2, Inches(1), Inches(5), Inches(4), Inches(1)).table
    for (row, col), text in {(0, 0): "Route", (0, 1): "Departures", (1, 0): "Island line", (1, 1): "Hourly"}.items():
        table.cell(row, col).text = text
    second.notes_slide.notes_text_frame.text = "Remind the captains about the lighthouse repairs."
    presentation.save(str(path))
    return path


def make_xlsx(path: Path) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.properties.title = "Regional sales"
    budget = workbook.active
    budget.title = "Budget"
    budget.append(["Region", "Sales", "Growth"])
    budget.append(["North", 120, 0.25])
    budget.append(["South", 95.0, None])
    staff = workbook.create_sheet("Staff")
    staff.append(["Name", "Role"])
    staff.append(["Mira Holm", "Harbour master"])
    workbook.save(str(path))
    return path


def make_csv(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["City", "Population", "Note"])
        writer.writerow(["Lisbon", "545000", "capital; on the Tagus"])
        writer.writerow(["Porto", "232000", ""])
    return path


def make_epub(path: Path) -> Path:
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("harbour-tales-1")
    book.set_title("Harbour tales")
    book.set_language("en")
    chapters = []
    for number, (heading, body) in enumerate(
        [("The Pier", "The ferry leaves from the north pier at dawn."), ("The Lighthouse", "The keeper lights the lamp at seven.")],
        start=1,
    ):
        chapter = epub.EpubHtml(title=heading, file_name=f"chapter{number}.xhtml", lang="en")
        chapter.content = f"<h1>{heading}</h1><p>{body}</p>"
        book.add_item(chapter)
        chapters.append(chapter)
    book.toc = tuple(chapters)
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *chapters]
    epub.write_epub(str(path), book)
    return path


def make_eml(path: Path, attachment: bytes | None = None, html_only: bool = False) -> Path:
    message = EmailMessage()
    message["Subject"] = "Budget meeting moved"
    message["From"] = "Ana Lind <ana@example.org>"
    message["To"] = "Ben Moss <ben@example.org>"
    message["Date"] = "Mon, 04 May 2026 09:30:00 +0000"
    if html_only:
        message.set_content(
            "<html><head><style>div { color: navy }</style></head>"
            "<body><div>Hello Ben,<br>the budget meeting moves to <b>Thursday</b>.<br>Ana</div></body></html>",
            subtype="html",
        )
    else:
        message.set_content("Hello Ben,\n\nthe budget meeting moves to Thursday at ten.\n\nAna\n")
        message.add_alternative("<p>This HTML copy of the body must not be read twice.</p>", subtype="html")
    if attachment is not None:
        message.add_attachment(attachment, maintype="application", subtype="pdf", filename="agenda.pdf")
        message.add_attachment(b"\x89PNG\r\n\x1a\n" + b"0" * 64, maintype="image", subtype="png", filename="photo.png")
    path.write_bytes(bytes(message))
    return path


def make_rtf(path: Path) -> Path:
    # striprtf only reads; this is the RTF a word processor writes for two short paragraphs.
    path.write_bytes(
        rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times New Roman;}}{\info{\title Market notes}}"
        rb"\pard\f0 The caf\'e9 on the quay opens at {\b seven}.\par"
        rb"\pard The fish market closes at noon.\par}"
    )
    return path


def make_odt(path: Path) -> Path:
    from odf import dc, table
    from odf import text as odftext
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    document.meta.addElement(dc.Title(text="Council minutes"))
    document.text.addElement(odftext.H(outlinelevel=1, text="Council minutes"))
    document.text.addElement(odftext.P(text="The council approved the new sea wall."))
    items = odftext.List()
    item = odftext.ListItem()
    item.addElement(odftext.P(text="Repair the slipway before winter."))
    items.addElement(item)
    document.text.addElement(items)
    grid = table.Table(name="Costs")
    row = table.TableRow()
    for value in ("Sea wall", "1.2 million"):
        cell = table.TableCell()
        cell.addElement(odftext.P(text=value))
        row.addElement(cell)
    grid.addElement(row)
    document.text.addElement(grid)
    document.save(str(path))
    return path


def make_scan(path: Path, lines: list[str]) -> Path:
    """A PDF page that is only an image of text, as a scanner makes it: no text layer."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (900, 60 + 55 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=36)
    for i, line in enumerate(lines):
        draw.text((30, 30 + 55 * i), line, fill=0, font=font)
    image.save(path, "PDF", resolution=150)
    return path


def make_scanned_report(folder: Path) -> Path:
    """A two-page PDF: page 1 has a text layer, page 2 is a scan."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.append(make_pdf(folder / "typed.pdf", ["The typed page is about the ferry timetable."]))
    writer.append(make_scan(folder / "scan-only.pdf", ["The lighthouse keeper", "lights the lamp at seven."]))
    path = folder / "scanned.pdf"
    writer.write(path)
    (folder / "typed.pdf").unlink()
    (folder / "scan-only.pdf").unlink()
    return path


def test_pptx_slides_are_pages_with_notes(tmp_path: Path) -> None:
    document = read(make_pptx(tmp_path / "plans.pptx"))
    assert [(p.number, p.label) for p in document.pages] == [(1, "slide 1"), (2, "slide 2")]
    assert span_of(document, "Dredging starts on 3 May") == (1, "slide 1")
    assert span_of(document, "Ferries leave from the north pier.") == (2, "slide 2")
    assert span_of(document, "Notes: Remind the captains about the lighthouse repairs.") == (2, "slide 2")
    assert span_of(document, "Island line | Hourly") == (2, "slide 2")
    assert document.title == "Harbour plans" and document.kind == "pptx"


def test_xlsx_rows_carry_their_headers_and_sheets_are_pages(tmp_path: Path) -> None:
    document = read(make_xlsx(tmp_path / "sales.xlsx"))
    assert [(p.number, p.label) for p in document.pages] == [(1, "sheet Budget"), (2, "sheet Staff")]
    assert span_of(document, "Region: North; Sales: 120; Growth: 0.25") == (1, "sheet Budget")
    # An empty cell is left out, a whole float reads as an integer.
    assert span_of(document, "Region: South; Sales: 95\n") == (1, "sheet Budget")
    assert span_of(document, "Name: Mira Holm; Role: Harbour master") == (2, "sheet Staff")
    assert document.title == "Regional sales"


def test_csv_rows_carry_their_headers(tmp_path: Path) -> None:
    document = read(make_csv(tmp_path / "cities.csv"))
    # The delimiter is found (here ';'), and a quoted delimiter stays inside its field.
    assert document.text.split("\n\n") == [
        "City: Lisbon; Population: 545000; Note: capital; on the Tagus",
        "City: Porto; Population: 232000",
    ]
    assert document.title == "cities"  # not the first row


def test_chunks_of_a_long_table_end_between_rows(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Order", "Customer", "Product", "Quantity", "Shipped"])
        for n in range(300):
            writer.writerow([f"A-{1000 + n}", ["Hansen Fisheries", "Lind & Co"][n % 2], ["rope", "net", "buoy"][n % 3], n % 50, "yes"])
    chunks = Chunker(IngestSettings(), tokenizer_file=None).chunk(read(path))
    assert len(chunks) > 5
    assert all(c.text.startswith("Order: A-") and c.text.endswith("Shipped: yes") for c in chunks)


def test_epub_chapters_are_pages(tmp_path: Path) -> None:
    document = read(make_epub(tmp_path / "tales.epub"))
    # The navigation document in the spine is not a chapter.
    assert [(p.number, p.label) for p in document.pages] == [(1, "chapter 1 (The Pier)"), (2, "chapter 2 (The Lighthouse)")]
    assert span_of(document, "The ferry leaves from the north pier at dawn.")[0] == 1
    assert span_of(document, "The keeper lights the lamp at seven.")[0] == 2
    assert document.title == "Harbour tales"


def test_eml_headers_plain_body_and_known_attachments(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "agenda-source.pdf", ["Agenda: the budget for the new ferry."]).read_bytes()
    document = read(make_eml(tmp_path / "mail.eml", attachment=pdf))
    header, body = document.text.split("\n\n", 1)
    assert header.split("\n") == [
        "Subject: Budget meeting moved",
        "From: Ana Lind <ana@example.org>",
        "To: Ben Moss <ben@example.org>",
        "Date: Mon, 04 May 2026 09:30:00 +0000",
        "Attachments: agenda.pdf, photo.png",
    ]
    assert "the budget meeting moves to Thursday at ten." in body
    assert "HTML copy" not in document.text  # the plain body is preferred over its HTML twin
    assert document.title == "Budget meeting moved"
    # Only attachments of a readable type are carried, to be read as documents of their own.
    assert [a.name for a in document.attachments] == ["agenda.pdf"]
    attached = read_attachment(document, document.attachments[0])
    assert attached.doc_id == "mail.eml/agenda.pdf" and attached.parent == "mail.eml"
    assert attached.path == document.path and attached.kind == "pdf"
    assert span_of(attached, "the budget for the new ferry") == (1, None)


def test_eml_html_body_keeps_every_line(tmp_path: Path) -> None:
    document = read(make_eml(tmp_path / "short.eml", html_only=True))
    assert "Hello Ben,\nthe budget meeting moves to Thursday.\nAna" in document.text
    assert "<b>" not in document.text and "navy" not in document.text and document.attachments == ()


def test_damaged_attachment_fails_on_its_own(tmp_path: Path) -> None:
    document = read(make_eml(tmp_path / "mail.eml", attachment=b"%PDF-1.4 not really a PDF"))
    with pytest.raises(IngestError) as caught:
        read_attachment(document, document.attachments[0])
    assert str(caught.value).startswith(f"{tmp_path / 'mail.eml' / 'agenda.pdf'}: corrupt or unreadable PDF")


def test_rtf_text(tmp_path: Path) -> None:
    document = read(make_rtf(tmp_path / "notes.rtf"))
    assert document.text.split("\n")[:2] == ["The café on the quay opens at seven.", "The fish market closes at noon."]
    assert "Times New Roman" not in document.text and "Market notes" not in document.text


def test_odt_headings_paragraphs_lists_and_tables(tmp_path: Path) -> None:
    document = read(make_odt(tmp_path / "minutes.odt"))
    assert document.text.split("\n\n") == [
        "Council minutes",
        "The council approved the new sea wall.",
        "Repair the slipway before winter.",
        "Sea wall | 1.2 million",
    ]
    assert document.title == "Council minutes"


def test_scanned_page_is_read_by_ocr_and_keeps_its_number(tmp_path: Path) -> None:
    document = read(make_scanned_report(tmp_path))
    assert document.ocr_pages == (2,)
    assert span_of(document, "typed page is about the ferry timetable")[0] == 1
    assert span_of(document, "lights the lamp at seven")[0] == 2


def test_ocr_can_be_turned_off(tmp_path: Path) -> None:
    document = read(make_scanned_report(tmp_path), IngestSettings(ocr=False))
    assert document.ocr_pages == ()
    assert [p.number for p in document.pages] == [1, 2]
    assert "lighthouse" not in document.text and "ferry timetable" in document.text
    only_scan = make_scan(tmp_path / "only-scan.pdf", ["Nothing but pixels here."])
    with pytest.raises(IngestError, match="no text layer .* OCR is off: set ASKDOCS_OCR=true"):
        read(only_scan, IngestSettings(ocr=False))


NOT_A_ZIP = b"PK\x03\x04 this is not really a zip archive"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("slides.pptx", NOT_A_ZIP, "is not a .pptx file (not a zip archive)"),
        ("sheet.xlsx", NOT_A_ZIP, "is not a .xlsx file (not a zip archive)"),
        ("book.epub", NOT_A_ZIP, "is not a .epub file (not a zip archive)"),
        ("text.odt", NOT_A_ZIP, "is not a .odt file (not a zip archive)"),
        ("cities.csv", b'City,Note\nLisbon,"unclosed quote\nPorto,fine\n', "malformed CSV in the row starting at line 2"),
        ("mail.eml", b"just some words and no headers at all\n", "is not an e-mail message"),
        ("notes.rtf", b"plain words, not RTF at all", "is not RTF"),
    ],
)
def test_malformed_files_fail_with_one_line(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError) as caught:
        read(path)
    assert reason in caught.value.reason
    assert caught.value.path == path and str(caught.value).startswith(f"{path}: ")
    assert "\n" not in str(caught.value) and "object at 0x" not in str(caught.value)


@pytest.mark.parametrize(("name", "kind"), [("slides.pptx", ".pptx"), ("sheet.xlsx", ".xlsx"), ("book.epub", ".epub"), ("text.odt", ".odt")])
def test_another_office_file_under_the_wrong_name_fails_with_one_line(tmp_path: Path, name: str, kind: str) -> None:
    import docx

    path = tmp_path / name
    docx.Document().save(str(path))  # a real .docx, named as something else
    with pytest.raises(IngestError, match=f"corrupt or unreadable {kind} .*: open it and save it again") as caught:
        read(path)
    assert "\n" not in str(caught.value) and "object at 0x" not in str(caught.value)


def test_readme_lists_every_format() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert formats_table() in readme, "README's format table is out of date; replace it with:\n" + formats_table()
    for suffix in (".pptx", ".xlsx", ".csv", ".epub", ".eml", ".rtf", ".odt"):
        assert suffix in SUPPORTED_SUFFIXES


# Through the index: one folder of every new format, damaged files among them.
BAD_FILES = {"damaged.pptx": NOT_A_ZIP, "damaged.xlsx": NOT_A_ZIP, "damaged.epub": NOT_A_ZIP, "damaged.eml": b"no headers\n"}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[tuple[Collection, IngestReport]]:
    folder = tmp_path_factory.mktemp("formats")
    make_pptx(folder / "plans.pptx")
    make_xlsx(folder / "sales.xlsx")
    make_csv(folder / "cities.csv")
    make_epub(folder / "tales.epub")
    make_eml(folder / "mail.eml", attachment=make_pdf(folder.parent / "agenda.pdf", ["Agenda: the budget for the new ferry."]).read_bytes())
    make_rtf(folder / "notes.rtf")
    make_odt(folder / "minutes.odt")
    make_scanned_report(folder)
    for name, content in BAD_FILES.items():
        (folder / name).write_bytes(content)
    collection = Collection(IndexSettings(data_dir=tmp_path_factory.mktemp("data")), embedder=embedder)
    report = collection.ingest([folder])
    yield collection, report
    collection.close()


def test_a_damaged_file_does_not_stop_the_batch(indexed: tuple[Collection, IngestReport]) -> None:
    _, report = indexed
    statuses = {o.source: o.status for o in report.outcomes}
    assert {name: statuses[name] for name in BAD_FILES} == dict.fromkeys(BAD_FILES, "failed")
    assert [o.source for o in report.outcomes if o.status == "added"] == sorted(
        ["plans.pptx", "sales.xlsx", "cities.csv", "tales.epub", "mail.eml", "mail.eml/agenda.pdf", "notes.rtf", "minutes.odt", "scanned.pdf"]
    )
    scanned = next(o for o in report.outcomes if o.source == "scanned.pdf")
    assert scanned.ocr_pages == (2,), "the report says which pages were read by OCR"


@pytest.mark.parametrize(
    ("question", "doc_id", "phrase", "page", "label"),
    [
        ("Who should be reminded about the lighthouse repairs?", "plans.pptx", "Remind the captains", 2, "slide 2"),
        ("What are the sales of the North region?", "sales.xlsx", "Region: North; Sales: 120", 1, "sheet Budget"),
        ("Who is the harbour master?", "sales.xlsx", "Role: Harbour master", 2, "sheet Staff"),
        ("What is the population of Porto?", "cities.csv", "City: Porto; Population: 232000", None, None),
        ("When does the keeper light the lamp?", "tales.epub", "The keeper lights the lamp at seven.", 2, "chapter 2 (The Lighthouse)"),
        ("When was the budget meeting moved to?", "mail.eml", "moves to Thursday at ten", None, None),
        ("What is on the agenda for the ferry?", "mail.eml/agenda.pdf", "the budget for the new ferry", 1, None),
        ("When does the café on the quay open?", "notes.rtf", "opens at seven", None, None),
        ("What did the council approve?", "minutes.odt", "approved the new sea wall", None, None),
        ("When does the lighthouse keeper light the lamp?", "scanned.pdf", "lights the lamp at seven", 2, None),
    ],
)
def test_every_format_is_found_with_its_page(
    indexed: tuple[Collection, IngestReport], question: str, doc_id: str, phrase: str, page: int | None, label: str | None
) -> None:
    collection, _ = indexed
    hits = [p for p in collection.retriever.search(question, k=5) if p.doc_id == doc_id and phrase in p.text]
    assert hits, f"no passage of {doc_id} holding {phrase!r} among the top 5"
    assert (hits[0].page, hits[0].label) == (page, label)


def test_a_cited_answer_names_the_slide(indexed: tuple[Collection, IngestReport]) -> None:
    from assistant.answer import Assistant
    from assistant.settings import AssistantSettings

    collection, _ = indexed
    answer = Assistant(AssistantSettings(), collection.retriever).answer("Who should be reminded about the lighthouse repairs?")
    cited = next(c for c in answer.citations if c.source == "plans.pptx")
    assert cited.label == "slide 2" and "Remind the captains" in cited.quote


def test_attachments_follow_their_mail(tmp_path: Path, embedder: Embedder) -> None:
    """An attachment is its own document while its mail carries it, and leaves with it."""
    folder = tmp_path / "mail"
    folder.mkdir()
    agenda = make_pdf(tmp_path / "agenda.pdf", ["Agenda: the budget for the new ferry."]).read_bytes()
    make_eml(folder / "mail.eml", attachment=agenda)
    collection = Collection(IndexSettings(data_dir=tmp_path / "data"), embedder=embedder)
    collection.ingest([folder])
    assert [r.doc_id for r in collection.retriever.documents()] == ["mail.eml", "mail.eml/agenda.pdf"]
    again = collection.ingest([folder])
    assert again.count("unchanged") == 2 and again.embedded == 0
    make_eml(folder / "mail.eml")  # the same mail, sent again without its attachment
    changed = collection.ingest([folder])
    assert {o.source: o.status for o in changed.outcomes} == {"mail.eml": "updated", "mail.eml/agenda.pdf": "removed"}
    make_eml(folder / "mail.eml", attachment=agenda)
    collection.ingest([folder])
    collection.remove("mail.eml")
    assert collection.retriever.documents() == []
