"""One assistant per collection for a long-running process (the server), all sharing one LLM.

The web chat, the HTTP API and the MCP tools answer through the same assistants, so the local
model is loaded once and used by one call at a time, whichever surface the question came from.
"""

from __future__ import annotations

import threading

from assistant.answer import Assistant
from assistant.history import AnswerLog
from assistant.settings import AssistantSettings
from index.collection import Collection


class Assistants:
    """The assistant of each open collection; every one shares the first one's LLM and its lock."""

    def __init__(self, settings: AssistantSettings) -> None:
        self.settings = settings
        self._by_collection: dict[str, Assistant] = {}
        self._first: Assistant | None = None
        self._lock = threading.Lock()

    def get(self, collection: Collection) -> Assistant:
        with self._lock:
            found = self._by_collection.get(collection.name)
            if found is None or found.retriever is not collection.retriever:  # a collection deleted and made again
                log = AnswerLog(collection.settings.collection_dir / "history.jsonl")
                # A server answers many questions: a large collection's keyword index is worth holding in memory.
                collection.retriever.keep_keywords_in_memory()
                found = Assistant(self.settings, collection.retriever, log, llm_from=self._first)
                self._first = self._first or found
                self._by_collection[collection.name] = found
            return found

    def for_evaluation(self, collection: Collection, answerer: str | None) -> Assistant:
        """An assistant for an evaluation run: answers are not logged; the LLM is still the shared one."""
        settings = self.settings if answerer is None else self.settings.model_copy(update={"answerer": answerer})
        with self._lock:
            assistant = Assistant(settings, collection.retriever, llm_from=self._first)
            self._first = self._first or assistant
            return assistant
