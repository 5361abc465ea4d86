"""The extractive answerer: the sentences of the retrieved passages that answer the question, cited.

No LLM: every word of the answer is a quote, so it is grounded by construction. Sentences are
ranked by how well they match the question (embedding similarity and keyword overlap) and whether
they hold the kind of fact the question asks for (a date for "when", a number for "how many").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.text import Sentence, content_terms, entities, sentences, words
from index.embedder import Embedder
from index.retrieve import Passage

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DATE = re.compile(rf"\b(\d{{4}}|{_MONTHS})\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|half|third)\b", re.I)
_CAPITAL = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w'’-]+")


# Blend of embedding similarity and keyword overlap, and the answer-type bonus, tuned on the dev set.
SEMANTIC_WEIGHT = 0.6
IDF_POWER = 1.0
TYPE_BONUS = 0.15
# A runner-up joins the answer when it ranks at least this close to the best.
SECOND_SENTENCE = 0.85


@dataclass(frozen=True)
class Candidate:
    passage: int  # index into the passages
    sentence: Sentence
    relevance: float  # 0-1: how well it matches the question; the refusal threshold applies to this
    rank: float  # relevance plus the answer-type and passage bonuses


def answer_type(question: str) -> str | None:
    q = question.lower()
    if re.search(r"\bhow (many|much|long|often|old)\b|\bwhat (share|percentage|proportion|number)\b", q):
        return "number"
    if re.search(r"\bwhen\b|\bwhat (date|year|month|day)\b|\bwhich (date|year|month|day)\b", q):
        return "date"
    if re.search(r"\bwho\b|\bwhose\b|\bwhom\b", q):
        return "name"
    if re.search(r"\bwhere\b|\bwhich (country|city|countries|place|organi[sz]ation)\b|\bwhat (country|city)\b", q):
        return "name"
    return None


def _type_match(kind: str | None, sentence: str, question_entities: set[str]) -> float:
    if kind == "number":
        return 1.0 if _NUMBER.search(sentence) else 0.0
    if kind == "date":
        return 1.0 if _DATE.search(sentence) else 0.0
    if kind == "name":
        new = [m for m in _CAPITAL.findall(sentence) if m.lower() not in question_entities]
        return 1.0 if new else 0.0
    return 0.0


def _units(passages: Sequence[Passage]) -> list[tuple[int, Sentence]]:
    """Candidate answers: the sentences of the passages with at least three words."""
    return [(i, s) for i, p in enumerate(passages) for s in sentences(p.text) if len(words(s.text)) >= 3]


def rank_sentences(question: str, passages: Sequence[Passage], embedder: Embedder) -> list[Candidate]:
    """Every sentence of the passages, best answer first."""
    split = _units(passages)
    if not split:
        return []
    terms = content_terms(question)
    sentence_terms = [set(content_terms(s.text)) for _, s in split]
    document_frequency = Counter(t for ts in sentence_terms for t in ts)
    n = len(split)
    idf = {t: math.log(1 + n / (1 + document_frequency[t])) ** IDF_POWER for t in terms}
    total = sum(idf.values()) or 1.0
    vectors = embedder.embed([question, *(s.text for _, s in split)])
    similarity = vectors[1:] @ vectors[0]
    kind = answer_type(question)
    question_entities = {e.lower() for e in entities(question)} | {w.lower() for w in words(question)}
    candidates = []
    for (i, sentence), its_terms, sim in zip(split, sentence_terms, similarity, strict=True):
        lexical = sum(idf[t] for t in terms if t in its_terms) / total
        relevance = max(0.0, min(1.0, SEMANTIC_WEIGHT * float(sim) + (1 - SEMANTIC_WEIGHT) * lexical))
        bonus = TYPE_BONUS * _type_match(kind, sentence.text, question_entities) + 0.04 * passages[i].score
        # A sentence that only repeats the question's words tells nothing new.
        novel = len(its_terms - set(terms)) / max(1, len(its_terms))
        rank = relevance + bonus - (0.1 if novel < 0.2 else 0.0)
        candidates.append(Candidate(i, sentence, relevance, rank))
    return sorted(candidates, key=lambda c: (-c.rank, c.passage, c.sentence.start))


def trim(text: str, question: str, max_words: int) -> str:
    """A window of at most `max_words` words of `text`, the one sharing most words with the question."""
    tokens = text.split()
    if len(tokens) <= max_words:
        return text
    terms = set(content_terms(question))
    scores = [1 if set(content_terms(t)) & terms else 0 for t in tokens]
    best_start, best = 0, -1
    for start in range(0, len(tokens) - max_words + 1):
        score = sum(scores[start : start + max_words])
        if score > best:
            best_start, best = start, score
    return " ".join(tokens[best_start : best_start + max_words])


def select(candidates: Sequence[Candidate], max_words: int) -> list[Candidate]:
    """The best sentence, and the runner-up when it is nearly as good and fits in the word budget."""
    if not candidates:
        return []
    chosen = [candidates[0]]
    used = len(candidates[0].sentence.text.split())
    for other in candidates[1:4]:
        size = len(other.sentence.text.split())
        # Overlapping chunks hold the same sentence twice: quote it once.
        overlaps = any(c.sentence.text == other.sentence.text for c in chosen)
        if not overlaps and other.rank >= SECOND_SENTENCE * chosen[0].rank and used + size <= max_words:
            chosen.append(other)
            used += size
    return chosen
