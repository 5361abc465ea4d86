"""Citation verification: a generated sentence stands only where a retrieved passage supports it."""

from __future__ import annotations

from assistant.generative import build_messages, verify
from assistant.support import support


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


def test_support_needs_the_same_names_and_numbers(embedder) -> None:  # type: ignore[no-untyped-def]
    passage = "Norway and Belgium provided financial support. The meeting took place on 1 July 2009."
    assert support("Norway and Belgium paid for the meeting.", passage, embedder).score >= 0.6
    assert support("Norway and Denmark paid for the meeting.", passage, embedder).score < 0.6
    assert support("The meeting took place on 1 July 2010.", passage, embedder).score < 0.6


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
