"""Shared fixtures: the packaged embedding model (loaded once), a real Chroma server, the sample corpus."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.collection import Collection
from index.embedder import Embedder
from index.settings import IndexSettings
from ingest.settings import IngestSettings
from ui.runtime import configure

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SAMPLE = sorted(CORPUS.glob("*.txt"))
DATASETS = ROOT.parent / "shared" / "datasets"
BIN = Path(sys.executable).parent

configure()  # what every entry point does first: offline, quiet libraries


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The packaged all-MiniLM-L6-v2, loaded once for the whole session."""
    return Embedder(IndexSettings())


@contextlib.contextmanager
def serve(command: list[str], ready_url: str, timeout: float, log: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server process until the block ends; it must answer `ready_url` within `timeout` s."""
    output = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_for_http(ready_url, timeout, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        if log:
            output.close()  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `chroma run` server on a free loopback port."""
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    command = [str(BIN / "chroma"), "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)]
    with serve(command, f"http://127.0.0.1:{port}/api/v2/heartbeat", 60, log=path / "server.log"):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(params=["embedded", "server"])
def index_settings(request: pytest.FixtureRequest, tmp_path: Path) -> IndexSettings:
    """Settings for an empty index: embedded Chroma, or a fresh collection on the Chroma server."""
    url = request.getfixturevalue("chroma_server") if request.param == "server" else None
    return IndexSettings(data_dir=tmp_path / "data", chroma_url=url, chroma_collection=f"test-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the sample corpus."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for path in SAMPLE:
        shutil.copy(path, folder / path.name)
    return folder


@contextlib.contextmanager
def indexed(
    folder: Path, embedder: Embedder, documents: dict[str, str], ingest: IngestSettings | None = None
) -> Iterator[Collection]:
    """A collection in `folder`/data of `documents` (file name: text), written to `folder`/docs and ingested."""
    docs = folder / "docs"
    docs.mkdir()
    for name, text in documents.items():
        (docs / name).write_text(text, encoding="utf-8")
    opened = Collection(IndexSettings(data_dir=folder / "data"), ingest, embedder=embedder)
    try:
        opened.ingest([docs])
        yield opened
    finally:
        opened.close()


@pytest.fixture
def collection(index_settings: IndexSettings, embedder: Embedder) -> Iterator[Collection]:
    opened = Collection(index_settings, embedder=embedder)
    yield opened
    opened.close()
