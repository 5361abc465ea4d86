"""The MCP server: the documents as tools an MCP client can call, with the same answers and citations.

Tools: `search` (passages), `ask` (a verified, cited answer, or a refusal), `list_documents` and
`get_passage` (a document's text between two offsets, to read around a citation or a search
result). Each takes an optional `collection`. The same server runs over stdio (`askdocs mcp`) and
over streamable HTTP at /mcp of `askdocs serve`; both call the one `Service`, so the LLM queue and
its limits hold for MCP clients as for every other client.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from pydantic import BaseModel, Field

from index.settings import COLLECTION_NAME, DEFAULT_COLLECTION
from ingest.errors import AskdocsError
from ui.api import schemas
from ui.api.errors import Busy
from ui.api.service import Service

T = TypeVar("T")
READY_WAIT = 120.0  # seconds a tool waits for the embedding model while the server starts

INSTRUCTIONS = """askdocs answers questions from a user's own documents, citing the exact passages.
Use `ask` for an answer: it returns the answer with [n] markers and, for each marker, the source
document, the supporting quote and its character offsets; when the documents do not hold the answer
it says so (`refused`) instead of guessing. Use `search` to see the best-matching passages,
`list_documents` to see what is there, and `get_passage` to read a document around a citation.
Documents may be split into collections; the default collection is `default`."""

Collection = Annotated[str, Field(pattern=COLLECTION_NAME, description="The collection (set of documents) to use.")]
DocIds = Annotated[list[schemas.DocId] | None, Field(description="Only use these documents (ids as list_documents gives them).")]


class PassageText(BaseModel):
    source: str = Field(description="Document id.")
    title: str
    start: int = Field(description="Offsets of the text in the document, in characters.")
    end: int
    text: str
    page: int | None = None
    label: str | None = None


def build(service: Service, host: str = "127.0.0.1") -> FastMCP:
    """The MCP server over `service` (`host`: where the HTTP transport listens, for its Host-header check)."""
    server = FastMCP(
        "askdocs", instructions=INSTRUCTIONS, host=host, streamable_http_path="/mcp",
        stateless_http=True, json_response=True, log_level="WARNING",
    )

    async def call(work: Callable[[], Awaitable[T]]) -> T:
        """Wait for the model while the server starts; askdocs' errors become tool errors the client can read."""
        try:
            await service.until_ready(READY_WAIT)
            return await work()
        except Busy as exc:
            raise ToolError(f"{exc} (retry in {exc.retry_after} s)") from None
        except AskdocsError as exc:
            raise ToolError(str(exc)) from None

    @server.tool()
    async def search(
        query: Annotated[str, Field(max_length=schemas.MAX_QUESTION, description="What to look for.")],
        k: Annotated[int, Field(ge=1, le=50, description="How many passages.")] = 5,
        collection: Collection = DEFAULT_COLLECTION,
        documents: DocIds = None,
    ) -> schemas.SearchResponse:
        """Find the passages of the documents that best match a query (keyword and meaning), with scores and offsets."""

        async def work() -> schemas.SearchResponse:
            passages = await asyncio.to_thread(service.search, query, collection, k, documents)
            return schemas.SearchResponse(query=query, collection=collection,
                                          passages=[schemas.PassageOut(**p.as_dict()) for p in passages])  # type: ignore[arg-type]

        return await call(work)

    @server.tool()
    async def ask(
        question: Annotated[str, Field(max_length=schemas.MAX_QUESTION, description="The question, in full (no earlier turns are kept).")],
        collection: Collection = DEFAULT_COLLECTION,
        documents: DocIds = None,
        answerer: Annotated[schemas.Answerer | None, Field(description="extractive (quotes) or llm (default: the server's setting).")] = None,
    ) -> schemas.AskResponse:
        """Answer a question from the documents only, citing for each [n] marker the source and the exact supporting quote.

        When the documents do not hold the answer, `refused` is true and the answer says so; `related`
        then lists passages close to the question."""

        async def work() -> schemas.AskResponse:
            prepared = await asyncio.to_thread(service.prepare, question, (), collection, None, documents, answerer)
            answer = await service.answer(prepared)
            return schemas.AskResponse(**answer.as_json())

        return await call(work)

    @server.tool()
    async def list_documents(collection: Collection = DEFAULT_COLLECTION) -> schemas.DocumentList:
        """List the documents of a collection: id, title, kind, chunk and page counts, when ingested."""

        async def work() -> schemas.DocumentList:
            records = await asyncio.to_thread(lambda: service.collection(collection).retriever.documents())
            return schemas.DocumentList(collection=collection, documents=[schemas.DocumentInfo.of(r) for r in records])

        return await call(work)

    @server.tool()
    async def get_passage(
        source: Annotated[str, Field(max_length=schemas.MAX_DOC_ID, description="Document id (a citation's or search result's `source`).")],
        start: Annotated[int, Field(ge=0, description="Start offset, in characters (a citation's `start`).")],
        end: Annotated[int, Field(ge=1, description="End offset, in characters (a citation's `end`).")],
        context: Annotated[int, Field(ge=0, le=5000, description="Characters to add on each side.")] = 0,
        collection: Collection = DEFAULT_COLLECTION,
    ) -> PassageText:
        """Read a document's text between two offsets, with some context around: to check a citation in place."""

        async def work() -> PassageText:
            found = await asyncio.to_thread(service.passage, collection, source, start, end, context)
            return PassageText(**dataclasses.asdict(found))

        return await call(work)

    return server

