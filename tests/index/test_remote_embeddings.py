"""Embeddings from an OpenAI-compatible service: a real server process on loopback (tests/index/embed_server.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from index.collection import Collection
from index.embedder import Embedder
from index.errors import EmbeddingModelMismatch, EmbeddingServiceUnavailable
from index.settings import IndexSettings
from ingest.settings import public_dump
from tests.conftest import ROOT, free_port, serve

KEY = "embed-secret-7f3a"


@pytest.fixture(scope="module")
def embed_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("embed-server") / "server.log"
    command = [sys.executable, "-m", "tests.index.embed_server", "--port", str(port), "--api-key", KEY]
    with serve(command, f"http://127.0.0.1:{port}/health", 120, log=log):
        yield f"http://127.0.0.1:{port}/v1"


def remote(data: Path, url: str, **extra: object) -> IndexSettings:
    return IndexSettings(data_dir=data, embed_backend="openai", embed_url=url, embed_api_key=KEY, **extra)  # type: ignore[arg-type]


def test_ingest_and_search_through_the_service(tmp_path: Path, embed_url: str, corpus_copy: Path, embedder: Embedder) -> None:
    collection = Collection(remote(tmp_path / "data", embed_url))
    report = collection.ingest([corpus_copy])
    assert report.embedded == collection.vectors.live().count() > 0
    top = collection.retriever.search("Who provided financial support for the meeting in Astana?", k=3)
    assert any(p.doc_id == "002_d8487920b28d3ab8.txt" and "Norway and Belgium" in p.text for p in top)
    assert collection.embedder.name == "openai:all-MiniLM-L6-v2"
    # The service returns raw vectors; the index holds unit vectors of the same model.
    text = "Kazakhstan is preparing to join the Budapest Convention"
    here = embedder.embed([text])[0]
    there = collection.embedder.embed([text])[0]
    assert abs(float(np.linalg.norm(there)) - 1.0) < 1e-5
    assert float(here @ there) > 0.98
    collection.close()


def test_vectors_of_the_service_are_not_mixed_with_local_ones(tmp_path: Path, embed_url: str, corpus_copy: Path, embedder: Embedder) -> None:
    local = Collection(IndexSettings(data_dir=tmp_path / "data"), embedder=embedder)
    local.ingest([corpus_copy])
    local.close()
    with pytest.raises(EmbeddingModelMismatch) as caught:
        Collection(remote(tmp_path / "data", embed_url))
    assert "openai:all-MiniLM-L6-v2" in str(caught.value) and "askdocs reindex" in str(caught.value)


def test_a_wrong_key_or_model_is_one_clear_line(tmp_path: Path, embed_url: str) -> None:
    wrong_key = Embedder(remote(tmp_path, embed_url).model_copy(update={"embed_api_key": None}))
    with pytest.raises(EmbeddingServiceUnavailable) as caught:
        wrong_key.embed(["text"])
    assert "HTTP 401" in str(caught.value) and embed_url in str(caught.value)
    wrong_model = Embedder(remote(tmp_path, embed_url, embed_model="no-such-model"))
    with pytest.raises(EmbeddingServiceUnavailable, match="no-such-model"):
        wrong_model.embed(["text"])


def test_a_service_that_is_down_is_named(tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}/v1"
    embedder = Embedder(remote(tmp_path, down, embed_timeout=5))
    with pytest.raises(EmbeddingServiceUnavailable) as caught:
        embedder.embed(["text"])
    message = str(caught.value)
    assert down in message and "ASKDOCS_EMBED_BACKEND" in message and "\n" not in message


def test_the_key_is_a_secret(tmp_path: Path, embed_url: str) -> None:
    settings = remote(tmp_path, embed_url)
    assert KEY not in str(public_dump(settings)) and KEY not in repr(settings)


def test_the_cli_ingests_through_the_service(tmp_path: Path, embed_url: str, corpus_copy: Path) -> None:
    env = {
        "ASKDOCS_DATA_DIR": str(tmp_path / "data"), "ASKDOCS_EMBED_BACKEND": "openai", "ASKDOCS_EMBED_URL": embed_url,
        "ASKDOCS_EMBED_API_KEY": KEY, "PATH": str(Path(sys.executable).parent),
    }
    askdocs = str(Path(sys.executable).parent / "askdocs")
    done = subprocess.run([askdocs, "-vv", "ingest", str(corpus_copy)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert KEY not in done.stdout + done.stderr
    answer = subprocess.run([askdocs, "ask", "Which law is Kyrgyzstan drafting?"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert answer.returncode == 0 and "Law on Digital Evidence" in answer.stdout, answer.stderr
