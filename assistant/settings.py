"""Settings the assistant reads: which answerer, which LLM, when to refuse."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr


class AssistantSettings(BaseModel):
    """Answering."""

    answerer: Literal["extractive", "llm"] = Field(
        "extractive", description="extractive: cited sentences from the passages (no LLM); llm: a generated answer."
    )
    max_answer_words: int = Field(80, ge=10, le=400, description="Length limit of extractive answers, in words.")
    min_evidence: float = Field(
        0.25,
        ge=0.0,
        le=1.0,
        description="Refuse when the best sentence's relevance to the question (0-1, blending embedding "
        "similarity and keyword overlap) is below this. `askdocs eval calibrate` picks it from a test set.",
    )
    min_answerable: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Refuse when the probability that the best sentence holds what the question asks for is "
        "below this (unset: the threshold chosen on development data when the classifier was trained; 0: off).",
    )
    min_stated: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Refuse when the probability that the documents state the asked-for fact at all is below this "
        "(unset: the threshold chosen on development data when the classifier was trained; 0: off).",
    )
    min_technical: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="When the best sentence's document names things in code (a technical document), refuse when the "
        "probability that the evidence answers the question, read for such documents, is below this (unset: the threshold chosen when it was "
        "trained; 0: off, and the two thresholds above apply to them too).",
    )
    answer_spans: bool = Field(True, description="Mark the exact answer phrase inside the quoted sentence (answer_span).")
    min_support: float = Field(
        0.6, ge=0.0, le=1.0, description="A statement counts as supported by a passage at this support score or more."
    )
    condense: Literal["auto", "llm", "keywords"] = Field(
        "auto",
        description="How a follow-up becomes a standalone query: llm, keywords (deterministic), or auto "
        "(the LLM when the llm answerer is chosen).",
    )
    llm_backend: Literal["llamacpp", "openai", "ollama"] = Field(
        "llamacpp", description="llamacpp: a local GGUF file; openai: any OpenAI-compatible server; ollama."
    )
    llm_model_path: str | None = Field(
        None, description="GGUF file for llamacpp (default: the packaged SmolLM2-135M-Instruct)."
    )
    llm_model: str = Field("smollm2", description="Model name sent to an OpenAI-compatible or Ollama server.")
    llm_base_url: str | None = Field(
        None, description="Server URL, e.g. http://127.0.0.1:8080/v1 (openai) or http://127.0.0.1:11434 (ollama)."
    )
    llm_api_key: SecretStr | None = Field(None, description="API key for an OpenAI-compatible server (a secret: never logged).")
    llm_threads: int = Field(1, ge=1, le=256, description="CPU threads of the local llama.cpp model.")
    llm_context_window: int = Field(2048, ge=256, le=1_000_000, description="Context window of the model, in tokens.")
    llm_max_tokens: int = Field(200, ge=8, le=8192, description="Longest generated answer, in tokens.")
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature (0: deterministic).")
    llm_repeat_penalty: float = Field(
        1.3, ge=1.0, le=2.0,
        description="Penalty on a token the local llama.cpp model generated among its last 64 (1: none). With the "
        "packaged model a penalty stops its loops but keeps fewer of its own sentences (docs/quality.md).",
    )
    llm_passages: int = Field(3, ge=1, le=20, description="Passages given to the LLM (small models do best with few).")
    llm_timeout: float = Field(120.0, gt=0, le=3600, description="Seconds to wait for a server's answer.")
    log_answers: bool = Field(True, description="Append every answer's provenance trace to data_dir/history.jsonl.")
