"""answer(question, history) -> Answer: the one function the CLI, the web chat and the API call.

Retrieval decides whether the documents hold an answer at all (a threshold on how well the best
sentence matches the question); only then does an answerer write one. The extractive answerer
quotes sentences; the LLM answerer generates, and its sentences are verified against the passages.
When no generated sentence survives verification, the extractive answer is given instead.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from assistant.answerability import answerability, default_threshold
from assistant.condense import keyword_condense, llm_condense
from assistant.extractive import Candidate, rank_sentences, select, trim
from assistant.features import analyse
from assistant.generative import build_messages, verify
from assistant.history import AnswerLog
from assistant.llm import make_llm, model_name
from assistant.models import Answer, AnswerSpan, Citation, Related, Turn
from assistant.settings import AssistantSettings
from assistant.span import NOTHING, Found, best_phrase
from assistant.text import locate, with_marker
from index.indexer import Index
from index.retrieve import Passage

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

REFUSAL = "The documents do not contain an answer to this question."
TRACE_SETTINGS = (
    "top_k", "candidates", "min_evidence", "min_answerable", "min_support", "max_answer_words", "chunk_tokens", "chunk_overlap",
    "embed_model", "llm_backend", "llm_passages", "llm_temperature", "llm_max_tokens", "condense",
)

HistoryLike = Sequence[Turn | Mapping[str, str]]


class Assistant:
    """Answers questions from the index, with verified citations, and logs how each answer came about."""

    def __init__(self, settings: AssistantSettings, index: Index) -> None:
        self.settings = settings
        self.index = index
        self.log = AnswerLog(settings.data_dir / "history.jsonl")
        self._llm_lock = threading.Lock()

    @cached_property
    def llm(self) -> LLM:
        return make_llm(self.settings)

    def answer(
        self,
        question: str,
        history: HistoryLike = (),
        *,
        k: int | None = None,
        doc_ids: Sequence[str] | None = None,
        answerer: str | None = None,
    ) -> Answer:
        final = None
        for event in self.stream(question, history, k=k, doc_ids=doc_ids, answerer=answerer):
            if isinstance(event, Answer):
                final = event
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        history: HistoryLike = (),
        *,
        k: int | None = None,
        doc_ids: Sequence[str] | None = None,
        answerer: str | None = None,
    ) -> Iterator[str | Answer]:
        """Text deltas as they are generated, then the final, verified `Answer`."""
        started = time.perf_counter()
        turns = [t if isinstance(t, Turn) else Turn(**t) for t in history]
        mode = answerer or self.settings.answerer
        if mode not in ("extractive", "llm"):
            raise ValueError(f"answerer must be 'extractive' or 'llm', not {mode!r}")
        timings: dict[str, float] = {}

        standalone = self._condense(question, turns, mode)
        timings["condense"] = _ms(started)
        passages = self.index.search(standalone, k or self.settings.top_k, doc_ids)
        timings["retrieve"] = _ms(started) - timings["condense"]
        ranked = rank_sentences(standalone, passages, self.index.embedder, question)
        evidence = max((c.relevance for c in ranked), default=0.0)
        timings["rank"] = _ms(started) - timings["condense"] - timings["retrieve"]
        asked = analyse(standalone, question)
        found = best_phrase(asked, ranked[0].sentence.text) if ranked and self.settings.answer_spans else NOTHING
        answerable = answerability(asked, ranked, passages, found) if ranked else 0.0
        min_answerable = default_threshold() if self.settings.min_answerable is None else self.settings.min_answerable
        trace: dict[str, Any] = {
            "standalone_query": standalone,
            "passages": [_trace_passage(p) for p in passages],
            "evidence": round(evidence, 4),
            "answerability": round(answerable, 4),
            "answerer": mode,
            "index_version": self.index.version,
            "settings": {key: getattr(self.settings, key) for key in TRACE_SETTINGS},
            "doc_filter": list(doc_ids) if doc_ids else None,
        }

        if not passages or evidence < self.settings.min_evidence:
            text, citations = REFUSAL, []
            yield text
        elif answerable < min_answerable:
            # On topic, but the best evidence does not hold what is asked for.
            trace["refusal"] = "answerability"
            text, citations = REFUSAL, []
            yield text
        elif mode == "extractive":
            text, citations = self._extractive(question, standalone, passages, ranked)
            yield text
        else:
            text, citations = yield from self._generate(question, standalone, passages, ranked, trace)
        refused = not citations
        span = None if refused or not ranked else _answer_span(found, ranked[0], citations)
        timings["total"] = _ms(started)
        answer = Answer(
            id=uuid.uuid4().hex[:12],
            question=question,
            text=text if citations else REFUSAL,
            refused=refused,
            citations=tuple(citations),
            related=tuple(_related(p) for p in passages[:3]) if refused else (),
            standalone_query=standalone,
            answerer=mode,
            timings_ms={key: round(value, 1) for key, value in timings.items()},
            trace=trace,
            answer_span=span,
            answerability=round(answerable, 4),
        )
        if self.settings.log_answers:
            self.log.append(answer, turns)
        yield answer

    # -- steps --------------------------------------------------------------------------------
    def _condense(self, question: str, turns: Sequence[Turn], mode: str) -> str:
        use_llm = self.settings.condense == "llm" or (self.settings.condense == "auto" and mode == "llm")
        if use_llm and turns:
            with self._llm_lock:
                return llm_condense(self.llm, question, turns, self._in_corpus)
        return keyword_condense(question, turns, self._in_corpus)

    def _in_corpus(self, text: str) -> bool:
        """Whether any content word of `text` occurs in the indexed documents."""
        return bool(self.index.catalog.keyword_search(text, 1))

    def _extractive(
        self, question: str, query: str, passages: Sequence[Passage], ranked: Sequence[Candidate]
    ) -> tuple[str, list[Citation]]:
        chosen = select(ranked, self.settings.max_answer_words, passages, question)
        cited = []
        for candidate in chosen:
            sentence = candidate.sentence.text
            quote = trim(sentence, query, self.settings.max_answer_words)
            cited.append((candidate.passage, f"…{quote}…" if quote != sentence else quote, quote))
        return self._cite(passages, cited)

    def _generate(
        self, question: str, standalone: str, passages: Sequence[Passage], ranked: Sequence[Candidate], trace: dict[str, Any]
    ) -> Iterator[str]:
        from llama_index.core.llms import ChatMessage

        given = list(passages[: self.settings.llm_passages])
        messages = build_messages(standalone if standalone != question else question, given)
        trace["model"] = f"{self.settings.llm_backend}:{model_name(self.settings)}"
        trace["prompt"] = messages
        generated = ""
        with self._llm_lock:
            for chunk in self.llm.stream_chat([ChatMessage(role=m["role"], content=m["content"]) for m in messages]):
                delta = chunk.delta or ""
                generated += delta
                if delta:
                    yield delta
        trace["generated"] = generated
        checked = verify(generated, given, self.index.embedder, self.settings.min_support)
        trace["verification"] = [c.as_dict() for c in checked]
        # Each verified sentence cites the passage that supports it, quoting that passage's sentence.
        supported = [(c.passage, c.sentence, c.quote) for c in checked if c.passage is not None]
        if not supported:
            trace["fallback"] = "no generated sentence is supported by the passages: extractive answer given"
            return self._extractive(question, standalone, passages, ranked)
        return self._cite(given, supported)

    def _cite(self, passages: Sequence[Passage], cited: Sequence[tuple[int, str, str]]) -> tuple[str, list[Citation]]:
        """The answer text and its citations from (passage index, text shown, supporting quote).

        Passages are numbered in order of first use; a passage cited twice keeps its first quote.
        """
        numbers: dict[int, int] = {}
        citations: list[Citation] = []
        parts: list[str] = []
        for index, shown, quote in cited:
            if index not in numbers:
                numbers[index] = len(numbers) + 1
                citations.append(self._citation(numbers[index], passages[index], quote))
            parts.append(with_marker(shown, numbers[index]))
        return " ".join(parts), citations

    def _citation(self, n: int, passage: Passage, quote: str) -> Citation:
        quote_start = quote_end = None
        source_text = self.index.catalog.text(passage.doc_id)
        if source_text is not None:
            found = locate(quote, source_text[passage.start : passage.end])
            if found:
                quote_start, quote_end = passage.start + found[0], passage.start + found[1]
        return Citation(
            n=n,
            source=passage.doc_id,
            title=passage.title,
            text=passage.text,
            quote=quote,
            start=passage.start,
            end=passage.end,
            page=passage.page,
            score=round(passage.score, 6),
            quote_start=quote_start,
            quote_end=quote_end,
        )


def _answer_span(found: Found, best: Candidate, citations: Sequence[Citation]) -> AnswerSpan | None:
    """The best sentence's answer phrase, in the citation that quotes it, with document offsets."""
    if found.phrase is None:
        return None
    phrase = found.phrase
    sentence = best.sentence.text
    for citation in citations:
        quote = citation.quote
        if sentence not in quote and quote not in sentence:
            continue
        # Where the phrase sits in the quote: by its offset in the sentence when the quote holds the
        # whole sentence, else by its text (a trimmed quote).
        offset = quote.find(sentence)
        at = offset + phrase.start if offset >= 0 else quote.find(phrase.text)
        if at < 0 or quote[at : at + len(phrase.text)] != phrase.text:
            continue
        start = end = None
        if citation.quote_start is not None and citation.quote_end is not None:
            start, end = citation.quote_start + at, citation.quote_start + at + len(phrase.text)
        return AnswerSpan(text=phrase.text, citation=citation.n, start=start, end=end, score=round(found.score, 4))
    return None


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000


def _trace_passage(p: Passage) -> dict[str, Any]:
    scores = {key: value for key, value in p.as_dict().items() if key not in ("text", "title")}
    return {**scores, "dense_rank": p.dense_rank, "keyword_rank": p.keyword_rank}


def _related(p: Passage) -> Related:
    return Related(source=p.doc_id, title=p.title, text=p.text, start=p.start, end=p.end, page=p.page, score=round(p.score, 6))
