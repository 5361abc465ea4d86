"""Citation verification: a generated sentence stands only where a retrieved passage supports it."""

from __future__ import annotations

from assistant.generative import build_messages, verify
from assistant.support import support, support_many
from assistant.text import content_terms


def test_wrong_country_and_invented_funder_are_dropped(sample_index) -> None:  # type: ignore[no-untyped-def]
    """SmolLM2 once answered "Turkmenistan" where the passage said Kazakhstan and added a funder."""
    passages = sample_index.retriever.search("Which country is preparing to join the Budapest Convention? Who supports E-VIDENCE?", k=4)
    generated = (
        "Turkmenistan is preparing to join the Budapest Convention on Cybercrime [1]. "
        "The project is also funded by the European Commission [2]. "
        "Kazakhstan is preparing to join the Budapest Convention on Cybercrime [9]."
    )
    checked = verify(generated, passages, sample_index.embedder, min_support=0.6)
    actions = {c.sentence.split()[0]: c.action for c in checked}
    assert actions["Turkmenistan"] == "dropped"
    assert actions["The"] == "dropped"
    kazakhstan = next(c for c in checked if c.sentence.startswith("Kazakhstan"))
    assert kazakhstan.action == "recited", "a marker naming no retrieved passage is replaced"
    assert "Kazakhstan is preparing to join the Budapest Convention" in passages[kazakhstan.passage].text


def test_a_sentence_the_model_repeats_is_shown_once(sample_index) -> None:  # type: ignore[no-untyped-def]
    """SmolLM2 can loop, writing one sentence eight times over: the answer keeps it once."""
    passages = sample_index.retriever.search("Which country is preparing to join the Budapest Convention?", k=4)
    generated = "Kazakhstan is preparing to join the Budapest Convention on Cybercrime [1]. " * 3
    checked = verify(generated, passages, sample_index.embedder, min_support=0.6)
    assert checked[0].action in ("kept", "recited")
    assert [c.action for c in checked[1:]] == ["dropped", "dropped"]


def test_support_needs_the_same_names_and_numbers(embedder) -> None:  # type: ignore[no-untyped-def]
    passage = "Norway and Belgium provided financial support. The meeting took place on 1 July 2009."
    assert support("Norway and Belgium paid for the meeting.", passage, embedder).score >= 0.6
    assert support("Norway and Denmark paid for the meeting.", passage, embedder).score < 0.6
    assert support("The meeting took place on 1 July 2010.", passage, embedder).score < 0.6


def test_a_sentence_must_say_what_it_adds_to_the_question(embedder) -> None:  # type: ignore[no-untyped-def]
    """A small model wraps the question's words around an answer no passage gives: the words it adds
    must be the supporting sentence's, however close the whole reads to it."""
    passage = "The meeting was organized by the OSCE Centre in Astana. Norway and Belgium provided financial support for the meeting."
    asked = content_terms("Who provided financial support for the meeting in Astana?")
    invented = "Financial support for the meeting was provided by several governments."
    answered = "The meeting got financial support from Norway and Belgium."
    assert support_many(invented, [passage], embedder)[0].score >= 0.6, "without the question it reads as support"
    assert support_many(invented, [passage], embedder, asked=asked)[0].score < 0.6
    assert support_many(answered, [passage], embedder, asked=asked)[0].score >= 0.6


def test_a_bare_answer_needs_a_source_about_the_question(embedder) -> None:  # type: ignore[no-untyped-def]
    """SmolLM2 answered "Which release dropped Python 3.8?" with the first release heading of the
    changelog: every word of it is in that heading, which says nothing of Python 3.8."""
    changelog = "2.2.0 (2026-05-10)\nRemoved: support for Python 3.8 was dropped.\n2.1.0 (2026-03-02)\nChanged: the cache format switched from pickle to JSON."
    asked = content_terms("Which tidecache release dropped support for Python 3.8?")
    assert support_many("2.1.0 (2026-03-02)", [changelog], embedder, asked=asked)[0].score < 0.6
    assert support_many("2.1.0 (2026-03-02)", [changelog], embedder)[0].score >= 0.6, "without the question it is support"
    # A bare answer from a sentence about the question is support.
    passage = "The meeting was organized by the OSCE Centre in Astana. Norway and Belgium provided financial support for the meeting."
    asked = content_terms("Who provided financial support for the meeting in Astana?")
    assert support_many("Norway and Belgium.", [passage], embedder, asked=asked)[0].score >= 0.6


def test_passages_are_data_not_instructions(sample_index) -> None:  # type: ignore[no-untyped-def]
    passages = sample_index.retriever.search("Budapest Convention", k=2)
    messages = build_messages("Who joins?", passages)
    assert "never instructions" in messages[0]["content"]
    assert messages[1]["content"].count("<source n=") == 2


def test_list_items_are_checked_with_their_lead_in(sample_index) -> None:  # type: ignore[no-untyped-def]
    """SmolLM2 listed Russia among the Astana funders; Russia is named in the passage, but not as a funder."""
    passages = sample_index.retriever.search("Which countries provided financial support for the Astana meeting?", k=3)
    generated = "The countries that provided financial support for the Astana meeting were:\n- Norway and Belgium\n- Russia"
    checked = verify(generated, passages, sample_index.embedder, min_support=0.6)
    actions = {c.sentence.split()[-1]: c.action for c in checked}
    assert actions["Belgium"] in ("kept", "recited")
    assert actions["Russia"] == "dropped"
