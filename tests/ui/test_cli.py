"""The `askdocs` command as a user runs it: a real process, real index, JSON contracts, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import BIN

ASKDOCS = str(BIN / "askdocs")


def run(*args: str, data_dir: Path, check: bool = True, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASKDOCS_DATA_DIR": str(data_dir)}
    result = subprocess.run([ASKDOCS, *args], capture_output=True, text=True, env=env, timeout=300, cwd=cwd)
    if check and result.returncode != 0:
        raise AssertionError(f"askdocs {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


def test_help_does_not_import_heavy_libraries() -> None:
    code = "import sys, ui.cli; print(sorted(m for m in ('torch', 'chromadb', 'sentence_transformers', 'llama_index') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    help_text = subprocess.run([ASKDOCS, "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("ingest", "docs", "remove", "search", "reindex"):
        assert command in help_text


def test_ingest_search_docs_remove_json(tmp_path: Path, corpus_copy: Path) -> None:
    data = tmp_path / "data"
    (corpus_copy / "empty.txt").write_bytes(b"")
    first = run("ingest", str(corpus_copy), "--json", data_dir=data, check=False)
    assert first.returncode == 1, "a failed file makes the exit status say so"
    report = json.loads(first.stdout)
    statuses = {d["source"]: d["status"] for d in report["documents"]}
    assert statuses == {
        "000_92d15d5cd8394714.txt": "added",
        "001_04dbf60d010ecd0f.txt": "added",
        "002_d8487920b28d3ab8.txt": "added",
        "empty.txt": "failed",
    }
    assert next(d for d in report["documents"] if d["source"] == "empty.txt")["reason"] == "file is empty"
    assert report["embedded"] == sum(d["embedded"] for d in report["documents"]) > 0

    (corpus_copy / "empty.txt").unlink()
    again = json.loads(run("ingest", str(corpus_copy), "--json", data_dir=data).stdout)
    assert again["embedded"] == 0 and again["counts"]["unchanged"] == 3

    passages = json.loads(run("search", "Who provided financial support for the Astana meeting?", "-k", "2", "--json", data_dir=data).stdout)
    assert len(passages) == 2
    for passage in passages:
        assert {"source", "text", "start", "end", "score", "title", "page"} <= passage.keys()
    assert passages[0]["source"] == "002_d8487920b28d3ab8.txt"
    assert "Norway and Belgium" in passages[0]["text"]
    assert passages[0]["score"] >= passages[1]["score"]

    listed = json.loads(run("docs", "--json", data_dir=data).stdout)
    assert [d["source"] for d in listed] == sorted(statuses)[:3]
    assert all(d["chunks"] > 0 and d["ingested_at"] for d in listed)

    removed = json.loads(run("remove", "000_92d15d5cd8394714.txt", "--json", data_dir=data).stdout)
    assert removed["documents"][0]["status"] == "removed"
    missing = run("remove", "000_92d15d5cd8394714.txt", data_dir=data, check=False)
    assert missing.returncode == 2 and "askdocs docs" in missing.stderr


def test_human_output_and_settings_errors(tmp_path: Path, corpus_copy: Path) -> None:
    data = tmp_path / "data"
    out = run("ingest", str(corpus_copy), data_dir=data).stdout
    assert "3 added" in out and "chunks embedded" in out
    bad = subprocess.run(
        [ASKDOCS, "search", "x"], capture_output=True, text=True, env={**os.environ, "ASKDOCS_TOP_K": "zero"}, timeout=60
    )
    assert bad.returncode == 2 and "ASKDOCS_TOP_K" in bad.stderr and "Traceback" not in bad.stderr


def _documents(data: Path) -> set[str]:
    return {d["source"] for d in json.loads(run("docs", "--json", data_dir=data).stdout)}


def _wait_for(predicate, timeout: float = 90) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError("condition not met in time")


def test_watch_keeps_a_folder_in_sync(tmp_path: Path, corpus_copy: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "ASKDOCS_DATA_DIR": str(data)}
    log = (tmp_path / "watch.log").open("w")
    # Ctrl-C is the user's way to stop it. A test run started in the background by a non-interactive
    # shell (`make test &` in a script, as a CI runner may start it) has SIGINT ignored, a child
    # inherits that, and Python then installs no KeyboardInterrupt handler: give the watcher the default.
    watcher = subprocess.Popen(
        [ASKDOCS, "ingest", "--watch", str(corpus_copy)], stdout=log, stderr=subprocess.STDOUT, env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        _wait_for(lambda: "watching" in (tmp_path / "watch.log").read_text())
        assert _documents(data) == {p.name for p in corpus_copy.glob("*.txt")}

        (corpus_copy / "notes").mkdir()
        (corpus_copy / "notes" / "harbour.md").write_text("# Harbour\n\nThe harbour of Aktau reopens on 4 May after dredging works.\n")
        _wait_for(lambda: "notes/harbour.md" in _documents(data))

        shutil.copy(corpus_copy / "000_92d15d5cd8394714.txt", tmp_path / "kept.txt")
        (corpus_copy / "000_92d15d5cd8394714.txt").unlink()
        _wait_for(lambda: "000_92d15d5cd8394714.txt" not in _documents(data))

        (corpus_copy / "notes" / "harbour.md").write_text("# Harbour\n\nThe harbour of Aktau reopens on 9 June instead.\n")
        _wait_for(lambda: "updated   notes/harbour.md" in (tmp_path / "watch.log").read_text())
    finally:
        watcher.send_signal(signal.SIGINT)
        try:
            watcher.wait(20)
        except subprocess.TimeoutExpired:
            watcher.kill()
            watcher.wait(10)
        log.close()
    assert watcher.returncode == 0, (
        f"exit {watcher.returncode} (-9: still running 20 s after Ctrl-C; SIGINT here: {signal.getsignal(signal.SIGINT)})\n"
        + (tmp_path / "watch.log").read_text()
    )
    hits = json.loads(run("search", "When does the harbour of Aktau reopen?", "-k", "1", "--json", data_dir=data).stdout)
    assert "9 June" in hits[0]["text"]


def _commands(group, path=()):  # type: ignore[no-untyped-def]
    import click

    for name, command in group.commands.items():
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def test_every_command_has_help_with_an_example() -> None:
    """Every command and subcommand, enumerated from the CLI itself: its help shows an example."""
    from ui.cli import main

    commands = list(_commands(main))
    assert len(commands) >= 15
    for command in commands:
        out = subprocess.run([ASKDOCS, *command, "--help"], capture_output=True, text=True, check=True).stdout
        assert "Usage:" in out and "askdocs " + command[0] in out.split("Example", 1)[-1], command
        assert "Example" in out, f"askdocs {' '.join(command)} --help shows no example"


def test_ask_json_contract_and_chat(tmp_path: Path, corpus_copy: Path) -> None:
    data = tmp_path / "data"
    run("ingest", str(corpus_copy), data_dir=data)
    out = json.loads(run("ask", "Which law is Kyrgyzstan drafting?", "--json", data_dir=data).stdout)
    assert {"question", "answer", "refused", "citations", "timings_ms"} <= out.keys()
    assert out["refused"] is False and "Law on Digital Evidence" in out["answer"]
    citation = out["citations"][0]
    assert set(citation) == {"n", "source", "title", "text", "quote", "start", "end", "page", "label", "score"}
    assert citation["source"] == "000_92d15d5cd8394714.txt" and citation["quote"] in citation["text"]
    source = (corpus_copy / citation["source"]).read_text(encoding="utf-8")
    assert " ".join(citation["quote"].split()) in " ".join(source[citation["start"] : citation["end"]].split())

    refused = json.loads(run("ask", "What is the capital of Peru?", "--json", data_dir=data).stdout)
    assert refused["refused"] is True and refused["citations"] == [] and refused["related"]

    env = {**os.environ, "ASKDOCS_DATA_DIR": str(data)}
    conversation = "Where was the Central Asian Regional Workshop on Requesting Electronic Evidence held?\nWhen did it take place?\n/quit\n"
    chat = subprocess.run([ASKDOCS, "chat"], input=conversation, capture_output=True, text=True, env=env, timeout=300)
    assert chat.returncode == 0, chat.stderr
    assert "12 and 13 November" in chat.stdout.split("you> ")[-2]
    for turn in chat.stdout.split("you> ")[1:-1]:
        question, _, answer = turn.partition("\n")
        assert question.endswith("?") and answer.strip(), "each answer starts on its own line, after the question"
    logged = json.loads(run("history", "--json", "-n", "2", data_dir=data).stdout)
    assert logged[-1]["history"][0]["role"] == "user"
    cases = tmp_path / "cases.jsonl"
    run("history", "export", logged[-1]["id"], "--out", str(cases), data_dir=data)
    case = json.loads(cases.read_text())
    assert case["question"] == "When did it take place?" and case["history"] and case["answerable"]


def test_collections_from_the_command_line(tmp_path: Path, corpus_copy: Path) -> None:
    data = tmp_path / "data"
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "aktau.txt").write_text("Aktau harbour\n\nThe harbour of Aktau reopens on 4 May after dredging works.\n", encoding="utf-8")
    run("ingest", str(corpus_copy), data_dir=data)
    run("--collection", "notes", "ingest", str(notes), data_dir=data)
    listed = {c["name"]: c["documents"] for c in json.loads(run("collections", "--json", data_dir=data).stdout)}
    assert listed == {"default": 3, "notes": 1}

    own = json.loads(run("-c", "notes", "ask", "When does the harbour of Aktau reopen?", "--json", data_dir=data).stdout)
    assert "4 May" in own["answer"] and {c["source"] for c in own["citations"]} == {"aktau.txt"}
    other = json.loads(run("ask", "When does the harbour of Aktau reopen?", "--json", data_dir=data).stdout)
    assert "4 May" not in other["answer"]
    assert all(c["source"] != "aktau.txt" for c in other["citations"] + other["related"])

    missing = run("-c", "nowhere", "ask", "Anything?", data_dir=data, check=False)
    assert missing.returncode == 2 and "askdocs collections" in missing.stderr
    run("collections", "delete", "notes", "--yes", data_dir=data)
    assert [c["name"] for c in json.loads(run("collections", "--json", data_dir=data).stdout)] == ["default"]
    kept = json.loads(run("ask", "Which law is Kyrgyzstan drafting?", "--json", data_dir=data).stdout)
    assert "Law on Digital Evidence" in kept["answer"]


def test_test_sets_and_ignored_files_stay_out_of_the_index(tmp_path: Path, corpus_copy: Path) -> None:
    """`askdocs ingest corpus/` used to report "skipped testsets/dev.jsonl" on every run."""
    data = tmp_path / "data"
    (corpus_copy / "testsets").mkdir()
    (corpus_copy / "testsets" / "dev.jsonl").write_text('{"id": "q", "question": "?"}\n', encoding="utf-8")
    (corpus_copy / "testsets" / "notes.md").write_text("# Notes\n\nA test set's notes, not a document.\n", encoding="utf-8")
    (corpus_copy / "drafts").mkdir()
    (corpus_copy / "drafts" / "wip.txt").write_text("An unfinished draft that should stay out.\n", encoding="utf-8")
    (corpus_copy / "~$report.docx").write_bytes(b"lock")
    (corpus_copy / ".askdocsignore").write_text("# keep drafts out\ndrafts/\n", encoding="utf-8")
    report = json.loads(run("ingest", str(corpus_copy), "--json", data_dir=data).stdout)
    assert sorted(d["source"] for d in report["documents"]) == [p.name for p in sorted(corpus_copy.glob("0*.txt"))]

    (corpus_copy / ".askdocsignore").write_text("drafts/\n!testsets/\n", encoding="utf-8")
    again = json.loads(run("ingest", str(corpus_copy), "--json", data_dir=data).stdout)
    statuses = {d["source"]: d["status"] for d in again["documents"]}
    assert statuses["testsets/notes.md"] == "added" and statuses["testsets/dev.jsonl"] == "skipped"
    assert "drafts/wip.txt" not in statuses


def test_long_titles_end_in_an_ellipsis_and_loading_is_timed_apart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    folder = tmp_path / "docs"
    folder.mkdir()
    title = "A very long headline about the reopening of the harbour of Aktau after two years of dredging works"
    (folder / "aktau.txt").write_text(f"{title}\n\nThe harbour of Aktau reopens on 4 May after dredging works.\n", encoding="utf-8")
    run("ingest", str(folder), data_dir=data)
    listing = run("docs", data_dir=data).stdout
    assert "A very long headline about the reopening of the harbour of…" in listing and title not in listing
    timings = json.loads(run("ask", "When does the harbour of Aktau reopen?", "--json", data_dir=data).stdout)["timings_ms"]
    assert timings["load_models"] > timings["retrieve"], "loading the model is not booked as retrieval"
