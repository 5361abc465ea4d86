"""Errors of the assistant, each saying what is wrong and how to fix it."""

from __future__ import annotations

from index.errors import IndexError_


class AssistantError(IndexError_):
    """Base class: shown to the user as one line."""


class LLMUnavailable(AssistantError):
    """The configured LLM cannot be loaded or reached."""
