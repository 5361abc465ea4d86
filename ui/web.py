"""The web chat (Gradio): Chat, Documents and Evaluation tabs over the same library the CLI uses.

Callbacks parse their input, make one library call and hand the result to `ui.render`, which
builds every piece of HTML and escapes all document text.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI

from assistant.answer import Assistant
from assistant.history import as_test_case
from assistant.models import Answer
from index.collection import Collection
from index.library import Library
from index.report import IngestReport, Outcome
from ingest.errors import AskdocsError
from ingest.readers import SUPPORTED_SUFFIXES
from ui import render
from ui.assistants import Assistants
from ui.settings import Settings
from ui.uploads import check_upload, safe_filename, store_upload

log = logging.getLogger(__name__)


def save_case(answer: Answer, history: Sequence[dict[str, str]], path: Path, expected: str, unanswerable: bool) -> str:
    """Append a disliked answer to a test set as a case to review; returns what happened."""
    entry = {**answer.as_json(), "history": list(history)}
    case = as_test_case(entry, answerable=False if unanswerable else True)
    # The disliked answer is no reference: keep what the user says is right, or nothing.
    case["id"] = f"feedback-{answer.id}"
    case["reference_answers"] = [expected.strip()] if expected.strip() and not unanswerable else []
    if not case["reference_answers"]:
        case["reference_sources"] = []
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and any(json.loads(line).get("id") == case["id"] for line in path.read_text("utf-8").splitlines() if line.strip()):
        return f"Case {case['id']} is already in {path}."
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(case, ensure_ascii=False) + "\n")
    return f"Saved case {case['id']} to {path}."


def _merge(reports: Sequence[IngestReport]) -> list[dict[str, object]]:
    return [o.as_dict() for report in reports for o in report.outcomes]


class WebApp:
    """The Gradio app and its callbacks, over the collections of one data directory."""

    def __init__(
        self,
        settings: Settings,
        library: Library,
        assistants: Assistants | None = None,
        readiness: Callable[[], tuple[bool, str]] | None = None,
    ) -> None:
        """`readiness`: whether the models are loaded yet, and what is happening (the server loads them at start)."""
        self.settings = settings
        self.library = library
        self.assistants = assistants or Assistants(settings.assistant)
        self.readiness = readiness or (lambda: (True, ""))
        self.feedback_path = settings.feedback_file
        self.testsets_dir = settings.testsets_dir

    def status(self) -> tuple[Any, ...]:
        """The loading notice, the Ask button, and whether to look again in a second."""
        ready, detail = self.readiness()
        if ready:
            return gr.update(value="", visible=False), gr.update(interactive=True, value="Ask"), gr.Timer(active=False)
        return (
            gr.update(value=render.loading_html(detail), visible=True),
            gr.update(interactive=False, value="Loading…"),
            gr.Timer(active=True),
        )

    def collection(self, name: str | None, create: bool = False) -> Collection:
        try:
            return self.library.open(name or self.settings.index.collection, create=create)
        except AskdocsError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def assistant(self, name: str | None) -> Assistant:
        return self.assistants.get(self.collection(name))

    def uploads(self, collection: Collection) -> Path:
        return collection.settings.collection_dir / "uploads"

    def runs(self, name: str | None) -> Path:
        return self.collection(name).settings.collection_dir / "runs"

    def collection_choices(self) -> list[str]:
        return self.library.names()

    # -- chat ---------------------------------------------------------------------------------
    def respond(
        self,
        question: str,
        display: list[dict[str, str]],
        turns: list[dict[str, str]],
        answers: list[Answer],
        answerer: str,
        k: float,
        doc_ids: list[str] | None,
        collection: str | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        question = (question or "").strip()
        if not question:
            gr.Warning("The question is empty: type what you want to know.")
            yield (gr.skip(),) * 7
            return
        ready, detail = self.readiness()
        if not ready:
            gr.Warning(f"Not ready yet: {detail}. Ask again in a moment.")
            yield (gr.skip(),) * 7
            return
        assistant = self.assistant(collection)
        waiting = "Loading the language model (only the first answer it writes waits for this) …" if answerer == "llm" and not assistant.llm_loaded else ""
        display = [*display, {"role": "user", "content": render.escape(question)}, {"role": "assistant", "content": render.streaming_html("", waiting)}]
        yield "", display, display, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        streamed = ""
        final: Answer | None = None
        try:
            for event in assistant.stream(question, turns, k=int(k), doc_ids=doc_ids or None, answerer=answerer):
                if isinstance(event, Answer):
                    final = event
                else:
                    streamed += event
                    display[-1] = {"role": "assistant", "content": render.streaming_html(streamed)}
                    yield gr.skip(), display, display, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        except AskdocsError as exc:  # an LLM server down, a bad setting: say so, keep the session
            raise gr.Error(str(exc), print_exception=False) from None
        except Exception as exc:
            log.exception("answering failed")
            raise gr.Error(f"Could not answer: {exc}", print_exception=False) from exc
        if final is None:
            raise gr.Error("Could not answer: the answer was not completed.", print_exception=False)
        # The streamed text is replaced by the verified answer, its markers linked to the sources.
        display[-1] = {"role": "assistant", "content": render.answer_html(final)}
        turns = [*turns, {"role": "user", "content": question}, {"role": "assistant", "content": final.text}]
        answers = [*answers, final]
        yield gr.skip(), display, display, turns, answers, render.sources_html(answers), gr.update(visible=False)

    def new_chat(self) -> tuple[Any, ...]:
        return [], [], [], [], render.sources_html([]), gr.update(visible=False), None, ""

    def feedback(self, answers: list[Answer], data: gr.LikeData) -> tuple[Any, ...]:
        """Record a thumbs up/down; a thumbs-down offers to save the case to the test set."""
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        position = int(index) // 2
        if not 0 <= position < len(answers):
            return gr.skip(), gr.skip(), gr.skip()
        answer = answers[position]
        liked = data.liked is True or data.liked == "Like"
        record = {"answer_id": answer.id, "question": answer.question, "liked": liked, "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        data_dir = self.settings.index.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        with (data_dir / "ratings.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        if liked:
            return gr.update(visible=False), None, ""
        prompt = f"You disliked the answer to “{answer.question}”. Save it to {self.feedback_path} as a test case?"
        return gr.update(visible=True), position, gr.update(value=render.escape(prompt))

    def save_feedback(self, position: int | None, answers: list[Answer], turns: list[dict[str, str]], expected: str, unanswerable: bool) -> str:
        if position is None or not 0 <= position < len(answers):
            raise gr.Error("Give an answer a thumbs-down first.")
        message = save_case(answers[position], turns[: 2 * position], self.feedback_path, expected or "", unanswerable)
        return render.escape(message)

    # -- documents ----------------------------------------------------------------------------
    def documents_view(self, collection: str | None = None, reset: bool = False) -> tuple[Any, ...]:
        """The documents table and every control that lists documents, for the chosen collection."""
        records = self.collection(collection).retriever.documents()
        choices = [r.doc_id for r in records]
        doc_filter = gr.update(choices=choices, value=[]) if reset else gr.update(choices=choices)
        return render.documents_rows(records), doc_filter, gr.update(choices=choices, value=None)

    def switch_collection(self, collection: str | None) -> tuple[Any, ...]:
        """Another collection chosen: its documents, its evaluation runs, and a new conversation."""
        name = (collection or "").strip()
        if name and name not in self.library.names():
            return (gr.skip(),) * 13  # a new name: it is created by the first upload into it
        runs = self.run_choices(collection)
        return (
            *self.documents_view(collection, reset=True),
            gr.update(choices=runs, value=None),
            gr.update(choices=runs, value=None),
            *self.new_chat(),
        )

    def upload(self, files: list[str] | None, collection: str | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        if not files:
            raise gr.Error("Choose one or more files to upload first.")
        target = self.collection(collection, create=True)
        reports = []
        for file in progress.tqdm(files, desc="ingesting", unit="file"):
            path = Path(file)
            name = safe_filename(path.name)
            reason = check_upload(path, name, self.settings.ingest.max_file_mb)
            if reason:
                reports.append(IngestReport([Outcome(name, "skipped", reason=reason)]))
                continue
            stored = store_upload(path, self.uploads(target), name)
            reports.append(target.ingest([stored]))
        choices = self.collection_choices()
        return (
            render.ingest_report_html(_merge(reports)), None, *self.documents_view(target.name),
            gr.update(choices=choices, value=target.name),
        )

    def remove(self, doc_id: str | None, collection: str | None) -> tuple[Any, ...]:
        if not doc_id:
            raise gr.Error("Choose a document to remove.")
        try:
            report = self.collection(collection).remove(doc_id)
        except AskdocsError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        return (render.ingest_report_html(_merge([report])), *self.documents_view(collection))

    def show_document(self, doc_id: str | None, collection: str | None) -> str:
        """The document as indexed: its chunks marked, what cleaning removed struck through."""
        if not doc_id:
            raise gr.Error("Choose a document to show.")
        view = self.collection(collection).retriever.document_view(doc_id)
        if view is None:
            raise gr.Error(f"No document '{doc_id}' in this collection.", print_exception=False)
        return render.document_html(view.record, view.text, view.chunks)

    def reindex(self, collection: str | None, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple[Any, ...]:
        progress(0, desc="re-embedding")
        target = self.collection(collection)
        total = target.reindex(progress=True)
        return (f"<p>Re-embedded {total} chunks with {render.escape(target.embedder.name)}.</p>", *self.documents_view(collection))

    # -- evaluation ---------------------------------------------------------------------------
    def testset_choices(self) -> list[str]:
        folder = self.testsets_dir
        return sorted(p.name for p in folder.glob("*.jsonl")) if folder.is_dir() else []

    def run_choices(self, collection: str | None = None) -> list[str]:
        runs = self.runs(collection)
        return sorted((p.name for p in runs.iterdir() if (p / "report.json").is_file()), reverse=True) if runs.is_dir() else []

    def evaluate(
        self, chosen: str | None, uploaded: str | None, answerer: str, collection: str | None,
        progress: gr.Progress = gr.Progress(),
    ) -> tuple[Any, ...]:
        """Run a test set; a missing or broken test set is said in the results area, nothing else changes."""
        from evaluation.report import failed_cases, plots
        from evaluation.runner import load_run, run
        from evaluation.testset import TestSetError, load_testset

        unchanged = (gr.skip(),) * 4
        if uploaded:
            path, name = Path(uploaded), safe_filename(Path(uploaded).name)
        elif chosen:
            path, name = self.testsets_dir / safe_filename(chosen), chosen
        else:
            return (render.notice_html(f"Choose a test set from {self.testsets_dir}, or upload one (JSONL)."), *unchanged)
        try:
            cases = load_testset(path)
        except TestSetError as exc:
            return (render.notice_html(str(exc)), *unchanged)
        runs_dir = self.runs(collection)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out_dir = runs_dir / stamp
        suffix = 1
        while out_dir.exists():
            suffix += 1
            out_dir = runs_dir / f"{stamp}-{suffix}"
        target = self.collection(collection)
        assistant = self.assistants.for_evaluation(target, answerer)
        progress((0, len(cases)), desc=f"answering question 1 of {len(cases)}", unit="questions")

        def advance(done: int, total: int) -> None:
            progress((done, total), desc=f"answered {done} of {total} questions", unit="questions")

        report = run(assistant, cases, out_dir, testset=name, on_case=advance)
        _, rows = load_run(out_dir)
        runs = self.run_choices(collection)
        return (
            render.metrics_html(report) + f"<p>Saved to {render.escape(str(out_dir))}</p>",
            render.plots_html(plots(report, rows)),
            render.failed_cases_html(failed_cases(rows)),
            gr.update(choices=runs, value=runs[1] if len(runs) > 1 else None),
            gr.update(choices=runs, value=out_dir.name),
        )

    def compare(self, earlier: str | None, later: str | None, collection: str | None) -> str:
        from evaluation.runner import compare, load_run

        if not earlier or not later:
            return render.notice_html("Choose two runs to compare.")
        runs = self.runs(collection)
        try:
            result = compare(load_run(runs / safe_filename(earlier)), load_run(runs / safe_filename(later)))
        except AskdocsError as exc:
            return render.notice_html(str(exc))
        return render.comparison_html(result, earlier, later)

    def testsets_note(self) -> str:
        """Where the Evaluation tab reads test sets, and what to do when there are none."""
        folder = render.escape(str(self.testsets_dir))
        if self.testset_choices():
            return f'<p class="askdocs-meta">Test sets are read from {folder} (setting web_testsets).</p>'
        return (
            f'<p class="askdocs-meta">No test sets in {folder}: put JSONL test sets there, set web_testsets '
            "(relative paths are taken from the config file's folder, or the data directory), or upload one.</p>"
        )

    # -- layout -------------------------------------------------------------------------------
    def build(self) -> gr.Blocks:
        with gr.Blocks(title="askdocs", analytics_enabled=False) as app:
            with gr.Row(equal_height=True, elem_id="askdocs-header"):
                gr.Markdown("## askdocs — ask your documents", elem_id="askdocs-title")
                self.collection_choice = gr.Dropdown(
                    self.collection_choices(), value=self.settings.index.collection, label="Collection",
                    allow_custom_value=True, elem_id="askdocs-collection", scale=0, min_width=240,
                )
            ready, detail = self.readiness()
            self.status_note = gr.HTML(render.loading_html(detail), visible=not ready, elem_id="askdocs-status")
            with gr.Tabs():
                with gr.Tab("Chat", id="chat"):
                    self._chat_tab(ready)
                with gr.Tab("Documents", id="documents"):
                    self._documents_tab()
                with gr.Tab("Evaluation", id="evaluation"):
                    self._evaluation_tab()
            listing = [self.docs_table, self.doc_filter, self.remove_choice]
            self.collection_choice.change(
                self.switch_collection, self.collection_choice, [*listing, self.run_a, self.run_b, *self.cleared]
            )
            # While the server loads its models, the page says so and looks again every second.
            poll = gr.Timer(1.0, active=not ready)
            poll.tick(self.status, None, [self.status_note, self.ask, poll], show_progress="hidden")
            app.load(self.status, None, [self.status_note, self.ask, poll], show_progress="hidden")
            app.load(self.documents_view, self.collection_choice, listing, show_progress="hidden")
            app.load(
                lambda name: (
                    gr.update(choices=self.testset_choices()), self.testsets_note(),
                    gr.update(choices=self.run_choices(name)), gr.update(choices=self.run_choices(name)),
                ),
                self.collection_choice, [self.testset, self.testsets_hint, self.run_a, self.run_b], show_progress="hidden",
            )
        return app

    def _chat_tab(self, ready: bool) -> None:
        display = gr.State([])  # the chat as shown (HTML); `turns` holds the plain text the assistant reads
        turns = gr.State([])
        answers = gr.State([])
        flagged = gr.State(None)
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Conversation", elem_id="askdocs-chat", height=520, sanitize_html=True,
                    latex_delimiters=[], allow_tags=False, feedback_options=("Like", "Dislike"),
                    group_consecutive_messages=False, buttons=["copy"],
                )
                with gr.Row(equal_height=True, elem_id="askdocs-ask-row"):
                    question = gr.Textbox(placeholder="Ask a question about your documents…", show_label=False, scale=1,
                                          elem_id="askdocs-question", submit_btn=False, container=False, lines=1, max_lines=6)
                    self.ask = gr.Button("Ask" if ready else "Loading…", variant="primary", scale=0, min_width=100,
                                         elem_id="askdocs-ask", interactive=ready, size="md")
                    new = gr.Button("New chat", scale=0, min_width=120, elem_id="askdocs-new", variant="secondary", size="md")
                with gr.Group(visible=False) as feedback_box:
                    feedback_text = gr.Markdown()
                    expected = gr.Textbox(label="What the answer should be (optional)")
                    unanswerable = gr.Checkbox(label="The documents cannot answer this")
                    save = gr.Button("Save to test set", elem_id="askdocs-save-case")
                    saved = gr.HTML()
            with gr.Column(scale=2):
                with gr.Accordion("Settings", open=False):
                    answerer = gr.Radio(["extractive", "llm"], value=self.settings.assistant.answerer, label="Answerer")
                    k = gr.Slider(1, 20, value=self.settings.index.top_k, step=1, label="Passages (k)")
                    self.doc_filter = gr.Dropdown([], multiselect=True, label="Only these documents", elem_id="askdocs-doc-filter")
                gr.Markdown("### Sources")
                sources = gr.HTML(render.sources_html([]), elem_id="askdocs-sources")
        chat_in = [question, display, turns, answers, answerer, k, self.doc_filter, self.collection_choice]
        chat_out = [question, chatbot, display, turns, answers, sources, feedback_box]
        self.ask.click(self.respond, chat_in, chat_out, concurrency_limit=2, show_progress_on=[chatbot])
        question.submit(self.respond, chat_in, chat_out, concurrency_limit=2, show_progress_on=[chatbot])
        self.cleared = [chatbot, display, turns, answers, sources, feedback_box, flagged, question]
        new.click(self.new_chat, None, self.cleared)
        chatbot.clear(self.new_chat, None, self.cleared)
        chatbot.like(self.feedback, answers, [feedback_box, flagged, feedback_text])
        save.click(self.save_feedback, [flagged, answers, turns, expected, unanswerable], saved)

    def _documents_tab(self) -> None:
        suffixes = sorted(SUPPORTED_SUFFIXES)
        gr.Markdown(f"Supported: {', '.join(suffixes)}; at most {self.settings.ingest.max_file_mb:g} MB a file.")
        files = gr.File(file_count="multiple", file_types=suffixes, label="Upload documents", elem_id="askdocs-upload", height=140)
        add = gr.Button("Add to index", variant="primary", elem_id="askdocs-add")
        report = gr.HTML(elem_id="askdocs-ingest-report")
        self.docs_table = gr.Dataframe(
            headers=render.DOCUMENT_HEADERS, interactive=False, label="Documents", elem_id="askdocs-docs",
            wrap=True, column_widths=render.DOCUMENT_COLUMN_WIDTHS,
        )
        with gr.Row(elem_classes="askdocs-actions"):
            self.remove_choice = gr.Dropdown([], label="Document", scale=3, elem_id="askdocs-doc-choice")
            show = gr.Button("Show as indexed", scale=1, elem_id="askdocs-show", size="md")
            remove = gr.Button("Remove", variant="stop", scale=1, size="md")
            reindex = gr.Button("Re-index all", scale=1, size="md")
        document = gr.HTML(elem_id="askdocs-document")
        listing = [self.docs_table, self.doc_filter, self.remove_choice]
        add.click(self.upload, [files, self.collection_choice], [report, files, *listing, self.collection_choice], show_progress_on=[report])
        remove.click(self.remove, [self.remove_choice, self.collection_choice], [report, *listing], show_progress_on=[report])
        show.click(self.show_document, [self.remove_choice, self.collection_choice], document)
        reindex.click(self.reindex, self.collection_choice, [report, *listing], show_progress_on=[report])

    def _evaluation_tab(self) -> None:
        with gr.Row():
            with gr.Column(scale=2):
                self.testset = gr.Dropdown([], label="Test set", elem_id="askdocs-testset")
                self.testsets_hint = gr.HTML(self.testsets_note(), elem_id="askdocs-testsets-hint")
            testset_file = gr.File(file_types=[".jsonl"], label="…or upload one (JSONL)", scale=2, height=120)
            answerer = gr.Radio(["extractive", "llm"], value=self.settings.assistant.answerer, label="Answerer", scale=1)
        run = gr.Button("Run evaluation", variant="primary", elem_id="askdocs-run-eval")
        metrics = gr.HTML(elem_id="askdocs-eval-metrics")
        plots = gr.HTML(elem_id="askdocs-eval-plots")
        failed = gr.HTML(elem_id="askdocs-eval-failed")
        gr.Markdown("### Compare runs")
        with gr.Row(elem_classes="askdocs-actions"):
            self.run_a = gr.Dropdown([], label="Earlier run")
            self.run_b = gr.Dropdown([], label="Later run")
            compare = gr.Button("Compare", size="md")
        comparison = gr.HTML(elem_id="askdocs-eval-compare")
        # One progress bar, on the results area: in words, questions answered out of all.
        run.click(
            self.evaluate, [self.testset, testset_file, answerer, self.collection_choice],
            [metrics, plots, failed, self.run_a, self.run_b], show_progress_on=[metrics],
        )
        compare.click(self.compare, [self.run_a, self.run_b, self.collection_choice], comparison, show_progress_on=[comparison])


def mount(
    server: FastAPI,
    settings: Settings,
    library: Library,
    assistants: Assistants | None = None,
    auth: tuple[str, str] | None = None,
    readiness: Callable[[], tuple[bool, str]] | None = None,
    host: str = "127.0.0.1",
    port: int = 7860,
) -> None:
    """Mount the web chat at the root of `server` (after its other routes, which take precedence)."""
    app = WebApp(settings, library, assistants, readiness).build()
    app.queue(default_concurrency_limit=1)
    gr.mount_gradio_app(
        server,
        app,
        path="/",
        server_name=host,
        server_port=port,
        auth=auth,
        show_error=True,
        ssr_mode=False,
        mcp_server=False,
        max_file_size=int(settings.ingest.max_file_mb * 1_000_000),
        footer_links=["settings"],
        run_history=False,
        theme=gr.themes.Default(),
        css=render.CSS,
        head=render.HEAD,
    )
