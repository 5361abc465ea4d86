"""What answering returns: citations are data (frozen), turned into text or HTML only at the edges.

An `Answer` carries, as typed fields, everything that shows how it came about: the passages that
were retrieved with their scores, the evidence score the refusal decision used, each generated
sentence's verification, and the LLM call. The evaluation and the answer log read these fields.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RefusalReason = Literal["no_passages", "weak_evidence", "unanswerable", "llm_declined"]


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
    label: str | None = None  # how the page is named when "page N" would be wrong ("slide 3"), or the quote's section's headings
    score: float  # fused retrieval score: ranks passages, it is no probability
    rank: int = 1  # the passage's place among those retrieved (1 = best match)
    quote_start: int | None = None  # offsets of the quote in the document, when found
    quote_end: int | None = None
    support: float = 1.0


class AnswerSpan(BaseModel):
    """The exact phrase that answers the question, inside the quote of citation `citation` (or, asked
    which release did something, the release shown before that quote: its section's heading)."""

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
    label: str | None = None
    score: float
    rank: int = 1


class RetrievedPassage(BaseModel):
    """A passage retrieval proposed, with the scores that ranked it (its text is in the catalog)."""

    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    start: int
    end: int
    page: int | None = None
    chunk: int
    score: float
    dense_score: float | None = None
    keyword_score: float | None = None
    dense_rank: int | None = None
    keyword_rank: int | None = None


class Verification(BaseModel):
    """One generated sentence after checking it against the passages."""

    model_config = ConfigDict(frozen=True)

    sentence: str
    cited: tuple[int, ...] = ()  # markers as generated
    passage: int | None = None  # the passage (1-based) it is finally cited to; None when dropped
    support: float
    action: Literal["kept", "recited", "dropped"]


class Generation(BaseModel):
    """The LLM call behind an answer: model, prompt and the raw text before verification."""

    model_config = ConfigDict(frozen=True)

    model: str
    prompt: tuple[dict[str, str], ...]
    generated: str = ""
    cut: bool = False  # the model stopped at its token limit, mid-answer
    fallback: str | None = None  # why the extractive answer was given instead


class Answer(BaseModel):
    """An answer with its citations, or a refusal with related passages, and how it came about."""

    model_config = ConfigDict(frozen=True)

    question: str
    text: str
    refused: bool
    refusal_reason: RefusalReason | None = None
    citations: tuple[Citation, ...] = ()
    related: tuple[Related, ...] = ()
    standalone_query: str = ""
    answerer: str = "extractive"
    timings_ms: dict[str, float] = Field(default_factory=dict)
    id: str = ""
    # Provenance.
    passages: tuple[RetrievedPassage, ...] = ()
    evidence: float = 0.0
    verification: tuple[Verification, ...] = ()
    generation: Generation | None = None
    index_version: int = 0
    settings: dict[str, Any] = Field(default_factory=dict)
    doc_filter: tuple[str, ...] | None = None
    answer_span: AnswerSpan | None = None
    answerability: float | None = None  # probability that the evidence answers the question
    stated: float | None = None  # probability that the documents state the asked-for fact at all
    # The same, read for technical documents: set when the best sentence's document names things in code.
    technical: float | None = None

    def as_json(self) -> dict[str, Any]:
        """The `askdocs ask --json` contract."""
        return {
            "id": self.id,
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [
                c.model_dump(include={"n", "source", "title", "text", "quote", "start", "end", "page", "label", "score"})
                for c in self.citations
            ],
            "related": [r.model_dump() for r in self.related],
            "answer_span": self.answer_span.model_dump() if self.answer_span else None,
            "answerability": self.answerability,
            "stated": self.stated,
            "technical": self.technical,
            "standalone_query": self.standalone_query,
            "answerer": self.answerer,
            "timings_ms": self.timings_ms,
        }

    def trace(self) -> dict[str, Any]:
        """How the answer came about, as logged with it in the answer log."""
        return self.model_dump(
            mode="json",
            include={
                "refusal_reason", "passages", "evidence", "verification", "generation", "index_version",
                "settings", "doc_filter", "standalone_query", "answerer",
            },
        )
