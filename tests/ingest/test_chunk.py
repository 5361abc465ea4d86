"""Chunks: sentence-aware, sized for the embedding model, carrying document, title, offsets and page."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from index.embedder import Embedder
from ingest.chunk import Chunker, _PieceCounter, load_tokenizer
from ingest.clean import line_keys
from ingest.models import SourceDocument
from ingest.readers import parse, read_bytes
from ingest.settings import IngestSettings
from tests.conftest import SAMPLE
from tests.ingest.test_readers import make_pdf


def sample_chunks(embedder: Embedder):
    texts = {p.name: p.read_text(encoding="utf-8") for p in SAMPLE}
    counts = Counter(k for text in texts.values() for k in line_keys(text))
    repeated = frozenset(k for k, n in counts.items() if n >= 2)
    chunker = Chunker(IngestSettings(), embedder.tokenizer_file)
    return texts, {
        name: chunker.chunk(SourceDocument(doc_id=name, path=Path(name), text=text), repeated)
        for name, text in texts.items()
    }


def test_chunks_fit_the_model_and_carry_their_place(embedder: Embedder) -> None:
    tokens = load_tokenizer(embedder.tokenizer_file)
    texts, chunks = sample_chunks(embedder)
    for name, doc_chunks in chunks.items():
        assert [c.chunk_no for c in doc_chunks] == list(range(len(doc_chunks)))
        for chunk in doc_chunks:
            assert chunk.doc_id == name
            assert len(tokens(chunk.text)) <= 200
            source = texts[name][chunk.start : chunk.end]
            # The span starts and ends on the chunk's first and last words.
            assert source.startswith(chunk.text.split()[0]) and source.endswith(chunk.text.split()[-1])
        assert all(len(tokens(c.text)) >= 60 for c in doc_chunks[:-1]), "chunks are not packed"
    titles = {name: c[0].title for name, c in chunks.items()}
    assert titles["000_92d15d5cd8394714.txt"] == "OSCE Backs Central Asia in Boosting E-evidence Access"
    assert titles["001_04dbf60d010ecd0f.txt"] == "Central Asian countries strengthen regional co-operation on electronic evidence"


def test_chunks_end_on_sentence_boundaries(embedder: Embedder) -> None:
    _, chunks = sample_chunks(embedder)
    ends = [c.text.rstrip()[-1] for doc in chunks.values() for c in doc]
    assert sum(ch in '.!?"”:' for ch in ends) >= 0.8 * len(ends)


def test_pdf_chunks_carry_page_numbers(tmp_path: Path, embedder: Embedder) -> None:
    path = make_pdf(tmp_path / "r.pdf", ["Rivers flow to the sea.", "Mountains are tall and cold."])
    document = parse("r.pdf", path, read_bytes(path, 10**6))
    chunks = Chunker(IngestSettings(), embedder.tokenizer_file).chunk(document)
    assert {c.page for c in chunks} == {1, 2}
    for chunk in chunks:
        assert document.page_at(chunk.start) == chunk.page


def test_counting_tokens_from_one_tokenization_gives_the_same_chunks(embedder: Embedder) -> None:
    # The chunker counts a piece's tokens from its text's one tokenization; the splitter must cut
    # exactly where it cuts when it tokenizes every piece on its own, on text that trips tokenizers.
    texts = [p.read_text(encoding="utf-8") for p in SAMPLE] + [
        "Café crème, naïve façade. Ünïcödé wörds; CJK 北京大学 and 東京. Emoji 🙂🙂 end here! " * 12,
        "Pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism " * 30,
        "Lines\nwithout\nstops " * 40 + "\n\nx" * 50,
        "€5, £10 and ¥300: prices—quoted “as is” (roughly)… e.g. U.S.A.'s 3.5% rate. " * 15,
    ]
    settings = IngestSettings(chunk_tokens=32, chunk_overlap=8)
    counted = Chunker(settings, embedder.tokenizer_file)
    tokenized = Chunker(settings, embedder.tokenizer_file)
    tokenized._splitter._tokenizer = load_tokenizer(embedder.tokenizer_file)  # every piece on its own
    for n, text in enumerate(texts):
        document = SourceDocument(doc_id=f"d{n}", path=Path(f"d{n}.txt"), text=text)
        expected = [(c.text, c.start, c.end) for c in tokenized.chunk(document)]
        assert [(c.text, c.start, c.end) for c in counted.chunk(document)] == expected
        assert len(expected) > 3


def test_chunks_carry_the_token_ids_their_text_tokenizes_to(embedder: Embedder) -> None:
    # The encoder takes these instead of tokenizing the chunk again: they must be the ids the text
    # gives on its own, also where the text trips tokenizers.
    tokenizer = load_tokenizer(embedder.tokenizer_file)
    texts = [p.read_text(encoding="utf-8") for p in SAMPLE] + [
        "Café crème, naïve façade. Ünïcödé wörds; CJK 北京大学 and 東京. Emoji 🙂🙂 end here! " * 12,
        "€5, £10 and ¥300: prices—quoted “as is” (roughly)… e.g. U.S.A.'s 3.5% rate. " * 15,
        "Pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism " * 30,
    ]
    chunker = Chunker(IngestSettings(chunk_tokens=48, chunk_overlap=12), embedder.tokenizer_file)
    chunks = [c for n, text in enumerate(texts) for c in chunker.chunk(SourceDocument(doc_id=f"d{n}", path=Path(f"d{n}.txt"), text=text))]
    with_ids = [c for c in chunks if c.tokens is not None]
    assert len(with_ids) >= 0.9 * len(chunks)
    for chunk in with_ids:
        assert list(chunk.tokens) == tokenizer(chunk.text), chunk.text
    # Without the model's tokenizer there are no ids to hand over.
    assert all(c.tokens is None for c in Chunker(IngestSettings(), None).chunk(SourceDocument(doc_id="d", path=Path("d.txt"), text=texts[0])))


def test_a_piece_cut_anywhere_counts_as_its_own_tokenization(embedder: Embedder) -> None:
    tokens = load_tokenizer(embedder.tokenizer_file)
    count = _PieceCounter(embedder.tokenizer_file)
    text = (
        "Unaffordable housing—in São Paulo, 北京 and Zürich—rose 3.5%; see qxzvbkwjpfqxzvbkwjpf (2019). "
        "Antidisestablishmentarianism isn't U.S.A.-specific… €5/£10 🙂 playing replayed. "
    ) * 3
    count.begin(text)
    cuts = random.Random(0)
    for _ in range(3000):
        start = cuts.randrange(len(text))
        piece = text[start : start + cuts.randrange(1, 60)]
        assert len(count(piece)) == len(tokens(piece)), piece


def test_a_sentence_wrapped_over_pdf_lines_is_one_line_of_its_chunk(tmp_path: Path, embedder: Embedder) -> None:
    page = (
        "Inspection report\n"
        "The harbour closes on 3 May for dredging works that last two weeks, and the\n"
        "ferries to the islands leave from the north pier until the works are done.\n"
        "- Pier access: north gate only\n"
        "- Parking: closed"
    )
    path = make_pdf(tmp_path / "report.pdf", [page])
    chunks = Chunker(IngestSettings(), embedder.tokenizer_file).chunk(parse(path.name, path, read_bytes(path, 10**7)))
    assert chunks[0].text.split("\n") == [
        "Inspection report",
        "The harbour closes on 3 May for dredging works that last two weeks, and the ferries to the islands "
        "leave from the north pier until the works are done.",
        "- Pier access: north gate only",
        "- Parking: closed",
    ]


def test_a_passage_of_a_readme_is_labelled_with_its_section(tmp_path: Path, embedder: Embedder) -> None:
    sections = "\n\n".join(
        f"## {release}\n\n### Changed\n\n" + " ".join(f"Entry {n} of release {release} changed something." for n in range(40))
        for release in ("3.5.0 (2026-08-12)", "3.4.9 (2026-07-07)")
    )
    path = tmp_path / "CHANGELOG.md"
    path.write_text("# Changelog\n\nAll notable changes.\n\n" + sections, encoding="utf-8")
    chunks = Chunker(IngestSettings(), embedder.tokenizer_file).chunk(parse(path.name, path, read_bytes(path, 10**7)))
    # A passage is labelled with the section it starts in.
    labels = {chunk.label for chunk in chunks if "of release 3.4.9" in chunk.text and "of release 3.5.0" not in chunk.text}
    assert labels == {"3.4.9 (2026-07-07) › Changed"}
    assert chunks[0].label is None and chunks[0].title == "Changelog"
    # A passage that goes on into the next section knows where that section starts, in its own text
    # and in the document.
    document = parse(path.name, path, read_bytes(path, 10**7))
    spanning = [chunk for chunk in chunks if "of release 3.5.0" in chunk.text and "of release 3.4.9" in chunk.text]
    assert spanning
    for chunk in spanning:
        section = next(s for s in chunk.sections if s.label.startswith("3.4.9"))
        assert chunk.text[section.at :].startswith("3.4.9 (2026-07-07)")
        assert document.text[section.start :].startswith("3.4.9 (2026-07-07)")
        assert chunk.label.startswith("3.5.0")
