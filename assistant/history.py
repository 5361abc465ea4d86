"""The answer log: every answer's provenance trace, one JSON line each, in the data directory.

`askdocs history` reads it; chosen entries can be exported as test cases for `askdocs eval`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from assistant.models import Answer, Turn
from ingest.errors import NotFound


class UnknownAnswer(NotFound):
    """An answer id that is not in the answer log."""
from assistant.text import strip_markers


class AnswerLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, answer: Answer, history: Sequence[Turn]) -> None:
        entry = {
            **answer.as_json(),
            "history": [t.model_dump() for t in history],
            "trace": answer.trace(),
        }
        line = json.dumps(entry, ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")

    def entries(self, limit: int | None = None) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        return rows[-limit:] if limit else rows

    def find(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        wanted = list(ids)
        by_id = {e["id"]: e for e in self.entries()}
        missing = [i for i in wanted if i not in by_id]
        if missing:
            raise UnknownAnswer(f"No answers with id {', '.join(missing)} in {self.path} (`askdocs history` lists them)")
        return [by_id[i] for i in wanted]


def as_test_case(entry: dict[str, Any], answerable: bool | None = None) -> dict[str, Any]:
    """A logged answer as a test case (the evaluation's JSONL format), to be reviewed by a person."""
    is_answerable = (not entry["refused"]) if answerable is None else answerable
    return {
        "id": f"log-{entry['id']}",
        "question": entry["question"],
        "reference_answers": [strip_markers(entry["answer"])] if is_answerable else [],
        "reference_sources": sorted({c["source"] for c in entry["citations"]}) if is_answerable else [],
        "answerable": is_answerable,
        "history": entry.get("history", []),
    }
