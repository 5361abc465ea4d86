"""What the learned sentence scorer sees, and that the learned ranking is the one answers use."""

from __future__ import annotations

import numpy as np

from assistant.extractive import describe, rank_sentences
from assistant.features import SENTENCE_FEATURES, analyse, answer_type, focus_terms, units
from index.embedder import Embedder
from index.retrieve import Passage


def _passage(text: str, n: int = 0, score: float = 1.0) -> Passage:
    return Passage(
        chunk_id=f"c{n}", doc_id=f"doc{n}.txt", title="t", text=text, start=0, end=len(text), page=None, chunk_no=0,
        score=score, dense_score=0.5, keyword_score=3.0, dense_rank=n + 1, keyword_rank=n + 1,
    )


ACADEMY = _passage(
    "The Polish Academy of Sciences is a Polish state-sponsored institution of learning headquartered in Warsaw. "
    "The Academy of Sciences was founded in 1952. "
    "Its members include scientists from every field of research."
)


def test_the_kind_of_answer_and_the_focus_of_a_question() -> None:
    assert answer_type("When was the Polish Academy of Sciences founded?") == "date"
    assert answer_type("How many members does the academy have?") == "number"
    assert answer_type("Who founded the academy?") == "name"
    assert answer_type("Where is the academy?") == "place"
    assert answer_type("Why was it founded?") is None
    # A README's reader asks for names in code, often in a clause that would read as a date or a count.
    assert answer_type("Which flag makes the normalizer print only the encoding?") == "identifier"
    assert answer_type("When I parse 'December 2015', which setting gives the 31st?") == "identifier"
    assert answer_type("What option do I add so that it shows how many rows each table has?") == "identifier"
    assert answer_type("What did Tesla attribute the signals to?") is None  # a verb, not a noun
    assert answer_type("What date format does the log use?") is None  # the date names the kind, not the answer
    # The focus runs from the wh-word to the context ("the Astana meeting").
    assert focus_terms("Which countries funded the Astana meeting?") == ["countri", "fund"]
    assert focus_terms("Who opened the workshop in Tashkent?") == ["open"]


def test_a_sentence_holds_a_name_in_code_the_question_does_not() -> None:
    from assistant.features import code_names, type_match

    question = {"which", "orjson", "option", "indents", "dumps", "output", "list"}
    found = code_names("indent is replaced by option=orjson.OPT_INDENT_2; see orjson.dumps and list(x)", question)
    assert [m.group(0) for m in found] == ["OPT_INDENT_2"]  # orjson.dumps is named; list( is a built-in
    assert [m.group(0) for m in code_names("run it with --counts or tiktoken.encoding_for_model(name)", set())] == [
        "--counts", "tiktoken.encoding_for_model"
    ]
    assert not type_match("identifier", "The Academy of Sciences was founded in 1952, e.g. by U.S. scientists.", set())


def test_a_release_is_asked_for_and_named_apart_from_the_question() -> None:
    from assistant.features import asks_when_or_release, names_a_release

    assert asks_when_or_release("Since which httpx-sse version do connect_sse() and aconnect_sse() require a method?")
    assert asks_when_or_release("Which pathspec version dropped support for Python 3.7?")
    assert not asks_when_or_release("What is the minimum Python version required?")  # a requirement, not an event
    question = "Which pathspec version dropped support for Python 3.7?"
    assert not names_a_release("Dropped support of EOL Python 3.7.", question)
    assert names_a_release("Dropped support for Python 3.5 and 3.7.", question)
    assert names_a_release("Released in May.", "What changed in 2.0?")


def test_analyse_finds_names_and_negation() -> None:
    asked = analyse("Which treaty did Poland not sign in 1952?")
    assert {"poland", "1952"} <= asked.names
    assert asked.negated and asked.kind is None and asked.wh == "which"


def test_sentence_features_describe_each_candidate(embedder: Embedder) -> None:
    described = describe("When was the Polish Academy of Sciences founded?", [ACADEMY], embedder)
    rows = described.rows
    assert rows.shape == (3, len(SENTENCE_FEATURES))
    column = {name: rows[:, i] for i, name in enumerate(SENTENCE_FEATURES)}
    # Only the second sentence holds a date; the first repeats more of the question's words.
    assert list(column["typed"]) == [0.0, 1.0, 0.0] and list(column["has_date"]) == [0.0, 1.0, 0.0]
    assert column["lexical"][0] > column["lexical"][2] and column["lexical"][1] > column["lexical"][2]
    assert column["lexical_gap"].max() == 0.0 and column["lexical_gap"][2] < 0
    assert list(column["position"]) == [0.0, 1.0, 2.0]
    assert (column["kind"] == 2.0).all()  # date
    assert np.allclose(column["similarity_gap"].max(), 0.0)


def test_the_learned_ranking_prefers_the_sentence_holding_the_asked_for_fact(embedder: Embedder) -> None:
    """Relevance alone picks the sentence that repeats the question; the learned ranking picks the date."""
    question = "When was the Polish Academy of Sciences founded?"
    ranked = rank_sentences(question, [ACADEMY], embedder)
    assert "1952" in ranked[0].sentence.text
    by_relevance = max(ranked, key=lambda c: c.relevance)
    assert "1952" not in by_relevance.sentence.text


def test_units_keep_neighbouring_terms_and_skip_fragments() -> None:
    found = units([_passage("Short one. The academy was founded in 1952. It has many members today.")])
    assert [u.sentence.text for u in found] == ["The academy was founded in 1952.", "It has many members today."]
    assert "member" in found[0].context and "member" not in found[0].terms


def test_british_and_american_spellings_are_one_word(embedder: Embedder) -> None:
    from assistant.text import content_terms

    assert content_terms("Who organised the grey colour scheme?") == content_terms("Who organized the gray color scheme?")
    ranked = rank_sentences("Who organised the workshop?", [ACADEMY, _passage("The workshop was organized by the academy.", 1)], embedder)
    assert ranked[0].sentence.text == "The workshop was organized by the academy."
    assert set(content_terms("organised workshop")) <= ranked[0].terms
