"""What the HTTP API takes and returns, as pydantic models: the OpenAPI spec is generated from these.

The shapes follow the command line's JSON contracts (`ask --json`, `search --json`, `docs --json`,
`ingest --json`) so that a script can move between the two without translation.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.models import AnswerSpan, Related, Turn
from index.catalog import DocumentRecord
from index.settings import COLLECTION_NAME, DEFAULT_COLLECTION

Answerer = Literal["extractive", "llm"]
MAX_QUESTION = 4000
MAX_DOC_ID = 1000
DocId = Annotated[str, Field(min_length=1, max_length=MAX_DOC_ID)]

CollectionName = Field(
    DEFAULT_COLLECTION, pattern=COLLECTION_NAME, description="The collection (a separate set of documents) to use."
)


class ErrorDetail(BaseModel):
    message: str = Field(description="What is wrong and what to do.")
    type: str = Field(description="invalid_request_error, authentication_error, rate_limit_error or server_error.")
    param: str | None = Field(None, description="The request field at fault, when there is one.")
    code: str | None = Field(None, description="A finer reason: invalid_input, invalid_fields, not_found, too_large, busy, …")


class ErrorResponse(BaseModel):
    """Every error, with the status code that fits it (OpenAI's shape)."""

    error: ErrorDetail


# -- answers --------------------------------------------------------------------------------------


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(max_length=MAX_QUESTION, description="The question; a follow-up is read with `history`.")
    history: list[Turn] = Field(default_factory=list, max_length=100, description="Earlier turns of the conversation, oldest first.")
    k: int | None = Field(None, ge=1, le=100, description="Passages to retrieve (default: the top_k setting).")
    doc_ids: list[DocId] | None = Field(
        None, max_length=1000, description="Answer only from these documents (ids as GET /v1/documents lists them)."
    )
    answerer: Answerer | None = Field(None, description="extractive (quotes, no LLM) or llm (default: the answerer setting).")
    collection: str = CollectionName


class CitationOut(BaseModel):
    n: int = Field(description="The [n] marker in the answer text.")
    source: str = Field(description="Document id.")
    title: str
    text: str = Field(description="The cited passage.")
    quote: str = Field(description="The exact words of the passage that support the answer.")
    start: int = Field(description="Passage start, in characters of the document's text.")
    end: int
    page: int | None = None
    label: str | None = Field(None, description="How the page is named when 'page N' would be wrong: 'slide 3', 'sheet Budget'; for Markdown or reStructuredText, the headings of the section the quote is in: 'Examples and Advanced Usage › Pandas Integration'.")
    score: float


class AskResponse(BaseModel):
    """The `askdocs ask --json` object."""

    id: str
    question: str
    answer: str = Field(description="The answer with [n] markers, or the refusal sentence.")
    refused: bool = Field(description="True when the documents do not hold the answer; `related` then lists close passages.")
    citations: list[CitationOut]
    related: list[Related]
    answer_span: AnswerSpan | None = Field(
        description="The short answer: the phrase inside the quote of citation `citation` that answers the question "
        "(offsets in the document), or null."
    )
    answerability: float | None = Field(description="Probability (0-1) that the best evidence holds what the question asks for.")
    stated: float | None = Field(
        None, description="Probability (0-1) that the documents state the asked-for fact at all (the second refusal check)."
    )
    technical: float | None = Field(
        None,
        description="When the best sentence's document names things in code: the probability (0-1) that the evidence "
        "answers the question, read for technical documents (this decides the refusal then); null otherwise.",
    )
    standalone_query: str
    answerer: str
    timings_ms: dict[str, float]


# -- search ---------------------------------------------------------------------------------------


class PassageOut(BaseModel):
    id: str = Field(description="Chunk id.")
    source: str = Field(description="Document id.")
    title: str
    text: str
    start: int = Field(description="Start of the passage in the document's text, in characters.")
    end: int
    page: int | None = None
    label: str | None = None
    chunk: int
    score: float = Field(description="Fused score: 1.0 is first place in both the dense and the keyword ranking.")
    dense_score: float | None = None
    keyword_score: float | None = None


class SearchResponse(BaseModel):
    query: str
    collection: str
    passages: list[PassageOut]


# -- documents ------------------------------------------------------------------------------------


class DocumentInfo(BaseModel):
    """A document as `askdocs docs --json` lists it."""

    source: str = Field(description="Document id (a path relative to the folder it was ingested from).")
    title: str
    path: str = Field(description="The file it was read from.")
    kind: str
    chunks: int
    pages: int | None = None
    ingested_at: str
    updated_at: str
    parent: str | None = Field(None, description="The document carrying this one (a mail, for its attachments).")
    ocr_pages: list[int] = Field(default_factory=list, description="Pages whose text was read by OCR.")

    @classmethod
    def of(cls, record: DocumentRecord) -> DocumentInfo:
        return cls(
            source=record.doc_id, title=record.title, path=record.path, kind=record.kind, chunks=record.n_chunks,
            pages=record.pages, ingested_at=_iso(record.ingested_at), updated_at=_iso(record.updated_at),
            parent=record.parent, ocr_pages=list(record.ocr_pages),
        )


class DocumentList(BaseModel):
    collection: str
    documents: list[DocumentInfo]


class ChunkOut(BaseModel):
    id: str
    chunk: int
    start: int = Field(description="Offsets in the document's text as read (the offsets citations use).")
    end: int
    page: int | None = None
    label: str | None = None


class DocumentDetail(DocumentInfo):
    """A document with its cleaned text: what its chunks cover, the rest (menus, repeats) left out."""

    text: str = Field(description="The indexed text: the spans the chunks cover, in order; separate spans joined by a blank line.")
    characters: int = Field(description="Length of the document's text as read, before cleaning.")
    indexed_characters: int = Field(description="How many of those characters some chunk covers.")
    chunk_spans: list[ChunkOut]


class Outcome(BaseModel):
    """What ingesting (or removing) one document did."""

    source: str
    status: Literal["added", "updated", "unchanged", "removed", "failed", "skipped"]
    chunks: int = 0
    embedded: int = 0
    reason: str | None = None
    path: str | None = None
    ocr_pages: list[int] = Field(default_factory=list)


class IngestReport(BaseModel):
    """The `askdocs ingest --json` report."""

    documents: list[Outcome]
    embedded: int
    counts: dict[str, int]
    seconds: float


# -- collections ----------------------------------------------------------------------------------


class CollectionInfo(BaseModel):
    name: str
    documents: int
    chunks: int
    embedding_model: str | None = None


class CollectionList(BaseModel):
    collections: list[CollectionInfo]


class NewCollection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=COLLECTION_NAME, description="Lower-case letters, digits, '-' and '_'.")


# -- evaluation -----------------------------------------------------------------------------------


class EvalStarted(BaseModel):
    run: str = Field(description="The run id: GET /v1/eval/{run} follows it.")
    collection: str
    status: Literal["queued", "running", "done", "failed"]
    cases: int
    url: str


class EvalStatus(BaseModel):
    run: str
    collection: str
    status: Literal["queued", "running", "done", "failed"]
    done: int = Field(description="Cases answered so far.")
    total: int
    error: str | None = None
    metrics: dict[str, Any] | None = Field(None, description="Aggregate metrics, once done (see README, Evaluation).")
    reports: dict[str, str] = Field(default_factory=dict, description="Links to report.html, report.md, report.json, results.jsonl.")


class EvalList(BaseModel):
    collection: str
    runs: list[str]


# -- health ---------------------------------------------------------------------------------------


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    ready: bool
    detail: str


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.timezone.utc).isoformat(timespec="seconds")
