"""What answering returns: citations are data (frozen), turned into text or HTML only at the edges."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Turn(BaseModel):
    """A prior turn of the conversation."""

    model_config = ConfigDict(frozen=True)

    role: str = Field(pattern="^(user|assistant)$")
    content: str


class Citation(BaseModel):
    """A numbered source of the answer: the passage and the exact quote in it that supports the answer."""

    model_config = ConfigDict(frozen=True)

    n: int
    source: str
    title: str
    text: str
    quote: str
    start: int
    end: int
    page: int | None = None
    score: float
    quote_start: int | None = None  # offsets of the quote in the document, when found
    quote_end: int | None = None
    support: float = 1.0


class AnswerSpan(BaseModel):
    """The exact phrase that answers the question, inside the quote of citation `citation`."""

    model_config = ConfigDict(frozen=True)

    text: str
    citation: int  # the number n of the citation whose quote holds it
    start: int | None = None  # offsets of the phrase in the document, when found
    end: int | None = None
    score: float = 0.0  # the span scorer's score (higher: surer)


class Related(BaseModel):
    """A passage offered alongside a refusal: close to the question, but not an answer."""

    model_config = ConfigDict(frozen=True)

    source: str
    title: str
    text: str
    start: int
    end: int
    page: int | None = None
    score: float


class Answer(BaseModel):
    """An answer with its citations, or a refusal with related passages, and the trace behind it."""

    model_config = ConfigDict(frozen=True)

    question: str
    text: str
    refused: bool
    citations: tuple[Citation, ...] = ()
    related: tuple[Related, ...] = ()
    standalone_query: str = ""
    answerer: str = "extractive"
    timings_ms: dict[str, float] = Field(default_factory=dict)
    trace: dict[str, Any] = Field(default_factory=dict)
    id: str = ""
    answer_span: AnswerSpan | None = None
    answerability: float | None = None  # probability that the evidence answers the question

    def as_json(self) -> dict[str, Any]:
        """The `askdocs ask --json` contract."""
        return {
            "id": self.id,
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [
                c.model_dump(include={"n", "source", "title", "text", "quote", "start", "end", "page", "score"})
                for c in self.citations
            ],
            "related": [r.model_dump() for r in self.related],
            "answer_span": self.answer_span.model_dump() if self.answer_span else None,
            "answerability": self.answerability,
            "standalone_query": self.standalone_query,
            "answerer": self.answerer,
            "timings_ms": self.timings_ms,
        }
