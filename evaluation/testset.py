"""Test sets: the JSONL contract, read and written with errors that name the line and the field.

One case a line: {"id", "question", "reference_answers": [str], "reference_sources": [str],
"answerable": bool, "history": [{"role", "content"}]}; unknown fields are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.models import Turn
from ingest.errors import InvalidInput


class TestSetError(InvalidInput):
    """A test set that cannot be read; the message names the file, the line and the field."""

    __test__ = False  # not a pytest test class, despite the name


class Case(BaseModel):
    """One question of a test set."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    reference_answers: list[str] = Field(default_factory=list)
    reference_sources: list[str] = Field(default_factory=list)
    answerable: bool = True
    history: list[Turn] = Field(default_factory=list)


def load_testset(path: Path) -> list[Case]:
    """Read a JSONL test set; blank lines are skipped, ids must be unique."""
    if not path.is_file():
        raise TestSetError(f"{path}: no such test set file")
    cases: list[Case] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = Case.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            raise TestSetError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise TestSetError(f"{path}:{number}: {problems}") from None
        if case.id in seen:
            raise TestSetError(f"{path}:{number}: id '{case.id}' is used twice")
        seen.add(case.id)
        cases.append(case)
    if not cases:
        raise TestSetError(f"{path}: the test set has no cases")
    return cases


def write_testset(cases: Iterable[Case], path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for case in cases:
            handle.write(json.dumps(case.model_dump(), ensure_ascii=False) + "\n")
            count += 1
    return count
