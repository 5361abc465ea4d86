"""Collections: isolated sets of documents in one data directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.collection import Collection
from index.embedder import Embedder
from index.errors import CollectionExists, UnknownCollection
from index.library import Library
from index.settings import IndexSettings
from ingest.errors import Conflict, InvalidInput
from tests.conftest import SAMPLE

HARBOUR = "Aktau harbour notice\n\nThe harbour of Aktau reopens on 4 May after the dredging of the northern basin.\n"


def test_questions_see_only_their_own_collection(index_settings: IndexSettings, embedder: Embedder, corpus_copy: Path, tmp_path: Path) -> None:
    library = Library(index_settings, embedder=embedder)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "aktau.txt").write_text(HARBOUR, encoding="utf-8")
    library.open("default").ingest([corpus_copy])
    library.open("notes", create=True).ingest([notes])
    assert library.names() == ["default", "notes"]
    for name, question, wanted, unwanted in (
        ("notes", "When does the harbour of Aktau reopen?", "aktau.txt", "000_92d15d5cd8394714.txt"),
        ("default", "Which law is Kyrgyzstan drafting?", "000_92d15d5cd8394714.txt", "aktau.txt"),
    ):
        found = {p.doc_id for p in library.open(name).retriever.search(question, k=10)}
        assert wanted in found and unwanted not in found
    vectors = library.open("notes").vectors
    chroma_name = vectors.live_name
    assert chroma_name != library.open("default").vectors.live_name

    library.delete("notes")
    assert library.names() == ["default"]
    assert not (index_settings.collections_dir / "notes").exists()
    assert chroma_name not in {c.name for c in vectors.client.list_collections()}, "its vectors are gone"
    with pytest.raises(UnknownCollection):
        library.open("notes")
    hits = library.open("default").retriever.search("Which law is Kyrgyzstan drafting?", k=3)
    assert hits and hits[0].doc_id == "000_92d15d5cd8394714.txt", "the other collection is intact"


def test_rename_keeps_documents_and_vectors(tmp_path: Path, embedder: Embedder) -> None:
    library = Library(IndexSettings(data_dir=tmp_path / "data"), embedder=embedder)
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "aktau.txt").write_text(HARBOUR, encoding="utf-8")
    library.open("notes", create=True).ingest([folder])
    library.rename("notes", "harbour")
    assert library.names() == ["default", "harbour"]
    hits = library.open("harbour").retriever.search("When does the harbour reopen?", k=1)
    assert hits[0].doc_id == "aktau.txt" and hits[0].dense_score is not None
    with pytest.raises(CollectionExists):
        library.create("harbour")
    with pytest.raises(Conflict):
        library.delete("default")
    with pytest.raises(InvalidInput, match="not a collection name"):
        library.open("../etc", create=True)


def test_a_data_directory_from_before_collections_opens_as_default(tmp_path: Path, embedder: Embedder) -> None:
    """The default collection is the data directory itself: nothing moves, nothing is re-ingested."""
    data = tmp_path / "data"
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SAMPLE[0], folder / SAMPLE[0].name)
    Collection(IndexSettings(data_dir=data), embedder=embedder).ingest([folder])
    assert (data / "catalog.sqlite3").is_file() and not (data / "collections").exists()
    default = Library(IndexSettings(data_dir=data), embedder=embedder).open("default")
    report = default.ingest([folder])
    assert report.embedded == 0 and report.count("unchanged") == 1


def test_a_collection_built_by_another_local_backend_opens_with_the_backend_that_built_it(tmp_path: Path) -> None:
    """Its vectors are only comparable with their own kind: an int8 index keeps answering under the
    OpenVINO default instead of stopping, and `reindex` moves it to the configured backend."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "aktau.txt").write_text(HARBOUR, encoding="utf-8")
    built = Library(IndexSettings(data_dir=tmp_path / "data", embed_backend="onnx-int8"))
    built.open("default").ingest([notes])
    built.close()

    library = Library(IndexSettings(data_dir=tmp_path / "data"))
    assert library.embedder.backend == "openvino"
    collection = library.open("default")
    assert collection.embedder.backend == "onnx-int8"
    assert collection.retriever.search("When does the harbour of Aktau reopen?", k=1)[0].doc_id == "aktau.txt"
    library.close()

    library = Library(IndexSettings(data_dir=tmp_path / "data"))
    library.open("default", check_model=False).reindex()
    library.close()
    reopened = Library(IndexSettings(data_dir=tmp_path / "data")).open("default")
    assert reopened.embedder.backend == "openvino" and reopened.recorded_model() == reopened.embedder.name
    assert reopened.retriever.search("When does the harbour of Aktau reopen?", k=1)[0].doc_id == "aktau.txt"


def test_deleting_a_collection_waits_for_the_work_on_it(tmp_path: Path, embedder: Embedder) -> None:
    """An answer in progress finishes on its collection; a delete asked meanwhile waits for it, and
    work asked once the delete has begun finds the collection gone (not a closed database)."""
    import threading

    library = Library(IndexSettings(data_dir=tmp_path / "data"), embedder=embedder)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "aktau.txt").write_text(HARBOUR, encoding="utf-8")
    library.open("notes", create=True).ingest([notes])
    deleted = threading.Event()
    with library.using("notes") as collection:
        deleting = threading.Thread(target=lambda: (library.delete("notes"), deleted.set()))
        deleting.start()
        assert not deleted.wait(0.5), "the delete waits for the work in progress"
        assert collection.retriever.search("When does the harbour of Aktau reopen?", k=1)[0].doc_id == "aktau.txt"
        with pytest.raises(UnknownCollection):
            with library.using("notes"):
                pass
    deleting.join(30)
    assert deleted.is_set() and library.names() == ["default"]
    with pytest.raises(UnknownCollection):
        library.open("notes")
