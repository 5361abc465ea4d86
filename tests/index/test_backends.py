"""The ONNX backends compute the packaged model's vectors; the index never mixes vectors that differ."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.collection import Collection
from index.embedder import Embedder
from index.errors import EmbeddingModelMismatch
from index.onnx import export_dir
from index.settings import IndexSettings

TEXTS = [
    "Vitamin D deficiency is associated with a higher risk of hip fractures in older adults.",
    "Who provided financial support for the meeting in Astana?",
    "short",
    "A much longer passage. " * 60,  # past the model's 256 tokens: truncated the same way
]


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    return Embedder(IndexSettings(embed_backend="torch", embed_cache=0)).embed(TEXTS)


def test_fp32_export_gives_torchs_vectors(torch_vectors: np.ndarray) -> None:
    onnx = Embedder(IndexSettings(embed_backend="onnx", embed_cache=0))
    assert np.allclose(onnx.embed(TEXTS), torch_vectors, atol=1e-4)
    assert onnx.name == Embedder(IndexSettings(embed_backend="torch")).name, "same vectors, same recorded name"


def test_int8_export_is_close_and_named_apart(torch_vectors: np.ndarray) -> None:
    int8 = Embedder(IndexSettings(embed_backend="onnx-int8", embed_cache=0))
    vectors = int8.embed(TEXTS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosine = (vectors * torch_vectors).sum(axis=1)
    assert cosine.min() > 0.98 and not np.allclose(vectors, torch_vectors, atol=1e-4)
    assert int8.name.endswith("[onnx-int8]")


def test_openvino_gives_torchs_vectors_up_to_bfloat16_rounding(torch_vectors: np.ndarray) -> None:
    """Where the CPU has bfloat16 units OpenVINO multiplies in bfloat16: the vectors move by about
    1e-5 in cosine, 300 times less than int8's, so the index may mix them with torch's."""
    openvino = Embedder(IndexSettings(embed_backend="openvino", embed_cache=0))
    vectors = openvino.embed(TEXTS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (vectors * torch_vectors).sum(axis=1).min() > 0.9999
    assert openvino.name == Embedder(IndexSettings(embed_backend="torch")).name


def test_openvino_answers_concurrent_calls_as_it_answers_one_at_a_time() -> None:
    """Each thread runs its own infer request: calls from the web server's threads never share one."""
    from concurrent.futures import ThreadPoolExecutor

    openvino = Embedder(IndexSettings(embed_backend="openvino", embed_cache=0))
    alone = [openvino.embed([text]) for text in TEXTS]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda text: openvino.embed([text]), TEXTS * 3))
    assert all(np.array_equal(v, alone[i % len(TEXTS)]) for i, v in enumerate(together))


def test_openvino_runs_batches_side_by_side_and_keeps_each_vector_in_its_row(torch_vectors: np.ndarray) -> None:
    """Several batches go to the runtime's streams at once and come back in any order; each vector
    must still land in its text's row, also when several threads do this at the same time."""
    from concurrent.futures import ThreadPoolExecutor

    openvino = Embedder(IndexSettings(embed_backend="openvino", embed_cache=0, embed_batch_size=1))
    texts = TEXTS * 5  # twenty batches of one
    expected = np.concatenate([torch_vectors] * 5)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: openvino.embed(texts), range(3)))
    for vectors in results:
        assert vectors.shape == expected.shape
        assert (vectors * expected).sum(axis=1).min() > 0.9999


def test_batches_do_not_change_vectors() -> None:
    """Texts of very different lengths go to different batches; each vector is the one it gets alone."""
    embedder = Embedder(IndexSettings(embed_cache=0))
    together = embedder.embed(TEXTS)
    alone = np.stack([embedder.embed([t])[0] for t in TEXTS])
    assert np.allclose(together, alone, atol=1e-4)


@pytest.mark.parametrize("backend", ["onnx", "openvino"])
def test_token_ids_from_chunking_give_the_vectors_of_the_texts(backend: str) -> None:
    """An ingest hands the encoder the ids chunking counted: the same inputs as tokenizing the text,
    truncated the same way past the model's length; a text without them is tokenized."""
    from tokenizers import Tokenizer

    embedder = Embedder(IndexSettings(embed_backend=backend, embed_cache=0))
    assert embedder.tokenizer_file is not None
    tokenizer = Tokenizer.from_file(str(embedder.tokenizer_file))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    tokens = [tokenizer.encode(text, add_special_tokens=False).ids for text in TEXTS]
    assert len(tokens[-1]) > 256
    given = [tokens[0], None, tokens[2], tokens[3]]
    encoder = embedder.encoder
    assert np.array_equal(encoder.encode(TEXTS, 32, tokens=given), encoder.encode(TEXTS, 32))
    assert encoder._ids(TEXTS, given) == [e.ids for e in encoder.tokenizer.encode_batch(TEXTS)]


def test_a_copied_model_folder_shares_the_export(tmp_path: Path) -> None:
    import shutil

    path = Embedder(IndexSettings()).path
    assert path is not None
    copy = tmp_path / "model"
    shutil.copytree(path, copy)
    assert export_dir(copy).name.split("-")[-1] == export_dir(path).name.split("-")[-1]


def test_an_int8_index_refuses_the_torch_backend(tmp_path: Path, corpus_copy: Path) -> None:
    settings = IndexSettings(data_dir=tmp_path / "data", embed_backend="onnx-int8")
    Collection(settings).ingest([corpus_copy])
    with pytest.raises(EmbeddingModelMismatch, match="onnx-int8"):
        Collection(settings.model_copy(update={"embed_backend": "torch"}))


def test_the_query_is_encoded_once_per_answer(tmp_path: Path, corpus_copy: Path) -> None:
    """Retrieval encodes the question; ranking the answer's sentences finds it in the cache."""
    collection = Collection(IndexSettings(data_dir=tmp_path / "data"))
    collection.ingest([corpus_copy])
    seen: list[str] = []
    encode = collection.embedder._encode

    def counting(texts, progress=False):  # type: ignore[no-untyped-def]
        seen.extend(texts)
        return encode(texts, progress)

    collection.embedder._encode = counting  # type: ignore[method-assign]
    from assistant.answer import Assistant
    from assistant.settings import AssistantSettings

    question = "Who provided financial support for the meeting in Astana?"
    # Answerability off: this is about encoding, the answer must run every step.
    answer = Assistant(AssistantSettings(log_answers=False, min_answerable=0.0), collection.retriever).answer(question)
    assert "Norway" in answer.text
    assert seen.count(question) == 1
