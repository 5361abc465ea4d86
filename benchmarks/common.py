"""What the benchmarks share: where the datasets are, building the index, rankings, results files."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.collection import Collection
from index.report import IngestReport
from index.settings import IndexSettings

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
RESULTS = Path(__file__).resolve().parent / "results"
RUNS = ("fused", "dense", "keyword")
RUN_LABELS = {
    "fused": "fused (`Retriever.search`: weighted dense + keyword)",
    "dense": "dense only (all-MiniLM-L6-v2)",
    "keyword": "keyword only (BM25, FTS5)",
}


@dataclass(frozen=True)
class Hit:
    """One retrieved passage: its document and text."""

    doc_id: str
    text: str


def ranked_passages(index: Collection, query: str, k: int) -> dict[str, tuple[list[Hit], float]]:
    """The fused, dense-only and keyword-only top-k passages of `query`, each with its time in ms."""
    retriever = index.retriever
    rankings: dict[str, tuple[list[Hit], float]] = {}
    start = time.perf_counter()
    fused = [Hit(p.doc_id, p.text) for p in retriever.search(query, k=k)]
    rankings["fused"] = (fused, _ms_since(start))
    start = time.perf_counter()
    dense = [cid for cid, _ in retriever.dense_search(query, k)]
    rankings["dense"] = (_hits(index, dense), _ms_since(start))
    start = time.perf_counter()
    keyword = [cid for cid, _ in retriever.keyword_search(query, k)]
    rankings["keyword"] = (_hits(index, keyword), _ms_since(start))
    return rankings


def _hits(index: Collection, chunk_ids: Sequence[str]) -> list[Hit]:
    records = index.retriever.chunks(chunk_ids)
    return [Hit(records[cid].doc_id, records[cid].text) for cid in chunk_ids if cid in records]


def _ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def ranked_documents(hits: Sequence[Hit]) -> list[str]:
    """Document ids in the order of their best passage."""
    return list(dict.fromkeys(hit.doc_id for hit in hits))


def ingest(corpus_dir: Path, data_dir: Path) -> tuple[Collection, IngestReport]:
    """A fresh (or reused) index under `data_dir` holding `corpus_dir`; failures are printed."""
    index = Collection(IndexSettings(data_dir=data_dir))
    report = index.ingest([corpus_dir], progress=True)
    for outcome in report.outcomes:
        if outcome.status == "failed":
            print(f"warning: {outcome.source} was not ingested: {outcome.reason}", file=sys.stderr)
    # Load the model now if ingest embedded nothing (a reused index), so no query pays for it.
    index.embedder.embed_query("warm up")
    return index, report


def answer_all(corpus_dir: Path, cases: Sequence[Any], work: Path, name: str, answerer: str) -> tuple[IngestReport, dict[str, Any]]:
    """Ingest `corpus_dir` into an index under `work/data` and answer every case through the same
    `answer()` as `askdocs ask` (`askdocs eval`'s runner, its files in `work/run`): the ingest report
    and the evaluation."""
    from assistant.answer import Assistant
    from evaluation.runner import run as run_eval
    from ui.settings import Settings

    settings = Settings(index={"data_dir": work / "data"}, assistant={"answerer": answerer, "log_answers": False})
    index = Collection(settings.index, settings.ingest)
    report = index.ingest([corpus_dir], progress=True)
    try:
        return report, run_eval(Assistant(settings.assistant, index.retriever), cases, work / "run", name, progress=True)
    finally:
        index.close()


def settings_summary(index: Collection) -> dict[str, Any]:
    s = index.settings
    return {
        "embed_model": index.embedder.name,
        "embed_backend": index.embedder.backend,
        "chunk_tokens": index.ingest_settings.chunk_tokens,
        "chunk_overlap": index.ingest_settings.chunk_overlap,
        "candidates": s.candidates,
        "fusion": s.fusion,
        "dense_weight": s.dense_weight,
        "rrf_k": s.rrf_k,
    }


def machine() -> dict[str, Any]:
    cpu = platform.processor()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cores": os.cpu_count(), "cpu": cpu, "device": "cpu", "python": platform.python_version()}


def p50(values: Sequence[float]) -> float:
    return round(statistics.median(values), 1) if values else 0.0


@contextlib.contextmanager
def workdir(path: Path | None, prefix: str) -> Iterator[Path]:
    """`path` when given (kept, so a re-run ingests nothing new), else a temporary folder."""
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path.resolve()
        return
    with tempfile.TemporaryDirectory(prefix=prefix, ignore_cleanup_errors=True) as tmp:
        yield Path(tmp)


def write_results(results: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nresults written to {out}")


def skipped(folder: Path) -> int:
    print(f"skipped: ../shared/datasets not found (no {folder})")
    return 0


@contextlib.contextmanager
def local_server(data: Path, env: dict[str, str] | None = None, poll: float = 0.5) -> Iterator[str]:
    """`askdocs serve` on a free loopback port over `data`, once /readyz says it is ready (asked every
    `poll` seconds); its output goes to `data/server.log`."""
    import socket

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data.mkdir(parents=True, exist_ok=True)
    env = {**(env or os.environ), "ASKDOCS_DATA_DIR": str(data)}
    log = (data / "server.log").open("wb")
    process = subprocess.Popen([sys.executable, "-c", "from ui.cli import main; main()", "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}; see {data / 'server.log'}")
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} was not ready within 300 s")
            time.sleep(poll)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
