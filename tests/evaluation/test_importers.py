"""The SQuAD and BEIR importers on real slices of ../shared/datasets, and the harness on real retrieval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.importers import DatasetError, import_beir, import_squad
from evaluation.testset import load_testset
from index.collection import Collection
from index.embedder import Embedder
from index.settings import IndexSettings
from tests.conftest import DATASETS

if not DATASETS.is_dir():
    pytest.skip(f"../shared/datasets not found (looked in {DATASETS})", allow_module_level=True)

SQUAD_V11 = DATASETS / "squad" / "dev-v1.1-public.json"
SQUAD_V20 = DATASETS / "squad" / "dev-v2.0-public.json"
SCIFACT = DATASETS / "scifact"


def _squad_article_titles(path: Path, n: int) -> list[str]:
    return [article["title"] for article in json.loads(path.read_text(encoding="utf-8"))["data"][:n]]


def test_squad_v11_slice(tmp_path: Path) -> None:
    corpus, testset = import_squad(SQUAD_V11, tmp_path, limit_articles=2, limit_questions=30)

    files = sorted(p.name for p in corpus.iterdir())
    assert files == sorted(f"{title}.txt" for title in _squad_article_titles(SQUAD_V11, 2))
    cases = load_testset(testset)
    assert len(cases) == 30
    for case in cases:
        assert case.answerable and case.reference_answers
        assert len(case.reference_answers) == len(set(case.reference_answers))
        (source,) = case.reference_sources
        text = (corpus / source).read_text(encoding="utf-8")
        assert all(answer in text for answer in case.reference_answers), case.id
    first = (corpus / files[0]).read_text(encoding="utf-8")
    assert first.startswith("1973 oil crisis\n\n")


def test_squad_v20_unanswerable(tmp_path: Path) -> None:
    corpus, testset = import_squad(SQUAD_V20, tmp_path, limit_articles=1)

    assert len(list(corpus.iterdir())) == 1
    cases = load_testset(testset)
    unanswerable = [c for c in cases if not c.answerable]
    answerable = [c for c in cases if c.answerable]
    assert unanswerable and answerable
    assert all(c.reference_answers == [] and c.reference_sources == [] for c in unanswerable)
    text = (corpus / answerable[0].reference_sources[0]).read_text(encoding="utf-8")
    assert all(a in text for c in answerable for a in c.reference_answers)


def test_squad_withheld_answers_are_cut_from_the_article(tmp_path: Path) -> None:
    from evaluation.metrics import contains

    whole, whole_set = import_squad(SQUAD_V11, tmp_path / "whole", limit_articles=2)
    cut, testset = import_squad(SQUAD_V11, tmp_path / "cut", limit_articles=2, withhold=1)

    original = {c.id: c for c in load_testset(whole_set)}
    cases = load_testset(testset)
    assert len(cases) > 20
    for case in cases:
        assert case.id.endswith("-withheld") and not case.answerable
        assert case.reference_answers == [] and case.reference_sources == []
        asked = original[case.id.removesuffix("-withheld")]
        assert asked.question == case.question
        # The fact is gone from the whole article, not only from the paragraph it was in.
        assert not contains((cut / asked.reference_sources[0]).read_text(encoding="utf-8"), asked.reference_answers)
    # At most one sentence set a paragraph is cut: the articles keep most of their text.
    for name in (p.name for p in whole.iterdir()):
        before, after = ((folder / name).read_text(encoding="utf-8") for folder in (whole, cut))
        assert before.count("\n\n") >= after.count("\n\n") and 0.55 < len(after) / len(before) < 0.95
    # Another position in each paragraph withholds other questions.
    other = {c.id for c in load_testset(import_squad(SQUAD_V11, tmp_path / "other", limit_articles=2, withhold=2)[1])}
    assert other and other != {c.id for c in cases}


def test_cut_sentences_drops_only_the_sentences_the_offsets_fall_in() -> None:
    from evaluation.importers import cut_sentences

    text = "Warsaw is the capital. It lies on the Vistula. The river is long."
    assert cut_sentences(text, [text.index("Vistula")]) == "Warsaw is the capital. The river is long."
    assert cut_sentences(text, []) == text
    assert cut_sentences(text, [0, len(text) - 1]) == "It lies on the Vistula."


@pytest.fixture(scope="module")
def scifact_slice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return import_beir(SCIFACT, tmp_path_factory.mktemp("scifact"), limit_queries=5, extra_docs=20)


def test_beir_scifact_slice(scifact_slice: tuple[Path, Path]) -> None:
    corpus, testset = scifact_slice

    cases = load_testset(testset)
    assert len(cases) == 5
    judged = {source for case in cases for source in case.reference_sources}
    assert all((corpus / source).is_file() for source in judged)
    assert len(list(corpus.glob("*.txt"))) == len(judged) + 20
    assert all(case.answerable and case.reference_answers == [] for case in cases)
    first_doc = json.loads((SCIFACT / "corpus.jsonl").open(encoding="utf-8").readline())
    assert (corpus / f"{first_doc['_id']}.txt").read_text(encoding="utf-8").startswith(first_doc["title"] + "\n\n")


def test_scifact_slice_is_retrievable(scifact_slice: tuple[Path, Path], tmp_path: Path, embedder: Embedder) -> None:
    """The harness end to end on real data: ingested with the real index, judged abstracts are found."""
    corpus, testset = scifact_slice
    index = Collection(IndexSettings(data_dir=tmp_path / "data"), embedder=embedder)
    try:
        report = index.ingest([corpus])
        assert report.failed == 0
        found = 0
        for case in load_testset(testset):
            top = {p.doc_id for p in index.retriever.search(case.question, k=10)}
            found += bool(top & set(case.reference_sources))
    finally:
        index.close()
    assert found >= 3


def test_missing_and_malformed_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="nope.json: no such file"):
        import_squad(tmp_path / "nope.json", tmp_path / "out")

    broken = tmp_path / "broken.json"
    broken.write_text('{"data": [', encoding="utf-8")
    with pytest.raises(DatasetError, match="broken.json:1: not valid JSON"):
        import_squad(broken, tmp_path / "out")

    no_context = tmp_path / "no_context.json"
    no_context.write_text(json.dumps({"data": [{"title": "T", "paragraphs": [{"qas": []}]}]}), encoding="utf-8")
    with pytest.raises(DatasetError, match=r"data\[0\]\.paragraphs\[0\]: missing 'context'"):
        import_squad(no_context, tmp_path / "out")

    beir = tmp_path / "beir"
    (beir / "qrels").mkdir(parents=True)
    with pytest.raises(DatasetError, match="test.tsv: no such qrels file"):
        import_beir(beir, tmp_path / "out")
    (beir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\n", encoding="utf-8")
    (beir / "queries.jsonl").write_text('{"_id": "q1", "text": "a claim"}\n', encoding="utf-8")
    (beir / "corpus.jsonl").write_text(
        '{"_id": "d1", "title": "T", "text": "body"}\n{"_id": "d2", "text": \n', encoding="utf-8"
    )
    with pytest.raises(DatasetError, match="corpus.jsonl:2: not valid JSON"):
        import_beir(beir, tmp_path / "out")
