"""The extractive answerer: the sentences of the retrieved passages that answer the question, cited.

No LLM: every word of the answer is a quote, so it is grounded by construction. Sentences are
ranked by how well they match the question (embedding similarity and keyword overlap), how much
of the question's focus they hold (the words that say what is asked, as opposed to the context:
in "Which countries funded the Astana meeting?" the focus is "countries funded"), and whether they
hold the kind of fact the question asks for (a date for "when", a number for "how many").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.text import Sentence, content_terms, entities, sentences, words
from index.keywords import stopwords
from index.embedder import Embedder
from index.retrieve import Passage

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DATE = re.compile(rf"\b(\d{{4}}|{_MONTHS})\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|half|third)\b", re.I)
_CAPITAL = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w'’-]+")
_WH = re.compile(r"\b(who|whom|whose|what|which|when|where|why|how)\b", re.IGNORECASE)
# Words that usually open the context part of a question ("... for the Astana meeting",
# "who opened | the Tashkent workshop"); a determiner counts only once a content word precedes it.
_CONTEXT = re.compile(r"\b(for|of|at|in|on|to|during|about|from|by|with|since|after|before|under|between)\b", re.I)
_DETERMINER = re.compile(r"\b(the|a|an|that|this|these|those|its|their)\b", re.I)

# Weights, chosen on the dev set (docs/quality.md): relevance blends embedding similarity and
# keyword overlap (this is what the refusal threshold applies to); ranking adds the focus and
# answer-type signals.
SEMANTIC_WEIGHT = 0.6
FOCUS_WEIGHT = 0.5
TYPE_BONUS = {"number": 0.25, "date": 0.25, "name": 0.1}
# Stems sharing this many leading characters, or one a prefix of the other of at least four,
# count as the same word ("financed"/"financial", "focus"/"focused").
PREFIX_MATCH = 5
# A runner-up joins the answer when it ranks at least this close to the best.
SECOND_SENTENCE = 0.85


@dataclass(frozen=True)
class Candidate:
    passage: int  # index into the passages
    sentence: Sentence
    relevance: float  # 0-1: how well it matches the question; the refusal threshold applies to this
    rank: float  # relevance plus the focus, answer-type and passage bonuses
    typed: bool = False  # holds the kind of fact the question asks for


def answer_type(question: str) -> str | None:
    q = question.lower()
    if re.search(r"\bhow (many|much|long|often|old)\b|\bwhat (share|percentage|proportion|number)\b", q):
        return "number"
    if re.search(r"\bwhen\b|\b(what|which|on what) (date|year|month|day)\b", q):
        return "date"
    if re.search(r"\bwho\b|\bwhose\b|\bwhom\b", q):
        return "name"
    if re.search(r"\bwhere\b|\b(which|what)( \w+)?( \w+)? (countr|cit|place|organi[sz]ation|institut|unit|agenc|bod)", q):
        return "name"
    return None


def focus_terms(question: str) -> list[str]:
    """The words saying what is asked: from the wh-word to the first context preposition after it."""
    match = _WH.search(question)
    if not match:
        return content_terms(question)
    rest = question[match.end() :]
    cuts = [m.start() for m in _CONTEXT.finditer(rest)]
    cuts += [m.start() for m in _DETERMINER.finditer(rest) if content_terms(rest[: m.start()])]
    focus = content_terms(rest[: min(cuts)] if cuts else rest)
    # In "what share", "how many people", "which year" the head noun names the kind of answer
    # (a number, a date), not a word the answer sentence repeats.
    if answer_type(question) in ("number", "date") and focus:
        focus = focus[1:]
    return focus


def _type_match(kind: str | None, sentence: str, question_words: set[str]) -> bool:
    if kind == "number":
        return bool(_NUMBER.search(sentence))
    if kind == "date":
        return bool(_DATE.search(sentence))
    if kind == "name":
        stop = stopwords()
        return any(m.lower() not in question_words and m.lower() not in stop for m in _CAPITAL.findall(sentence))
    return False


def _matches(term: str, terms: set[str]) -> float:
    if term in terms:
        return 1.0
    for other in terms:
        shorter, longer = sorted((term, other), key=len)
        if (len(shorter) >= 4 and longer.startswith(shorter)) or (
            len(shorter) >= PREFIX_MATCH and shorter[:PREFIX_MATCH] == longer[:PREFIX_MATCH]
        ):
            return 0.7
    return 0.0


def _overlap(terms: Sequence[str], idf: dict[str, float], its_terms: set[str]) -> float:
    total = sum(idf[t] for t in terms) or 1.0
    return sum(idf[t] * _matches(t, its_terms) for t in terms) / total


def _units(passages: Sequence[Passage]) -> list[tuple[int, Sentence]]:
    """Candidate answers: the sentences of the passages with at least three words."""
    return [(i, s) for i, p in enumerate(passages) for s in sentences(p.text) if len(words(s.text)) >= 3]


def rank_sentences(
    query: str, passages: Sequence[Passage], embedder: Embedder, question: str | None = None
) -> list[Candidate]:
    """Every sentence of the passages, best answer first.

    `query` is what was searched (a follow-up rewritten to stand alone); `question` is what the
    user typed, whose wh-phrase says what is asked.
    """
    split = _units(passages)
    if not split:
        return []
    asked = question or query
    terms = content_terms(query)
    focus = focus_terms(asked)
    sentence_terms = [set(content_terms(s.text)) for _, s in split]
    document_frequency = Counter(t for ts in sentence_terms for t in ts)
    n = len(split)
    idf = {t: math.log(1 + n / (1 + document_frequency[t])) for t in {*terms, *focus}}
    vectors = embedder.embed([query, *(s.text for _, s in split)])
    similarity = vectors[1:] @ vectors[0]
    kind = answer_type(asked)
    question_words = {w.lower() for w in words(query)} | entities(query)
    candidates = []
    for (i, sentence), its_terms, sim in zip(split, sentence_terms, similarity, strict=True):
        lexical = _overlap(terms, idf, its_terms)
        relevance = max(0.0, min(1.0, SEMANTIC_WEIGHT * float(sim) + (1 - SEMANTIC_WEIGHT) * lexical))
        typed = _type_match(kind, sentence.text, question_words)
        # The context of a question ("the Astana meeting") is what retrieval matched the passage on;
        # within the passage, the sentence holding the focus ("who funded") is the answer.
        rank = (1 - FOCUS_WEIGHT) * relevance + FOCUS_WEIGHT * _overlap(focus, idf, its_terms) + 0.1 * passages[i].score
        rank += TYPE_BONUS.get(kind or "", 0.0) if typed else 0.0
        # A sentence that only repeats the question's words tells nothing new.
        if len(its_terms - set(terms)) < 0.2 * max(1, len(its_terms)):
            rank -= 0.1
        candidates.append(Candidate(i, sentence, relevance, rank, typed))
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


def _attributed(best: Candidate, passages: Sequence[Passage], kind: str | None, query: str) -> Candidate:
    """For a who-question answered by an unattributed quote, the quote and the sentence naming its speaker."""
    if kind != "name" or best.typed:
        return best
    text = passages[best.passage].text
    following = [s for s in sentences(text) if s.start >= best.sentence.end][:1]
    question_words = {w.lower() for w in words(query)}
    if following and _type_match(kind, following[0].text, question_words):
        joined = Sentence(text[best.sentence.start : following[0].end], best.sentence.start, following[0].end)
        return Candidate(best.passage, joined, best.relevance, best.rank, True)
    return best


def select(
    candidates: Sequence[Candidate], max_words: int, passages: Sequence[Passage] = (), question: str = ""
) -> list[Candidate]:
    """The best sentence, and runners-up nearly as good that fit in the word budget."""
    if not candidates:
        return []
    first = _attributed(candidates[0], passages, answer_type(question), question) if passages else candidates[0]
    chosen = [first]
    used = len(first.sentence.text.split())
    for other in candidates[1:4]:
        size = len(other.sentence.text.split())
        # Overlapping chunks hold the same sentence twice: quote it once.
        repeated = any(other.sentence.text in c.sentence.text for c in chosen)
        if not repeated and other.rank >= SECOND_SENTENCE * chosen[0].rank and used + size <= max_words:
            chosen.append(other)
            used += size
    return chosen
