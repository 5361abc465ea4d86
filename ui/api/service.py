"""What the HTTP API and the MCP tools call: one object over the library, with the server's rules.

Its rules are about sharing a small machine, not about answering (that is the assistant's job):

- Questions are answered on worker threads, one per CPU core by default, with a bounded queue in
  front; questions for the LLM go through a lane of their own, one at a time (llama.cpp slows to a
  crawl when two generations share the cores), with a short queue. A full queue is a `Busy` error
  (HTTP 429) with a Retry-After estimated from recent answers.
- Searches and document listings run on the web server's own thread pool: an answer in progress
  never holds them up.
- Writes (uploads, removals) run on one thread of their own; the index serialises them anyway.
- The embedding model loads in the background when the server starts; until then, whatever needs
  it is a `NotReady` error (HTTP 503).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal, TypeVar

from assistant.answer import Assistant
from assistant.errors import EmptyQuestion
from assistant.models import Answer, Turn
from evaluation.testset import Case
from index.collection import Collection
from index.errors import UnknownDocument
from index.library import Library
from index.report import IngestReport, Outcome
from index.retrieve import DocumentView, Passage
from ingest.errors import InvalidInput, NotFound
from ingest.models import label_at
from ui.api.errors import Busy, NotReady, Refused
from ui.assistants import Assistants
from ui.settings import Settings
from ui.uploads import refusal, safe_filename, store_upload

log = logging.getLogger(__name__)

T = TypeVar("T")
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$")
REPORT_FILES = ("report.html", "report.md", "report.json", "results.jsonl")
MAX_PASSAGE = 20_000
MAX_PENDING_EVALS = 4


class Lane:
    """Worker threads behind an admission count: at most `slots` at work and `queue` waiting."""

    def __init__(self, name: str, slots: int, queue: int, waiting_for: str) -> None:
        self.slots = slots
        self.capacity = slots + queue
        self.waiting_for = waiting_for
        self.pool = ThreadPoolExecutor(slots, thread_name_prefix=f"askdocs-{name}")
        self._inside = 0
        self._mean_seconds = 2.0  # smoothed duration of one job, for Retry-After
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], T]) -> Future[T]:
        """Run `job` on the lane; `Busy` when as many jobs as it takes are already in it."""
        with self._lock:
            if self._inside >= self.capacity:
                ahead = self._inside - self.slots + 1
                raise Busy(
                    f"The server is busy: {self._inside} questions are being answered or waiting for {self.waiting_for}. "
                    "Try again after the Retry-After seconds.",
                    self._mean_seconds * ahead / self.slots,
                )
            self._inside += 1

        def timed() -> T:
            started = time.monotonic()
            try:
                return job()
            finally:
                self._leave(time.monotonic() - started)

        try:
            return self.pool.submit(timed)
        except RuntimeError:  # the pool is shut down: the server is stopping
            self._leave(None)
            raise NotReady("The server is shutting down.") from None

    def _leave(self, seconds: float | None) -> None:
        with self._lock:
            self._inside -= 1
            if seconds is not None:
                self._mean_seconds = 0.8 * self._mean_seconds + 0.2 * seconds

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True)
class Question:
    """A question checked and ready to answer: its assistant, and the lane it goes through."""

    assistant: Assistant
    lane: Lane
    question: str
    history: tuple[Turn, ...]
    k: int | None
    doc_ids: tuple[str, ...] | None
    answerer: str | None
    collection: str


class EvaluationStopped(Exception):
    """The server is stopping: an evaluation run in progress ends (and writes nothing)."""


@dataclass
class EvalJob:
    run: str
    collection: str
    total: int
    done: int = 0
    status: Literal["queued", "running", "done", "failed"] = "queued"
    error: str | None = None


@dataclass(frozen=True)
class PassageText:
    source: str
    title: str
    start: int
    end: int
    text: str
    page: int | None
    label: str | None


@dataclass
class _Failure:
    error: BaseException


_END = object()


class Service:
    """The library and the assistants, shared by the REST routes, the OpenAI-compatible routes and the MCP tools."""

    def __init__(self, settings: Settings, library: Library, assistants: Assistants | None = None) -> None:
        self.settings = settings
        self.library = library
        self.assistants = assistants or Assistants(settings.assistant)
        workers = settings.api.api_workers or os.cpu_count() or 1
        self.answers = Lane("answer", workers, settings.api.api_queue, "a worker")
        self.llm = Lane("llm", 1, settings.api.api_llm_queue, "the LLM")
        self.writes = ThreadPoolExecutor(1, thread_name_prefix="askdocs-write")
        self.evaluations = ThreadPoolExecutor(1, thread_name_prefix="askdocs-eval")
        self._jobs: dict[tuple[str, str], EvalJob] = {}
        self._jobs_lock = threading.Lock()
        self._ready = threading.Event()
        self._settled = threading.Event()  # loaded, or failed to
        self._stopping = threading.Event()
        self._failure: str | None = None

    # -- start, readiness, stop -------------------------------------------------------------------
    def start(self) -> None:
        """Load the default collection and the embedding model in the background."""
        threading.Thread(target=self._load, name="askdocs-load", daemon=True).start()

    def _load(self) -> None:
        try:
            # The models, and the vector and keyword indexes, so the first question does not wait for them.
            self.assistants.get(self.library.open(self.settings.index.collection)).load()
        except Exception as exc:  # reported by /readyz and every request that needs the model
            self._failure = str(exc) or type(exc).__name__
            log.error("the index or the embedding model could not be loaded: %s", self._failure)
        else:
            self._ready.set()
        finally:
            self._settled.set()

    def readiness(self) -> tuple[bool, str]:
        if self._ready.is_set():
            return True, f"index and embedding model {self.library.embedder.name} loaded"
        if self._failure:
            return False, f"loading failed: {self._failure}"
        return False, "loading the index and the embedding model"

    def require_ready(self) -> None:
        ready, detail = self.readiness()
        if not ready:
            raise NotReady(f"The server is not ready yet ({detail}); try again shortly.")

    async def until_ready(self, timeout: float) -> None:
        """Wait for the model (the MCP tools wait rather than fail while the server starts)."""
        await asyncio.to_thread(self._settled.wait, timeout)
        self.require_ready()

    def close(self) -> None:
        self._stopping.set()  # an evaluation run stops after its current case
        for lane in (self.answers, self.llm):
            lane.close()
        for pool in (self.writes, self.evaluations):
            pool.shutdown(wait=False, cancel_futures=True)

    # -- collections --------------------------------------------------------------------------------
    def collection(self, name: str, create: bool = False) -> Collection:
        return self.library.open(name, create=create)

    def _document(self, collection: Collection, doc_id: str) -> None:
        if collection.retriever.document(doc_id) is None:
            raise UnknownDocument(f"No document '{doc_id}' in collection '{collection.name}': GET /v1/documents lists them.")

    # -- answers ------------------------------------------------------------------------------------
    def uses_llm(self, answerer: str | None, history: Sequence[Turn]) -> bool:
        settings = self.settings.assistant
        mode = answerer or settings.answerer
        return mode == "llm" or (settings.condense == "llm" and bool(history))

    def prepare(
        self, question: str, history: Sequence[Turn], collection: str, k: int | None = None,
        doc_ids: Sequence[str] | None = None, answerer: str | None = None,
    ) -> Question:
        """Check a question before it is queued: errors in it are the client's, and said at once."""
        if not question.strip():
            raise EmptyQuestion()
        target = self.collection(collection)
        self.require_ready()
        for doc_id in doc_ids or ():
            self._document(target, doc_id)
        lane = self.llm if self.uses_llm(answerer, history) else self.answers
        return Question(
            self.assistants.get(target), lane, question, tuple(history), k, tuple(doc_ids) if doc_ids else None, answerer,
            target.name,
        )

    async def answer(self, q: Question) -> Answer:
        def work() -> Answer:
            with self.library.using(q.collection):
                return q.assistant.answer(q.question, q.history, k=q.k, doc_ids=q.doc_ids, answerer=q.answerer)

        return await asyncio.wrap_future(q.lane.submit(work))

    def stream(self, q: Question) -> AsyncIterator[str | Answer]:
        """Text deltas, then the final answer. Queued now (`Busy` is raised here, before any response)."""
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[Any] = asyncio.Queue()
        stop = threading.Event()

        def put(item: Any) -> None:
            try:
                loop.call_soon_threadsafe(events.put_nowait, item)
            except RuntimeError:  # the event loop is gone: the server stopped
                stop.set()

        def work() -> None:
            generator = q.assistant.stream(q.question, q.history, k=q.k, doc_ids=q.doc_ids, answerer=q.answerer)
            try:
                with self.library.using(q.collection):
                    for event in generator:
                        if stop.is_set():  # the client went away: stop generating
                            break
                        put(event)
            except BaseException as exc:
                put(_Failure(exc))
            finally:
                getattr(generator, "close", lambda: None)()  # a generator: closing it releases the LLM
                put(_END)

        q.lane.submit(work)
        return self._drain(events, stop)

    @staticmethod
    async def _drain(events: asyncio.Queue[Any], stop: threading.Event) -> AsyncIterator[str | Answer]:
        try:
            while True:
                item = await events.get()
                if item is _END:
                    return
                if isinstance(item, _Failure):
                    raise item.error
                yield item
        finally:
            stop.set()

    # -- search and documents (the web server's thread pool) ---------------------------------------
    def search(self, query: str, collection: str, k: int | None = None, doc_ids: Sequence[str] | None = None) -> list[Passage]:
        if not query.strip():
            raise InvalidInput("The query is empty: say what to search for.", param="q")
        self.require_ready()
        with self.library.using(collection) as target:
            for doc_id in doc_ids or ():
                self._document(target, doc_id)
            return target.retriever.search(query, k, list(doc_ids) if doc_ids else None)

    def document_view(self, collection: str, doc_id: str) -> DocumentView:
        with self.library.using(collection) as target:
            view = target.retriever.document_view(doc_id)
        if view is None:
            raise UnknownDocument(f"No document '{doc_id}' in collection '{target.name}': GET /v1/documents lists them.")
        return view

    def passage(self, collection: str, source: str, start: int, end: int, context: int = 0) -> PassageText:
        """The text of a document between two offsets (those of a citation or a search result), with context around."""
        if start < 0 or end <= start:
            raise InvalidInput(f"start ({start}) must be 0 or more and end ({end}) larger than start", param="end")
        view = self.document_view(collection, source)
        first, last = max(0, start - max(0, context)), min(len(view.text), end + max(0, context))
        if first >= len(view.text):
            raise InvalidInput(f"start ({start}) is past the end of '{source}' ({len(view.text)} characters)", param="start")
        if last - first > MAX_PASSAGE:
            raise InvalidInput(f"at most {MAX_PASSAGE} characters at a time: ask for a shorter span", param="end")
        covering = next((c for c in view.chunks if c.start <= start < c.end), None)
        return PassageText(
            source=view.record.doc_id, title=view.record.title, start=first, end=last, text=view.text[first:last],
            page=covering.page if covering else None,
            label=label_at(covering.label, covering.sections, start, in_document=True) if covering else None,
        )

    # -- writes (one thread) -----------------------------------------------------------------------
    async def upload(self, collection: str, files: Sequence[tuple[str, BinaryIO, int]]) -> IngestReport:
        """Store and ingest uploaded (name, stream, size) files; refused ones are reported, not fatal."""
        return await asyncio.wrap_future(self.writes.submit(self._upload, collection, files))

    def _upload(self, collection: str, files: Sequence[tuple[str, BinaryIO, int]]) -> IngestReport:
        max_mb = self.settings.ingest.max_file_mb
        refused: list[Outcome] = []
        statuses: list[int] = []
        accepted: list[tuple[str, BinaryIO]] = []
        for name, stream, size in files:
            safe = safe_filename(name)
            problem = refusal(safe, size, max_mb)
            if problem is None:
                accepted.append((safe, stream))
            else:
                refused.append(Outcome(safe, "skipped", reason=problem.reason))
                statuses.append(413 if problem.kind == "too_large" else 415)
        if not accepted:
            reasons = "; ".join(f"{o.source}: {o.reason}" for o in refused)
            raise Refused(f"No file was taken in: {reasons}", 413 if all(s == 413 for s in statuses) else 415)
        self.require_ready()
        target = self.collection(collection, create=True)
        uploads = target.settings.collection_dir / "uploads"
        stored: dict[Path, None] = {}  # ordered, without repeats (two files of one name: the last one wins)
        for safe, stream in accepted:
            stored[store_upload(stream, uploads, safe)] = None
        report = target.ingest(list(stored))
        report.outcomes.extend(refused)
        return report

    async def remove(self, collection: str, doc_id: str) -> IngestReport:
        return await asyncio.wrap_future(self.writes.submit(self._remove, collection, doc_id))

    def _remove(self, collection: str, doc_id: str) -> IngestReport:
        target = self.collection(collection)
        record = target.retriever.document(doc_id)
        if record is None:
            raise UnknownDocument(f"No document '{doc_id}' in collection '{target.name}': GET /v1/documents lists them.")
        report = target.remove(record.doc_id)
        # An uploaded file goes with its document (found by the catalog's record, never by the request's id).
        uploads = (target.settings.collection_dir / "uploads").resolve()
        path = Path(record.path)
        if record.parent is None and path.parent == uploads:
            path.unlink(missing_ok=True)
        return report

    async def create_collection(self, name: str) -> None:
        await asyncio.wrap_future(self.writes.submit(self.library.create, name))

    async def delete_collection(self, name: str) -> None:
        await asyncio.wrap_future(self.writes.submit(self.library.delete, name))

    # -- evaluation (one run at a time) ------------------------------------------------------------
    def start_evaluation(self, collection: str, cases: Sequence[Case], testset: str, answerer: str | None) -> EvalJob:
        from evaluation.runner import run

        target = self.collection(collection)
        self.require_ready()
        runs = target.settings.collection_dir / "runs"
        with self._jobs_lock:
            pending = sum(1 for job in self._jobs.values() if job.status in ("queued", "running"))
            if pending >= MAX_PENDING_EVALS:
                raise Busy(f"{pending} evaluation runs are queued or running already; try again when one has finished.", 60)
            run_id = _new_run_id(runs)
            (runs / run_id).mkdir(parents=True)
            job = EvalJob(run_id, target.name, len(cases))
            self._jobs[(target.name, run_id)] = job
        assistant = self.assistants.for_evaluation(target, answerer)

        def progress(done: int, total: int) -> None:
            job.done = done
            if self._stopping.is_set():
                raise EvaluationStopped("the server stopped before the run was complete")

        def work() -> None:
            job.status = "running"
            try:
                run(assistant, cases, runs / run_id, testset=testset, on_case=progress)
            except Exception as exc:  # the run writes nothing unless it completes
                job.status, job.error = "failed", str(exc) or type(exc).__name__
                log.error("evaluation run %s failed: %s", run_id, job.error)
            else:
                job.status = "done"

        self.evaluations.submit(work)
        return job

    def run_dir(self, collection: str, run_id: str) -> Path:
        """A run's folder, found among the collection's runs (never built from the request)."""
        runs = self.collection(collection).settings.collection_dir / "runs"
        if RUN_ID.match(run_id) and runs.is_dir():
            for folder in runs.iterdir():
                if folder.name == run_id and folder.is_dir():
                    return folder
        raise NotFound(f"No evaluation run '{run_id}' in collection '{collection}': GET /v1/eval lists them.")

    def evaluation(self, collection: str, run_id: str) -> tuple[EvalJob, dict[str, Any] | None]:
        """A run's state, and its report once it is done."""
        import json

        folder = self.run_dir(collection, run_id)
        job = self._jobs.get((self.collection(collection).name, run_id))
        report_file = folder / "report.json"
        report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.is_file() else None
        if job is None:  # a run from before this server started, or from the CLI or the web chat
            status: Literal["done", "failed"] = "done" if report is not None else "failed"
            total = _count_lines(folder / "results.jsonl")
            job = EvalJob(run_id, collection, total, total if report else 0, status,
                          None if report else "no report: the run was interrupted, or another process is still running it")
        return job, report

    def runs(self, collection: str) -> list[str]:
        runs = self.collection(collection).settings.collection_dir / "runs"
        return sorted((p.name for p in runs.iterdir() if p.is_dir() and RUN_ID.match(p.name)), reverse=True) if runs.is_dir() else []


def _new_run_id(runs: Path) -> str:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    run_id, suffix = stamp, 1
    while (runs / run_id).exists():
        suffix += 1
        run_id = f"{stamp}-{suffix}"
    return run_id


def _count_lines(path: Path) -> int:
    if not path.is_file():
        return 0
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())
