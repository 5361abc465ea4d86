"""The parts of the performance benchmark: corpora, timers, memory, the baselines it is compared with.

Each measurement returns plain data (seconds, milliseconds, megabytes) that `benchmarks.performance`
puts into its JSON and docs/performance.md.
"""

from __future__ import annotations

import json
import logging
import random
import re
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import DATASETS
from index.collection import Collection
from index.embedder import Embedder, Tokens
from index.planner import DocumentWrite
from index.settings import IndexSettings

SCIFACT = DATASETS / "scifact"
SQUAD_FILES = (DATASETS / "squad" / "dev-v1.1-public.json", DATASETS / "squad" / "dev-v2.0-public.json")


# -- measuring --------------------------------------------------------------------------------
class Stopwatch:
    def __init__(self) -> None:
        self.seconds = 0.0

    @contextmanager
    def running(self) -> Iterator[Stopwatch]:
        start = time.perf_counter()
        try:
            yield self
        finally:
            self.seconds += time.perf_counter() - start


def timed(func: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def percentiles(values_ms: Sequence[float]) -> dict[str, float]:
    """p50 and p95 (nearest rank) and the mean of a list of milliseconds."""
    ordered = sorted(values_ms)
    if not ordered:
        return {"p50": 0.0, "p95": 0.0, "mean": 0.0, "n": 0}

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]

    return {"p50": round(rank(0.50), 1), "p95": round(rank(0.95), 1), "mean": round(statistics.fmean(ordered), 1), "n": len(ordered)}


def rank_alike(first: Sequence[tuple[str, float]], second: Sequence[tuple[str, float]], tolerance: float = 1e-9) -> bool:
    """Whether two rankings (id, score) have the same scores, place by place, and the same ids above
    their last score (ids tied at the cut-off may differ: either is a right answer)."""
    if len(first) != len(second) or any(abs(a - b) > tolerance for (_, a), (_, b) in zip(first, second)):
        return False
    last = second[-1][1] if second else 0.0
    return {i for i, s in first if s > last + tolerance} == {i for i, s in second if s > last + tolerance}


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def load_average() -> float:
    return round(float(Path("/proc/loadavg").read_text().split()[0]), 2)


# -- data ---------------------------------------------------------------------------------------
def scifact_claims(limit: int | None = None) -> list[tuple[str, str, list[str]]]:
    """The judged test claims: (query id, text, relevant document ids as file names)."""
    qrels: dict[str, list[str]] = {}
    for line in (SCIFACT / "qrels" / "test.tsv").read_text().splitlines()[1:]:
        query, doc, score = line.split("\t")[:3]
        if int(score) > 0:
            qrels.setdefault(query, []).append(f"{doc}.txt")
    texts = {}
    for line in (SCIFACT / "queries.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if row["_id"] in qrels:
            texts[row["_id"]] = row["text"]
    claims = [(q, texts[q], docs) for q, docs in qrels.items()]
    return claims[:limit] if limit else claims


def scifact_documents(limit: int | None = None) -> dict[str, str]:
    """SciFact's abstracts as files would hold them: {file name: "title\\n\\ntext\\n"}."""
    documents: dict[str, str] = {}
    with (SCIFACT / "corpus.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            documents[f"{row['_id']}.txt"] = f"{row['title'].strip()}\n\n{row['text'].strip()}\n"
            if limit and len(documents) >= limit:
                break
    return documents


def squad_documents() -> dict[str, str]:
    """Every distinct SQuAD dev paragraph, titled by its article: {file name: text}."""
    documents: dict[str, str] = {}
    seen: set[str] = set()
    for path in SQUAD_FILES:
        if not path.exists():
            continue
        for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
            title = article["title"].replace("_", " ")
            for no, paragraph in enumerate(article["paragraphs"]):
                context = paragraph["context"].strip()
                if context in seen:
                    continue
                seen.add(context)
                documents[f"squad-{re.sub(r'[^A-Za-z0-9]+', '-', title)}-{len(documents)}-{no}.txt"] = f"{title}\n\n{context}\n"
    return documents


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


def vary(text: str, copy: int) -> str:
    """A copy of a document that is not the same text: its body's sentences in another order.

    Copy 0 is the document itself. Other copies keep the title and every sentence, so the words and
    their statistics stay those of real documents, but chunk boundaries, chunk texts and ids differ.
    """
    if copy == 0:
        return text
    title, _, body = text.partition("\n\n")
    sentences = _SENTENCE_END.split(body.strip())
    random.Random(f"{copy}:{title}").shuffle(sentences)
    return f"{title} (copy {copy})\n\n{' '.join(sentences)}\n"


def write_files(folder: Path, documents: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# -- chunk texts, as the ingest makes them -----------------------------------------------------
def chunk_texts(corpus: Path, data_dir: Path, settings: IndexSettings) -> tuple[list[str], float]:
    """The chunk texts an ingest of `corpus` embeds (planned and chunked, nothing written), and the seconds it took."""
    collection = Collection(settings.model_copy(update={"data_dir": data_dir}))
    try:
        start = time.perf_counter()
        plan = collection.planner.plan_paths([corpus])
        texts = []
        for planned in plan.documents:
            write = collection.planner.chunk(planned, ())
            if isinstance(write, DocumentWrite):
                texts += [c.text for c in write.chunks]
        return texts, time.perf_counter() - start
    finally:
        collection.close()


def bare_encode(settings: IndexSettings, texts: Sequence[str]) -> tuple[float, float]:
    """(seconds to load, seconds to encode `texts`) with nothing of askdocs around the encoder.

    torch: `SentenceTransformer.encode`, normalising, at the configured batch size. ONNX: the
    onnxruntime session or the OpenVINO model run over the same batches (sentence-transformers' own
    ONNX and OpenVINO backends need optimum, which this project does not install).
    """
    from index.embedder import resolve_model

    _, path = resolve_model(settings.embed_model)
    start = time.perf_counter()
    if settings.embed_backend == "torch":
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        model.encode(["warm up"])
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        model.encode(list(texts), batch_size=settings.embed_batch_size, normalize_embeddings=True, show_progress_bar=True)
        return loaded, time.perf_counter() - start
    from index.onnx import encoder as onnx_encoder

    encoder = onnx_encoder(path, settings.embed_backend, settings.threads)
    encoder.encode(["warm up"], 1)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    encoder.encode(texts, settings.embed_batch_size, progress=True)
    return loaded, time.perf_counter() - start


def naive_llama_index(corpus: Path, work: Path, settings: IndexSettings, chunk_tokens: int, overlap: int) -> dict[str, Any]:
    """The pipeline a llama-index tutorial builds: read the folder, `VectorStoreIndex.from_documents`
    with `HuggingFaceEmbedding` (its default batch of 10) into a `ChromaVectorStore`.

    Same documents, same model (loaded from the packaged folder, offline), same chunk size and
    tokenizer, and no file metadata in the passages, so both pipelines embed the same passages.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from index.embedder import resolve_model
    from ingest.chunk import load_tokenizer

    _, path = resolve_model(settings.embed_model)
    # It would only say, for every file, that the optional readers for PDF and the like are missing.
    logging.getLogger("llama_index.core.readers.file.base").setLevel(logging.ERROR)
    start = time.perf_counter()
    documents = SimpleDirectoryReader(str(corpus)).load_data(show_progress=True)
    for document in documents:
        # The file name, path, size and dates would otherwise be embedded with every chunk and
        # counted in its size: more, longer passages than askdocs embeds.
        document.excluded_embed_metadata_keys = document.excluded_llm_metadata_keys = list(document.metadata)
    client = chromadb.PersistentClient(path=str(work / "naive-chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("naive")
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    embed_model = HuggingFaceEmbedding(model_name=str(path), device="cpu")
    splitter = SentenceSplitter(
        chunk_size=chunk_tokens, chunk_overlap=overlap, tokenizer=load_tokenizer(path / "tokenizer.json"), include_metadata=False
    )
    VectorStoreIndex.from_documents(
        documents, storage_context=storage, embed_model=embed_model, transformations=[splitter], show_progress=True
    )
    return {"seconds": round(time.perf_counter() - start, 2), "documents": len(documents), "chunks": collection.count()}


# -- vectors composed from words (for the large index) -----------------------------------------
_WORD = re.compile(r"[a-z0-9]+")


class ComposedEmbedder(Embedder):
    """Vectors of long texts composed from per-word vectors of the real model (mean, normalised).

    Building a 100k-chunk index by encoding every chunk takes longer than the benchmark allows, so
    passages get the mean of their words' vectors, each word encoded once by the real model and
    kept on disk. Short calls (queries, answer sentences) are encoded for real. The index records
    the real model's name, so the query side opens it with the real embedder.
    """

    def __init__(self, settings: IndexSettings, store: Path) -> None:
        super().__init__(settings)
        self.store = store
        self.words: dict[str, np.ndarray] = {}
        if store.exists():
            data = np.load(store)
            self.words = dict(zip(data["words"].tolist(), data["vectors"], strict=True))

    def _encode(self, texts: Sequence[str], progress: bool = False, tokens: Tokens | None = None) -> np.ndarray:
        if len(texts) <= 64:
            return super()._encode(texts, progress, tokens)
        split = [_WORD.findall(t.lower()) for t in texts]
        missing = sorted({w for words in split for w in words} - self.words.keys())
        if missing:
            vectors = super()._encode(missing, progress)
            self.words.update(zip(missing, vectors, strict=True))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, words in enumerate(split):
            if words:
                out[row] = np.mean([self.words[w] for w in words], axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def save(self) -> None:
        if self.words:
            words = list(self.words)
            np.savez(self.store, words=np.array(words), vectors=np.stack([self.words[w] for w in words]))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
