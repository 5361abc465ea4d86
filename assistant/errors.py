"""Errors of the assistant, each saying what is wrong and how to fix it."""

from __future__ import annotations

from ingest.errors import InvalidInput, Unavailable


class LLMUnavailable(Unavailable):
    """The configured LLM cannot be loaded or reached; the message names the file or URL."""


class EmptyQuestion(InvalidInput):
    """A question with nothing in it."""

    def __init__(self) -> None:
        super().__init__("The question is empty: type what you want to know.", param="question")
