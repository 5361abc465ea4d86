"""Embeddings from an OpenAI-compatible `/v1/embeddings` service (OpenAI, llama.cpp's server, vLLM, TEI...)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from index.errors import EmbeddingServiceUnavailable

if TYPE_CHECKING:
    from index.embedder import Tokens


class RemoteEncoder:
    """Sends texts in batches to `{url}/embeddings` and returns them as unit vectors."""

    def __init__(self, url: str, model: str, api_key: str | None, timeout: float) -> None:
        self.url = url
        self.model = model
        self.api_key = api_key
        self.timeout = timeout

    @cached_property
    def client(self):  # type: ignore[no-untyped-def]
        from openai import OpenAI

        # A local server needs no key, but the client insists on one.
        return OpenAI(base_url=self.url, api_key=self.api_key or "unused", timeout=self.timeout, max_retries=2)

    def encode(self, texts: Sequence[str], batch_size: int, progress: bool = False, tokens: Tokens | None = None) -> np.ndarray:
        import openai
        from tqdm import tqdm

        rows: list[list[float]] = []
        with tqdm(total=len(texts), unit="text", desc="embedding", disable=not progress, leave=False) as bar:
            for start in range(0, len(texts), batch_size):
                batch = list(texts[start : start + batch_size])
                try:
                    response = self.client.embeddings.create(model=self.model, input=batch, encoding_format="float")
                except openai.APIConnectionError as exc:
                    raise EmbeddingServiceUnavailable(
                        f"Cannot reach the embeddings service at {self.url} ({exc.__cause__ or exc}). Start it, or set "
                        "ASKDOCS_EMBED_BACKEND=onnx-int8 to embed on this machine.",
                        url=self.url,
                    ) from None
                except openai.APIStatusError as exc:
                    raise EmbeddingServiceUnavailable(
                        f"The embeddings service at {self.url} refused model '{self.model}' (HTTP {exc.status_code}: "
                        f"{_first_line(exc.message)}). Check ASKDOCS_EMBED_MODEL and ASKDOCS_EMBED_API_KEY.",
                        url=self.url,
                    ) from None
                data = sorted(response.data, key=lambda item: item.index)
                if len(data) != len(batch):
                    raise EmbeddingServiceUnavailable(
                        f"The embeddings service at {self.url} returned {len(data)} vectors for {len(batch)} texts.", url=self.url
                    )
                rows += [item.embedding for item in data]
                bar.update(len(batch))
        vectors = np.asarray(rows, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        # Cosine similarity is a dot product only between unit vectors; services do not all normalise.
        return vectors / np.where(norms == 0, 1, norms)


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""
