"""An assistant over the real index of the sample corpus, shared by the module's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answer import Assistant
from assistant.settings import AssistantSettings
from index.embedder import Embedder
from index.indexer import Index
from tests.conftest import CORPUS


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Index]:
    settings = AssistantSettings(data_dir=tmp_path_factory.mktemp("assistant-index"))
    index = Index(settings, embedder=embedder)
    index.ingest([CORPUS])
    yield index
    index.close()


@pytest.fixture
def make_assistant(sample_index: Index, tmp_path: Path):  # type: ignore[no-untyped-def]
    def build(**overrides: object) -> Assistant:
        settings = sample_index.settings.model_copy(update=overrides)
        assistant = Assistant(AssistantSettings(**settings.model_dump()), sample_index)
        assistant.log.path = tmp_path / "history.jsonl"
        return assistant

    return build
