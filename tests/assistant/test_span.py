"""The answer phrase inside the quoted sentence: candidates from spaCy, chosen by the span scorer."""

from __future__ import annotations

from assistant.features import analyse
from assistant.span import NOTHING, SPAN_FEATURES, best_phrase, candidates, feature_matrix, parse, phrases


def test_candidates_are_entities_noun_chunks_and_subtrees() -> None:
    (doc,) = parse(["The company was founded by John Smith in 1990 in Boston."])  # type: ignore[misc]
    found = {doc[start:end].text: what for (start, end), what in candidates(doc).items()}
    assert found["John Smith"]["entity"] == "PERSON"
    assert found["1990"]["entity"] == "DATE"
    assert found["Boston"]["entity"] == "GPE"
    assert found["company"]["noun_chunk"]  # "The company", without its determiner
    assert all(not text.startswith("The ") for text in found)


def test_phrases_leave_out_the_question_s_own_words() -> None:
    asked = analyse("Who founded the company?")
    (doc,) = parse(["The company was founded by John Smith in 1990."])  # type: ignore[misc]
    found = phrases(asked, doc)
    texts = {p.text for p in found}
    assert "company" not in texts and "founded" not in texts
    assert feature_matrix(found).shape == (len(found), len(SPAN_FEATURES))
    smith = next(p for p in found if p.text == "John Smith")
    row = dict(zip(SPAN_FEATURES, smith.features, strict=True))
    assert row["fits_kind"] == 1.0 and row["entity"] == 1.0 and row["question_share"] == 0.0


def test_the_best_phrase_answers_what_is_asked() -> None:
    sentence = "The company was founded by John Smith in 1990 in Boston."
    assert best_phrase(analyse("Who founded the company?"), sentence).phrase.text == "John Smith"  # type: ignore[union-attr]
    assert best_phrase(analyse("When was the company founded?"), sentence).phrase.text == "1990"  # type: ignore[union-attr]
    found = best_phrase(analyse("When was the company founded?"), sentence)
    assert found.phrase is not None and sentence[found.phrase.start : found.phrase.end] == "1990"
    assert found.margin > 0


def test_a_sentence_of_only_the_question_s_words_has_no_phrase() -> None:
    assert best_phrase(analyse("Was the company founded?"), "Company founded.") == NOTHING
