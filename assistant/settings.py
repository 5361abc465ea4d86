"""Settings the assistant reads: which answerer, which LLM, when to refuse."""

from __future__ import annotations

from pydantic import Field

from index.settings import IndexSettings


class AssistantSettings(IndexSettings):
    """Answering."""
