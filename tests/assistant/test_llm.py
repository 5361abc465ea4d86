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


def assert_grounded(answer, sample_index) -> None:  # type: ignore[no-untyped-def]
    """Every sentence the user sees is supported by the passage its marker names."""
    assert not answer.refused and answer.citations
    numbers = {c.n for c in answer.citations}
    passages = answer.trace["passages"]
    assert all(1 <= n <= len(passages) for n in numbers)
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
    assistant = make_assistant(answerer="llm", threads=1)
    streamed = [event for event in assistant.stream(QUESTION) if isinstance(event, str)]
    answer = assistant.answer(QUESTION)
    assert streamed, "tokens are streamed before the final answer"
    assert answer.trace["model"].startswith("llamacpp:SmolLM2")
    assert answer.trace["prompt"][0]["role"] == "system"
    assert "generated" in answer.trace and "verification" in answer.trace
    assert_grounded(answer, sample_index)
    assert any("Norway and Belgium" in c.text for c in answer.citations)


@pytest.mark.slow
def test_off_topic_is_refused_before_the_llm_is_asked(make_assistant) -> None:  # type: ignore[no-untyped-def]
    answer = make_assistant(answerer="llm", threads=1).answer("What is the capital of Peru?")
    assert answer.refused and answer.text == REFUSAL
    assert "prompt" not in answer.trace, "the model is never asked: it would answer from its own knowledge"


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
    assert answer.trace["model"] == "openai:smollm2"
    assert answer.trace["generated"], "the server answered"
    assert_grounded(answer, sample_index)


@pytest.mark.slow
def test_follow_up_rewritten_by_the_llm(make_assistant) -> None:  # type: ignore[no-untyped-def]
    history = [
        {"role": "user", "content": "Where was the Central Asian Regional Workshop on Requesting Electronic Evidence held?"},
        {"role": "assistant", "content": "In Tashkent, Uzbekistan."},
    ]
    answer = make_assistant(answerer="llm", threads=1).answer("When did it take place?", history)
    assert answer.standalone_query != "When did it take place?"
    assert any(c.source == "001_04dbf60d010ecd0f.txt" for c in answer.citations)
