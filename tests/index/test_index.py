"""The index against embedded Chroma and a real Chroma server: incremental ingest, removal, search."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.collection import Collection
from index.embedder import Embedder
from index.errors import EmbeddingModelMismatch, UnknownDocument
from index.settings import IndexSettings
from ingest.clean import clean
from tests.conftest import SAMPLE

MENU_ONLY = ["Holy See", "Mission to Skopje", "Arms control", "Court of Conciliation and Arbitration"]
LEAD = "On 12 and 13 November, representatives of Kazakhstan"

# Questions about the sample corpus, the document that answers each and a phrase of the answer.
QUESTIONS = [
    ("Which country is preparing to join the Budapest Convention on Cybercrime?", "000_92d15d5cd8394714.txt", "Kazakhstan is preparing to join the Budapest Convention"),
    ("Who provided financial support for the meeting in Astana?", "002_d8487920b28d3ab8.txt", "Norway and Belgium provided financial support"),
    ("In what share of criminal investigations does electronic evidence play a role?", "000_92d15d5cd8394714.txt", "approximately 85 per cent"),
    ("Which university official announced that Uzbekistan will join the Budapest Convention?", "001_04dbf60d010ecd0f.txt", "Gayrat Musaev"),
    ("Who is the OSCE Senior Police Adviser?", "002_d8487920b28d3ab8.txt", "Kevin Carty, the OSCE Senior Police Adviser"),
    ("Which law is Kyrgyzstan drafting?", "000_92d15d5cd8394714.txt", "Law on Digital Evidence"),
]


def all_chunk_texts(collection: Collection) -> dict[str, list[str]]:
    by_doc: dict[str, list[str]] = {}
    for batch in collection.catalog.iter_chunks():
        for chunk in batch:
            by_doc.setdefault(chunk.doc_id, []).append(chunk.text)
    return by_doc


def test_ingest_cleans_the_sample_corpus(collection: Collection, corpus_copy: Path) -> None:
    report = collection.ingest([corpus_copy])
    assert report.count("added") == 3 and report.failed == 0
    assert report.embedded == collection.vectors.live().count() == collection.catalog.chunk_count()
    texts = all_chunk_texts(collection)
    for doc_texts in texts.values():
        for text in doc_texts:
            for item in MENU_ONLY:
                assert item not in text
    assert sum(t.count(LEAD) for t in texts["001_04dbf60d010ecd0f.txt"]) == 1


def test_reingest_is_incremental(collection: Collection, corpus_copy: Path) -> None:
    first = collection.ingest([corpus_copy])
    assert first.embedded > 0
    again = collection.ingest([corpus_copy])
    assert again.embedded == 0 and again.count("unchanged") == 3
    assert again.chunks == first.chunks == first.embedded == collection.catalog.chunk_count()

    edited = corpus_copy / "002_d8487920b28d3ab8.txt"
    before = set(collection.catalog.chunk_ids("002_d8487920b28d3ab8.txt"))
    others_before = {d: collection.catalog.chunk_ids(d) for d in ("000_92d15d5cd8394714.txt", "001_04dbf60d010ecd0f.txt")}
    edited.write_text(edited.read_text().replace("Norway and Belgium", "Norway and Denmark"), encoding="utf-8")
    changed = collection.ingest([corpus_copy])
    statuses = {o.source: o.status for o in changed.outcomes}
    assert statuses == {
        "000_92d15d5cd8394714.txt": "unchanged",
        "001_04dbf60d010ecd0f.txt": "unchanged",
        "002_d8487920b28d3ab8.txt": "updated",
    }
    after = set(collection.catalog.chunk_ids("002_d8487920b28d3ab8.txt"))
    # Only the passages holding the edit are embedded again; the others keep their vectors.
    assert 0 < changed.embedded == len(after - before) < len(after)
    assert {d: collection.catalog.chunk_ids(d) for d in others_before} == others_before
    assert collection.vectors.live().count() == collection.catalog.chunk_count()
    hits = collection.retriever.search("Which countries provided financial support for the Astana meeting?", k=3)
    assert any("Norway and Denmark" in p.text for p in hits)
    assert not any("Norway and Belgium" in p.text for p in hits)


def test_removed_documents_leave_the_index(collection: Collection, corpus_copy: Path) -> None:
    collection.ingest([corpus_copy])
    report = collection.remove("000_92d15d5cd8394714.txt")
    assert [o.status for o in report.outcomes if o.source == "000_92d15d5cd8394714.txt"] == ["removed"]
    assert collection.catalog.document("000_92d15d5cd8394714.txt") is None
    assert all(p.doc_id != "000_92d15d5cd8394714.txt" for p in collection.retriever.search("Budapest Convention Kazakhstan", k=10))
    with pytest.raises(UnknownDocument, match="askdocs docs"):
        collection.remove("000_92d15d5cd8394714.txt")

    (corpus_copy / "002_d8487920b28d3ab8.txt").unlink()
    swept = collection.ingest([corpus_copy])
    assert {o.source: o.status for o in swept.outcomes}["002_d8487920b28d3ab8.txt"] == "removed"
    assert [d.doc_id for d in collection.retriever.documents()] == ["000_92d15d5cd8394714.txt", "001_04dbf60d010ecd0f.txt"]
    assert collection.vectors.live().count() == collection.catalog.chunk_count()


def test_boilerplate_follows_the_corpus(collection: Collection, tmp_path: Path) -> None:
    """A page's menu becomes boilerplate once a second page with the same menu arrives."""
    folder = tmp_path / "site"
    folder.mkdir()
    shutil.copy(SAMPLE[1], folder / SAMPLE[1].name)
    collection.ingest([folder])
    assert any("Holy See" in t for t in all_chunk_texts(collection)[SAMPLE[1].name])
    shutil.copy(SAMPLE[2], folder / SAMPLE[2].name)
    report = collection.ingest([folder])
    assert {o.source: o.status for o in report.outcomes} == {SAMPLE[1].name: "updated", SAMPLE[2].name: "added"}
    assert not any("Holy See" in t for texts in all_chunk_texts(collection).values() for t in texts)


@pytest.mark.parametrize(("question", "doc_id", "phrase"), QUESTIONS)
def test_search_finds_the_paragraph(collection: Collection, corpus_copy: Path, question: str, doc_id: str, phrase: str) -> None:
    collection.ingest([corpus_copy])
    top = collection.retriever.search(question, k=3)
    assert any(p.doc_id == doc_id and phrase in p.text for p in top), [p.text[:80] for p in top]
    source = (corpus_copy / top[0].doc_id).read_text(encoding="utf-8")
    assert " ".join(source[top[0].start : top[0].end].split()).startswith(" ".join(top[0].text.split()[:5]))


def test_bad_files_do_not_stop_the_batch(collection: Collection, corpus_copy: Path) -> None:
    (corpus_copy / "empty.txt").write_bytes(b"")
    (corpus_copy / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    (corpus_copy / "image.png").write_bytes(b"\x89PNG\r\n")
    report = collection.ingest([corpus_copy, corpus_copy / "missing.txt"])
    statuses = {Path(o.source).name: o.status for o in report.outcomes}
    assert statuses["empty.txt"] == statuses["broken.pdf"] == statuses["missing.txt"] == "failed"
    assert statuses["image.png"] == "skipped"
    assert report.count("added") == 3 and report.failed == 3


def test_a_file_turned_bad_keeps_its_earlier_version(collection: Collection, corpus_copy: Path) -> None:
    collection.ingest([corpus_copy])
    chunks = collection.catalog.chunk_ids("000_92d15d5cd8394714.txt")
    (corpus_copy / "000_92d15d5cd8394714.txt").write_bytes(b"\x00\x01\x02" * 100)
    report = collection.ingest([corpus_copy])
    outcome = next(o for o in report.outcomes if o.source == "000_92d15d5cd8394714.txt")
    assert outcome.status == "failed" and "kept" in (outcome.reason or "")
    assert collection.catalog.chunk_ids("000_92d15d5cd8394714.txt") == chunks


def test_writes_are_batched_within_chromas_limit(collection: Collection, corpus_copy: Path) -> None:
    collection.vectors.live().max_batch = 2  # far below any real limit, so every write takes several batches
    report = collection.ingest([corpus_copy])
    assert report.embedded == collection.vectors.live().count() > 2


def test_keyword_index_is_persisted(index_settings: IndexSettings, embedder: Embedder, corpus_copy: Path) -> None:
    first = Collection(index_settings, embedder=embedder)
    first.ingest([corpus_copy])
    first.close()
    reopened = Collection(index_settings, embedder=embedder)
    hits = reopened.catalog.keyword_search("Baimaganbetov interior minister", 3)
    assert hits and reopened.catalog.chunks([hits[0][0]])[hits[0][0]].doc_id == "002_d8487920b28d3ab8.txt"
    reopened.close()


def test_other_embedding_model_is_a_clear_error(
    index_settings: IndexSettings, embedder: Embedder, corpus_copy: Path, tmp_path: Path
) -> None:
    Collection(index_settings, embedder=embedder).ingest([corpus_copy])
    other_model = tmp_path / "other-model"
    shutil.copytree(embedder.path, other_model)
    other = index_settings.model_copy(update={"embed_model": str(other_model)})
    with pytest.raises(EmbeddingModelMismatch) as caught:
        Collection(other).retriever.search("anything")
    message = str(caught.value)
    assert "sentence-transformers/all-MiniLM-L6-v2" in message and str(other_model) in message
    assert "askdocs reindex" in message
    rebuilt = Collection(other, check_model=False)
    assert rebuilt.reindex() == rebuilt.catalog.chunk_count()
    assert rebuilt.vectors.live_name != index_settings.chroma_collection, "the re-index built a new collection"
    assert Collection(other).retriever.search("Budapest Convention", k=1)[0].doc_id


def test_cleaned_offsets_cover_whole_documents(corpus_copy: Path) -> None:
    text = (corpus_copy / "000_92d15d5cd8394714.txt").read_text(encoding="utf-8")
    cleaned = clean(text)
    assert cleaned.source_span(0, len(cleaned.text)) == (0, len(text.rstrip()))


def test_a_large_collection_leaves_common_query_words_out_of_the_keyword_search(tmp_path: Path, embedder: Embedder) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    animals = ["zebra", "giraffe", "lion", "tiger", "otter", "heron", "badger", "walrus", "lynx", "ibis"]
    for animal in animals:
        (folder / f"{animal}.txt").write_text(f"Field reports on the {animal}: where it was seen and what it ate.\n")
    question = "Which reports mention the zebra, the giraffe, the lion and the tiger?"
    every_word = ["reports", "mention", "zebra", "giraffe", "lion", "tiger"]

    # Below keyword_prune_from (20,000 chunks by default) every content word counts.
    small = Collection(IndexSettings(data_dir=tmp_path / "small"), embedder=embedder)
    small.ingest([folder])
    assert small.retriever.keyword_words(question) == every_word
    small.close()

    large = Collection(IndexSettings(data_dir=tmp_path / "large", keyword_prune_from=0), embedder=embedder)
    large.ingest([folder])
    assert large.catalog.word_rows(["reports", "report", "zebra", "mention"]) == {"reports": 10, "report": 10, "zebra": 1, "mention": 0}
    # "reports" is in every chunk (more than 20%), "mention" in none: both go; the rare ones stay.
    assert large.retriever.keyword_words(question) == ["zebra", "giraffe", "lion", "tiger"]
    # Three words or fewer are never pruned, and the three rarest always stay.
    assert large.retriever.keyword_words("reports on the zebra") == ["reports", "zebra"]
    assert large.retriever.keyword_words("reports of zebra or giraffe") == ["reports", "zebra", "giraffe"]
    assert large.retriever.keyword_words("reports, field reports, where seen") == ["reports", "field", "seen"]
    hits = large.retriever.keyword_search(question, 10)
    assert {large.catalog.chunks([cid])[cid].doc_id for cid, _ in hits} == {"zebra.txt", "giraffe.txt", "lion.txt", "tiger.txt"}
    large.close()


def test_steps_embedded_while_the_previous_one_is_written_store_the_same_index(
    tmp_path: Path, embedder: Embedder, corpus_copy: Path
) -> None:
    # write_batch 1: every document is a step of its own, embedded while the one before is written.
    indexes = []
    for batch in (1, 2048):
        collection = Collection(IndexSettings(data_dir=tmp_path / f"b{batch}", write_batch=batch), embedder=embedder)
        report = collection.ingest([corpus_copy])
        assert report.embedded > len(SAMPLE) and not [o for o in report.outcomes if o.status == "failed"]
        chunks = {c.id: c.text for c in collection.retriever.all_chunks()}
        top = [(p.chunk_id, p.score) for p in collection.retriever.search("Which law is Kyrgyzstan drafting?")]
        indexes.append((chunks, collection.vectors.live().count(), top, len(collection.catalog.documents())))
        collection.close()
    # The same chunks and the same ranking. Scores agree to rounding only: a text's vector moves in
    # the fourth decimal with the other texts of its batch, which set its padding.
    (chunks, count, top, documents), (chunks_2048, count_2048, top_2048, documents_2048) = indexes
    assert (chunks, count, documents) == (chunks_2048, count_2048, documents_2048)
    assert [cid for cid, _ in top] == [cid for cid, _ in top_2048]
    assert [score for _, score in top] == pytest.approx([score for _, score in top_2048], abs=2e-3)
    assert count == len(chunks) and documents == len(SAMPLE)


def test_the_vector_search_breadth_is_set_on_new_and_existing_collections(tmp_path: Path, embedder: Embedder, corpus_copy: Path) -> None:
    def ef_search(collection: Collection) -> int:
        return int(collection.vectors.live()._collection.configuration_json["hnsw"]["ef_search"])

    older = Collection(IndexSettings(data_dir=tmp_path / "data", hnsw_ef_search=100), embedder=embedder)
    older.ingest([corpus_copy])
    assert ef_search(older) == 100
    before = [p.chunk_id for p in older.retriever.search("Which law is Kyrgyzstan drafting?")]
    older.close()
    # Chroma's search breadth is a query-time setting: a collection built with another one takes the new one.
    reopened = Collection(IndexSettings(data_dir=tmp_path / "data"), embedder=embedder)
    assert ef_search(reopened) == IndexSettings().hnsw_ef_search == 1000
    assert [p.chunk_id for p in reopened.retriever.search("Which law is Kyrgyzstan drafting?")] == before
    reopened.close()


def test_a_readme_passage_is_found_by_the_name_of_what_it_documents(tmp_path: Path, embedder: Embedder) -> None:
    """A passage deep in a README rarely names its package; it is embedded after the README's title
    and its section's headings, so a question naming the package finds that package's passage."""
    from ingest.settings import IngestSettings

    docs = tmp_path / "docs"
    docs.mkdir()
    intro = "It reads the state of the machine.\n\n## Platforms\n\n" + "It runs on Linux, macOS and the BSDs, with no compiler needed to install it. " * 8
    section = "## Windows services\n\nCall `win_service_iter()` to list the services installed on a Windows machine.\n"
    (docs / "sysmon.md").write_text(f"# sysmon\n\n{intro}\n\n{section}", encoding="utf-8")
    # The other README words it closer to the question, but is about another package.
    closer = section.replace("the services installed on a Windows machine", "the installed Windows services")
    (docs / "winprobe.md").write_text(f"# winprobe\n\n{intro}\n\n{closer}", encoding="utf-8")
    settings = IndexSettings(data_dir=tmp_path / "data")
    collection = Collection(settings, IngestSettings(chunk_tokens=48, chunk_overlap=0), embedder=embedder)
    try:
        collection.ingest([docs])
        passages = [c for batch in collection.catalog.iter_chunks() for c in batch if c.doc_id == "sysmon.md" and "win_service_iter" in c.text]
        assert passages and all("sysmon" not in c.text and c.embedded.startswith(f"sysmon › {c.label}\n") for c in passages)
        best = collection.retriever.search("Which sysmon function lists the installed Windows services?", 3)[0]
        assert best.doc_id == "sysmon.md" and "win_service_iter" in best.text
    finally:
        collection.close()
