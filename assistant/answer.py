"""answer(question, history) -> Answer: the one function the CLI, the web chat and the API call.

Retrieval decides whether the documents hold an answer at all (a threshold on how well the best
sentence matches the question); only then does an answerer write one. The extractive answerer
quotes sentences; the LLM answerer generates, and its sentences are verified against the passages.
The LLM may decline ("the documents do not contain the answer"): that is a refusal. When it writes
something and no sentence survives verification, the extractive answer is given instead.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from assistant.answerability import (
    Readings,
    checks,
    default_stated_threshold,
    default_technical_threshold,
    default_threshold,
    lacks_asked_kind,
    technical,
)
from assistant.condense import keyword_condense, llm_condense
from assistant.errors import EmptyQuestion
from assistant.extractive import Candidate, continued, first_quoted, rank_sentences, release_heading, select, trim
from assistant.features import VERSION, analyse, asks_default, asks_version, holds_code, implies_default, releases_named
from assistant.generative import build_messages, declines, verify
from assistant.history import AnswerLog
from assistant.llm import calling, make_llm, model_name, stopped_at_limit
from assistant.models import (
    Answer, AnswerSpan, Citation, Generation, RefusalReason, Related, RetrievedPassage, Turn, Verification,
)
from assistant.settings import AssistantSettings
from assistant.span import NOTHING, Found, best_phrase, default_given
from assistant.text import locate, with_marker, with_opening_quote, without_list_mark, without_open_quote
from index.retrieve import Passage, Retriever
from ingest.errors import InvalidInput
from ingest.settings import public_dump

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

REFUSAL = "The documents do not contain an answer to this question."
ANSWERERS = ("extractive", "llm")

HistoryLike = Sequence[Turn | Mapping[str, str]]


@dataclass(frozen=True)
class Evidence:
    """A question's passages, their ranked sentences, and what the refusal checks read in them."""

    passages: list[Passage]
    ranked: list[Candidate]
    found: Found  # the answer phrase in the best sentence
    relevance: float  # the best sentence's relevance to the question (0-1)
    readings: Readings
    lacks_asked_kind: bool  # a date, number or version asked for that the best sentence's paragraph lacks
    code: bool  # the best sentence's document names things in code: a technical document
    technical: float | None  # the technical reading of such passages (None: not read, or switched off)


class Assistant:
    """Answers questions from the retriever's documents, with verified citations, and logs how each came about."""

    def __init__(
        self, settings: AssistantSettings, retriever: Retriever, log: AnswerLog | None = None, llm_from: Assistant | None = None
    ) -> None:
        """`llm_from`: share that assistant's LLM and its lock (one model per process, used by one call at a time)."""
        self.settings = settings
        self.retriever = retriever
        self.log = log
        self._llm_owner: Assistant = llm_from._llm_owner if llm_from is not None else self
        self._llm_lock: threading.Lock = self._llm_owner._llm_lock if llm_from is not None else threading.Lock()
        self._answer_models_loaded = False

    @property
    def llm_loaded(self) -> bool:
        return "llm" in self._llm_owner.__dict__

    @property
    def loaded(self) -> bool:
        return self.retriever.loaded and self._answer_models_loaded

    def load(self) -> None:
        """Load what an extractive answer needs now rather than within the first one: the embedding
        model and the indexes, then the answer models (sentence splitter, stemmer, learned scorers,
        spaCy). Loading them on two threads side by side was no faster: imports hold the GIL."""
        self.retriever.load()
        load_answer_models(self.settings.answer_spans)
        self._answer_models_loaded = True

    @cached_property
    def llm(self) -> LLM:
        if self._llm_owner is not self:
            return self._llm_owner.llm
        with calling(self.settings):
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
        for event in self.stream(question, history, k=k, doc_ids=doc_ids, answerer=answerer):
            if isinstance(event, Answer):
                return event
        raise RuntimeError("the answer stream ended without an answer")  # stream() always ends with one

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
        question = question.strip()
        if not question:
            raise EmptyQuestion()
        mode = answerer or self.settings.answerer
        if mode not in ANSWERERS:
            raise InvalidInput(f"answerer must be one of {', '.join(ANSWERERS)}, not {mode!r}", param="answerer")
        timings: dict[str, float] = {}
        loading = time.perf_counter()
        if not self.loaded:  # once per process: timed apart from answering
            self.load()
        if mode == "llm" and not self.llm_loaded:
            self.llm  # noqa: B018  (loads the model)
        if (waited := _ms(loading)) > 1:
            timings["load_models"] = waited
        started = time.perf_counter()
        turns = [t if isinstance(t, Turn) else Turn(**t) for t in history]

        standalone = self._condense(question, turns, mode)
        timings["condense"] = _ms(started)
        evidence = self.evidence(standalone, question, k, doc_ids, timings)
        passages, ranked = evidence.passages, evidence.ranked

        generation: Generation | None = None
        verification: tuple[Verification, ...] = ()
        reason = self.refusal(evidence)
        citations: list[Citation] = []
        if reason is None and mode == "extractive":
            text, citations = self._extractive(question, standalone, passages, ranked)
            yield text
        elif reason is None:
            text, citations, generation, verification = yield from self._generate(question, standalone, passages, ranked)
            if not citations:
                reason = "llm_declined"
        if reason is not None:
            text, citations = REFUSAL, []
            if generation is None:  # nothing was streamed yet
                yield REFUSAL
        span = None
        if reason is None and ranked:
            release = self._release_span(question, passages, ranked[0], text, citations)
            default = _default_span(question, ranked[0], citations)
            span = release or default or _answer_span(evidence.found, ranked[0], citations)
        timings["total"] = _ms(started)
        answer = Answer(
            id=uuid.uuid4().hex[:12],
            question=question,
            text=text,
            refused=reason is not None,
            refusal_reason=reason,
            citations=tuple(citations),
            related=tuple(_related(p, rank) for rank, p in enumerate(passages[:3], start=1)) if reason else (),
            standalone_query=standalone,
            answerer=mode,
            timings_ms={key: round(value, 1) for key, value in timings.items()},
            passages=tuple(_retrieved(p) for p in passages),
            evidence=round(evidence.relevance, 4),
            answerability=round(evidence.readings.answerable, 4),
            stated=round(evidence.readings.stated, 4),
            technical=None if evidence.technical is None else round(evidence.technical, 4),
            answer_span=span,
            verification=verification,
            generation=generation,
            index_version=self.retriever.version,
            settings=self.settings_snapshot(),
            doc_filter=tuple(doc_ids) if doc_ids else None,
        )
        if self.log is not None and self.settings.log_answers:
            self.log.append(answer, turns)
        yield answer

    def settings_snapshot(self) -> dict[str, Any]:
        """The settings an answer depends on, secrets left out (recorded with answers and evaluations)."""
        index = self.retriever.settings
        return {
            **public_dump(self.settings),
            "top_k": index.top_k,
            "candidates": index.candidates,
            "fusion": index.fusion,
            "dense_weight": index.dense_weight,
            "rrf_k": index.rrf_k,
            "embed_model": self.retriever.embedder.name,
        }

    def evidence(
        self,
        query: str,
        question: str,
        k: int | None = None,
        doc_ids: Sequence[str] | None = None,
        timings: dict[str, float] | None = None,
    ) -> Evidence:
        """The passages for `query` (`question` made standalone), their ranked sentences and what the
        refusal checks read in them: everything an answer, or the decision not to give one, rests on."""
        started = time.perf_counter()
        timings = {} if timings is None else timings
        passages = self.retriever.search(query, k, doc_ids)
        timings["retrieve"] = _ms(started)
        ranked = rank_sentences(query, passages, self.retriever.embedder, question)
        relevance = max((c.relevance for c in ranked), default=0.0)
        timings["rank"] = _ms(started) - timings["retrieve"]
        asked = analyse(query, question)
        # Technical evidence: the document of the best sentence names things in code (among its
        # passages retrieved), whatever else the collection holds.
        quoted_from = passages[ranked[0].passage].doc_id if ranked else None
        code = holds_code(p.text for p in passages if p.doc_id == quoted_from)
        found = best_phrase(asked, ranked[0].sentence.text, code) if ranked and self.settings.answer_spans else NOTHING
        readings = checks(asked, ranked, passages, found)
        # A line introducing a sample that its chunk's end cuts off is quoted from the next chunk.
        passages, ranked = continued(ranked, passages, self.retriever.next_passage)
        # The best sentence as the answer quotes it (with the lines it introduces).
        first = first_quoted(ranked, passages, question, self.settings.max_answer_words) if ranked else None
        lacks = first is not None and lacks_asked_kind(asked, first, passages)
        # What the quote adds after the best sentence (an option's line may also start before it).
        introduced = passages[first.passage].text[ranked[0].sentence.end : first.sentence.end] if first is not None else ""
        if self.settings.answer_spans and "\n" in introduced and asked.kind != "name":
            # The answer phrase is looked for in the lines the sentence introduces too: "Install the
            # extra:" gives its command only in the next line. Its score, which the checks read, stays
            # the sentence's. (A who-question's quote is joined with the sentence naming its speaker,
            # which may start the next paragraph: not lines it introduces.)
            found = replace(found, phrase=best_phrase(asked, first.sentence.text, code).phrase or found.phrase)
        return Evidence(
            passages=passages,
            ranked=ranked,
            found=found,
            relevance=relevance,
            readings=readings,
            lacks_asked_kind=lacks,
            code=code,
            technical=technical(readings, lacks) if code and ranked and self._min_technical() > 0 else None,
        )

    def _min_technical(self) -> float:
        return default_technical_threshold() if self.settings.min_technical is None else self.settings.min_technical

    def refusal(self, evidence: Evidence) -> RefusalReason | None:
        """Why the evidence does not answer the question, or None when it may."""
        if not evidence.passages:
            return "no_passages"
        if evidence.relevance < self.settings.min_evidence:
            return "weak_evidence"
        s = self.settings
        if evidence.technical is not None:
            # Technical documents: the readings weighed again for them (see `technical`).
            return "unanswerable" if evidence.technical < self._min_technical() else None
        read = evidence.readings
        min_answerable = default_threshold() if s.min_answerable is None else s.min_answerable
        min_stated = default_stated_threshold() if s.min_stated is None else s.min_stated
        if read.answerable < min_answerable or read.stated < min_stated or evidence.lacks_asked_kind:
            # On topic, but the best evidence does not hold what is asked for.
            return "unanswerable"
        return None

    # -- steps --------------------------------------------------------------------------------
    def _condense(self, question: str, turns: Sequence[Turn], mode: str) -> str:
        use_llm = self.settings.condense == "llm" or (self.settings.condense == "auto" and mode == "llm")
        if use_llm and turns:
            with self._llm_lock, calling(self.settings):
                return llm_condense(self.llm, question, turns, self.retriever.mentions)
        return keyword_condense(question, turns, self.retriever.mentions)

    def _extractive(
        self, question: str, query: str, passages: Sequence[Passage], ranked: Sequence[Candidate]
    ) -> tuple[str, list[Citation]]:
        chosen = select(ranked, self.settings.max_answer_words, passages, question)
        cited = []
        shown_heading = None
        for candidate in chosen:
            sentence = without_open_quote(without_list_mark(candidate.sentence.text))
            quote = trim(sentence, query, self.settings.max_answer_words)
            shown = f"…{quote}…" if quote != sentence else with_opening_quote(quote)
            heading = release_heading(question, passages[candidate.passage], candidate.sentence)
            if heading and heading != shown_heading:  # a changelog's release, once for the lines under it
                shown, shown_heading = f"{heading}: {shown}", heading
            cited.append((candidate.passage, shown, quote))
        return self._cite(passages, cited)

    def _generate(
        self, question: str, standalone: str, passages: Sequence[Passage], ranked: Sequence[Candidate]
    ) -> Iterator[str]:
        """Stream the LLM's answer; returns (text, citations, generation, verification)."""
        from llama_index.core.llms import ChatMessage

        given = list(passages[: self.settings.llm_passages])
        messages = build_messages(standalone if standalone != question else question, given)
        model = f"{self.settings.llm_backend}:{model_name(self.settings)}"
        generated = ""
        cut = False
        with self._llm_lock, calling(self.settings):
            for chunk in self.llm.stream_chat([ChatMessage(role=m["role"], content=m["content"]) for m in messages]):
                delta = chunk.delta or ""
                generated += delta
                cut = cut or stopped_at_limit(chunk.raw)
                if delta:
                    yield delta
        generation = Generation(model=model, prompt=tuple(messages), generated=generated, cut=cut)
        return self.settle(question, standalone, passages, ranked, generation)

    def settle(
        self, question: str, standalone: str, passages: Sequence[Passage], ranked: Sequence[Candidate], generation: Generation
    ) -> tuple[str, list[Citation], Generation, tuple[Verification, ...]]:
        """What a generated answer becomes: its verified sentences, cited; a refusal when the model
        declined; else the extractive answer (whatever the model wrote, nothing unverified is shown)."""
        given = list(passages[: self.settings.llm_passages])
        asked = question if standalone == question else f"{standalone} {question}"
        checked = verify(generation.generated, given, self.retriever.embedder, self.settings.min_support, asked, generation.cut)
        verification = tuple(
            Verification(sentence=c.sentence, cited=c.cited, passage=None if c.passage is None else c.passage + 1, support=round(c.support, 3), action=c.action)
            for c in checked
        )
        # Each verified sentence cites the passage that supports it, quoting that passage's sentence.
        supported = [(c.passage, c.sentence, c.quote) for c in checked if c.passage is not None]
        if supported:
            text, citations = self._cite(given, supported)
            return text, citations, generation, verification
        if declines(generation.generated):
            return REFUSAL, [], generation, verification
        fallback = "no generated sentence is supported by the passages: extractive answer given"
        text, citations = self._extractive(question, standalone, passages, ranked)
        return text, citations, generation.model_copy(update={"fallback": fallback}), verification

    def _release_span(
        self, question: str, passages: Sequence[Passage], best: Candidate, text: str, citations: Sequence[Citation]
    ) -> AnswerSpan | None:
        """Asked which release did something, the release that the answer shows before the best line:
        "0.12.0" of "Change History › 0.12.0 (2023-12-09): Dropped support of EOL Python 3.7." The
        line itself names none (`release_heading`), so no phrase of the quote answers. The extractive
        answer shows the heading, and so does the LLM answerer when it falls back to it; a generated
        answer does not, and its phrase is the one in the sentence it cites."""
        if not asks_version(question):
            return None
        passage = passages[best.passage]
        heading = release_heading(question, passage, best.sentence) or ""
        if not heading or f"{heading}: " not in text:
            return None
        named = releases_named(question)
        release = next((m.group(0) for m in VERSION.finditer(heading) if m.group(0).lower() not in named), None)
        citation = next((c for c in citations if _quotes(c, best.sentence.text)), None)
        if release is None or citation is None:
            return None
        # Its place in the document: in the heading line before the quote, when the passage holds it.
        start = end = None
        line = next(part for part in heading.split(" › ") if release in part)
        source = self.retriever.source_slice(passage)
        if source is not None and citation.quote_start is not None:
            at = source.rfind(line, 0, citation.quote_start - passage.start)
            if at >= 0:
                start = passage.start + at + line.index(release)
                end = start + len(release)
        return AnswerSpan(text=release, citation=citation.n, start=start, end=end)

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
                citations.append(self._citation(numbers[index], passages[index], quote, rank=index + 1))
            parts.append(with_marker(shown, numbers[index]))
        return " ".join(parts), citations

    def _citation(self, n: int, passage: Passage, quote: str, rank: int) -> Citation:
        quote_start = quote_end = None
        source = self.retriever.source_slice(passage)
        found = locate(quote, source) if source is not None else None
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
            label=_label(passage, quote),
            score=round(passage.score, 6),
            rank=rank,
            quote_start=quote_start,
            quote_end=quote_end,
        )


def _label(passage: Passage, quote: str) -> str | None:
    """How a citation names where its quote is: the section the quote starts in, which for a passage
    spanning several sections is not always the one the passage starts in."""
    found = locate(quote, passage.text)
    return passage.label_at(found[0]) if found else passage.label


def _place_in(quote: str, sentence: str) -> int | None:
    """Where the sentence starts in the quote, or None when the quote does not quote it. The quote
    holds the whole sentence, or a part (trimmed to fit, or without an opening quotation mark: the
    place is then negative), or the sentence without its list mark and more (an option's line)."""
    if sentence in quote:
        return quote.find(sentence)
    if quote in sentence:
        return -sentence.find(quote)
    bare = without_list_mark(sentence)
    if bare != sentence and bare in quote:
        return quote.find(bare) - (len(sentence) - len(bare))
    return None


def _quotes(citation: Citation, sentence: str) -> bool:
    return _place_in(citation.quote, sentence) is not None


def _default_span(question: str, best: Candidate, citations: Sequence[Citation]) -> AnswerSpan | None:
    """Asked for a default, the value the quote of the best sentence gives as one: "16384" of
    "maxFrameSize {number} Specifies the size… Default: 16384." The phrase model, which learned
    from encyclopaedic prose, marks a phrase of the option's description instead."""
    if not (asks_default(question) or implies_default(question)):
        return None
    citation = next((c for c in citations if _quotes(c, best.sentence.text)), None)
    given = default_given(citation.quote) if citation is not None else None
    if given is None:
        return None
    start = end = None
    if citation.quote_start is not None:
        start, end = citation.quote_start + given.start("value"), citation.quote_start + given.end("value")
    return AnswerSpan(text=given.group("value"), citation=citation.n, start=start, end=end)


def _answer_span(found: Found, best: Candidate, citations: Sequence[Citation]) -> AnswerSpan | None:
    """The best sentence's answer phrase, in the citation that quotes it, with document offsets."""
    if found.phrase is None:
        return None
    phrase = found.phrase
    sentence = best.sentence.text
    for citation in citations:
        place = _place_in(citation.quote, sentence)
        if place is None:
            continue
        quote = citation.quote
        at = phrase.start + place  # where the phrase sits in the quote, by its offset in the sentence
        if at < 0 or quote[at : at + len(phrase.text)] != phrase.text:
            continue
        start = end = None
        if citation.quote_start is not None and citation.quote_end is not None:
            start, end = citation.quote_start + at, citation.quote_start + at + len(phrase.text)
        return AnswerSpan(text=phrase.text, citation=citation.n, start=start, end=end, score=round(found.score, 4))
    return None


def load_answer_models(spans: bool = True) -> None:
    """Load the extractive answerer's models once per process (each is cached where it is used)."""
    from assistant.answerability import ANSWERABILITY_FEATURES, TECHNICAL_FEATURES
    from assistant.features import SENTENCE_FEATURES
    from assistant.scorers import linear, scorer
    from assistant.span import SPAN_FEATURES, pipeline
    from assistant.text import content_terms, sentences

    sentences("Punkt loads. Once.")
    content_terms("stemming")
    scorer("sentence", SENTENCE_FEATURES)
    scorer("answerable", ANSWERABILITY_FEATURES)
    scorer("stated", ANSWERABILITY_FEATURES)
    linear("technical", TECHNICAL_FEATURES)
    if spans:
        scorer("span", SPAN_FEATURES)
        pipeline()


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000


def _retrieved(p: Passage) -> RetrievedPassage:
    return RetrievedPassage(
        id=p.chunk_id, source=p.doc_id, start=p.start, end=p.end, page=p.page, chunk=p.chunk_no,
        score=round(p.score, 6),
        dense_score=None if p.dense_score is None else round(p.dense_score, 6),
        keyword_score=None if p.keyword_score is None else round(p.keyword_score, 6),
        dense_rank=p.dense_rank, keyword_rank=p.keyword_rank,
    )


def _related(p: Passage, rank: int) -> Related:
    return Related(
        source=p.doc_id, title=p.title, text=p.text, start=p.start, end=p.end, page=p.page, label=p.label,
        score=round(p.score, 6), rank=rank,
    )
