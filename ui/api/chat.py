"""OpenAI-compatible routes: POST /v1/chat/completions and GET /v1/models.

Any OpenAI client works unchanged. The last user message is the question, the earlier user and
assistant messages are the conversation (system messages are not read: the documents decide what
is said). The answer, with its [n] markers, is the message content; its citations, the refusal
flag and, for a refusal, the related passages are extra fields of the completion (and of the last
chunk of a stream). Options beyond OpenAI's go in the request body (the client's `extra_body`):
`context_filter` ({"docs_ids": [...]}, as in PrivateGPT), `collection`, `answerer`, `k`.

The model name chooses the answerer: `askdocs` uses the answerer setting, `askdocs-extractive` and
`askdocs-llm` pick one. A stream carries the verified answer only: LLM text is checked against the
passages before any of it is sent, so its chunks come once the answer is settled.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.models import Answer, Related, Turn
from ingest.errors import InvalidInput, NotFound
from ui.api import schemas
from ui.api.rest import STREAM_HEADERS, ServiceDep, api_router, error_event, errors, sse

router = api_router()

MODELS: dict[str, str | None] = {"askdocs": None, "askdocs-extractive": "extractive", "askdocs-llm": "llm"}
_DESCRIBED = {
    "askdocs": "Answers with the configured answerer (ASKDOCS_ANSWERER).",
    "askdocs-extractive": "Quotes the passages' own sentences; no LLM.",
    "askdocs-llm": "The LLM writes the answer; every sentence is verified against the passages.",
}
CREATED = 1_735_689_600  # 2025-01-01: the models' "created" stamp (a fixed date: they are modes, not weights)


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None


class ContextFilter(BaseModel):
    docs_ids: list[schemas.DocId] | None = Field(None, max_length=1000, description="Answer only from these documents.")


class ChatRequest(BaseModel):
    """OpenAI's chat request; its other parameters (temperature, max_tokens, …) are accepted and not used."""

    model_config = ConfigDict(extra="allow")

    model: str = Field("askdocs", max_length=100, description="askdocs, askdocs-extractive or askdocs-llm (GET /v1/models).")
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    context_filter: ContextFilter | None = Field(None, description="PrivateGPT's filter: {\"docs_ids\": [...]}.")
    collection: str = schemas.CollectionName
    answerer: schemas.Answerer | None = Field(None, description="Overrides the answerer the model name chooses.")
    k: int | None = Field(None, ge=1, le=100, description="Passages to retrieve.")


class ChatCitation(BaseModel):
    n: int = Field(description="The [n] marker in the content.")
    source: str
    title: str
    quote: str = Field(description="The words of the passage that support the answer.")
    text: str = Field(description="The passage.")
    start: int = Field(description="Passage offsets in the document's text, in characters.")
    end: int
    quote_start: int | None = Field(None, description="Offsets of the quote in the document's text, when found.")
    quote_end: int | None = None
    page: int | None = None
    label: str | None = None
    score: float


class ResponseMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str
    refusal: None = Field(None, description="Always null: a refusal to answer from the documents is an ordinary answer with `refused`.")


class Choice(BaseModel):
    index: int = 0
    message: ResponseMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class Usage(BaseModel):
    """Token counts are not measured; present because clients expect the field."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage = Field(default_factory=Usage)
    citations: list[ChatCitation] = Field(description="The sources of the [n] markers in the content.")
    refused: bool = Field(description="True when the documents do not hold the answer (the content then says so).")
    related: list[Related] = Field(description="For a refusal: passages close to the question that do not answer it.")


class Model(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = CREATED
    owned_by: str = "askdocs"
    description: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Model]


def _text(message: ChatMessage) -> str:
    if isinstance(message.content, list):
        return "\n".join(part.text or "" for part in message.content if part.type == "text")
    return message.content or ""


def _conversation(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """The question (the last message, the user's) and the turns before it."""
    if messages[-1].role != "user":
        raise InvalidInput(f"The last message must be the user's question, not a {messages[-1].role} message.", param="messages")
    turns = [Turn(role=m.role, content=_text(m)) for m in messages[:-1] if m.role in ("user", "assistant")]
    return _text(messages[-1]), turns


def _answerer(body: ChatRequest) -> str | None:
    if body.model not in MODELS:
        raise NotFound(f"No model '{body.model}': use one of {', '.join(MODELS)} (GET /v1/models).")
    return body.answerer or MODELS[body.model]


def _citations(answer: Answer) -> list[dict[str, Any]]:
    return [c.model_dump(exclude={"support"}) for c in answer.citations]


def _extras(answer: Answer) -> dict[str, Any]:
    return {"citations": _citations(answer), "refused": answer.refused, "related": [r.model_dump() for r in answer.related]}


@router.post(
    "/chat/completions", response_model=ChatCompletion, summary="OpenAI-compatible chat: a cited answer from the documents",
    responses={**errors(400, 404, 429, 503), 200: {"description": "With stream=true: `chat.completion.chunk` events, then `[DONE]`.",
                                                   "content": {"text/event-stream": {"schema": {"type": "string"}}}}},
)
async def chat_completions(body: ChatRequest, service: ServiceDep) -> Any:
    question, turns = _conversation(body.messages)
    answerer = _answerer(body)
    doc_ids = body.context_filter.docs_ids if body.context_filter else None
    prepared = await run_in_threadpool(service.prepare, question, turns, body.collection, body.k, doc_ids, answerer)
    created = int(time.time())
    if not body.stream:
        answer = await service.answer(prepared)
        return {
            "id": f"chatcmpl-{answer.id}", "object": "chat.completion", "created": created, "model": body.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text, "refusal": None},
                         "finish_reason": "stop", "logprobs": None}],
            "usage": Usage().model_dump(), **_extras(answer),
        }
    return StreamingResponse(_chunks(service.stream(prepared), body.model, created), media_type="text/event-stream", headers=STREAM_HEADERS)


async def _chunks(events: AsyncIterator[str | Answer], model: str, created: int) -> AsyncIterator[str]:
    head = {"object": "chat.completion.chunk", "created": created, "model": model}
    chunk_id = f"chatcmpl-{int(time.time() * 1000):x}"

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        return sse({"id": chunk_id, **head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra})

    yield chunk({"role": "assistant", "content": ""})
    try:
        async for event in events:
            if isinstance(event, Answer):  # the verified answer: sent in pieces, then its sources
                for piece in re.findall(r"\S+\s*", event.text):
                    yield chunk({"content": piece})
                yield chunk({}, "stop", **_extras(event))
    except Exception as exc:
        yield sse(error_event(exc))
        return
    yield "data: [DONE]\n\n"


@router.get("/models", response_model=ModelList, summary="OpenAI-compatible: the models (answerers) to choose from")
async def list_models() -> dict[str, Any]:
    return {"object": "list", "data": [{"id": name, "object": "model", "created": CREATED, "owned_by": "askdocs",
                                        "description": _DESCRIBED[name]} for name in MODELS]}


@router.get("/models/{model}", response_model=Model, summary="OpenAI-compatible: one model", responses=errors(404))
async def get_model(model: Annotated[str, PathParam(max_length=100)]) -> dict[str, Any]:
    if model not in MODELS:
        raise NotFound(f"No model '{model}': use one of {', '.join(MODELS)}.")
    return {"id": model, "object": "model", "created": CREATED, "owned_by": "askdocs", "description": _DESCRIBED[model]}
