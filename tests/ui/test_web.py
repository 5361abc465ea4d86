"""The web chat as a user meets it: a real `askdocs serve` process, a real index, Debian's chromium.

Plus unit tests of `ui.render` (every document text escaped) and of the upload guards in `ui.web`.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.models import Answer, AnswerSpan, Citation, Related
from tests.conftest import ROOT, SAMPLE, free_port, serve
from ui import render

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 60_000  # one answer or one upload, on a busy 2-core machine
ARTIFACTS = ROOT / "test-artifacts"

XSS_DOC = """Quillon treaty <img src=x onerror="window.__xss=1">

The Quillon treaty was signed in the harbour town of Varna in 1911 <script>window.__xss=1</script> by nine delegations.
Its archive copy is kept in Plovdiv <img src=x onerror="window.__xss=1"> under seal.
"""
HARBOUR_DOC = """Aktau harbour notice

The harbour of Aktau reopens on 4 May after the dredging of the northern basin is complete.
Ferries to Baku resume the same week.
"""
UPLOADED_DOC = """Zorbulan Observatory

The Zorbulan Observatory was founded in 1987 by the astronomer Ilse Marrow on the slopes of Mount Telek.
It houses a 2.4 metre reflecting telescope used to survey comets.
"""


# -- unit tests of ui.render and the upload guards ------------------------------------------------


def _citation(text: str, quote: str, n: int = 1) -> Citation:
    return Citation(n=n, source="evil<b>.txt", title="<img src=x onerror=alert(1)>", text=text, quote=quote, start=10, end=10 + len(text), page=3, score=0.5)


def test_escape_turns_markup_markdown_and_latex_into_text() -> None:
    escaped = render.escape('<script>alert("x")</script> <img src=x onerror=\'y\'> **bold** [a](javascript:b) $$x$$ & `c`')
    for raw in ("<", ">", '"', "'", "*", "[", "]", "$", "`"):
        assert raw not in escaped
    assert "&#60;script&#62;" in escaped and "&#38;" in escaped


def test_highlight_marks_the_quote_and_escapes_around_it() -> None:
    passage = "Intro <script>x()</script>.\nKyrgyzstan is drafting   a Law on Digital Evidence. Outro <b>"
    html = render.highlight(passage, "Kyrgyzstan is drafting a Law on Digital Evidence.")
    assert "<mark>Kyrgyzstan is drafting   a Law on Digital Evidence.</mark>" in html
    assert "<script>" not in html and "<b>" not in html and "&#60;script&#62;" in html
    assert render.highlight("<i>no match</i>", "absent") == "&#60;i&#62;no match&#60;/i&#62;"
    # A quote holding markup is marked as text, not as markup.
    marked = render.highlight("a <img src=x onerror=y> b", "<img src=x onerror=y>")
    assert marked == "a <mark>&#60;img src=x onerror=y&#62;</mark> b"


def test_answer_markers_link_to_sources_and_text_is_escaped() -> None:
    answer = Answer(id="abc123", question="q", text="It is <b>Varna</b> [1]. And more [1, 2].", refused=False,
                    citations=(_citation("It is Varna.", "It is Varna."),))
    html = render.answer_html(answer)
    assert html.count('class="askdocs-cite"') == 3
    assert 'href="#cite-abc123-1"' in html and 'href="#cite-abc123-2"' in html
    assert "<b>" not in html and "&#60;b&#62;Varna&#60;/b&#62;" in html


def test_the_answer_phrase_is_marked_inside_its_quote_and_escaped() -> None:
    quote = "The <b>bridge</b> opened in 1932 after 8 years & 2 months."
    answer = Answer(
        id="s1", question="When did the bridge open?", text=f"Intro [1]. {quote[:-1]} [2].", refused=False,
        citations=(_citation("Intro.", "Intro.", 1), _citation(quote, quote, 2)),
        answer_span=AnswerSpan(text="1932", citation=2, start=30, end=34),
    )
    html = render.answer_html(answer)
    assert '<mark class="askdocs-span" title="The answer">1932</mark>' in html
    assert "<b>" not in html and "&#60;b&#62;bridge&#60;/b&#62;" in html and "&#38; 2 months" in html
    assert html.count('class="askdocs-cite"') == 2
    # A phrase holding markup is marked as text; without a span nothing is marked.
    risky = answer.model_copy(update={"answer_span": AnswerSpan(text="<b>bridge</b>", citation=2)})
    assert '<mark class="askdocs-span" title="The answer">&#60;b&#62;bridge&#60;/b&#62;</mark>' in render.answer_html(risky)
    assert "askdocs-span" not in render.answer_html(answer.model_copy(update={"answer_span": None}))


def test_a_release_shown_before_its_changelog_line_is_marked_as_the_answer() -> None:
    line = "Dropped support of EOL Python 3.7."
    text = f"0.12.1 (2023-12-10): Fixed a crash [1]. 0.12.0 (2023-12-09) › Major changes: {line[:-1]} [2]."
    answer = Answer(
        id="r1", question="Which version dropped support for Python 3.7?", text=text, refused=False,
        citations=(_citation("Fixed a crash.", "Fixed a crash.", 1), _citation(line, line, 2)),
        answer_span=AnswerSpan(text="0.12.0", citation=2),
    )
    assert '<mark class="askdocs-span" title="The answer">0.12.0</mark> (2023-12-09)' in render.answer_html(answer)
    # Not a release shown before the quote of another citation.
    elsewhere = answer.model_copy(update={"answer_span": AnswerSpan(text="0.12.1", citation=2)})
    assert "askdocs-span" not in render.answer_html(elsewhere)


def test_sources_show_position_rank_and_escaped_names() -> None:
    """A fused score such as 0.9766 read like a confidence; the sources show the passage's rank instead."""
    answer = Answer(id="a1", question="<q>", text="x [1]", refused=False, citations=(_citation("Some <u>passage</u> text.", "passage"),))
    html = render.sources_html([answer])
    assert 'id="cite-a1-1"' in html and "chars 10–" in html and "page 3" in html and "best match" in html
    assert "0.5" not in html
    assert "<img" not in html and "<u>" not in html and "<b>" not in html and "<q>" not in html
    assert "&#60;img src=x onerror=alert(1)&#62;" in html


def test_refusal_is_shown_with_related_passages() -> None:
    related = Related(source="doc.txt", title="T", text="close <script>1</script>", start=0, end=20, score=0.1)
    answer = Answer(id="r1", question="What is the capital of Peru?", text="The documents do not contain an answer to this question.",
                    refused=True, related=(related,))
    assert "askdocs-refusal" in render.answer_html(answer)
    html = render.sources_html([answer])
    assert "Not in the documents" in html and "Related passages" in html and "close &#60;script&#62;" in html


def test_reports_and_evaluation_tables_escape_their_text() -> None:
    report = render.ingest_report_html([{"source": "<x>.txt", "status": "failed", "chunks": 0, "reason": "file is <empty>"}])
    assert "<x>" not in report and "file is &#60;empty&#62;" in report
    failed = render.failed_cases_html([{"id": "1", "question": "<q>", "reference_answers": ["<a>"], "answer": "<img src=x>"}])
    assert "<img" not in failed and "<q>" not in failed
    plots = render.plots_html({"metrics": 'AAAA"><script>'})
    assert "<script>" not in plots and 'src="data:image/png;base64,AAAAscript"' in plots


def test_document_view_marks_chunks_and_strikes_what_was_removed() -> None:
    from types import SimpleNamespace

    text = "Home | News <b>\n\nThe treaty was signed in Varna.\n\nThe archive is in Plovdiv."
    start = text.index("The treaty")
    chunks = [
        SimpleNamespace(chunk_no=0, start=start, end=text.index("Varna.") + 6),
        SimpleNamespace(chunk_no=1, start=text.index("The archive"), end=len(text)),
    ]
    html = render.document_html(SimpleNamespace(doc_id="t<1>.txt"), text, chunks)
    assert '<del class="askdocs-removed" title="not indexed">' + render.escape("Home | News <b>") in html
    assert html.count('class="askdocs-chunk-no"') == 2 and "t&#60;1&#62;.txt" in html and "<b>" not in html
    assert "2 chunks cover" in html


def test_uploaded_names_stay_inside_the_uploads_folder(tmp_path: Path) -> None:
    from ui.uploads import check_upload, safe_filename, store_upload

    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\x\\..\\evil.TXT") == "evil.txt"
    assert safe_filename(".hidden.md") == "hidden.md"
    assert safe_filename("..") == "upload"
    assert safe_filename("re<port>; rm -rf.pdf") == "re_port__ rm -rf.pdf"
    source = tmp_path / "in.txt"
    source.write_text("hello")
    stored = store_upload(source, tmp_path / "uploads", "../../../outside.txt")
    assert stored == (tmp_path / "uploads" / "outside.txt").resolve() and stored.read_text() == "hello"
    assert "unsupported file type '.exe'" in (check_upload(source, "tool.exe", 50) or "")
    assert "larger than max_file_mb" in (check_upload(source, "in.txt", 0.000001) or "")
    assert check_upload(source, "in.txt", 50) is None


def test_disliked_answer_is_saved_as_a_loadable_test_case(tmp_path: Path) -> None:
    from evaluation.testset import load_testset
    from ui.web import save_case

    answer = Answer(id="x1", question="When did it take place?", text="Wrong [1].", refused=False,
                    citations=(_citation("Wrong.", "Wrong."),))
    history = [{"role": "user", "content": "Where was it?"}, {"role": "assistant", "content": "Tashkent [1]."}]
    out = tmp_path / "feedback.jsonl"
    assert "Saved" in save_case(answer, history, out, "12 and 13 November", unanswerable=False)
    assert "already" in save_case(answer, history, out, "12 and 13 November", unanswerable=False)
    [case] = load_testset(out)
    assert case.reference_answers == ["12 and 13 November"] and case.answerable and case.history[0].content == "Where was it?"


def test_serve_command_imports_nothing_heavy_until_it_runs() -> None:
    import subprocess

    code = ("import sys, ui.cli, ui.cli.serve; from click.testing import CliRunner; "
            "out = CliRunner().invoke(ui.cli.main, ['serve', '--help']).output; "
            "print(sorted(m for m in ('gradio', 'torch', 'chromadb') if m in sys.modules), '--port' in out)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout
    assert out.strip() == "[] True"


def test_auth_is_user_colon_password() -> None:
    import click

    from ui.cli.serve import parse_auth

    assert parse_auth("me:se:cret") == ("me", "se:cret") and parse_auth(None) is None
    with pytest.raises(click.BadParameter):
        parse_auth("no-password")


# -- the running web chat ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def web_data(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Path:
    """A data directory with the sample corpus ingested (in-process, with the session's model)."""
    from index.collection import Collection
    from index.settings import IndexSettings

    base = tmp_path_factory.mktemp("web")
    corpus = base / "corpus"
    corpus.mkdir()
    for path in SAMPLE:
        shutil.copy(path, corpus / path.name)
    index = Collection(IndexSettings(data_dir=base / "data"), embedder=embedder)
    try:
        assert index.ingest([corpus]).failed == 0
    finally:
        index.close()
    testsets = base / "testsets"
    testsets.mkdir()
    cases = [
        {"id": "law", "question": "Which law is Kyrgyzstan drafting?", "reference_answers": ["Law on Digital Evidence"],
         "reference_sources": ["000_92d15d5cd8394714.txt"]},
        {"id": "peru", "question": "What is the capital of Peru?", "answerable": False},
    ]
    (testsets / "tiny.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    # Long enough to watch its progress: the dev set's questions.
    dev = (ROOT / "corpus" / "testsets" / "dev.jsonl").read_text(encoding="utf-8")
    (testsets / "dev.jsonl").write_text(dev, encoding="utf-8")
    return base


@pytest.fixture(scope="module")
def web_url(web_data: Path) -> Iterator[str]:
    """A real `askdocs serve` on a free loopback port (the command registered as `ui.cli` will)."""
    port = free_port()
    command = [
        sys.executable, "-c", "from ui.cli import main; import ui.cli.serve; main()", "serve", "--port", str(port),
        "--feedback-file", str(web_data / "feedback.jsonl"), "--testsets", str(web_data / "testsets"),
    ]
    with pytest.MonkeyPatch.context() as patch:  # the server inherits the environment
        patch.setenv("ASKDOCS_DATA_DIR", str(web_data / "data"))
        patch.setenv("HF_HUB_OFFLINE", "1")
        with serve(command, f"http://127.0.0.1:{port}/", timeout=180, log=web_data / "server.log"):
            yield f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, web_url: str) -> Iterator[Any]:
    """A fresh page on the web chat; it must not reach beyond this machine."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(WAIT_MS)
    outside: list[str] = []
    context.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    page = context.new_page()
    page.goto(web_url, timeout=WAIT_MS)
    page.locator("#askdocs-question textarea").wait_for(timeout=WAIT_MS)
    yield page
    context.close()
    assert outside == [], f"the page requested outside resources: {outside}"


def ask(page: Any, question: str) -> Any:
    """Ask in the Chat tab; returns the final answer's bubble once its sources are shown."""
    page.locator("#askdocs-question textarea").fill(question)
    page.locator("#askdocs-ask").click()
    page.locator("#askdocs-sources details[open] summary", has_text=question).wait_for(timeout=WAIT_MS)
    return page.locator('#askdocs-chat [data-testid="bot"]').last


def upload(page: Any, files: list[dict[str, Any]]) -> Any:
    """Upload files in the Documents tab and add them to the index; returns the ingest report."""
    page.get_by_role("tab", name="Documents").click()
    page.locator("#askdocs-upload input[type=file]").set_input_files(files, timeout=WAIT_MS)
    for f in files:  # the file list shows each name as stem and suffix apart
        page.locator("#askdocs-upload", has_text=Path(f["name"]).stem).wait_for(timeout=WAIT_MS)
    page.locator("#askdocs-add").click()
    report = page.locator("#askdocs-ingest-report table")
    report.wait_for(timeout=WAIT_MS)
    return report


def test_cited_answer_with_highlighted_quote(page: Any) -> None:
    bubble = ask(page, "Which law is Kyrgyzstan drafting?")
    assert "Law on Digital Evidence" in bubble.inner_text(timeout=WAIT_MS)
    # The answer phrase is highlighted inside the quoted sentence.
    phrase = bubble.locator("mark.askdocs-span")
    phrase.wait_for(timeout=WAIT_MS)
    assert "Digital Evidence" in phrase.inner_text()
    mark = page.locator("#askdocs-sources mark", has_text="Law on Digital Evidence")
    mark.wait_for(timeout=WAIT_MS)
    source = page.locator("#askdocs-sources .askdocs-source").first
    assert "000_92d15d5cd8394714.txt" in source.inner_text() and "chars " in source.inner_text() and "match" in source.inner_text()
    # Clicking the [1] marker brings its passage forward.
    bubble.locator("a.askdocs-cite").first.click(timeout=WAIT_MS)
    page.locator("#askdocs-sources .askdocs-source.active mark").wait_for(timeout=WAIT_MS)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-chat.png"), full_page=True, timeout=WAIT_MS)


def test_follow_up_question_uses_the_conversation(page: Any, web_data: Path) -> None:
    first = ask(page, "Where was the Central Asian Regional Workshop on Requesting Electronic Evidence held?")
    assert "Tashkent" in first.inner_text(timeout=WAIT_MS) or "Astana" in first.inner_text(timeout=WAIT_MS)
    follow_up = ask(page, "When did it take place?")
    assert "12 and 13 November" in follow_up.inner_text(timeout=WAIT_MS)

    # A thumbs-down on the answer can be saved to the feedback test set.
    page.locator("#askdocs-chat").get_by_role("button", name="Dislike").last.click(timeout=WAIT_MS)
    page.get_by_label("What the answer should be (optional)").fill("12 and 13 November 2024")
    page.locator("#askdocs-save-case").click()
    page.get_by_text("Saved case feedback-").wait_for(timeout=WAIT_MS)
    case = json.loads((web_data / "feedback.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert case["question"] == "When did it take place?" and case["history"][0]["role"] == "user"

    page.locator("#askdocs-new").click()
    page.locator('#askdocs-chat [data-testid="bot"]').first.wait_for(state="detached", timeout=WAIT_MS)


def test_refusal_shows_related_passages(page: Any) -> None:
    bubble = ask(page, "What is the capital of Peru?")
    assert "do not contain an answer" in bubble.inner_text(timeout=WAIT_MS)
    assert "Related passages" in page.locator("#askdocs-sources").inner_text()


def test_uploaded_document_answers_and_bad_files_say_why(page: Any) -> None:
    report = upload(page, [
        {"name": "zorbulan.txt", "mimeType": "text/plain", "buffer": UPLOADED_DOC.encode()},
        {"name": "broken.txt", "mimeType": "text/plain", "buffer": b"\x00\x01binary\x00" * 64},
    ])
    page.locator("#askdocs-ingest-report", has_text="zorbulan.txt").wait_for(timeout=WAIT_MS)
    text = report.inner_text()
    assert "added" in text and "looks binary" in text
    page.locator("#askdocs-docs", has_text="zorbulan.txt").wait_for(timeout=WAIT_MS)

    page.get_by_role("tab", name="Chat").click()
    bubble = ask(page, "Who founded the Zorbulan Observatory?")
    assert "Ilse Marrow" in bubble.inner_text(timeout=WAIT_MS)
    assert "zorbulan.txt" in page.locator("#askdocs-sources .askdocs-source").first.inner_text()


def test_document_markup_is_shown_as_text_and_never_runs(page: Any) -> None:
    upload(page, [{"name": "quillon.txt", "mimeType": "text/plain", "buffer": XSS_DOC.encode()}])
    page.locator("#askdocs-ingest-report", has_text="quillon.txt").wait_for(timeout=WAIT_MS)
    page.locator("#askdocs-docs", has_text="quillon.txt").wait_for(timeout=WAIT_MS)

    page.get_by_role("tab", name="Chat").click()
    bubble = ask(page, "Where was the Quillon treaty signed?")
    assert "Varna" in bubble.inner_text(timeout=WAIT_MS)
    sources = page.locator("#askdocs-sources")
    shown = sources.inner_text()
    assert "<script>window.__xss=1</script>" in shown and '<img src=x onerror="window.__xss=1">' in shown
    page.wait_for_timeout(500)  # an image error handler would have fired by now
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert page.evaluate("() => document.querySelectorAll('#askdocs-sources img, #askdocs-sources script, #askdocs-chat img[src=\"x\"]').length") == 0


def test_evaluation_with_nothing_chosen_says_so_without_error_badges(page: Any) -> None:
    """It used to show the message plus five red "Error" badges, two inside the Compare dropdowns."""
    page.get_by_role("tab", name="Evaluation").click()
    page.locator("#askdocs-run-eval").click()
    page.locator("#askdocs-eval-metrics .askdocs-notice", has_text="Choose a test set").wait_for(timeout=WAIT_MS)
    page.get_by_role("button", name="Compare").click()
    page.locator("#askdocs-eval-compare .askdocs-notice", has_text="Choose two runs").wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(500)
    assert page.get_by_text("Error", exact=True).count() == 0
    assert "Test sets are read from" in page.locator("#askdocs-testsets-hint").inner_text()


def test_an_evaluation_shows_one_progress_bar_in_words(page: Any) -> None:
    """It used to draw five bars at once: "evaluating - 28.6% / Batches - 0.0% … 14/49 case | 0/1 steps"."""
    page.get_by_role("tab", name="Evaluation").click()
    page.locator("#askdocs-testset input").click()
    page.get_by_role("option", name="dev.jsonl").click()
    page.locator("#askdocs-run-eval").click()
    level = page.locator(".progress-level", has_text="questions")
    level.first.wait_for(timeout=WAIT_MS)
    bars = page.evaluate("() => Array.from(document.querySelectorAll('.progress-level, .progress-text')).map(e => e.innerText)")
    assert len([b for b in bars if "%" in b]) == 1, bars
    assert all("Batches" not in b and "steps" not in b for b in bars), bars
    assert any("of 49 questions" in b for b in bars), bars
    page.locator("#askdocs-eval-metrics p", has_text="Saved to").wait_for(timeout=WAIT_MS * 3)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-evaluation.png"), timeout=WAIT_MS)


def test_an_empty_question_is_rejected(page: Any) -> None:
    page.locator("#askdocs-question textarea").fill("   ")
    page.locator("#askdocs-ask").click()
    page.get_by_text("The question is empty").wait_for(timeout=WAIT_MS)
    assert page.locator('#askdocs-chat [data-testid="bot"]').count() == 0
    assert page.locator('#askdocs-chat [data-testid="user"]').count() == 0


def test_the_page_says_models_are_loading_until_they_are(browser: Any, tmp_path: Path, embedder: Any) -> None:
    """The first question used to wait 18 to 21 s behind a bare cursor while the models loaded."""
    import threading

    import uvicorn
    from fastapi import FastAPI

    from index.collection import Collection
    from index.library import Library
    from index.settings import IndexSettings
    from tests.conftest import wait_for_http
    from ui.api.service import Service
    from ui.assistants import Assistants
    from ui.settings import Settings
    from ui.web import mount

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SAMPLE[0], corpus / SAMPLE[0].name)
    Collection(IndexSettings(data_dir=tmp_path / "data"), embedder=embedder).ingest([corpus])
    settings = Settings(index={"data_dir": tmp_path / "data"})
    library = Library(settings.index, settings.ingest)  # its own embedding model, not loaded yet
    assistants = Assistants(settings.assistant)
    service = Service(settings, library, assistants)  # what `askdocs serve` loads the models with
    app = FastAPI()
    mount(app, settings, library, assistants, readiness=service.readiness)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", 60)
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/", timeout=WAIT_MS)
        status = page.locator("#askdocs-status .askdocs-loading")
        status.wait_for(timeout=WAIT_MS)
        assert "Loading models" in status.inner_text()
        assert page.locator("#askdocs-ask").is_disabled()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "web-loading.png"), timeout=WAIT_MS)

        service.start()  # the server's start: the models load in the background
        status.wait_for(state="hidden", timeout=WAIT_MS * 2)
        assert page.locator("#askdocs-ask").is_enabled()
        assert "Law on Digital Evidence" in ask(page, "Which law is Kyrgyzstan drafting?").inner_text(timeout=WAIT_MS)
    finally:
        context.close()
        server.should_exit = True
        thread.join(30)
        service.close()


def test_evaluation_runs_a_test_set_and_compares_runs(page: Any) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Evaluation").click()
    page.locator("#askdocs-testset input").click()
    page.get_by_role("option", name="tiny.jsonl").click()
    saved = page.locator("#askdocs-eval-metrics p", has_text="Saved to")
    page.get_by_role("button", name="Run evaluation").click()
    saved.wait_for(timeout=WAIT_MS)
    first = saved.inner_text()
    assert "hit@k" in page.locator("#askdocs-eval-metrics .askdocs-metrics").inner_text()
    page.locator("#askdocs-eval-plots img").first.wait_for(timeout=WAIT_MS)
    page.locator("#askdocs-eval-failed", has_text="failed cases").wait_for(timeout=WAIT_MS)

    page.get_by_role("button", name="Run evaluation").click()
    expect(saved).not_to_have_text(first, timeout=WAIT_MS)
    page.get_by_role("button", name="Compare").click()
    page.locator("#askdocs-eval-compare .askdocs-compare", has_text="hit@k").wait_for(timeout=WAIT_MS)


def choose_collection(page: Any, name: str) -> None:
    """Pick (or type a new) collection in the picker above the tabs."""
    picker = page.locator("#askdocs-collection input")
    picker.click()
    picker.fill(name)
    picker.press("Enter")
    page.wait_for_timeout(300)


def test_collections_keep_their_documents_apart(page: Any) -> None:
    choose_collection(page, "harbour-notes")
    upload(page, [{"name": "aktau.txt", "mimeType": "text/plain", "buffer": HARBOUR_DOC.encode()}])
    page.locator("#askdocs-docs", has_text="aktau.txt").wait_for(timeout=WAIT_MS)
    assert "000_92d15d5cd8394714.txt" not in page.locator("#askdocs-docs").inner_text()

    page.get_by_role("tab", name="Chat").click()
    assert "4 May" in ask(page, "When does the harbour of Aktau reopen?").inner_text(timeout=WAIT_MS)
    assert "do not contain an answer" in ask(page, "Which law is Kyrgyzstan drafting?").inner_text(timeout=WAIT_MS)

    choose_collection(page, "default")
    page.locator('#askdocs-chat [data-testid="bot"]').first.wait_for(state="detached", timeout=WAIT_MS)
    assert "4 May" not in ask(page, "When does the harbour of Aktau reopen?").inner_text(timeout=WAIT_MS)
    assert "aktau.txt" not in page.locator("#askdocs-sources").inner_text(), "no passage of the other collection"
    assert "Law on Digital Evidence" in ask(page, "Which law is Kyrgyzstan drafting?").inner_text(timeout=WAIT_MS)


def test_a_document_is_shown_as_it_was_indexed(page: Any) -> None:
    page.get_by_role("tab", name="Documents").click()
    page.locator("#askdocs-docs", has_text="001_04dbf60d010ecd0f.txt").wait_for(timeout=WAIT_MS)
    page.locator("#askdocs-doc-choice input").click()
    page.get_by_role("option", name="001_04dbf60d010ecd0f.txt").click()
    page.locator("#askdocs-show").click()
    view = page.locator("#askdocs-document .askdocs-document")
    view.wait_for(timeout=WAIT_MS)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-documents.png"), timeout=WAIT_MS)
    assert page.locator("#askdocs-document .askdocs-chunk-no").count() >= 2, "chunks are numbered"
    removed = page.locator("#askdocs-document del.askdocs-removed").all_inner_texts()
    assert any("Holy See" in text for text in removed), "the site menu is shown as removed"
    assert "initiate the process of joining the Budapest Convention" in view.inner_text()
