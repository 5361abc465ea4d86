"""The package-README benchmark's data: the installed READMEs are the ones its questions were written
against, and every reference phrase is in its README as askdocs reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.package_docs import FOLDERS, HERE, PARTS, presentation, section_labels, write_corpus
from ingest.readers import parse


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.mark.parametrize("part", list(PARTS))
def test_every_reference_phrase_is_in_its_readme_as_read(tmp_path: Path, part: str) -> None:
    if part in FOLDERS and not FOLDERS[part][0].is_dir():
        pytest.skip(f"{FOLDERS[part][0]} is not on this machine (package {FOLDERS[part][1]})")
    assert write_corpus(tmp_path, part) == [], "these are not the documents the questions were written against"
    texts = {p.name: _normal(parse(p.name, p, p.read_bytes()).text) for p in tmp_path.iterdir()}
    cases = [json.loads(line) for line in (HERE / f"package_docs-{part}.jsonl").read_text().splitlines()]
    assert {case["id"].rsplit("-", 1)[0] for case in cases} == {name.lower() for name in PARTS[part]}
    for case in cases:
        if case["answerable"]:
            (source,) = case["reference_sources"]
            assert any(_normal(ref) in texts[source] for ref in case["reference_answers"]), case["id"]
        else:
            assert not case["reference_answers"]


def test_markup_and_cut_quotes_are_counted(tmp_path: Path) -> None:
    def row(answer: str, quotes: list[str], refused: bool = False) -> str:
        return json.dumps({"answer": answer, "refused": refused, "citations": [{"quote": q} for q in quotes]})

    rows = [
        row("Install it with pip [1].", ["Install it with pip."]),
        row(".. |badge| image:: https://example.org/b.svg [1].", [".. |badge| image:: https://example.org/b.svg"]),
        row("Latest version supporting Python 2.7 is [1].", ["Latest version supporting Python 2.7 is"]),
        row("Call cpu_count(logical=False) [1].", ["psutil.cpu_count(logical=False)"]),
        row("Install it by doing [1].", ["Install it by doing:"]),
        row("The documents do not contain an answer.", [], refused=True),
    ]
    (tmp_path / "results.jsonl").write_text("\n".join(rows) + "\n")
    # The badge's line and the cut sentence stop on a word; the code line does too, but is code.
    assert presentation(tmp_path / "results.jsonl") == {
        "answers_with_markup": 0.2, "quotes_cut_mid_sentence": 0.4, "quotes_ending_on_a_colon": 0.2,
    }


def test_a_citation_label_is_checked_against_the_headings_at_its_quote(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tool.md").write_text("# tool\n\nIntro line.\n\n## Install\n\nRun pip install tool.\n\n## Usage\n\nCall tool.run().\n")
    text = parse("tool.md", corpus / "tool.md", (corpus / "tool.md").read_bytes()).text

    def cite(quote: str, label: str | None) -> dict[str, object]:
        return {"source": "tool.md", "quote": quote, "start": 0, "end": len(text), "label": label}

    rows = [
        {"citations": [cite("Run pip install tool.", "Install"), cite("Call tool.run().", "Install")]},
        {"citations": [cite("Intro line.", None), cite("not in the README", "Usage")]},
    ]
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    # Three quotes are found; the second names the section before its own. The fourth is not counted.
    assert section_labels(tmp_path / "results.jsonl", corpus) == {"labels_naming_the_quotes_section": round(2 / 3, 4)}


def test_a_page_other_than_the_one_the_questions_were_written_against_is_named(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "vm.md").write_text("# vm\n\nAnother release of the page.\n", encoding="utf-8")
    monkeypatch.setitem(FOLDERS, "dev3", (pages, "nodejs"))
    changed = write_corpus(tmp_path / "corpus", "dev3")
    assert changed[0] == "vm of nodejs (the questions were written against 20.20.2)"
    assert f"{pages / 'http2.md'} (not there: install nodejs 20.20.2)" in changed
    assert len(changed) == len(PARTS["dev3"])
