"""The keyword index held in memory: the same BM25 ranking as FTS5, and never behind the catalog."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.perfkit import rank_alike
from index.catalog import Catalog
from index.collection import Collection
from index.embedder import Embedder
from index.keywords import content_words
from index.postings import Postings, QueryTokenizer
from index.settings import IndexSettings
from tests.conftest import ROOT

# Words whose stems collide, accents, numbers, underscores and words the corpus does not hold.
EXTRA_QUERIES = [
    "reports report reporting on the cafe and the café",
    "Convention conventions conventional Budapest",
    "2019 85 per cent electronic evidence",
    "foo_bar cybercrime",
    "zzyzx quokka",
    "Who organised the grey colour?",
    "the of and",
]
NOTES = {
    "cafe.txt": "The Café Central reported record sales; the cafe's reports were filed by the reporting clerk.\n",
    "numbers.txt": "In 2019 about 85 per cent of cases used electronic evidence, and 15 per cent did not.\n",
    "code.txt": "The setting foo_bar turns the cybercrime filter on; foo and bar alone do nothing.\n",
}


def questions() -> list[str]:
    lines = (ROOT / "corpus" / "testsets" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()] + EXTRA_QUERIES


@pytest.fixture
def large(tmp_path: Path, corpus_copy: Path, embedder: Embedder) -> Iterator[Collection]:
    """The sample corpus and a few notes, searched as a large collection is (pruned query words,
    keywords in memory), whatever its size."""
    for name, text in NOTES.items():
        (corpus_copy / name).write_text(text, encoding="utf-8")
    settings = IndexSettings(data_dir=tmp_path / "data", keyword_prune_from=0, keyword_memory_from=0)
    opened = Collection(settings, embedder=embedder)
    opened.ingest([corpus_copy])
    yield opened
    opened.close()


def test_the_keyword_index_in_memory_ranks_every_question_as_fts5_does(large: Collection) -> None:
    retriever = large.retriever
    retriever.keep_keywords_in_memory()
    assert retriever.wait_for_keywords_in_memory(timeout=30)
    matched = 0
    for question in questions():
        with large.catalog.read():
            in_memory = retriever.keyword_search(question, 20)
            on_disk = large.catalog.keyword_search(retriever.keyword_words(question), 20)
        # The same scores place by place; chunks tied at the cut-off may come in either order.
        assert rank_alike(in_memory, on_disk), (question, in_memory, on_disk)
        matched += bool(on_disk)
    assert matched >= 45  # of 55: the rest hold no word of the corpus
    # A question asked of some documents only: the same scores (BM25 over the whole collection), fewer rows.
    scope = ["000_92d15d5cd8394714.txt", "cafe.txt", "no-such-document.txt"]
    for question in questions():
        with large.catalog.read():
            in_memory = retriever.keyword_search(question, 20, scope)
            on_disk = large.catalog.keyword_search(retriever.keyword_words(question), 20, scope)
        assert rank_alike(in_memory, on_disk), (question, in_memory, on_disk)
        assert {large.catalog.chunks([c])[c].doc_id for c, _ in in_memory} <= set(scope)


def test_searches_use_the_copy_in_memory_while_it_is_current(large: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    retriever = large.retriever
    retriever.keep_keywords_in_memory()
    assert retriever.wait_for_keywords_in_memory(timeout=30)

    def on_disk(*args: object, **kwargs: object) -> list[tuple[str, float]]:
        raise AssertionError("searched FTS5 although the copy in memory is current")

    monkeypatch.setattr(large.catalog, "keyword_search", on_disk)
    monkeypatch.setattr(large.catalog, "word_rows", on_disk)
    hits = retriever.search("Which law is Kyrgyzstan drafting?")
    assert hits and hits[0].doc_id == "000_92d15d5cd8394714.txt" and hits[0].keyword_rank is not None
    scoped = retriever.search("Which law is Kyrgyzstan drafting?", doc_ids=["001_04dbf60d010ecd0f.txt"])
    assert {p.doc_id for p in scoped} == {"001_04dbf60d010ecd0f.txt"} and any(p.keyword_rank for p in scoped)
    # A word FTS5 splits in two ("foo_bar" is the phrase "foo bar") is left to FTS5.
    with pytest.raises(AssertionError, match="searched FTS5"):
        retriever.keyword_search("the foo_bar setting", 5)


def test_a_change_is_searched_at_once_and_the_copy_in_memory_catches_up(large: Collection, tmp_path: Path) -> None:
    retriever = large.retriever
    retriever.keep_keywords_in_memory()
    assert retriever.wait_for_keywords_in_memory(timeout=30)
    assert retriever.keyword_search("quokka", 5) == []

    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "quokka.txt").write_text("A quokka was seen near the OSCE office in Astana.\n", encoding="utf-8")
    large.ingest([folder])
    # The copy is behind the catalog now: FTS5 answers, and finds the new document at once.
    found = retriever.keyword_search("quokka", 5)
    assert [large.catalog.chunks([c])[c].doc_id for c, _ in found] == ["quokka.txt"]
    assert retriever.wait_for_keywords_in_memory(timeout=30)
    assert retriever.keyword_search("quokka", 5) == found

    large.remove("quokka.txt")
    assert retriever.keyword_search("quokka", 5) == []
    assert retriever.wait_for_keywords_in_memory(timeout=30)
    assert retriever.keyword_search("quokka", 5) == []


def test_a_small_collection_is_searched_on_disk(tmp_path: Path, corpus_copy: Path, embedder: Embedder) -> None:
    collection = Collection(IndexSettings(data_dir=tmp_path / "data"), embedder=embedder)
    collection.ingest([corpus_copy])
    collection.retriever.keep_keywords_in_memory()
    # Below keyword_memory_from (20,000 chunks by default) FTS5 is fast enough: no copy is made.
    assert not collection.retriever.wait_for_keywords_in_memory(timeout=2)
    assert collection.retriever.keyword_search("Kyrgyzstan law", 3)
    collection.close()


def test_query_words_become_the_terms_fts5_indexes() -> None:
    tokenizer = QueryTokenizer()
    assert tokenizer.terms(["Reports", "café", "running", "foo_bar", "2019"]) == [
        ("report",), ("cafe",), ("run",), ("foo", "bar"), ("2019",),
    ]
    assert tokenizer.terms([]) == []
    # Nothing stays behind between calls.
    assert tokenizer.terms(["running"]) == [("run",)]


def test_postings_read_out_of_fts5_hold_every_instance(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    postings = catalog.keyword_postings()
    assert postings.rows == 0 and postings.search(["anything"], 5) == []
    catalog.close()
    # Rowids listed out of order within a term are sorted before their frequencies are counted.
    built = Postings.from_listing(7, 3, [("bird", 3, "9,4,9"), ("cat", 1, "4")])
    assert built.rows_holding("bird") == 2 and built.rows_holding("dog") == 0
    assert [rowid for rowid, _ in built.search(["bird"], 5)] == [9, 4]  # twice in row 9, once in row 4
    assert [rowid for rowid, _ in built.search(["bird", "cat"], 1)] == [4]
    assert content_words("the bird") == ["bird"]


def test_a_copy_that_cannot_be_read_leaves_fts5_answering(
    large: Collection, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unreadable() -> Postings:
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(large.catalog, "keyword_postings", unreadable)
    large.retriever.keep_keywords_in_memory()
    assert not large.retriever.wait_for_keywords_in_memory(timeout=3)
    assert "searching it on disk from now on" in caplog.text
    hits = large.retriever.search("Which law is Kyrgyzstan drafting?")
    assert hits and hits[0].doc_id == "000_92d15d5cd8394714.txt" and hits[0].keyword_rank is not None


def test_either_english_spelling_finds_the_other(tmp_path: Path, embedder: Embedder) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "us.txt").write_text("The organizers painted the gray annex in a bright color.\n", encoding="utf-8")
    (folder / "uk.txt").write_text("The programme was catalogued by the harbour's archivists.\n", encoding="utf-8")
    (folder / "other.txt").write_text("The annex and the archive share a courtyard.\n", encoding="utf-8")
    settings = IndexSettings(data_dir=tmp_path / "data", keyword_prune_from=0, keyword_memory_from=0)
    collection = Collection(settings, embedder=embedder)
    collection.ingest([folder])
    retriever = collection.retriever
    # Each word with its other spelling; those no chunk holds are left out (keyword_prune_from=0).
    assert retriever.keyword_words("Who organised the grey colour?") == ["organized", "gray", "color"]

    def found(question: str) -> str:
        chunk_id = retriever.keyword_search(question, 1)[0][0]
        return Path(collection.catalog.chunks([chunk_id])[chunk_id].doc_id).name

    for in_memory in (False, True):
        if in_memory:
            retriever.keep_keywords_in_memory()
            assert retriever.wait_for_keywords_in_memory(timeout=30)
        assert found("Who organised the grey colour?") == "us.txt"
        assert found("Which program was cataloged in the harbor?") == "uk.txt"
    collection.close()
