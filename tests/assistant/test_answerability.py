"""Refusing on-topic questions whose asked-for fact the best evidence lacks."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from assistant.answerability import (
    ANSWERABILITY_FEATURES, answerability_features, checks, default_stated_threshold, default_threshold, lacks_asked_kind,
    paragraph,
)
from assistant.extractive import first_quoted, rank_sentences
from assistant.features import analyse, asks_default, asks_outright, implies_default
from assistant.span import best_phrase
from index.embedder import Embedder
from index.retrieve import Passage
from tests.conftest import indexed

TEXT = (
    "The Polish Academy of Sciences is a Polish state-sponsored institution of learning headquartered in Warsaw. "
    "The Academy of Sciences was founded in 1952. Its members include scientists from every field of research. "
    "The academy runs 69 research institutes and publishes several journals."
)
PASSAGE = Passage(
    chunk_id="c0", doc_id="academy.txt", title="Academy", text=TEXT, start=0, end=len(TEXT), page=None, chunk_no=0,
    score=1.0, dense_score=0.5, keyword_score=3.0, dense_rank=1, keyword_rank=1,
)


def _probability(question: str, embedder: Embedder) -> float:
    ranked = rank_sentences(question, [PASSAGE], embedder)
    asked = analyse(question)
    return checks(asked, ranked, [PASSAGE], best_phrase(asked, ranked[0].sentence.text)).answerable


def test_features_say_what_the_best_sentence_lacks(embedder: Embedder) -> None:
    rows = {}
    for question in ("When was the Polish Academy of Sciences founded?", "When was the Polish Academy of Arts founded?"):
        ranked = rank_sentences(question, [PASSAGE], embedder)
        asked = analyse(question)
        row = answerability_features(asked, ranked, [PASSAGE], best_phrase(asked, ranked[0].sentence.text))
        assert row.shape == (1, len(ANSWERABILITY_FEATURES))
        rows[question] = dict(zip(ANSWERABILITY_FEATURES, row[0], strict=True))
    real, swapped = rows.values()
    # "Arts" is nowhere in the passage: a question word absent from all the evidence.
    assert real["absent_all"] == 0.0 and swapped["absent_all"] > 0.0
    assert swapped["missing_names_passage"] == 1.0 and real["missing_names_passage"] == 0.0
    assert np.isclose(real["best_typed"], 1.0)


def test_a_question_about_something_else_is_less_answerable(embedder: Embedder) -> None:
    threshold = default_threshold()
    assert 0.0 < threshold < 1.0
    answered = _probability("When was the Polish Academy of Sciences founded?", embedder)
    swapped = _probability("When was the Polish Academy of Arts founded?", embedder)
    negated = _probability("What is not published by the academy?", embedder)
    assert answered >= threshold > swapped
    assert negated < threshold


def test_the_assistant_refuses_below_the_threshold_and_says_why(make_assistant) -> None:  # type: ignore[no-untyped-def]
    question = "Which law is Kyrgyzstan drafting?"
    answered = make_assistant(min_answerable=0.0).answer(question)
    assert not answered.refused and answered.answerability is not None and answered.answerability > 0.0
    strict = make_assistant(min_answerable=min(1.0, answered.answerability + 0.01)).answer(question)
    assert strict.refused and strict.refusal_reason == "unanswerable" and not strict.citations
    assert strict.answer_span is None and strict.related


def test_the_second_check_refuses_below_its_own_threshold(make_assistant) -> None:  # type: ignore[no-untyped-def]
    question = "Which law is Kyrgyzstan drafting?"
    answered = make_assistant(min_answerable=0.0, min_stated=0.0).answer(question)
    assert not answered.refused and answered.stated is not None and 0.0 < answered.stated < 1.0
    assert answered.stated >= default_stated_threshold(), "the sample corpus's answerable question passes by default"
    strict = make_assistant(min_answerable=0.0, min_stated=min(1.0, answered.stated + 0.01)).answer(question)
    assert strict.refused and strict.refusal_reason == "unanswerable" and not strict.citations
    assert strict.stated == answered.stated and strict.related


def test_a_question_about_what_someone_said_finds_said(make_assistant) -> None:  # type: ignore[no-untyped-def]
    # "say" and "said" are one word to the evidence checks: the quotation is answered, not refused.
    answer = make_assistant().answer("What did Kevin Carty say?")
    assert not answer.refused, answer.answerability
    assert answer.answer_span is not None and "fight against organized crime more effective" in answer.answer_span.text


def test_only_questions_asking_outright_for_a_date_or_a_number_are_checked_for_one() -> None:
    assert asks_outright("When did the project start?") == "date"
    assert asks_outright("In what year was the academy founded?") == "date"
    assert asks_outright("How many institutes does the academy run?") == "number"
    assert asks_outright("What share of cases involve providers abroad?") == "number"
    assert asks_outright("What is the budget of the project?") == "number"
    assert asks_outright("What was the total cost of the war?") == "number"
    assert asks_outright("What is the area of research?") is None
    # "when" opening a clause asks for no time.
    assert asks_outright("What is it called when people rebel against unfair laws?") is None
    assert asks_outright("When a pathogen is eaten, which vesicle traps it?") is None
    assert asks_outright("Who founded the academy?") is None
    # "date" naming the kind of thing asked for.
    assert asks_outright("What date format does the parser expect?") is None
    assert asks_outright("What date did the project start?") == "date"
    # A size, a duration or a limit is a number too.
    assert asks_outright("How long does close() wait for open streams?") == "number"
    assert asks_outright("How large can an append blob get?") == "number"
    assert asks_outright("What is the maximum size of a message it accepts?") == "number"
    assert asks_outright("What is the default maximum number of worker threads?") == "number"
    assert asks_outright("What is the maximum nesting depth it parses?") == "number"
    assert asks_outright("What is the maximum compression level?") is None  # a level may be a name


def test_the_asked_for_kind_is_looked_for_in_the_best_sentences_paragraph(embedder: Embedder) -> None:
    text = "The academy runs institutes.\nIt was founded by the state. It moved to Warsaw in 1952.\nIt publishes journals."
    passage = replace(PASSAGE, text=text, end=len(text))

    def lacks(question: str) -> bool:
        ranked = rank_sentences(question, [passage], embedder)
        return lacks_asked_kind(analyse(question), ranked[0], [passage])

    start = text.index("It was founded")
    assert paragraph(text, start, start + 10) == "It was founded by the state. It moved to Warsaw in 1952."
    assert not lacks("When was the academy founded by the state?")  # 1952 is in the same paragraph
    assert lacks("How many journals does it publish?")  # no number anywhere near the journals
    assert lacks("What is the maximum number of journals it publishes?")  # a limit is a number
    assert not lacks("How long has the academy been in Warsaw?")  # a duration may be given by its dates
    assert not lacks("Who publishes journals?")  # not a date or number question
    assert lacks("When did the academy, founded in 1952, move to Warsaw?")  # the question's own date does not count
    assert not lacks("Which option makes the academy list how many journals it publishes?")  # asks for a name in code


def test_a_calendar_date_is_no_count(embedder: Embedder) -> None:
    text = "The workshop was held in Tashkent on 12 and 13 November 2025.\nIt lasted two days and drew 40 experts."

    def lacks(question: str, paragraph_text: str) -> bool:
        passage = replace(PASSAGE, text=paragraph_text, end=len(paragraph_text))
        ranked = rank_sentences(question, [passage], embedder)
        return lacks_asked_kind(analyse(question), ranked[0], [passage])

    dated_only = text.split("\n")[0]
    assert lacks("How many experts attended the workshop in Tashkent?", dated_only)
    assert not lacks("When was the workshop in Tashkent held?", dated_only)
    assert not lacks("How many experts attended the workshop in Tashkent?", text.replace("\n", " "))
    assert not lacks("How many days did the workshop in Tashkent last?", "The workshop in Tashkent lasted two days.")
    assert not lacks("How many experts attended the workshop in Tashkent?", "In 2025 the workshop in Tashkent had a crowd of 1500.")
    # spaCy tags "1300+" a DATE; it is a count.
    assert not lacks("Roughly how many plugins does the workshop list?", "The workshop lists over 1300+ plugins.")


def test_a_version_the_readme_never_gives_is_refused(embedder: Embedder) -> None:
    """Asked which version or release, a line with no number but the question's own gives none."""
    text = (
        "Install tidecache from PyPI with pip.\n"
        "Tidecache 2.0 supports Python 3.9+ on Linux and macOS.\n"
        "| Python | Compatible tidecache release |\n"
        "| 3.8 | 1.x |\n"
        "| >= 3.9 | 2.x |"
    )
    passage = replace(PASSAGE, text=text, end=len(text))

    def lacks(question: str, lines: str = text) -> bool:
        given = replace(passage, text=lines, end=len(lines))
        ranked = rank_sentences(question, [given], embedder)
        return lacks_asked_kind(analyse(question), first_quoted(ranked, [given], question, 80), [given])

    assert not lacks("What is the oldest Python version tidecache 2.0 supports?")  # 3.9 is not the question's
    assert lacks("What is the minimum pip version needed to install tidecache from PyPI?", text.split("\n")[0])
    assert lacks("Which tidecache 2.0 release added macOS support?", text.split("\n")[0] + "\nTidecache 2.0 runs on macOS.")
    # A table's header is quoted with its rows, and they give the versions.
    assert not lacks("Which tidecache release is compatible with Python 3.8?", "\n".join(text.split("\n")[2:]))
    # Not a question about a version: "version of" names something else, "release" here is a verb.
    assert not lacks("What version of the manual covers macOS?", text.split("\n")[0])
    assert not lacks("What does tidecache release when it closes?", text.split("\n")[0])
    # Asks how to find the version out: the answer is a command, not a number.
    assert not lacks("How can I check which tidecache version is installed?", text.split("\n")[0])


def test_names_in_code_tell_technical_evidence_from_prose() -> None:
    from assistant.features import CODE_NAME, holds_code

    assert CODE_NAME.findall("Call orjson.dumps(obj, option=OPT_INDENT_2) or pass --enable-tables.") == [
        "orjson.dumps", "OPT_INDENT_2", "--enable-tables",
    ]
    assert holds_code(["Set BRISKLOG_NO_COLOR=1.", "Prose."]) and holds_code(["get_logger(name) returns one."])
    # Names and notations that prose writes too.
    assert not holds_code(["McIntyre joined PlayStation in 2010.", "The author(s) of iron(III) oxide."])
    assert not holds_code(["A 6-foot -tall fence, e.g. this one, i.e. that."])


BRISKLOG = """# brisklog

brisklog writes structured log lines to files and to the console.

## Installation

Install it from PyPI with pip install brisklog. It needs Python 3.10 or later.

## Usage

    import brisklog
    log = brisklog.get_logger("app")
    log.info("started", user="ana")

Call brisklog.configure(level="debug") to change the level of every logger at once.

## Files

A log file is rotated by brisklog.RotatingSink(path, max_bytes=10_000_000) once it reaches its size limit;
the old file keeps its name with a number appended.

## Colours

The console output is coloured by level. Set the environment variable BRISKLOG_NO_COLOR=1 to turn the
colours off, for example when the output goes to a file.
"""


def test_technical_documents_have_a_refusal_reading_of_their_own(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    """Over a README, questions about what it never states (a license, a feature it lacks) are refused
    by the technical reading, which the two checks trained on Wikipedia let through."""
    from assistant.answer import Assistant
    from assistant.answerability import default_technical_threshold
    from assistant.settings import AssistantSettings

    with indexed(tmp_path, embedder, {"brisklog.md": BRISKLOG}) as collection:
        technical = Assistant(AssistantSettings(log_answers=False), collection.retriever)
        prose = Assistant(AssistantSettings(log_answers=False, min_technical=0.0), collection.retriever)
        for question in ("Under which license is brisklog released?", "Does brisklog support sending logs to syslog?"):
            refused, answered = technical.answer(question), prose.answer(question)
            assert refused.refused and refused.refusal_reason == "unanswerable", question
            assert refused.technical is not None and refused.technical < default_technical_threshold()
            assert not answered.refused and answered.technical is None, question
        for question, phrase in (
            ("Which environment variable turns off brisklog's colours?", "BRISKLOG_NO_COLOR"),
            ("How do I change the level of every brisklog logger at once?", "brisklog.configure"),
        ):
            answer = technical.answer(question)
            assert not answer.refused and phrase in answer.text, question
            assert answer.technical is not None and answer.technical >= default_technical_threshold()


def test_the_technical_reading_never_learned_from_the_parts_that_report_it() -> None:
    from assistant.answerability import TECHNICAL_FEATURES, default_technical_threshold
    from assistant.scorers import load_linear
    from benchmarks.package_docs import PARTS
    from evaluation.train_technical import TRAINING_PARTS

    record = load_linear("technical", TECHNICAL_FEATURES).record
    assert tuple(record["data"]["parts"]) == TRAINING_PARTS
    reporting = {f"heldout{n}" for n in range(5, 14)}
    assert reporting <= set(PARTS) and not reporting & set(TRAINING_PARTS)
    assert record["threshold"] == default_technical_threshold() > 0
    figures = record["figures_out_of_fold"]
    assert figures["answerable_refused_out_of_fold"] <= figures["the_two_checks"]["answerable_refused"]


def test_prose_beside_technical_documents_keeps_the_two_checks(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    """In a collection that holds a README and a memo, a question the memo answers is read as prose,
    though passages of the README are retrieved beside it."""
    from assistant.answer import Assistant
    from assistant.settings import AssistantSettings

    memo_text = (
        "The harbour of Aktau reopens on 4 May after the dredging of the northern basin is complete.\n"
        "Ferries to Baku resume the same week, and the log of every crossing is kept by the port office.\n"
    )
    with indexed(tmp_path, embedder, {"brisklog.md": BRISKLOG, "memo.txt": memo_text}) as collection:
        assistant = Assistant(AssistantSettings(log_answers=False), collection.retriever)
        memo = assistant.answer("When does the harbour of Aktau reopen?")
        assert {p.source for p in memo.passages} == {"brisklog.md", "memo.txt"}
        assert not memo.refused and "4 May" in memo.text and memo.technical is None
        readme = assistant.answer("Which environment variable turns off brisklog's colours?")
        assert not readme.refused and readme.technical is not None


def test_a_digit_inside_a_name_is_no_number(embedder: Embedder) -> None:
    def lacks(question: str, text: str) -> bool:
        passage = replace(PASSAGE, text=text, end=len(text))
        ranked = rank_sentences(question, [passage], embedder)
        return lacks_asked_kind(analyse(question), ranked[0], [passage])

    question = "What is the maximum size in bytes of the code cache that V8 produces?"
    assert lacks(question, "The code cache is produced by V8's compiler and can be stored in S3 or as utf8 text.")
    assert not lacks(question, "The code cache V8 produces holds at most 64 bytes.")


def test_a_default_the_evidence_never_states_is_refused(embedder: Embedder) -> None:
    text = (
        "Client options\n"
        "timeout sets how many seconds a request may take before it is cancelled.\n"
        "retries sets how many times a failed request is sent again. Defaults to 3.\n"
        "def connect(host, port=8080, attempts: int = 5):"
    )
    passage = replace(PASSAGE, text=text, end=len(text))

    def lacks(question: str) -> bool:
        ranked = rank_sentences(question, [passage], embedder)
        best = first_quoted(ranked, [passage], question, 80)
        return lacks_asked_kind(analyse(question), best, [passage])

    # The timeout's line says what it is, never what it is when nothing is set.
    assert lacks("What is the default timeout of a request in seconds?")
    assert lacks("What timeout does the client use by default?")
    assert not lacks("What does the timeout option of a request set?")  # asks no default
    assert not lacks("How many times is a failed request sent again by default?")  # "Defaults to 3."
    assert not lacks("Which port does connect() use by default?")  # a signature gives it: port=8080
    # A thing named "default" is not a question about a default.
    assert not asks_default("Which packages does the [default] extra install?")
    assert not asks_default("What value does regex.DEFAULT_VERSION have?")
    assert asks_default("Does get() follow redirects by default?")
    assert asks_default("What are the client's defaults for retries?")
    # Asked for without the word: what holds when something is not given.
    for question in (
        "If I don't pass a filename, what name shows up in stack traces?",
        "Which encoding does a new TextDecoderStream use if none is specified?",
        "When I call measureMemory() without any options, which mode does it use?",
        "Which port does the server listen on unless I pass --port?",
        "Which argument is the callback when position is undefined?",
    ):
        assert implies_default(question) and not asks_default(question)
    assert not implies_default("When was the option passed to the constructor?")
