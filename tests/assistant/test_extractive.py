"""The default answerer on the sample corpus and its dev test set: grounded, cited, honest refusals."""

from __future__ import annotations

import json

import pytest

from assistant.answer import REFUSAL
from assistant.text import with_marker, with_opening_quote, without_open_quote, word_count
from tests.conftest import CORPUS, indexed

CASES = [json.loads(line) for line in (CORPUS / "testsets" / "dev.jsonl").read_text().splitlines() if line.strip()]


def contains_reference(text: str, case: dict) -> bool:
    return any(ref.lower() in text.lower() for ref in case["reference_answers"])


@pytest.fixture(scope="module")
def results(sample_index):  # type: ignore[no-untyped-def]
    from assistant.answer import Assistant
    from assistant.settings import AssistantSettings

    assistant = Assistant(AssistantSettings(log_answers=False), sample_index.retriever)
    return [(case, assistant.answer(case["question"], case.get("history", []))) for case in CASES]


def test_the_dev_set_is_big_enough() -> None:
    assert len(CASES) >= 25
    assert sum(c["id"].startswith("offtopic-") for c in CASES) == 6
    assert sum(bool(c.get("history")) for c in CASES) >= 4


def test_off_topic_questions_are_refused(results) -> None:  # type: ignore[no-untyped-def]
    off_topic = [answer for case, answer in results if case["id"].startswith("offtopic-")]
    refused = [a for a in off_topic if a.refused]
    assert len(refused) >= 5
    for answer in refused:
        assert answer.text == REFUSAL and not answer.citations and answer.related


def test_no_answerable_question_is_refused(results) -> None:  # type: ignore[no-untyped-def]
    refused = [case["id"] for case, answer in results if case["answerable"] and answer.refused]
    assert refused == []


def test_answers_are_short_quotes_with_valid_citations(results) -> None:  # type: ignore[no-untyped-def]
    for case, answer in results:
        assert word_count(answer.text) <= 80, case["id"]
        for citation in answer.citations:
            assert citation.quote in citation.text, "the quote is inside the cited passage"
            assert f"[{citation.n}]" in answer.text
            assert citation.quote_start is not None and citation.quote_end is not None


def test_answer_quality_bars(results) -> None:  # type: ignore[no-untyped-def]
    """The assistant issue's bars on the dev set; docs/quality.md has the measured figures."""
    answerable = [(case, answer) for case, answer in results if case["answerable"]]
    contained = sum(contains_reference(answer.text, case) for case, answer in answerable)
    cited_right = sum(
        any(c.source in case["reference_sources"] and contains_reference(c.text, case) for c in answer.citations)
        for case, answer in answerable
    )
    off_topic = [answer for case, answer in results if case["id"].startswith("offtopic-")]
    print(
        f"\ndev set: {len(answerable)} answerable; reference in answer {contained}/{len(answerable)}; "
        f"in a cited passage of the right document {cited_right}/{len(answerable)}; "
        f"off-topic refused {sum(a.refused for a in off_topic)}/{len(off_topic)}; "
        f"longest answer {max(word_count(a.text) for _, a in results)} words"
    )
    assert contained / len(answerable) >= 0.9
    assert cited_right / len(answerable) >= 0.9


def test_follow_up_uses_the_conversation(make_assistant) -> None:  # type: ignore[no-untyped-def]
    assistant = make_assistant()
    history = [
        {"role": "user", "content": "Where was the Central Asian Regional Workshop on Requesting Electronic Evidence held?"},
        {"role": "assistant", "content": "In Tashkent, Uzbekistan."},
    ]
    answer = assistant.answer("When did it take place?", history)
    assert "Workshop" in answer.standalone_query
    assert not answer.refused
    assert answer.citations[0].source == "001_04dbf60d010ecd0f.txt"
    assert "12 and 13 November" in answer.text


def test_a_follow_up_to_a_follow_up_keeps_the_subject(make_assistant) -> None:  # type: ignore[no-untyped-def]
    """The third question of a conversation only carried the second one's words ("start")."""
    assistant = make_assistant()
    history = [
        {"role": "user", "content": "What is the E-VIDENCE project?"},
        {"role": "assistant", "content": "An extrabudgetary initiative on electronic evidence."},
        {"role": "user", "content": "When did it start?"},
        {"role": "assistant", "content": "The documents do not say."},
    ]
    answer = assistant.answer("Who supports it?", history)
    assert "E-VIDENCE" in answer.standalone_query
    assert not answer.refused
    assert "Germany and the Netherlands" in answer.text


def test_a_date_or_amount_the_documents_never_give_is_refused(make_assistant) -> None:  # type: ignore[no-untyped-def]
    """No document says when E-VIDENCE started or how much Germany gave: the paragraph describing the
    project holds neither a date nor a number, so quoting it (or the dates of later missions) would
    answer something else."""
    assistant = make_assistant()
    history = [
        {"role": "user", "content": "What is the E-VIDENCE project?"},
        {"role": "assistant", "content": "An extrabudgetary initiative on electronic evidence."},
    ]
    started = assistant.answer("When did it start?", history)
    assert "E-VIDENCE" in started.standalone_query
    assert started.refused and started.refusal_reason == "unanswerable" and not started.citations
    funding = assistant.answer("How much funding did Germany give to the E-VIDENCE project?")
    assert funding.refused and funding.refusal_reason == "unanswerable"


def test_a_date_given_later_in_the_paragraph_still_answers(make_assistant) -> None:  # type: ignore[no-untyped-def]
    """The quote's first sentences carry no date; the paragraph's last one ("…, stated Ambassador
    Monika Lenhard … on 16 October") dates them all."""
    history = [
        {"role": "user", "content": "Which German ambassador said electronic evidence plays a role in about 85 per cent of criminal investigations?"},
        {"role": "assistant", "content": "Ambassador Monika Lenhard, the German Ambassador to Kyrgyzstan."},
    ]
    answer = make_assistant().answer("On what date did she say that?", history)
    assert not answer.refused and "16 October" in answer.text


def test_provenance_is_logged_and_exportable(make_assistant, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from assistant.history import as_test_case

    assistant = make_assistant()
    answer = assistant.answer("Which law is Kyrgyzstan drafting?")
    entry = assistant.log.entries()[-1]
    assert entry["id"] == answer.id
    trace = entry["trace"]
    assert trace["standalone_query"] == "Which law is Kyrgyzstan drafting?"
    assert trace["answerer"] == "extractive" and trace["index_version"] > 0
    first = trace["passages"][0]
    assert {"dense_score", "keyword_score", "score", "source", "start", "end"} <= first.keys()
    case = as_test_case(entry)
    assert case["answerable"] and case["reference_sources"] == ["000_92d15d5cd8394714.txt"]
    assert "Law on Digital Evidence" in case["reference_answers"][0]


def test_a_new_off_topic_question_is_not_taken_for_a_follow_up(make_assistant) -> None:  # type: ignore[no-untyped-def]
    """After a question about the workshop, "What is the capital of Peru?" was answered from it."""
    assistant = make_assistant()
    history = [
        {"role": "user", "content": "Where was the Central Asian Regional Workshop held?"},
        {"role": "assistant", "content": "In Tashkent, Uzbekistan."},
    ]
    for question in ("What is the capital of Peru?", "How to bake bread?"):
        answer = assistant.answer(question, history)
        assert answer.standalone_query == question
        assert answer.refused, question


def test_answers_do_not_start_with_a_bullet_of_the_source(make_assistant) -> None:  # type: ignore[no-untyped-def]
    """Quotes of list items came out as "• Kyrgyzstan is drafting …"."""
    answer = make_assistant().answer("Which law is Kyrgyzstan drafting?")
    source = answer.citations[0].text
    assert "• Kyrgyzstan" in source or "- Kyrgyzstan" in source, "the passage itself is a list"
    assert answer.text.lstrip()[0].isalnum(), answer.text
    assert answer.citations[0].quote in source


def test_quoted_sentences_keep_their_quotation_marks_paired(make_assistant, sample_index) -> None:  # type: ignore[no-untyped-def]
    """The first sentence of a quotation came out as '"Electronic evidence plays a role … [1].', and
    a later one as 'Without these fundamental principles”, he said, “…”' with no opening mark."""
    answer = make_assistant().answer("What share of criminal investigations involve electronic evidence?")
    citation = answer.citations[0]
    assert '"Electronic evidence plays a role' in citation.text, "the passage quotes a speech"
    assert answer.text.startswith("Electronic evidence plays a role"), answer.text
    assert citation.quote.startswith("Electronic evidence") and citation.quote in citation.text
    document = sample_index.catalog.text(citation.source)
    assert document[citation.quote_start : citation.quote_end] == citation.quote
    span = answer.answer_span
    assert span is not None and span.start is not None and span.end is not None
    assert document[span.start : span.end] == span.text and span.text in citation.quote
    later = make_assistant().answer("Who said that electronic evidence plays a role in 85 per cent of investigations?")
    quoted = next(c for c in later.citations if "Without these fundamental principles”" in c.quote)
    assert quoted.quote in quoted.text and "“Without these fundamental principles”, he said" in later.text, later.text


def test_quoted_headings_and_list_items_end_before_the_next_sentence() -> None:
    assert with_marker("Central Asian countries strengthen regional co-operation", 2) == (
        "Central Asian countries strengthen regional co-operation [2]."
    )
    assert with_marker("The meetings covered:", 1) == "The meetings covered [1]."
    assert with_marker("It ended in 2025.", 1) == "It ended in 2025 [1]."
    assert with_marker('She said "not yet."', 3) == 'She said "not yet [3]."'
    # Never inside a string of code.
    assert with_marker("print('Cannot guess file type!')", 3) == "print('Cannot guess file type!') [3]."
    assert with_marker('names = ["a.", "b."]', 1) == 'names = ["a.", "b."] [1].'
    assert without_open_quote('"Yes," she said.') == '"Yes," she said.'
    assert without_open_quote("“Electronic evidence plays a role.") == "Electronic evidence plays a role."
    assert with_opening_quote("Without these principles”, he said, “justice fails”.") == (
        "“Without these principles”, he said, “justice fails”."
    )
    assert with_opening_quote("“Justice fails”, he said.") == "“Justice fails”, he said."


def test_a_sentence_goes_on_past_e_g_and_i_e() -> None:
    """Punkt's English model ended "It is tested for supported Python, i.e." there, and quoted "3.9+." alone."""
    from assistant.text import sentences

    text = "It is tested for supported Python, i.e. 3.9+. Use a small model, e.g. MiniLM, to embed. Then stop."
    assert [s.text for s in sentences(text)] == [
        "It is tested for supported Python, i.e. 3.9+.", "Use a small model, e.g. MiniLM, to embed.", "Then stop."
    ]


def test_the_answer_phrase_is_marked_with_its_place_in_the_document(make_assistant, sample_index) -> None:  # type: ignore[no-untyped-def]
    answer = make_assistant().answer("On what date was the second expert-level meeting in Kyrgyzstan held?")
    span = answer.answer_span
    assert span is not None and span.text == "16 October"
    citation = next(c for c in answer.citations if c.n == span.citation)
    assert span.text in citation.quote and span.text in answer.text
    assert span.start is not None and span.end is not None
    assert sample_index.catalog.text(citation.source)[span.start : span.end] == span.text
    assert answer.as_json()["answer_span"] == span.model_dump()
    assert make_assistant(answer_spans=False).answer(answer.question).answer_span is None


README_PASSAGE = """Dateparser supports Python 3.10+. You can install it by doing:

$ pip install dateparser

If you want to use a non-Gregorian calendar, you need to install the calendars extra:

$ pip install dateparser[calendars]

It supports these, listed by dateparser.calendars():

- the Persian Jalali calendar

- the Hijri calendar

| Python version range | Compatible release |
| 3.7 - 3.12 | 0.5 - 0.6 |
| >= 3.13 | none yet |

class Parser(Base):
    pass"""


def _candidate(text: str, sentence: str):  # type: ignore[no-untyped-def]
    from assistant.extractive import Candidate
    from assistant.text import Sentence

    start = text.index(sentence)
    return Candidate(0, Sentence(sentence, start, start + len(sentence)), relevance=0.5, rank=1.0)


def test_a_line_that_introduces_a_command_a_list_or_rows_is_quoted_with_them() -> None:
    """A README's "install the calendars extra:" was quoted without the command it announces, and a
    table's first row without the rows under it."""
    from assistant.extractive import select
    from index.retrieve import Passage

    passage = Passage("c", "dateparser.md", "dateparser", README_PASSAGE, 0, len(README_PASSAGE), None, 0, 1.0, 0.5, 1.0, 1, 1)

    def quoted(sentence: str, max_words: int = 80) -> str:
        (first,) = select([_candidate(README_PASSAGE, sentence)], max_words, [passage], "How do I get other calendars?")
        assert README_PASSAGE[first.sentence.start : first.sentence.end] == first.sentence.text
        return first.sentence.text

    extra = "If you want to use a non-Gregorian calendar, you need to install the calendars extra:"
    assert quoted(extra) == extra + "\n\n$ pip install dateparser[calendars]"
    # The rest of the line is quoted too when the colon ends the sentence after the chosen one.
    assert quoted("Dateparser supports Python 3.10+.").endswith("by doing:\n\n$ pip install dateparser")
    listed = "It supports these, listed by dateparser.calendars():"
    assert quoted(listed) == listed + "\n\n- the Persian Jalali calendar\n\n- the Hijri calendar"
    assert quoted("| Python version range | Compatible release |").endswith("| >= 3.13 | none yet |")
    # Nothing is added beyond the word budget, and code that opens a block is not an introduction.
    assert quoted(extra, max_words=16) == extra
    assert quoted("class Parser(Base):") == "class Parser(Base):"
    # A runner-up that introduces something is quoted with it too, unless that is quoted already.
    question = "How do I get other calendars?"
    both = [_candidate(README_PASSAGE, listed), _candidate(README_PASSAGE, extra)]
    assert [c.sentence.text for c in select(both, 80, [passage], question)][1] == extra + "\n\n$ pip install dateparser[calendars]"
    command = "$ pip install dateparser[calendars]"
    both = [_candidate(README_PASSAGE, command), _candidate(README_PASSAGE, extra)]
    assert [c.sentence.text for c in select(both, 80, [passage], question)] == [command, extra]


def test_a_section_s_heading_is_quoted_with_the_lines_under_it() -> None:
    """"Supported Python Versions" was the whole answer to "Which Python versions does wrapt
    support?": a heading says what its section is about, the lines under it say it."""
    from assistant.extractive import select
    from index.retrieve import Passage, Section

    text = "Installation\n\npip install wrapt\n\nSupported Python Versions\n\n- Python 3.9+\n\n- CPython and PyPy\n\nLicence: BSD"
    heading = text.index("Supported Python Versions")
    sections = (Section(0, 0, "Installation"), Section(heading, heading, "Supported Python Versions"))
    passage = Passage("c", "wrapt.md", "wrapt", text, 0, len(text), None, 0, 1.0, 0.5, 1.0, 1, 1, sections=sections)
    question = "Which Python versions does wrapt support?"

    def quoted(sentence: str) -> str:
        (first,) = select([_candidate(text, sentence)], 80, [passage], question)
        return first.sentence.text

    assert quoted("Supported Python Versions") == "Supported Python Versions\n\n- Python 3.9+\n\n- CPython and PyPy"
    assert quoted("Installation") == "Installation\n\npip install wrapt"
    # A line that is no heading is quoted as it is.
    assert quoted("Licence: BSD") == "Licence: BSD"
    plain = Passage("c", "wrapt.txt", "wrapt", text, 0, len(text), None, 0, 1.0, 0.5, 1.0, 1, 1)
    (first,) = select([_candidate(text, "Supported Python Versions")], 80, [plain], question)
    assert first.sentence.text == "Supported Python Versions"


def test_a_line_announcing_the_list_under_it_is_quoted_with_it() -> None:
    """"The following packages provide OAuth support using OAuthLib." was quoted without the list
    it announces, which names the packages asked for."""
    from assistant.extractive import select
    from index.retrieve import Passage

    text = (
        "The following packages provide OAuth support using OAuthLib.\n\n- For Django there is django-oauth-toolkit.\n\n"
        "- For Flask there is flask-oauthlib.\n\nIn the following year the project moved.\n\nIt was renamed."
    )
    passage = Passage("c", "oauthlib.md", "oauthlib", text, 0, len(text), None, 0, 1.0, 0.5, 1.0, 1, 1)

    def quoted(sentence: str) -> str:
        (first,) = select([_candidate(text, sentence)], 80, [passage], "Which packages add OAuth support to a Flask app?")
        return first.sentence.text

    assert quoted("The following packages provide OAuth support using OAuthLib.").endswith("- For Flask there is flask-oauthlib.")
    # Prose that says "the following" over prose is no announcement.
    assert quoted("In the following year the project moved.") == "In the following year the project moved."


OPTIONS = """Settings

- maxFrameSize {number} Specifies the size in bytes of the largest frame payload. The minimum allowed value is 16,384. Default: 16384.
- maxHeaderListSize {number} Specifies the maximum size of header list that will be accepted. It applies to the whole list.
- paddingStrategy {number} The strategy used for padding. Default: none.
"""


def test_an_option_s_line_that_ends_with_its_default_is_quoted_whole() -> None:
    """Asked for a default, the best sentence named the option and the answer stopped there; the
    line's last sentence, "Default: 16384.", was left out (and quoted alone, says nothing of which option)."""
    from assistant.extractive import select
    from index.retrieve import Passage

    passage = Passage("c", "http2.md", "http2", OPTIONS, 0, len(OPTIONS), None, 0, 1.0, 0.5, 1.0, 1, 1)
    line = OPTIONS.splitlines()[2][2:]

    def quoted(sentence: str, max_words: int = 80) -> str:
        (first,) = select([_candidate(OPTIONS, sentence)], max_words, [passage], "What is the default maximum frame size?")
        assert OPTIONS[first.sentence.start : first.sentence.end] == first.sentence.text
        return first.sentence.text

    assert quoted("Specifies the size in bytes of the largest frame payload.") == line
    assert quoted("Default: 16384.") == line
    # A line that gives no default, or one longer than the budget, is quoted as before.
    assert quoted("It applies to the whole list.") == "It applies to the whole list."
    assert quoted("Default: 16384.", max_words=10) == "Default: 16384."
    # The option's first sentence, ranked second (with its list mark), is not quoted again.
    first, second = _candidate(OPTIONS, "Default: 16384."), _candidate(OPTIONS, "- maxFrameSize {number} Specifies the size")
    assert [c.sentence.text for c in select([first, second], 80, [passage], "What is the default maximum frame size?")] == [line]
    # A runner-up "Default: …" cut from another option's line is quoted with that line, or not at all.
    question = "What is the maximum size of header list?"
    best, default = _candidate(OPTIONS, "- maxHeaderListSize {number} Specifies the maximum size"), _candidate(OPTIONS, "Default: none.")
    padding = OPTIONS.splitlines()[4][2:]
    assert [c.sentence.text for c in select([best, default], 80, [passage], question, margin=100)][1] == padding
    assert len(select([best, default], 15, [passage], question, margin=100)) == 1
    # A default on a line of its own (under its option's heading) is quoted as it is.
    alone = "### maxFrameSize\n\nThe largest frame payload.\n\nDefault: 16384.\n"
    page = Passage("c", "http2.md", "http2", alone, 0, len(alone), None, 0, 1.0, 0.5, 1.0, 1, 1)
    chosen = select([_candidate(alone, "The largest frame payload."), _candidate(alone, "Default: 16384.")], 80, [page], question, margin=100)
    assert [c.sentence.text for c in chosen] == ["The largest frame payload.", "Default: 16384."]


def test_asked_for_a_default_the_answer_phrase_is_the_default_given(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    """The option's line is quoted whole from its list item; its answer phrase is the value after
    "Default:", where the document gives it, not a phrase of the option's description."""
    from assistant.answer import Assistant
    from assistant.settings import AssistantSettings

    with indexed(tmp_path, embedder, {"http2.md": OPTIONS}) as collection:
        assistant = Assistant(AssistantSettings(log_answers=False), collection.retriever)
        answer = assistant.answer("What is the default largest frame payload size in bytes?")
        assert not answer.refused and answer.text.startswith("maxFrameSize {number} Specifies the size in bytes")
        span = answer.answer_span
        assert span is not None and span.text == "16384"
        (citation,) = [c for c in answer.citations if c.n == span.citation]
        with collection.retriever.catalog.read():
            document = collection.retriever.catalog.text(citation.source)
        assert document[span.start : span.end] == "16384" and document[span.end : span.end + 1] == "."
        # Asked for what holds when nothing is set, without the word "default".
        answer = assistant.answer("How large is the largest frame payload if I don't set maxFrameSize?")
        assert answer.answer_span is not None and answer.answer_span.text == "16384"
        # Asked for something else, the phrase is the model's, found in the line quoted without its list mark.
        answer = assistant.answer("Which option specifies the size of the largest frame payload?")
        assert answer.answer_span is not None and answer.answer_span.text != "16384"


CHANGELOG = """# Changelog

All notable changes to tidecache are listed here.

## 2.2.0 (2026-05-10)

### Added

- A `--dry-run` flag for the prune command, which lists what it would delete.
- Configuration read from a TOML file as well as from the environment.

### Fixed

- The prune command no longer crashes when the cache directory is missing.

### Removed

- Support for Python 3.8 was dropped.

## 2.1.0 (2026-03-02)

### Changed

- The on-disk cache format switched from pickle to JSON, so that old entries stay readable.
- The network timeout is read from the TIDECACHE_TIMEOUT variable when it is set.
"""


def test_a_changelog_line_is_cited_by_its_own_section_and_answered_with_its_release(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    """A passage of a changelog holds several releases: the citation names the section its quote is
    in, not the one the passage starts in, and asked which release, the answer says it."""
    from assistant.answer import Assistant
    from assistant.settings import AssistantSettings

    with indexed(tmp_path, embedder, {"CHANGELOG.md": CHANGELOG}) as collection:
        assistant = Assistant(AssistantSettings(log_answers=False), collection.retriever)
        answer = assistant.answer("In which release did the cache format switch from pickle to JSON?")
        assert not answer.refused and answer.passages[0].chunk == 0  # one passage, which starts before any release
        (citation,) = [c for c in answer.citations if "pickle to JSON" in c.quote]
        assert citation.label == "2.1.0 (2026-03-02) › Changed"
        assert answer.text.startswith("2.1.0 (2026-03-02) › Changed: The on-disk cache format switched from pickle to JSON")
        # A question asking for a date is not refused for want of one in the line: its release dates it.
        answer = assistant.answer("When did the network timeout start being read from TIDECACHE_TIMEOUT?")
        assert not answer.refused and "2.1.0 (2026-03-02) › Changed: The network timeout is read" in answer.text
        # A version the question names is not the line's own release; "since which" asks for a release too.
        answer = assistant.answer("Which tidecache release dropped support for Python 3.8?")
        assert answer.text.startswith("2.2.0 (2026-05-10) › Removed: Support for Python 3.8 was dropped")
        # Its answer phrase is that release, where the document gives it.
        span = answer.answer_span
        assert span is not None
        (line,) = [c for c in answer.citations if c.n == span.citation]
        catalog = collection.retriever.catalog
        with catalog.read():
            document = catalog.text(line.source)
        assert span.text == "2.2.0" and document[span.start : span.end] == "2.2.0"
        assert document.index("Removed") > span.start and line.quote_start > span.start
        answer = assistant.answer("Since which version is the configuration read from a TOML file?")
        assert answer.text.startswith("2.2.0 (2026-05-10) › Added: Configuration read from a TOML file")
        # Nor is the heading shown when the question asks for something else, or the line names its own release.
        answer = assistant.answer("What does the --dry-run flag of the prune command do?")
        assert not answer.refused and not answer.text.startswith("2.2.0")
        assert [c.label for c in answer.citations if "--dry-run" in c.quote] == ["2.2.0 (2026-05-10) › Added"]


QUILLPAD = """# quillpad

quillpad keeps notes in plain text files and syncs them between machines.

## Installation

It needs Python 3.10 or later and works on Linux, macOS and Windows alike. It has no other dependencies.

To sync a folder of notes, point quillpad at a remote:

```python
>>> import quillpad
>>> pad = quillpad.open(
... remote="ssh://backup/notes")
>>> pad.sync()
```

Then run quillpad init in the folder that holds your notes.
"""


def test_a_line_introducing_a_sample_that_its_chunk_cuts_off_is_quoted_with_it(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    """A chunk ends on "point quillpad at a remote:" and the sample is in the next one: the answer
    quotes the line and the sample from the next chunk, which (chunks overlap) holds both."""
    from assistant.answer import Assistant
    from assistant.settings import AssistantSettings
    from ingest.settings import IngestSettings

    with indexed(tmp_path, embedder, {"quillpad.md": QUILLPAD}, IngestSettings(chunk_tokens=64, chunk_overlap=24)) as collection:
        chunks = collection.catalog.document_chunks("quillpad.md")
        cut = next(c for c in chunks if c.text.endswith("point quillpad at a remote:"))
        assert "remote=" in chunks[cut.chunk_no + 1].text and "point quillpad at a remote:" in chunks[cut.chunk_no + 1].text
        assistant = Assistant(AssistantSettings(log_answers=False), collection.retriever)
        # One passage retrieved, the chunk that ends on the line: the next chunk joins it.
        answer = assistant.answer("Which Python does quillpad need, and how do I sync notes?", k=1)
        assert not answer.refused and answer.passages[0].chunk == cut.chunk_no and len(answer.passages) == 2
        (citation,) = [c for c in answer.citations if "point quillpad at a remote:" in c.quote]
        assert 'remote="ssh://backup/notes"' in citation.quote and citation.quote in citation.text
        assert citation.text == chunks[cut.chunk_no + 1].text
        assert QUILLPAD.find("point quillpad") < citation.quote_end and citation.quote_start is not None
        assert answer.passages[citation.rank - 1].chunk == cut.chunk_no + 1
        # The last chunk of a document has no next one: next_passage says so.
        last = [p for p in collection.retriever.search("Then run quillpad init", 10) if p.chunk_no == len(chunks) - 1]
        assert last and collection.retriever.next_passage(last[0]) is None


TIDECRYPT = """# tidecrypt

tidecrypt reads and writes encrypted archives.

## Installation

tidecrypt itself has no dependencies. For AES encryption and decryption, install the extra dependencies:

pip install tidecrypt[crypto]

## Usage

Open an archive with tidecrypt.open(path) and read its members one by one.
"""


def test_the_answer_phrase_may_be_in_the_line_the_best_sentence_introduces(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    """Asked what to install, the best sentence says "install the extra dependencies:" and the next
    line gives them: the phrase marked is the requirement, in the quote, at its place in the document."""
    from assistant.answer import Assistant
    from assistant.settings import AssistantSettings

    with indexed(tmp_path, embedder, {"tidecrypt.md": TIDECRYPT}) as collection:
        assistant = Assistant(AssistantSettings(log_answers=False), collection.retriever)
        answer = assistant.answer("What do I need to install to use AES encryption with tidecrypt?")
        assert not answer.refused and answer.answer_span is not None, answer
        span, (citation,) = answer.answer_span, answer.citations
        assert span.text == "tidecrypt[crypto]" and span.citation == citation.n
        # At its place in the document's text, inside the quote.
        assert citation.quote_start is not None and span.start is not None and span.end is not None
        assert citation.quote[span.start - citation.quote_start : span.end - citation.quote_start] == "tidecrypt[crypto]"
