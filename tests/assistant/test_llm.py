"""The LLM answerer for real: SmolLM2 through llama-cpp in-process, and through an OpenAI-compatible server."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from assistant.answer import REFUSAL
from assistant.generative import verify
from assistant.llm import packaged_gguf
from tests.conftest import free_port, serve

QUESTION = "Which countries provided financial support for the Astana meeting?"
# SmolLM2 (temperature 0) answers this one with a sentence that survives verification.
KEPT_QUESTION = "Which law is Kyrgyzstan drafting?"


def assert_grounded(answer, sample_index) -> None:  # type: ignore[no-untyped-def]
    """Every sentence the user sees is supported by the passage its marker names."""
    assert not answer.refused and answer.citations
    numbers = {c.n for c in answer.citations}
    assert all(1 <= n <= len(answer.passages) for n in numbers)
    shown = [c for c in answer.citations]
    for citation in shown:
        assert citation.quote in citation.text
    from index.retrieve import Passage

    cited = [
        Passage(f"c{c.n}", c.source, c.title, c.text, c.start, c.end, c.page, 0, c.score, None, None, None, None)
        for c in answer.citations
    ]
    for check in verify(answer.text, cited, sample_index.embedder, 0.6):
        assert check.action in ("kept", "recited"), check


@pytest.mark.slow
def test_smollm2_in_process(make_assistant, sample_index) -> None:  # type: ignore[no-untyped-def]
    assistant = make_assistant(answerer="llm")
    streamed = [event for event in assistant.stream(QUESTION) if isinstance(event, str)]
    answer = assistant.answer(QUESTION)
    assert streamed, "tokens are streamed before the final answer"
    assert answer.generation is not None and answer.generation.model.startswith("llamacpp:SmolLM2")
    assert answer.generation.prompt[0]["role"] == "system" and answer.generation.generated
    assert answer.verification, "every generated sentence is checked"
    assert_grounded(answer, sample_index)
    assert any("Norway and Belgium" in c.text for c in answer.citations)


@pytest.mark.slow
def test_an_evaluation_records_what_verification_did(make_assistant) -> None:  # type: ignore[no-untyped-def]
    """A user trying a larger model reads, per case, which generated sentences were kept or dropped."""
    from evaluation.runner import evaluate_case
    from evaluation.testset import Case

    row = evaluate_case(make_assistant(answerer="llm"), Case(id="q1", question=KEPT_QUESTION, reference_answers=["Law on Digital Evidence"]))
    assert row["verification"] and {v["action"] for v in row["verification"]} <= {"kept", "recited", "dropped"}
    assert all(isinstance(v["sentence"], str) and 0.0 <= v["support"] <= 1.0 for v in row["verification"])
    assert row["fallback"] is None and row["metrics"]["contains_answer"] == 1.0


@pytest.mark.slow
def test_a_verified_generated_sentence_is_what_the_user_sees(make_assistant, sample_index) -> None:  # type: ignore[no-untyped-def]
    """Not the extractive fallback: the model's own sentence, checked and cited."""
    answer = make_assistant(answerer="llm").answer(KEPT_QUESTION)
    assert answer.generation is not None and answer.generation.fallback is None
    kept = [v for v in answer.verification if v.action in ("kept", "recited")]
    assert kept and "Law on Digital Evidence" in answer.text
    from assistant.text import strip_markers

    assert all(v.sentence in strip_markers(answer.text) for v in kept)
    assert_grounded(answer, sample_index)


@pytest.mark.slow
def test_off_topic_is_refused_before_the_llm_is_asked(make_assistant) -> None:  # type: ignore[no-untyped-def]
    answer = make_assistant(answerer="llm").answer("What is the capital of Peru?")
    assert answer.refused and answer.text == REFUSAL and answer.refusal_reason == "weak_evidence"
    assert answer.generation is None, "the model is never asked: it would answer from its own knowledge"


def test_a_model_that_declines_is_a_refusal(make_assistant) -> None:  # type: ignore[no-untyped-def]
    """The model's own "not in the documents" used to fail verification and be replaced by quotes."""
    from assistant.extractive import rank_sentences
    from assistant.models import Generation

    assistant = make_assistant(answerer="llm")
    question = "How many people attended the Astana meeting?"
    passages = assistant.retriever.search(question)
    ranked = rank_sentences(question, passages, assistant.retriever.embedder, question)
    declined = Generation(model="test", prompt=(), generated="The documents do not contain the answer.")
    text, citations, _, _ = assistant.settle(question, question, passages, ranked, declined)
    assert text == REFUSAL and not citations
    unsupported = Generation(model="test", prompt=(), generated="About 300 people from 40 countries attended [1].")
    text, citations, settled, _ = assistant.settle(question, question, passages, ranked, unsupported)
    assert citations and settled.fallback, "an unsupported claim falls back to quotes, it is no refusal"


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    """`python -m llama_cpp.server` serving the packaged SmolLM2 on a free loopback port."""
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(packaged_gguf()), "--model_alias", "smollm2",
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
        "--n_threads", "1", "--n_threads_batch", "1", "--verbose", "False",
    ]
    with serve(command, f"http://127.0.0.1:{port}/v1/models", 120):
        yield f"http://127.0.0.1:{port}/v1"


@pytest.mark.slow
def test_openai_compatible_server(make_assistant, sample_index, llama_server: str) -> None:  # type: ignore[no-untyped-def]
    assistant = make_assistant(answerer="llm", llm_backend="openai", llm_base_url=llama_server, llm_model="smollm2")
    answer = assistant.answer(QUESTION)
    assert answer.generation is not None and answer.generation.model == "openai:smollm2"
    assert answer.generation.generated, "the server answered"
    assert_grounded(answer, sample_index)


@pytest.mark.slow
def test_a_sentence_cut_off_at_the_token_limit_is_never_shown(make_assistant, llama_server: str) -> None:  # type: ignore[no-untyped-def]
    """At 12 tokens the model stops at "…a Law on Digital Evidence to": every word of it is in the
    passage, and shown it would read as the answer. In process and through the server alike."""
    through_server = {"llm_backend": "openai", "llm_base_url": llama_server, "llm_model": "smollm2"}
    for backend in ({}, through_server):
        answer = make_assistant(answerer="llm", llm_max_tokens=12, **backend).answer(KEPT_QUESTION)
        assert answer.generation is not None and answer.generation.cut
        assert answer.generation.generated.endswith("Digital Evidence to")
        (last,) = [v for v in answer.verification if v.sentence.endswith("Digital Evidence to")]
        assert last.action == "dropped" and last.passage is None
        assert not answer.refused and "Evidence to [" not in answer.text and answer.generation.fallback
    # A whole answer is not cut.
    answer = make_assistant(answerer="llm").answer(KEPT_QUESTION)
    assert answer.generation is not None and not answer.generation.cut


@pytest.mark.slow
def test_the_repeat_penalty_reaches_the_local_model(make_assistant) -> None:  # type: ignore[no-untyped-def]
    """At 1 the model may say a token again at no cost; penalised (the default), it writes another answer."""
    plain = make_assistant(answerer="llm", llm_repeat_penalty=1.0).answer(QUESTION).generation
    penalised = make_assistant(answerer="llm", llm_repeat_penalty=1.3).answer(QUESTION).generation
    assert plain is not None and penalised is not None
    assert plain.generated != penalised.generated


def test_an_unreachable_llm_server_is_one_clear_error(make_assistant) -> None:  # type: ignore[no-untyped-def]
    from assistant.errors import LLMUnavailable
    from tests.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}/v1"
    assistant = make_assistant(answerer="llm", llm_backend="openai", llm_base_url=url, llm_timeout=5)
    with pytest.raises(LLMUnavailable) as caught:
        assistant.answer(QUESTION)
    assert url in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.slow
def test_follow_up_rewritten_by_the_llm(make_assistant) -> None:  # type: ignore[no-untyped-def]
    history = [
        {"role": "user", "content": "Where was the Central Asian Regional Workshop on Requesting Electronic Evidence held?"},
        {"role": "assistant", "content": "In Tashkent, Uzbekistan."},
    ]
    answer = make_assistant(answerer="llm").answer("When did it take place?", history)
    assert answer.standalone_query != "When did it take place?"
    assert any(c.source == "001_04dbf60d010ecd0f.txt" for c in answer.citations)


@pytest.mark.slow
def test_an_extractive_fallback_answers_with_the_release_it_shows(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    """When no generated sentence holds, the quotes shown are the extractive answer's, a changelog
    line under its release heading, and the answer phrase is that release, as in extractive mode."""
    from assistant.answer import Assistant
    from assistant.settings import AssistantSettings
    from tests.assistant.test_extractive import CHANGELOG
    from tests.conftest import indexed

    with indexed(tmp_path, embedder, {"CHANGELOG.md": CHANGELOG}) as collection:
        assistant = Assistant(AssistantSettings(log_answers=False, answerer="llm"), collection.retriever)
        answer = assistant.answer("In which release did the cache format switch from pickle to JSON?")
        assert answer.generation is not None and answer.generation.fallback
        assert answer.text.startswith("2.1.0 (2026-03-02) › Changed: The on-disk cache format switched")
        span = answer.answer_span
        assert span is not None and span.text == "2.1.0"
        with collection.retriever.catalog.read():
            document = collection.retriever.catalog.text(answer.citations[0].source)
        assert document[span.start : span.end] == "2.1.0"
        assert document.index("Python 3.8 was dropped") < span.start < document.index("pickle to JSON")
