"""The index under crashes and concurrent use: SIGKILL trials, readers during writes, two writers.

The crash trials kill a real `askdocs ingest` at random points of its writing and check that
`askdocs doctor` reports what it finds, that the next ingest completes, and that the catalog, the
keyword index and Chroma then hold exactly the chunk ids of a clean ingest. Each run records its
trials in test-artifacts/crash-trials.json (docs/reliability.md summarises one).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from index.collection import Collection
from index.embedder import Embedder
from index.settings import IndexSettings
from ingest.settings import IngestSettings
from tests.conftest import BIN, DATASETS, ROOT

ASKDOCS = str(BIN / "askdocs")
SCIFACT = DATASETS / "scifact" / "corpus.jsonl"
ARTIFACTS = ROOT / "test-artifacts"


def write_corpus(folder: Path, count: int, version: int = 0) -> None:
    """`count` documents: SciFact abstracts when the datasets are there, else generated prose.

    `version` 1 edits every fifth document, drops every seventh and adds five new ones.
    """
    folder.mkdir(parents=True, exist_ok=True)
    texts = _texts(count + 5)
    for i in range(count + (5 if version else 0)):
        if version and i % 7 == 3:
            continue
        text = texts[i]
        if version and i % 5 == 0:
            text = text.replace(". ", ". In a later revision this passage was corrected. ", 1)
        (folder / f"doc{i:04d}.txt").write_text(text, encoding="utf-8")


def _texts(count: int) -> list[str]:
    if SCIFACT.is_file():
        texts = []
        with SCIFACT.open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                texts.append(f"{row['title']}\n\n{row['text']}\n")
                if len(texts) == count:
                    return texts
    rng = random.Random(7)
    words = "harbour ledger river council budget treaty signal archive mineral orchard festival tunnel".split()
    return [
        f"Report {i}\n\n" + " ".join(
            f"The {rng.choice(words)} of district {rng.randint(1, 90)} changed in {rng.randint(1900, 2024)}." for _ in range(40)
        )
        for i in range(count)
    ]


def askdocs(*args: str, data: Path, extra_env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASKDOCS_DATA_DIR": str(data), "ASKDOCS_WRITE_BATCH": "32", **(extra_env or {})}
    return subprocess.run([ASKDOCS, *args], capture_output=True, text=True, env=env, timeout=timeout)


def state_of(data: Path) -> dict[str, set[str]]:
    """Chunk ids as the catalog, the keyword index and Chroma each hold them (read once the writers are done:
    every call reads a data directory no process writes to any more)."""
    import chromadb
    from chromadb.config import Settings

    db = sqlite3.connect(data / "catalog.sqlite3")
    try:
        catalog = {row[0] for row in db.execute("SELECT id FROM chunks")}
        keyword = {row[0] for row in db.execute("SELECT c.id FROM chunks_fts_docsize d JOIN chunks c ON c.rowid = d.id")}
        db.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)")
        journal = db.execute("SELECT count(*) FROM journal").fetchone()[0]
        row = db.execute("SELECT value FROM meta WHERE key = 'vector_collection'").fetchone()
    finally:
        db.close()
    client = chromadb.PersistentClient(path=str(data / "chroma"), settings=Settings(anonymized_telemetry=False))
    chroma = set(client.get_collection(row[0] if row else "askdocs").get(include=[])["ids"])
    return {"catalog": catalog, "keyword": keyword, "chroma": chroma, "journal": {str(journal)}}


def progress(data: Path) -> tuple[int, int]:
    """(index version, journal entries): the version counts committed steps; journal entries are writes in flight."""
    try:
        db = sqlite3.connect(f"file:{data / 'catalog.sqlite3'}?mode=ro", uri=True, timeout=1)
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'index_version'").fetchone()
            return int(row[0]) if row else 0, int(db.execute("SELECT count(*) FROM journal").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return 0, 0


def kill_during_ingest(corpus: Path, data: Path, rng: random.Random, steps: int, in_flight: bool) -> dict[str, object]:
    """Start an ingest and SIGKILL it after a random number of its committed steps: at once when a
    vector write is in flight (`in_flight`), else after a random delay."""
    base = progress(data)[0]
    target = base + rng.randint(0, max(0, steps - 1))
    delay = 0.0 if in_flight else rng.uniform(0, 0.4)
    env = {**os.environ, "ASKDOCS_DATA_DIR": str(data), "ASKDOCS_WRITE_BATCH": "32"}
    process = subprocess.Popen([ASKDOCS, "ingest", str(corpus)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 600
    while process.poll() is None and time.monotonic() < deadline:
        version, journal = progress(data)
        if version >= target and (journal or not in_flight):
            break
        time.sleep(0.005)
    time.sleep(delay)
    finished = process.poll() is not None
    if not finished:
        process.send_signal(signal.SIGKILL)
    process.wait()
    version, journal = progress(data)
    return {
        "trigger": "a vector write in flight" if in_flight else "after a commit, plus a delay",
        "target_steps": target - base, "delay_s": round(delay, 3), "steps_done": version - base,
        "journal_at_kill": journal, "finished_first": finished,
    }


@pytest.mark.slow
@pytest.mark.timeout(1800)  # 10 trials of three askdocs processes each, on 2 busy cores
def test_sigkill_at_random_points_then_ingest_equals_a_clean_ingest(tmp_path: Path) -> None:
    rng = random.Random(20261125)
    v0, v1 = tmp_path / "v0", tmp_path / "v1"
    write_corpus(v0, 120, version=0)
    write_corpus(v1, 120, version=1)
    references, steps = {}, {}
    for name, corpus in (("v0", v0), ("v1", v1)):
        clean = tmp_path / f"clean-{name}"
        assert askdocs("ingest", str(corpus), data=clean).returncode == 0
        references[name] = state_of(clean)["catalog"]
        steps[name] = progress(clean)[0]
    assert len(references["v0"]) > 200 and references["v0"] != references["v1"]
    # How many steps an update of v0 to v1 commits.
    updated = tmp_path / "clean-v0"
    before = progress(updated)[0]
    assert askdocs("ingest", str(v1), data=updated).returncode == 0
    steps["update"] = progress(updated)[0] - before

    trials = []
    for trial in range(10):
        # Half the trials interrupt a first ingest, half an update of a complete one (edits, removals, additions).
        update = trial % 2 == 1
        data = tmp_path / f"trial-{trial}"
        corpus = tmp_path / f"corpus-{trial}"
        shutil.copytree(v0, corpus)
        if update:
            assert askdocs("ingest", str(corpus), data=data).returncode == 0
            shutil.rmtree(corpus)
            shutil.copytree(v1, corpus)
        wanted = references["v1" if update else "v0"]
        record: dict[str, object] = {"trial": trial, "kind": "update" if update else "first ingest"}
        in_flight = trial % 4 in (2, 3)
        record.update(kill_during_ingest(corpus, data, rng, steps["update" if update else "v0"], in_flight))
        found = askdocs("doctor", "--json", data=data)
        assert found.returncode in (0, 1), found.stderr
        diagnosis = json.loads(found.stdout)
        record["doctor_problems"] = {c["check"]: c["count"] for c in diagnosis["checks"] if not c["ok"]}
        resumed = askdocs("ingest", str(corpus), "--json", data=data)
        assert resumed.returncode == 0, resumed.stderr
        record["resumed_embedded"] = json.loads(resumed.stdout)["embedded"]
        after = state_of(data)
        record["equal_to_clean"] = after["catalog"] == after["keyword"] == after["chroma"] == wanted
        record["journal_after"] = int(next(iter(after["journal"])))
        trials.append(record)
        assert after["catalog"] == wanted, f"trial {trial}: catalog differs from a clean ingest"
        assert after["keyword"] == wanted, f"trial {trial}: keyword index differs from a clean ingest"
        assert after["chroma"] == wanted, f"trial {trial}: Chroma differs from a clean ingest"
        assert record["journal_after"] == 0
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "crash-trials.json").write_text(json.dumps(trials, indent=2) + "\n", encoding="utf-8")
    killed = [t for t in trials if not t["finished_first"]]
    assert len(killed) >= 8, "most trials must interrupt the ingest, not watch it finish"
    torn = [t for t in killed if t["journal_at_kill"]]
    assert len(torn) >= 2, "some kills land between a vector write and its commit"
    assert all(t["doctor_problems"] for t in torn), "doctor reports what such a kill leaves"


def test_doctor_repairs_orphan_and_missing_vectors(tmp_path: Path, corpus_copy: Path, embedder: Embedder) -> None:
    collection = Collection(IndexSettings(data_dir=tmp_path / "data"), embedder=embedder)
    collection.ingest([corpus_copy])
    from index import doctor

    assert doctor.check(collection).ok
    store = collection.vectors.live()
    chunk_id = collection.catalog.chunk_ids("000_92d15d5cd8394714.txt")[0]
    store.delete([chunk_id])
    store.upsert(["stray-vector"], embedder.embed(["a vector no chunk owns"]), ["nowhere.txt"])
    found = doctor.check(collection)
    problems = {f.name: f.count for f in found.findings if not f.ok}
    assert problems == {"orphan vectors": 1, "missing vectors": 1}
    repaired = doctor.repair(collection)
    assert repaired.ok and len(repaired.repaired) == 2
    assert set(store.ids()) == collection.catalog.all_chunk_ids()


def test_readers_during_uploads_and_a_reindex_see_whole_documents(tmp_path: Path, embedder: Embedder) -> None:
    """Searches from several threads while documents are rewritten and the index is rebuilt."""
    folder = tmp_path / "docs"
    folder.mkdir()
    topics = ["harbour dredging", "orchard harvest", "tunnel inspection", "river flooding"]

    def write(doc: int, version: int) -> Path:
        path = folder / f"d{doc}.txt"
        paragraphs = [
            f"Edition {version} of the {topics[doc]} notice, part {part}: the {topics[doc]} schedule for edition "
            f"{version} lists crews, dates and costs in full detail for district {part}."
            for part in range(12)
        ]
        path.write_text("\n\n".join(paragraphs), encoding="utf-8")
        return path

    # Small chunks: every document spans several, so a half-written one would show.
    collection = Collection(IndexSettings(data_dir=tmp_path / "data"), IngestSettings(chunk_tokens=64, chunk_overlap=0), embedder=embedder)
    for doc in range(len(topics)):
        write(doc, 0)
    collection.ingest([folder])
    stop = threading.Event()
    errors: list[BaseException] = []
    mixed: list[str] = []
    searches = [0]

    def read() -> None:
        rng = random.Random(threading.get_ident())
        while not stop.is_set():
            try:
                topic = rng.choice(topics)
                passages = collection.retriever.search(f"{topic} schedule", k=8)
                for doc_id in {p.doc_id for p in passages}:
                    shown = {_edition(p.text) for p in passages if p.doc_id == doc_id} - {None}
                    if len(shown) > 1:
                        mixed.append(f"search result, {doc_id}: editions {sorted(shown)}")
                    view = collection.retriever.document_view(doc_id)
                    if view is None:
                        continue  # removed meanwhile: a whole document gone is fine
                    held = {_edition(c.text) for c in view.chunks} - {None}
                    if len(view.chunks) != view.record.n_chunks or len(held) != 1 or _edition(view.text) not in held:
                        mixed.append(f"{doc_id}: {len(view.chunks)} of {view.record.n_chunks} chunks, editions {sorted(held)}")
                searches[0] += 1
            except BaseException as exc:  # any error in a reader fails the test
                errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers:
        thread.start()
    try:
        for version in range(1, 4):
            for doc in range(len(topics)):
                collection.ingest([write(doc, version)])
            collection.ingest([folder])
        collection.reindex()
        for doc in range(len(topics)):
            collection.ingest([write(doc, 9)])
    finally:
        stop.set()
        for thread in readers:
            thread.join(60)
    assert not errors, errors[:3]
    assert not mixed, mixed[:3]
    assert searches[0] > 20
    assert {_edition(c.text) for c in collection.retriever.document_chunks("d0.txt")} == {"9"}


def _edition(text: str) -> str | None:
    return text.split("Edition ", 1)[1].split()[0] if "Edition " in text else None


def test_two_ingests_at_once_take_turns(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first, second = tmp_path / "a", tmp_path / "b"
    write_corpus(first, 40)
    second.mkdir()
    for path in first.iterdir():
        (second / f"b-{path.name}").write_text(path.read_text(encoding="utf-8").replace("the", "a"), encoding="utf-8")
    env = {**os.environ, "ASKDOCS_DATA_DIR": str(data)}
    processes = [
        subprocess.Popen([ASKDOCS, "ingest", str(folder), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for folder in (first, second)
    ]
    outputs = [p.communicate(timeout=600) for p in processes]
    assert all(p.returncode == 0 for p in processes), [err for _, err in outputs]
    assert any("waiting for askdocs" in err for _, err in outputs), "the second writer says it waits"
    documents = json.loads(askdocs("docs", "--json", data=data).stdout)
    assert len(documents) == 80
    healthy = askdocs("doctor", "--json", data=data)
    assert healthy.returncode == 0, healthy.stdout
    state = state_of(data)
    assert state["catalog"] == state["keyword"] == state["chroma"]


def _open_catalog(path: str, start: object) -> None:
    from index.catalog import Catalog

    start.wait()  # type: ignore[attr-defined]
    Catalog(Path(path)).close()


def test_processes_opening_a_new_catalog_at_once_all_get_it(tmp_path: Path) -> None:
    """Two `ingest`s on a new data directory failed now and then with "database is locked": the
    switch to write-ahead logging is refused without SQLite's busy wait while another process makes it."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    failed = 0
    for trial in range(15):
        start = context.Barrier(6)
        path = tmp_path / f"trial-{trial}" / "catalog.sqlite3"
        path.parent.mkdir()
        openers = [context.Process(target=_open_catalog, args=(str(path), start)) for _ in range(6)]
        for opener in openers:
            opener.start()
        for opener in openers:
            opener.join(120)
        failed += sum(opener.exitcode != 0 for opener in openers)
    assert failed == 0


def test_no_wait_stops_at_once_when_another_process_writes(tmp_path: Path, corpus_copy: Path) -> None:
    from filelock import FileLock

    data = tmp_path / "data"
    data.mkdir()
    with FileLock(str(data / "write.lock")):
        busy = askdocs("ingest", str(corpus_copy), "--no-wait", data=data, timeout=120)
    assert busy.returncode == 2 and "--no-wait" in busy.stderr and "Traceback" not in busy.stderr
