"""Does a passage support a statement? Lexical overlap, entity agreement and embedding similarity.

A statement is checked against each sentence of the passage. It is supported by a sentence that
names every number and proper name the statement names, and that shares most of its content words
or says the same thing in other words (embedding similarity). This is the check applied to every
generated sentence and the support function of the evaluation's citation metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.features import matches
from assistant.text import Sentence, content_terms, contains_word, entities, sentences, strip_markers
from index.embedder import Embedder

# Embedding similarity at which a paraphrase counts as saying the same thing.
SEMANTIC_FLOOR = 0.55
# The share of what a statement adds to its question that the supporting sentence must hold.
MIN_ADDED = 0.5


@dataclass(frozen=True)
class Support:
    score: float  # 0-1
    sentence: Sentence | None  # the passage sentence that supports the statement best
    lexical: float
    semantic: float
    missing: tuple[str, ...]  # names and numbers of the statement the best sentence lacks


def support(statement: str, passage: str, embedder: Embedder | None = None) -> Support:
    """How well `passage` supports `statement`, with the passage sentence that does it."""
    return support_many(statement, [passage], embedder)[0]


def support_many(
    statement: str,
    passages: Sequence[str],
    embedder: Embedder | None = None,
    names: set[str] | None = None,
    asked: Sequence[str] = (),
) -> list[Support]:
    """Support of `statement` by each passage; `names` overrides which names and numbers must appear.

    `asked` are the content terms of the question the statement answers. What the statement adds
    to them must be in the supporting sentence: at least `MIN_ADDED` of its terms (near stems count
    0.7). A statement that only restates the question, or wraps the question's words around an
    unsupported answer, is no support however similar it reads to a sentence on the topic. And a
    statement that names none of the question's terms ("2.1.0 (2026-03-02)" for "Which release
    dropped Python 3.8?") answers it only from a sentence that does: any release heading holds it.
    """
    claim = strip_markers(statement)
    terms = set(content_terms(claim))
    names = entities(claim) if names is None else names
    known = set(asked)
    added = [t for t in terms if t not in known]
    bare = bool(asked) and not terms & known  # the statement names nothing of the question
    split = [sentences(p) for p in passages]
    flat = [s for group in split for s in group]
    semantic = _similarities(claim, [s.text for s in flat], embedder)
    results = []
    index = 0
    for group in split:
        best = Support(0.0, None, 0.0, 0.0, tuple(sorted(names)))
        for sentence in group:
            its_terms = frozenset(content_terms(sentence.text))
            lexical = len(terms & its_terms) / len(terms) if terms else 0.0
            missing = tuple(sorted(n for n in names if not contains_word(sentence.text, n)))
            sim = float(semantic[index]) if len(semantic) else 0.0
            index += 1
            # Semantic similarity maps [SEMANTIC_FLOOR, 1] onto [0.5, 1]: a close paraphrase passes.
            paraphrase = 0.5 + 0.5 * (sim - SEMANTIC_FLOOR) / (1 - SEMANTIC_FLOOR) if sim >= SEMANTIC_FLOOR else 0.0
            score = max(lexical, paraphrase)
            if missing:
                score *= 0.3  # a wrong name or number is not support, however similar the rest
            if asked and _added_share(added, its_terms) < MIN_ADDED:
                score *= 0.3  # the sentence does not say what the statement adds to the question
            if bare and not any(matches(t, its_terms) for t in known):
                score *= 0.3  # neither the statement nor the sentence is about what was asked
            if score > best.score or best.sentence is None:
                best = Support(score, sentence, lexical, sim, missing)
        results.append(best)
    return results


def _added_share(added: Sequence[str], its_terms: frozenset[str]) -> float:
    """How much of what a statement adds to its question (`added`, content terms) a sentence holds."""
    if not added:
        return 0.0
    return sum(matches(t, its_terms) for t in added) / len(added)


def _similarities(claim: str, texts: list[str], embedder: Embedder | None) -> np.ndarray:
    if embedder is None or not texts:
        return np.zeros(len(texts))
    vectors = embedder.embed([claim, *texts])
    return vectors[1:] @ vectors[0]
