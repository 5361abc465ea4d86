"""The embedding model as an ONNX graph run by onnxruntime: the same vectors as sentence-transformers, faster.

The export is built offline from the model folder itself (the packaged MiniLM, or any local
sentence-transformers folder): torch traces the whole module chain (transformer, pooling,
normalisation) into one graph, and onnxruntime quantizes its weights to int8 for the `onnx-int8`
backend. `make install` builds both; a missing export is built on first use, from the same local
files. Running it needs only onnxruntime, tokenizers and numpy: torch is not even imported.

    python -m index.onnx                       # build the exports of the packaged model
    python -m index.onnx --model ./my-model    # of a local sentence-transformers folder
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import sys
import tempfile
import threading
import warnings
from collections import deque
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.errors import EmbeddingModelNotFound

if TYPE_CHECKING:
    from index.embedder import Tokens

log = logging.getLogger(__name__)

# Bump when the export changes what the graph computes: every export is rebuilt.
RECIPE = "3"
# The file each backend runs: `openvino` runs the fp32 export with OpenVINO instead of onnxruntime.
VARIANTS = {"onnx": "model.onnx", "onnx-int8": "model-int8.onnx", "openvino": "model.onnx"}
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def export_root() -> Path:
    """Where exports live: inside the environment askdocs is installed in (they depend on its versions)."""
    return Path(sys.prefix) / "share" / "askdocs" / "onnx"


def export_dir(model_path: Path, root: Path | None = None) -> Path:
    """The folder of one model's exports, named after the content of its weights and the export recipe.

    By content, not path: a copy of the packaged model shares its export, a fine-tuned model with the
    same architecture does not.
    """
    root = root or export_root()
    weights = sorted(p for p in model_path.glob("*") if p.suffix in (".safetensors", ".bin"))
    digest = hashlib.sha1(RECIPE.encode())
    for path in [model_path / "config.json", *weights]:
        if path.exists():
            digest.update(path.name.encode() + _file_hash(path, root).encode())
    return root / f"{model_path.name}-{digest.hexdigest()[:12]}"


def _file_hash(path: Path, root: Path) -> str:
    """sha256 of a file, remembered by path, size and modification time (hashing 90 MB takes a while)."""
    stat = path.stat()
    key = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    memo_file = root / "hashes.json"
    try:
        memo = json.loads(memo_file.read_text())
    except (OSError, ValueError):
        memo = {}
    if key not in memo:
        sha = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                sha.update(block)
        memo[key] = sha.hexdigest()
        with contextlib.suppress(OSError):
            root.mkdir(parents=True, exist_ok=True)
            tmp = memo_file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(memo, indent=0))
            os.replace(tmp, memo_file)
    return str(memo[key])


def max_seq_length(model_path: Path) -> int:
    """The longest input the model reads, in tokens (sentence-transformers truncates there)."""
    config = model_path / "sentence_bert_config.json"
    if config.exists():
        value = json.loads(config.read_text()).get("max_seq_length")
        if value:
            return int(value)
    return 512


def build(model_path: Path, out: Path) -> dict[str, Path]:
    """Export the model at `model_path` to `out` (fp32 and int8); returns the files by backend.

    Three steps: torch traces the module chain (with the attention written out as matrix products,
    which onnxruntime recognises); onnxruntime's transformer optimizer fuses each layer's attention,
    layer norms and GELU into single kernels (the same function: cosine to torch's vectors is 1.0);
    then the int8 copy gets quantized weights.
    """
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer

    out.mkdir(parents=True, exist_ok=True)
    model = SentenceTransformer(
        str(model_path), device="cpu", local_files_only=True, model_kwargs={"attn_implementation": "eager"}
    ).eval()

    class Whole(torch.nn.Module):
        """The module chain as one function of the token tensors: what `encode` computes per batch."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
            features = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids, "modality": "text"}
            return self.model(features)["sentence_embedding"]

    # Two texts of different lengths, so padding and the attention mask are part of the trace.
    sample = model.preprocess(["An example sentence.", "A second, somewhat longer example sentence with more tokens."])
    args = tuple(sample[name] for name in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {"sentence_embedding": {0: "batch"}}
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        traced, fp32, int8 = Path(tmp) / "traced.onnx", Path(tmp) / VARIANTS["onnx"], Path(tmp) / VARIANTS["onnx-int8"]
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on shapes that are constant per trace
            torch.onnx.export(
                Whole(), args, str(traced), input_names=list(INPUTS), output_names=["sentence_embedding"],
                dynamic_axes=axes, opset_version=17, dynamo=False,
            )
        _optimize(traced, fp32, model_path)
        # The weights of the matrix products and fused attentions to int8, one scale per output
        # channel (one per tensor loses too much: cosine to the fp32 vectors falls to 0.94 from
        # 0.995); activations are quantized on the fly. DefaultTensorType 1 (FLOAT) types the
        # tensors shape inference leaves untyped.
        quantize_dynamic(
            str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul", "Attention"],
            extra_options={"DefaultTensorType": 1},
        )
        # Renamed into place only when whole: a reader never finds half a file.
        for path in (fp32, int8):
            os.replace(path, out / path.name)
    return {backend: out / name for backend, name in VARIANTS.items()}


def _optimize(traced: Path, out: Path, model_path: Path) -> None:
    """Fuse BERT-style layers (attention, skip + layer norm, bias + GELU, embeddings + layer norm).

    A model whose layers the optimizer does not know is kept as traced: still correct, less fused.
    """
    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((model_path / "config.json").read_text()) if (model_path / "config.json").exists() else {}
    try:
        optimized = optimize_model(
            str(traced), model_type="bert", num_heads=int(config.get("num_attention_heads", 0)),
            hidden_size=int(config.get("hidden_size", 0)),
        )
        optimized.save_model_to_file(str(out))
    except Exception as exc:  # the optimizer raises many kinds of errors on graphs it does not know
        log.warning("%s: kept the ONNX graph unfused (%s)", model_path, exc)
        os.replace(traced, out)


def ensure(model_path: Path, backend: str, root: Path | None = None) -> Path:
    """The export file of `backend` for this model, built now (offline, from the local files) if missing."""
    path = export_dir(model_path, root) / VARIANTS[backend]
    if not path.exists():
        log.warning("building the ONNX export of %s (once; `make install` does this ahead)", model_path)
        try:
            build(model_path, path.parent)
        except ImportError as exc:
            raise EmbeddingModelNotFound(
                f"The ONNX export of {model_path} is missing and cannot be built here ({exc}): "
                "pip install torch onnx sentence-transformers, or set ASKDOCS_EMBED_BACKEND=torch"
            ) from exc
    return path


class OnnxEncoder:
    """Tokenize, sort by length, run the graph batch by batch: unit vectors, one row per text."""

    def __init__(self, model_path: Path, backend: str, threads: int | None = None, root: Path | None = None) -> None:
        self.model_path = model_path
        self.backend = backend
        self.threads = threads
        self.root = root

    @cached_property
    def session(self):  # type: ignore[no-untyped-def]
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        # Idle workers sleep rather than spin: the other cores are often busy with other work.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        path = ensure(self.model_path, self.backend, self.root)
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in session.get_inputs()}
        return session

    @cached_property
    def tokenizer(self):  # type: ignore[no-untyped-def]
        from tokenizers import Tokenizer

        path = self.model_path / "tokenizer.json"
        if not path.exists():
            raise EmbeddingModelNotFound(
                f"{self.model_path} has no tokenizer.json, which the ONNX backends need: set ASKDOCS_EMBED_BACKEND=torch"
            )
        tokenizer = Tokenizer.from_file(str(path))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_seq_length(self.model_path))
        return tokenizer

    @cached_property
    def _specials(self) -> tuple[list[int], list[int], int]:
        """The ids the tokenizer puts before and after a text's own ([CLS], [SEP]), and how many of
        a text's own ids fit between them."""
        inner = self.tokenizer.encode("a", add_special_tokens=False).ids
        whole = self.tokenizer.encode("a").ids
        at = next(i for i in range(len(whole)) if whole[i : i + len(inner)] == inner)
        before, after = whole[:at], whole[at + len(inner) :]
        return before, after, max_seq_length(self.model_path) - len(before) - len(after)

    def _ids(self, texts: Sequence[str], tokens: Tokens | None) -> list[list[int]]:
        """Each text's input ids: built from `tokens` where given (the same ids the tokenizer gives),
        else tokenized."""
        given = tokens if tokens is not None else [None] * len(texts)
        missing = [i for i, ids in enumerate(given) if ids is None]
        encoded = dict(zip(missing, self.tokenizer.encode_batch([texts[i] for i in missing]), strict=True))
        before, after, room = self._specials
        return [encoded[i].ids if ids is None else [*before, *ids[:room], *after] for i, ids in enumerate(given)]

    def encode(
        self, texts: Sequence[str], batch_size: int, progress: bool = False, tokens: Tokens | None = None
    ) -> np.ndarray:
        ids = self._ids(texts, tokens)
        session = self.session
        # Longest first, as sentence-transformers does: a batch pads to similar lengths.
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        from tqdm import tqdm

        with tqdm(total=len(order), unit="text", desc="embedding", disable=not progress, leave=False) as bar:
            return self._run(session, self._feeds(ids, order, batch_size), len(texts), bar)

    def _feeds(self, ids: Sequence[list[int]], order: list[int], batch_size: int) -> Iterator[tuple[list[int], dict[str, np.ndarray]]]:
        """(rows, the graph's inputs) per batch, each padded to its longest text."""
        for rows in _batches(order, [len(i) for i in ids], batch_size):
            width = len(ids[rows[0]])
            input_ids = np.zeros((len(rows), width), dtype=np.int64)
            attention_mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                input_ids[r, : len(ids[i])] = ids[i]
                attention_mask[r, : len(ids[i])] = 1
            arrays = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": np.zeros_like(input_ids)}
            yield rows, {k: v for k, v in arrays.items() if k in self._inputs}

    def _run(self, session, feeds: Iterator[tuple[list[int], dict[str, np.ndarray]]], n: int, bar: Any) -> np.ndarray:  # type: ignore[no-untyped-def]
        """The vectors of `n` texts, batch by batch."""
        out: np.ndarray | None = None
        for rows, feed in feeds:
            vectors = session.run(None, feed)[0]
            if out is None:
                out = np.empty((n, vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
            bar.update(len(rows))
        assert out is not None
        return out


class OpenVinoEncoder(OnnxEncoder):
    """The fp32 export run by OpenVINO's CPU runtime, which on CPUs with bfloat16 units (Intel AMX or
    AVX-512 BF16) multiplies in bfloat16 and accumulates in fp32: on this project's benchmark machine
    3.6 times onnxruntime's speed, with vectors at cosine 0.99998 to the fp32 ones (docs/performance.md).
    Elsewhere it runs in fp32 (never fp16, which OpenVINO would pick on ARM).

    One stream of one thread per core, rather than one inference spread over all cores: batches run
    side by side, and when other work (an ingest's chunking and writes) takes a core, only one stream
    waits, not every thread of a shared inference. On SciFact's 12,293 chunks, back to back against
    one stream of two threads: the encoder alone 83 s -> 72 s (docs/performance.md has the ingest's
    ratio to it, and how much that moves from run to run)."""

    @cached_property
    def session(self):  # type: ignore[no-untyped-def]
        import openvino as ov

        core = ov.Core()
        precision = "bf16" if "BF16" in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES") else "f32"
        model = core.read_model(str(ensure(self.model_path, "onnx", self.root)))
        self._inputs = {name for port in model.inputs for name in port.get_names()}
        self._streams = self.threads or os.cpu_count() or 1
        compiled = core.compile_model(model, "CPU", {
            "INFERENCE_NUM_THREADS": self._streams,
            "NUM_STREAMS": self._streams,
            "PERFORMANCE_HINT": "THROUGHPUT",
            "INFERENCE_PRECISION_HINT": precision,
        })
        self._requests = threading.local()  # a request serves one call at a time: each thread has its own
        return compiled

    def _run(self, session, feeds: Iterator[tuple[list[int], dict[str, np.ndarray]]], n: int, bar: Any) -> np.ndarray:  # type: ignore[no-untyped-def]
        # This thread's requests, one per stream, taken in turn: batch i runs on request i mod k,
        # which batch i - k, collected first, has left free. No Python callback runs on the
        # runtime's threads (as AsyncInferQueue's would): a callback holds Python objects there,
        # and freeing the compiled model, which joins those threads while holding the GIL, then
        # hung now and then.
        requests = getattr(self._requests, "pool", None)
        if requests is None:
            requests = self._requests.pool = [session.create_infer_request() for _ in range(self._streams)]
        out = np.empty((n, session.output(0).get_partial_shape()[1].get_length()), dtype=np.float32)
        running: deque[tuple[Any, list[int]]] = deque()

        def collect() -> None:
            request, rows = running.popleft()
            request.wait()
            out[rows] = request.get_output_tensor(0).data
            bar.update(len(rows))

        for i, (rows, feed) in enumerate(feeds):
            if len(running) == len(requests):
                collect()
            request = requests[i % len(requests)]
            request.start_async(feed)
            running.append((request, rows))
        while running:
            collect()
        return out


def encoder(model_path: Path, backend: str, threads: int | None = None, root: Path | None = None) -> OnnxEncoder:
    """The runtime of an ONNX backend: onnxruntime for `onnx` and `onnx-int8`, OpenVINO for `openvino`."""
    runtime = OpenVinoEncoder if backend == "openvino" else OnnxEncoder
    return runtime(model_path, backend, threads, root)


def _batches(order: list[int], lengths: list[int], size: int) -> list[list[int]]:
    """Consecutive runs of `order` (longest first) of at most `size` texts, each holding only texts at
    least 3/4 as long as its first: padding stays under a quarter of any batch, even for the few
    sentences of one answer, whose lengths vary much more than an ingest's chunks."""
    batches: list[list[int]] = []
    for i in order:
        if not batches or len(batches[-1]) == size or lengths[i] * 4 < lengths[batches[-1][0]] * 3:
            batches.append([])
        batches[-1].append(i)
    return batches


def main(argv: Sequence[str] | None = None) -> int:
    from index.embedder import resolve_model
    from index.settings import PACKAGED_EMBED_MODEL

    parser = argparse.ArgumentParser(prog="python -m index.onnx", description="Build the ONNX exports of an embedding model, offline.")
    parser.add_argument("--model", default=PACKAGED_EMBED_MODEL, help="the packaged model (default) or a local model folder")
    parser.add_argument("--force", action="store_true", help="rebuild even when the exports exist")
    args = parser.parse_args(argv)
    # Errors only: onnxruntime's quantizer logs advice on every run.
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _, path = resolve_model(args.model)
    out = export_dir(path)
    if args.force or not all((out / name).exists() for name in VARIANTS.values()):
        build(path, out)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
