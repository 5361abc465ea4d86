"""An assistant over the real index of the sample corpus, shared by the module's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answer import Assistant
from assistant.history import AnswerLog
from assistant.settings import AssistantSettings
from index.collection import Collection
from index.embedder import Embedder
from index.settings import IndexSettings
from tests.conftest import CORPUS


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Collection]:
    collection = Collection(IndexSettings(data_dir=tmp_path_factory.mktemp("assistant-index")), embedder=embedder)
    collection.ingest([CORPUS])
    yield collection
    collection.close()


@pytest.fixture
def make_assistant(sample_index: Collection, tmp_path: Path):  # type: ignore[no-untyped-def]
    def build(**overrides: object) -> Assistant:
        settings = AssistantSettings(**overrides)
        return Assistant(settings, sample_index.retriever, AnswerLog(tmp_path / "history.jsonl"))

    return build
