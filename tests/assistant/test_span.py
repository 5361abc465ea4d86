"""The answer phrase inside the quoted sentence: candidates from spaCy, chosen by the span scorer."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

from assistant.features import analyse
from assistant.span import (
    NOTHING, SPAN_FEATURES, Phrase, asks_for_several, asks_for_words, asks_what_is, asks_who_did, best_phrase, candidates,
    completed, feature_matrix, parse, phrases,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc


def _parsed(question: str) -> Doc:
    (doc,) = parse([question])  # type: ignore[misc]
    return doc


def test_candidates_are_entities_noun_chunks_and_subtrees() -> None:
    (doc,) = parse(["The company was founded by John Smith in 1990 in Boston."])  # type: ignore[misc]
    found = {doc[start:end].text: what for (start, end), what in candidates(doc).items()}
    assert found["John Smith"]["entity"] == "PERSON"
    assert found["1990"]["entity"] == "DATE"
    assert found["Boston"]["entity"] == "GPE"
    assert found["company"]["noun_chunk"]  # "The company", without its determiner
    assert all(not text.startswith("The ") for text in found)


def test_candidates_never_cut_a_hyphenated_word() -> None:
    (doc,) = parse(["Under its project E-VIDENCE, the department held follow-up missions in 1990-1995 on co-operation."])  # type: ignore[misc]
    found = {doc[start:end].text for start, end in candidates(doc)}
    assert {"E-VIDENCE", "follow-up missions", "co-operation"} <= found
    assert not found & {"E", "VIDENCE", "follow", "up missions", "operation"}
    assert {"1990", "1995"} <= found  # a range of numbers may be cut: each end is an answer


def test_no_candidate_runs_from_one_paragraph_into_the_next() -> None:
    # spaCy's subtree of "dependencies" took in the list under it: "following dependencies...\n\n- h11\n- certifi".
    (doc,) = parse(["The httpcore package has the following dependencies...\n\n- h11\n- certifi"])  # type: ignore[misc]
    found = [doc[start:end].text for start, end in candidates(doc)]
    assert found and not any("\n\n" in text for text in found)
    assert "h11" in found and "following dependencies" in found


def test_phrases_leave_out_the_question_s_own_words() -> None:
    asked = analyse("Who founded the company?")
    (doc,) = parse(["The company was founded by John Smith in 1990."])  # type: ignore[misc]
    found = phrases(asked, doc)
    texts = {p.text for p in found}
    assert "company" not in texts and "founded" not in texts
    assert feature_matrix(found).shape == (len(found), len(SPAN_FEATURES))
    smith = next(p for p in found if p.text == "John Smith")
    row = dict(zip(SPAN_FEATURES, smith.features, strict=True))
    assert row["fits_kind"] == 1.0 and row["entity"] == 1.0 and row["question_share"] == 0.0


def test_the_best_phrase_answers_what_is_asked() -> None:
    sentence = "The company was founded by John Smith in 1990 in Boston."
    assert best_phrase(analyse("Who founded the company?"), sentence).phrase.text == "John Smith"  # type: ignore[union-attr]
    assert best_phrase(analyse("When was the company founded?"), sentence).phrase.text == "1990"  # type: ignore[union-attr]
    found = best_phrase(analyse("When was the company founded?"), sentence)
    assert found.phrase is not None and sentence[found.phrase.start : found.phrase.end] == "1990"
    assert found.margin > 0


def test_a_question_asking_for_several_things_gets_the_whole_list() -> None:
    assert asks_for_several(_parsed("Which countries provided financial support?"))
    assert asks_for_several(_parsed("What are the three sources of European Union law?"))
    assert not asks_for_several(_parsed("Which country provided financial support?"))
    assert not asks_for_several(_parsed("Who provided financial support?"))
    sentence = "Norway and Belgium provided financial support."
    several = best_phrase(analyse("Which countries provided financial support?"), sentence).phrase
    assert several is not None and sentence[several.start : several.end] == "Norway and Belgium"
    one = best_phrase(analyse("Which country provided the most support?"), sentence).phrase
    assert one is not None and one.text in ("Norway", "Belgium")
    law = "The three sources of European Union law are primary law, secondary law and supplementary law."
    found = best_phrase(analyse("What are the three sources of European Union law?"), law).phrase
    assert found is not None and found.text == "primary law, secondary law and supplementary law"
    # A list longer than a phrase may be stays the phrase the model chose.
    long = "The causes were " + ", ".join(f"the long and costly war number {i}" for i in range(5)) + "."
    chosen = best_phrase(analyse("What were the causes?"), long).phrase
    assert chosen is not None and len(chosen.text.split()) <= 12


def test_a_question_about_what_was_said_gets_the_quotation() -> None:
    assert asks_for_words(_parsed("What did the ambassador say?")) and asks_for_words(_parsed("What did she emphasise?"))
    assert not asks_for_words(_parsed("On what date did she say that?")) and not asks_for_words(_parsed("Who said it?"))
    said = 'The ambassador added: "We will join the convention next year." The minister agreed.'
    found = best_phrase(analyse("What did the ambassador say?"), said).phrase
    assert found is not None and said[found.start : found.end] == "We will join the convention next year"
    # The end of a quotation that opened in the sentence before.
    end = 'This meeting made the fight more effective," said Kevin Carty, the adviser.'
    found = best_phrase(analyse("What did Kevin Carty say?"), end).phrase
    assert found is not None and found.text == "This meeting made the fight more effective"
    # Without a quotation, the phrase the model chose.
    assert best_phrase(analyse("What did he say about the plan?"), "He said the plan was good.").phrase is not None


def test_a_question_about_who_did_it_gets_the_doer_of_a_passive_sentence() -> None:
    assert asks_who_did(_parsed("Who organised the workshop?")) is not None
    assert asks_who_did(_parsed("Who was the workshop opened by?")) is None and asks_who_did(_parsed("What did he organise?")) is None
    held = (
        "The Central Asian Regional Workshop on Requesting Electronic Evidence Across Borders was organized "
        "by the OSCE Transnational Threats Department in co-operation with the OSCE Project Co-ordinator in Uzbekistan."
    )
    found = best_phrase(analyse("Who organised the workshop?"), held).phrase
    assert found is not None and held[found.start : found.end] == "OSCE Transnational Threats Department"
    # The whole list and the "of" phrase are the doer; the name, when the doer is someone's work.
    enforced = "EU law is enforced by the courts of member states and the Commission, as the treaties provide."
    found = best_phrase(analyse("Who can enforce EU law?"), enforced).phrase
    assert found is not None and found.text == "courts of member states and the Commission"
    work = "The theory was first challenged by the work of British bacteriologist J. F. D. Shrewsbury in 1970."
    found = best_phrase(analyse("Who challenged the theory first?"), work).phrase
    assert found is not None and found.text == "British bacteriologist J. F. D. Shrewsbury"


def test_a_question_about_who_someone_is_gets_what_the_sentence_says_they_are() -> None:
    assert asks_what_is(_parsed("Who is Gayrat Musaev?")) is not None
    assert asks_what_is(_parsed("What is Engineering News-Record?")) is not None
    # Someone else ("Tesla's father"), more than who they are ("arrested for"), or no name at all.
    for other in ("Who was Tesla's father?", "What was Joseph Haas arrested for?", "Who is the ambassador?"):
        assert asks_what_is(_parsed(other)) is None, other
    said = {
        # The appositive, up to the list's next item.
        "Who is Gayrat Musaev?": (
            "“We are proud to announce it,” said Gayrat Musaev, Associate Professor of Law and an official "
            "from the Administration of the President of Uzbekistan.",
            "Associate Professor of Law",
        ),
        # A long one, hyphens and possessive included.
        "Who is Fejzo Numanaj?": (
            "Fejzo Numanaj, Officer-in-Charge of the OSCE Transnational Threats Department’s Action against "
            "Terrorism Unit pointed to the central role of human rights.",
            "Officer-in-Charge of the OSCE Transnational Threats Department’s Action against Terrorism Unit",
        ),
        # The noun the name stands beside.
        "Who was Thomas Commerford Martin?": (
            "In 1893 the editor of Electrical World magazine, Thomas Commerford Martin, published a book.",
            "editor of Electrical World magazine",
        ),
        # What the name "is", up to the first comma; an abbreviation in brackets is not it.
        "What is Engineering News-Record?": (
            "Engineering News-Record (ENR) is a trade magazine for the construction industry, published weekly.",
            "trade magazine for the construction industry",
        ),
        # What an abbreviation stands for.
        "What is PPP?": (
            "Public-Private Partnering (PPP) is a way of financing public works.",
            "Public-Private Partnering",
        ),
        # The title before the name.
        "Who is Evangelos Denaksas?": (
            "Greek Ambassador Evangelos Denaksas, representing the OSCE Chairmanship, added a word.",
            "Greek Ambassador",
        ),
    }
    for question, (sentence, description) in said.items():
        found = best_phrase(analyse(question), sentence).phrase
        assert found is not None and found.text == description and sentence[found.start : found.end] == description, question
    # A courtesy title says nothing of who someone is.
    found = best_phrase(analyse("Who is John Smith?"), "Mr. John Smith said the plant would close.").phrase
    assert found is None or found.text.rstrip(".") != "Mr"


def test_a_sentence_of_only_the_question_s_words_has_no_phrase() -> None:
    assert best_phrase(analyse("Was the company founded?"), "Company founded.") == NOTHING


def test_the_pipeline_loads_without_torch_yet_leaves_it_importable() -> None:
    # thinc imports torch when it can, a second of every `askdocs ask`; spaCy's pipeline needs numpy only.
    script = (
        "import sys\n"
        "from assistant.span import pipeline\n"
        "doc = pipeline()('The lighthouse was destroyed in 1323.')\n"
        "assert [(e.text, e.label_) for e in doc.ents] == [('1323', 'DATE')], doc.ents\n"
        "assert 'torch' not in sys.modules\n"
        "import torch\n"
        "print(torch.tensor([1.0]).sum().item())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1.0"


def test_a_question_asking_for_a_name_in_code_gets_that_name() -> None:
    """The model, which learned its phrases from encyclopaedic prose, marked "SELECT clauses"."""
    asked = analyse("What error does PyPika raise when I union two queries that select different numbers of columns?")
    sentence = (
        "Unions require that queries have the same number of SELECT clauses so trying to cast a unioned query "
        "to string will throw a SetOperationException if the column sizes are mismatched."
    )
    found = best_phrase(asked, sentence)
    assert found.phrase is not None and found.phrase.text == "SetOperationException"
    assert sentence[found.phrase.start : found.phrase.end] == "SetOperationException"


def test_a_question_asking_for_a_version_gets_the_version_given() -> None:
    """The model marked "use" in "Wheels for Python 3.8/3.9 use Cython 3.2.9", and "3.9" of a range."""

    def phrase(question: str, sentence: str) -> str | None:
        found = best_phrase(analyse(question), sentence)
        assert found.phrase is None or sentence[found.phrase.start : found.phrase.end] == found.phrase.text
        return None if found.phrase is None else found.phrase.text

    # Not the versions the question names.
    assert phrase("Which Cython version were the 6.2.0 wheels for Python 3.8 and 3.9 built with?", "Wheels for Python 3.8/3.9 use Cython 3.2.9.") == "3.2.9"
    assert phrase("Which Python versions is the package tested against?", "The package is tested with Python versions 3.9-3.12.") == "3.9-3.12"
    assert phrase("What is the minimum Python version it needs?", "It requires Python 3.10+ on Linux.") == "3.10+"
    # The version of what the question asks about.
    assert phrase("Which PyTorch version is recommended?", "We recommend Python 3.10+, PyTorch 2.2+ and transformers v4.41.0+.") == "2.2+"


def test_a_question_asking_how_to_do_something_gets_the_name_in_code() -> None:
    # A README answers "How do I…" with what to call, run or set; the model marked "variable".
    asked = analyse("How do I let requests-oauthlib use plain http while testing locally?")
    sentence = "You should set the OAUTHLIB_INSECURE_TRANSPORT environment variable when testing over plain http."
    found = best_phrase(asked, sentence)
    assert found.phrase is not None and found.phrase.text == "OAUTHLIB_INSECURE_TRANSPORT"


def test_the_name_in_code_is_of_the_form_asked_for_and_shares_the_question_s_words() -> None:
    def name(question: str, sentence: str) -> str | None:
        found = best_phrase(analyse(question), sentence)
        return None if found.phrase is None else found.phrase.text

    # An exception is named "…Error" or "…Exception"; an environment variable in capitals.
    assert name("What exception does httpx-sse raise when the content type is wrong?", "Use iter_sse() to read events; it raises SSEError when the content type is wrong.") == "SSEError"
    assert name("Which environment variable should hold my API key?", "client = Client(headers={'Authorization': os.environ.get('OLLAMA_API_KEY')})") == "OLLAMA_API_KEY"
    # Of two flags, the one the question describes.
    assert name("Which flag turns on table parsing in the CLI?", "Run markdown-it -h for help, or markdown-it --enable-tables README.md to parse tables.") == "--enable-tables"


def test_a_question_about_what_to_install_gets_the_requirement_with_its_extras() -> None:
    # spaCy cuts "cloudpathlib[s3,gs,azure]" at a comma; the model marked "uv" beside "transformers[torch]".
    for question, sentence, spec in [
        ("Which pip extras give cloudpathlib the SDKs for S3, GCS and Azure?", "pip install cloudpathlib[s3,gs,azure]", "cloudpathlib[s3,gs,azure]"),
        ("Which pip extra installs Transformers together with PyTorch?", "Install with uv or pip: pip install 'transformers[torch]'", "transformers[torch]"),
    ]:
        found = best_phrase(analyse(question), sentence)
        assert found.phrase is not None and found.phrase.text == spec


def _completed(text: str, phrase: str) -> str:
    at = text.index(phrase)
    return completed(text, Phrase(phrase, at, at + len(phrase), ())).text


def test_a_size_or_a_duration_keeps_its_number_and_its_unit() -> None:
    text = "It caps requests at 30 MB, ships weights of ~90MB and leaks every 10 s."
    for alone, whole in [("MB", "30 MB"), ("~90", "~90MB"), ("10", "10 s"), ("requests", "requests")]:
        assert _completed(text, alone) == whole
    # A licence's version completes its name.
    assert _completed("It is released under the Apache License Version 2.0.", "Apache License Version") == "Apache License Version 2.0"


def test_a_date_written_with_hyphens_is_whole() -> None:
    """spaCy cuts "08-Mar-2021" at its hyphens, and "08" was the phrase; a range of years stays cut,
    each end being an answer."""
    text = "Release date: 08-Mar-2021, tagged 2021-03-08; maintained 1990-1995."
    for part, whole in [("08", "08-Mar-2021"), ("Mar", "08-Mar-2021"), ("2021-03", "2021-03-08"), ("1990", "1990")]:
        assert _completed(text, part) == whole


def test_a_question_asking_for_a_command_gets_the_command_line() -> None:
    """The model marked "hf_xet" of "pip install hf_xet", "perform" of a make target's comment, and
    nothing at all in "uv tool install griffe", whose every word the question holds."""
    for question, text, line in [
        ("What pip command installs hf-xet?", "Install the hf_xet package with pip:\n\npip install hf_xet", "pip install hf_xet"),
        ("Which make target builds pydantic-core for benchmarks?", "make build-prod # to perform an optimised build for benchmarking", "make build-prod"),
        ("How do I install Griffe as a tool using uv?", "uv tool install griffe", "uv tool install griffe"),
        ("What pip command installs cloudpathlib with the SDKs for S3, GCS and Azure?", "pip install cloudpathlib[s3,gs,azure]", "pip install cloudpathlib[s3,gs,azure]"),
    ]:
        found = best_phrase(analyse(question), text, technical=True)
        assert found.phrase is not None and found.phrase.text == line
        assert text[found.phrase.start : found.phrase.end] == line
    # Not a question about a command, and not a line that is one.
    assert best_phrase(analyse("Was the company founded?"), "Company founded.") == NOTHING
    found = best_phrase(analyse("What command clones a Weasel project template?"), "Weasel can be used via the weasel command.")
    assert found.phrase is None or found.phrase.text != "weasel command"


def test_a_question_naming_the_kind_of_thing_asked_gets_the_name_the_document_gives_it() -> None:
    """In technical documents a thing's name stands beside the noun the question asks by; the model
    marked "sake of speed", "named attributes", "written"."""

    def name(question: str, sentence: str, technical: bool = True) -> str | None:
        found = best_phrase(analyse(question), sentence, technical)
        assert found.phrase is None or sentence[found.phrase.start : found.phrase.end] == found.phrase.text
        return None if found.phrase is None else found.phrase.text

    assert name("Which optional library is recommended for speed?", "You may install the aiodns library for the sake of speed.") == "aiodns"
    assert name(
        "What type of object does parse_string() give back?",
        "The results returned from parse_string() are a collection of type ParseResults, which can be accessed as a list.",
    ) == "ParseResults"
    assert name("Which file gets a copy of the test output?", "A copy of the test output is written to the file alltests.out.") == "alltests.out"
    assert name("Which stable API is recommended?", "These cases are better served by the stable AsyncLocalStorage API.") == "AsyncLocalStorage"
    # One of the names the question offers: "which file does require('addon') load?"
    assert name(
        "If addon.js and addon.node are in the same directory, which file does require('addon') load?",
        "If there is a file addon.js beside the binary addon.node, require('addon') will load the addon.js file instead.",
    ) == "addon.js"
    # A noun that is part of a name is no kind ("the Apache License"), nor the question's own modifier.
    assert name("What license is pytesseract released under?", "Pytesseract is released under the Apache License.") != "Apache"
    assert name("Which V8 command-line flag forces garbage collection?", "Pass any command-line flag you like.") != "command-line"
    # In prose a name is mostly several words, the word before a noun mostly a kind: not used there.
    assert name("What journalist wrote an article defending the show?", "The journalist Philip Howard wrote an article defending it.", technical=False) != "Philip"

