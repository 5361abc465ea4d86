"""Refusing on-topic questions whose asked-for fact the best evidence lacks."""

from __future__ import annotations

import numpy as np

from assistant.answerability import ANSWERABILITY_FEATURES, answerability, answerability_features, default_threshold
from assistant.extractive import rank_sentences
from assistant.features import analyse
from assistant.span import best_phrase
from index.embedder import Embedder
from index.retrieve import Passage

TEXT = (
    "The Polish Academy of Sciences is a Polish state-sponsored institution of learning headquartered in Warsaw. "
    "The Academy of Sciences was founded in 1952. Its members include scientists from every field of research. "
    "The academy runs 69 research institutes and publishes several journals."
)
PASSAGE = Passage(
    chunk_id="c0", doc_id="academy.txt", title="Academy", text=TEXT, start=0, end=len(TEXT), page=None, chunk_no=0,
    score=1.0, dense_score=0.5, keyword_score=3.0, dense_rank=1, keyword_rank=1,
)


def _probability(question: str, embedder: Embedder) -> float:
    ranked = rank_sentences(question, [PASSAGE], embedder)
    asked = analyse(question)
    return answerability(asked, ranked, [PASSAGE], best_phrase(asked, ranked[0].sentence.text))


def test_features_say_what_the_best_sentence_lacks(embedder: Embedder) -> None:
    rows = {}
    for question in ("When was the Polish Academy of Sciences founded?", "When was the Polish Academy of Arts founded?"):
        ranked = rank_sentences(question, [PASSAGE], embedder)
        asked = analyse(question)
        row = answerability_features(asked, ranked, [PASSAGE], best_phrase(asked, ranked[0].sentence.text))
        assert row.shape == (1, len(ANSWERABILITY_FEATURES))
        rows[question] = dict(zip(ANSWERABILITY_FEATURES, row[0], strict=True))
    real, swapped = rows.values()
    # "Arts" is nowhere in the passage: a question word absent from all the evidence.
    assert real["absent_all"] == 0.0 and swapped["absent_all"] > 0.0
    assert swapped["missing_names_passage"] == 1.0 and real["missing_names_passage"] == 0.0
    assert np.isclose(real["best_typed"], 1.0)


def test_a_question_about_something_else_is_less_answerable(embedder: Embedder) -> None:
    threshold = default_threshold()
    assert 0.0 < threshold < 1.0
    answered = _probability("When was the Polish Academy of Sciences founded?", embedder)
    swapped = _probability("When was the Polish Academy of Arts founded?", embedder)
    negated = _probability("What is not published by the academy?", embedder)
    assert answered >= threshold > swapped
    assert negated < threshold


def test_the_assistant_refuses_below_the_threshold_and_says_why(make_assistant) -> None:  # type: ignore[no-untyped-def]
    question = "Which law is Kyrgyzstan drafting?"
    answered = make_assistant(min_answerable=0.0).answer(question)
    assert not answered.refused and answered.answerability is not None and answered.answerability > 0.0
    strict = make_assistant(min_answerable=min(1.0, answered.answerability + 0.01)).answer(question)
    assert strict.refused and strict.refusal_reason == "unanswerable" and not strict.citations
    assert strict.answer_span is None and strict.related
