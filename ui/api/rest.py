"""The REST routes under /v1: ask, search, documents, collections, evaluation; and the health checks.

Each route parses its input, makes one call to the `Service` and returns a model from
`ui.api.schemas`; errors are askdocs' own, turned into statuses by `ui.api.errors`.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Path as PathParam, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse

from assistant.models import Answer
from index.settings import COLLECTION_NAME, DEFAULT_COLLECTION
from ingest.errors import AskdocsError, InvalidInput, NotFound
from ui.api import schemas
from ui.api.errors import Refused, describe, error_body
from ui.api.service import REPORT_FILES, Service
from ui.uploads import safe_filename

log = logging.getLogger(__name__)

health = APIRouter()


def get_service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


ServiceDep = Annotated[Service, Depends(get_service)]
CollectionQuery = Annotated[
    str, Query(pattern=COLLECTION_NAME, max_length=40, description="The collection (a separate set of documents) to use.")
]
DocIdPath = Annotated[str, PathParam(max_length=schemas.MAX_DOC_ID, description="Document id, slashes included (`notes/a.md`).")]
RunPath = Annotated[str, PathParam(max_length=80, description="Run id, as POST /v1/eval returned it.")]

_DESCRIPTIONS = {
    400: "Bad input: the message says which field and what to do.",
    401: "No API key, or not a valid one (when ASKDOCS_API_KEY is set).",
    404: "Unknown document, collection, run or model.",
    409: "The request conflicts with the index's state.",
    413: "Too large: a file over max_file_mb, or a request body over the server's limit.",
    415: "A file type with no reader.",
    422: "A field of the request is missing or invalid.",
    429: "Too many questions waiting: try again after Retry-After seconds.",
    503: "The server is still loading the index and embedding model (Retry-After), or a service it needs is down.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route may answer with (all in the one error shape)."""
    return {status: {"model": schemas.ErrorResponse, "description": _DESCRIPTIONS[status]} for status in statuses}


def api_router() -> APIRouter:
    """A router for routes under /v1: each may answer 401 (the key check) and 422 (its fields)."""
    return APIRouter(prefix="/v1", responses=errors(401, 422))


router = api_router()


def sse(data: Any, event: str | None = None) -> str:
    """One server-sent event."""
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, ensure_ascii=False)}\n\n"


def error_event(exc: BaseException) -> dict[str, Any]:
    """An error that happens after a stream has started, in the error shape."""
    if isinstance(exc, AskdocsError):
        return describe(exc)[1]
    log.error("answering failed: %r", exc)
    return error_body("The answer failed; the server's log says why.", "server_error", None, "internal")


STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
STREAM_DOC = "With ?stream=true: server-sent events `delta` ({text}) as the answer is written, then `answer` (the object above), or `error`."


# -- health ---------------------------------------------------------------------------------------


@health.get("/healthz", response_model=schemas.Health, summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@health.get(
    "/readyz", response_model=schemas.Readiness, summary="Readiness: the index and embedding model are loaded",
    responses={503: {"model": schemas.Readiness, "description": "Still loading, or loading failed (detail says which)."}},
)
async def readyz(service: ServiceDep) -> JSONResponse:
    ready, detail = service.readiness()
    return JSONResponse({"ready": ready, "detail": detail}, status_code=200 if ready else 503, headers={} if ready else {"Retry-After": "5"})


# -- answers --------------------------------------------------------------------------------------


@router.post(
    "/ask", response_model=schemas.AskResponse, summary="Answer a question from the documents, with citations",
    responses={**errors(400, 404, 429, 503), 200: {"description": STREAM_DOC, "content": {"text/event-stream": {"schema": {"type": "string"}}}}},
)
async def ask(
    body: schemas.AskRequest, service: ServiceDep,
    stream: Annotated[bool, Query(description="Stream server-sent events instead of one JSON object.")] = False,
) -> Any:
    question = await run_in_threadpool(service.prepare, body.question, body.history, body.collection, body.k, body.doc_ids, body.answerer)
    if not stream:
        return (await service.answer(question)).as_json()
    return StreamingResponse(_ask_events(service.stream(question)), media_type="text/event-stream", headers=STREAM_HEADERS)


async def _ask_events(events: AsyncIterator[str | Answer]) -> AsyncIterator[str]:
    try:
        async for event in events:
            yield sse(event.as_json(), "answer") if isinstance(event, Answer) else sse({"text": event}, "delta")
    except Exception as exc:
        yield sse(error_event(exc), "error")


@router.get("/search", response_model=schemas.SearchResponse, summary="Passages that match a query, with scores and offsets",
            responses=errors(400, 404, 503))
def search(
    service: ServiceDep,
    q: Annotated[str, Query(max_length=schemas.MAX_QUESTION, description="What to search for.")],
    k: Annotated[int | None, Query(ge=1, le=100, description="How many passages (default: the top_k setting).")] = None,
    doc_ids: Annotated[list[str] | None, Query(max_length=1000, description="Only search these documents (repeat the parameter).")] = None,
    collection: CollectionQuery = DEFAULT_COLLECTION,
) -> dict[str, Any]:
    passages = service.search(q, collection, k, doc_ids)
    return {"query": q, "collection": collection, "passages": [p.as_dict() for p in passages]}


# -- documents ------------------------------------------------------------------------------------


@router.get("/documents", response_model=schemas.DocumentList, summary="The documents of a collection", responses=errors(400, 404))
def list_documents(service: ServiceDep, collection: CollectionQuery = DEFAULT_COLLECTION) -> dict[str, Any]:
    records = service.collection(collection).retriever.documents()
    return {"collection": collection, "documents": [schemas.DocumentInfo.of(r) for r in records]}


@router.post(
    "/documents", response_model=schemas.IngestReport, summary="Upload and ingest one or several files",
    description="Each file's outcome as `askdocs ingest --json` reports it. A file too large or of an unsupported type is "
    "`skipped` with its reason; when no file at all is taken in, the answer is 413 (all too large) or 415.",
    responses=errors(400, 404, 409, 413, 415, 503),
)
async def upload_documents(
    service: ServiceDep,
    files: Annotated[list[UploadFile], File(description="The files (repeat the `files` field for several).")],
    collection: CollectionQuery = DEFAULT_COLLECTION,
) -> dict[str, Any]:
    limit = service.settings.api.api_max_files
    if len(files) > limit:
        raise InvalidInput(f"{len(files)} files in one request; at most {limit} (api_max_files)", param="files")
    batch = [(f.filename or "upload", f.file, _size(f)) for f in files]
    return (await service.upload(collection, batch)).as_dict()


def _size(upload: UploadFile) -> int:
    if upload.size is not None:
        return upload.size
    upload.file.seek(0, 2)
    size = upload.file.tell()
    upload.file.seek(0)
    return size


@router.get("/documents/{doc_id:path}", response_model=schemas.DocumentDetail, summary="A document's metadata and cleaned text",
            responses=errors(400, 404))
def get_document(service: ServiceDep, doc_id: DocIdPath, collection: CollectionQuery = DEFAULT_COLLECTION) -> dict[str, Any]:
    view = service.document_view(collection, doc_id)
    spans = _covered(sorted((c.start, c.end) for c in view.chunks), len(view.text))
    return {
        **schemas.DocumentInfo.of(view.record).model_dump(),
        "text": "\n\n".join(view.text[start:end].strip() for start, end in spans),
        "characters": len(view.text),
        "indexed_characters": sum(end - start for start, end in spans),
        "chunk_spans": [
            {"id": c.id, "chunk": c.chunk_no, "start": c.start, "end": c.end, "page": c.page, "label": c.label} for c in view.chunks
        ],
    }


def _covered(spans: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Overlapping or touching chunk spans merged: the parts of the text the index holds."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        start, end = max(0, start), min(length, end)
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@router.delete("/documents/{doc_id:path}", response_model=schemas.IngestReport, summary="Remove a document (and its uploaded file)",
               responses=errors(400, 404, 409))
async def delete_document(service: ServiceDep, doc_id: DocIdPath, collection: CollectionQuery = DEFAULT_COLLECTION) -> dict[str, Any]:
    return (await service.remove(collection, doc_id)).as_dict()


# -- collections ----------------------------------------------------------------------------------


@router.get("/collections", response_model=schemas.CollectionList, summary="The collections, with their sizes")
def list_collections(service: ServiceDep) -> dict[str, Any]:
    return {"collections": [info.as_dict() for info in service.library.info()]}


@router.post("/collections", response_model=schemas.CollectionInfo, status_code=201, summary="Create an empty collection",
             responses=errors(400, 409))
async def create_collection(service: ServiceDep, body: schemas.NewCollection) -> dict[str, Any]:
    await service.create_collection(body.name)
    return {"name": body.name, "documents": 0, "chunks": 0, "embedding_model": None}


@router.delete("/collections/{name}", response_model=schemas.CollectionList, summary="Delete a collection and everything of it",
               description="Its documents, vectors, uploads, evaluation runs and answer log. Answers the collections left.",
               responses=errors(400, 404, 409))
async def delete_collection(service: ServiceDep, name: Annotated[str, PathParam(max_length=40)]) -> dict[str, Any]:
    await service.delete_collection(name)
    return await run_in_threadpool(list_collections, service)


# -- evaluation -----------------------------------------------------------------------------------


@router.post(
    "/eval", response_model=schemas.EvalStarted, status_code=202, summary="Start an evaluation run on a test set (JSONL)",
    description="The test set is the `askdocs eval` JSONL format, one case a line. The run goes on in the background: "
    "GET /v1/eval/{run} says how far it is and, once done, its metrics and reports.",
    responses=errors(400, 404, 413, 429, 503),
)
async def start_evaluation(
    service: ServiceDep,
    testset: Annotated[UploadFile, File(description="The test set, JSONL.")],
    answerer: Annotated[Literal["extractive", "llm"] | None, Query(description="Answerer to evaluate (default: the answerer setting).")] = None,
    collection: CollectionQuery = DEFAULT_COLLECTION,
) -> dict[str, Any]:
    name = safe_filename(testset.filename or "testset.jsonl")
    size, max_mb = _size(testset), service.settings.ingest.max_file_mb
    if size > max_mb * 1_000_000:
        raise Refused(f"{name}: the test set is {size / 1_000_000:.1f} MB, larger than max_file_mb = {max_mb:g}", 413)
    cases = await run_in_threadpool(_read_testset, testset, name)
    job = await run_in_threadpool(service.start_evaluation, collection, cases, name, answerer)
    return {"run": job.run, "collection": job.collection, "status": job.status, "cases": job.total,
            "url": f"/v1/eval/{job.run}?collection={job.collection}"}


def _read_testset(upload: UploadFile, name: str) -> list[Any]:
    from evaluation.testset import TestSetError, load_testset

    with tempfile.TemporaryDirectory(prefix="askdocs-testset-") as folder:
        path = Path(folder) / name
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out)
        try:
            return load_testset(path)
        except TestSetError as exc:  # name the file as the client did, not by its temporary path
            raise InvalidInput(str(exc).replace(str(path), name), param="testset") from None
        except UnicodeDecodeError:
            raise InvalidInput(f"{name}: not UTF-8 text; a test set is JSONL, one case a line", param="testset") from None


@router.get("/eval", response_model=schemas.EvalList, summary="The evaluation runs of a collection, newest first", responses=errors(400, 404))
def list_evaluations(service: ServiceDep, collection: CollectionQuery = DEFAULT_COLLECTION) -> dict[str, Any]:
    return {"collection": collection, "runs": service.runs(collection)}


@router.get("/eval/{run}", response_model=schemas.EvalStatus, summary="An evaluation run: status, metrics, report links",
            responses=errors(400, 404))
def get_evaluation(service: ServiceDep, run: RunPath, collection: CollectionQuery = DEFAULT_COLLECTION) -> dict[str, Any]:
    job, report = service.evaluation(collection, run)
    links = {f: f"/v1/eval/{job.run}/{f}?collection={job.collection}" for f in REPORT_FILES} if report is not None else {}
    return {
        "run": job.run, "collection": job.collection, "status": job.status, "done": job.done, "total": job.total,
        "error": job.error, "metrics": report["metrics"] if report else None, "reports": links,
    }


_MEDIA = {"report.html": "text/html", "report.md": "text/markdown", "report.json": "application/json", "results.jsonl": "application/x-ndjson"}


@router.get(
    "/eval/{run}/{report}", summary="A report of an evaluation run", response_class=FileResponse,
    responses={**errors(400, 404), 200: {"description": "The file.", "content": {m: {"schema": {"type": "string"}} for m in _MEDIA.values()}}},
)
def get_evaluation_report(
    service: ServiceDep, run: RunPath,
    report: Annotated[Literal["report.html", "report.md", "report.json", "results.jsonl"], PathParam(description="Which report.")],
    collection: CollectionQuery = DEFAULT_COLLECTION,
) -> FileResponse:
    folder = service.run_dir(collection, run)
    found = next((p for p in folder.iterdir() if p.name == report and p.is_file()), None)
    if found is None:
        raise NotFound(f"Run '{run}' has no {report} yet: GET /v1/eval/{run} says whether it is done.")
    return FileResponse(found, media_type=_MEDIA[report])
