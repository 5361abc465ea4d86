"""What a learned scorer sees of a question and of each candidate answer sentence.

Every feature is computed from the question, the retrieved passages and their retrieval scores:
nothing here depends on the size of the corpus. The same functions build the training data
(evaluation/train.py) and score sentences at query time, so the two cannot drift apart.
"""

from __future__ import annotations

import builtins
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.text import Sentence, content_terms, entities, sentences, words
from index.keywords import stopwords
from index.retrieve import Passage

MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
DATE = re.compile(rf"\b(1\d{{3}}|20\d{{2}}|{MONTHS})\b", re.IGNORECASE)
NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|half|third|quarter|dozen)\b",
    re.I,
)
_CAPITAL = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w'’-]+")
_WH = re.compile(r"\b(who|whom|whose|what|which|when|where|why|how)\b", re.IGNORECASE)
_CONTEXT = re.compile(r"\b(for|of|at|in|on|to|during|about|from|by|with|since|after|before|under|between)\b", re.I)
_DETERMINER = re.compile(r"\b(the|a|an|that|this|these|those|its|their)\b", re.I)
NEGATION = re.compile(r"\b(not|never|no|none|nobody|nothing|neither|nor|without|n't|cannot)\b|n't\b", re.I)

# The question's wh-word, as a small integer a tree model splits on.
WH_CODES = {
    None: 0, "what": 1, "which": 2, "who": 3, "whom": 3, "whose": 3, "when": 4, "where": 5, "why": 6,
    "how": 7, "how many": 8, "how much": 8, "how long": 9, "how old": 9, "how often": 9,
}
# A name in code was never asked for in the data the models learned from: to them it is no kind
# (code 0), and only the sentence's "typed" flag says it holds one.
KIND_CODES = {None: 0, "number": 1, "date": 2, "name": 3, "place": 4, "identifier": 0}
# Stems sharing this many leading characters, or one a prefix of the other of at least four,
# count as the same word ("financed"/"financial", "focus"/"focused").
PREFIX_MATCH = 5


# "What date format…", "Which date parser…": the date names the kind of thing asked for, not the answer.
_NOT_A_MODIFIER = (
    r"(?!\s+(?:format|string|type|field|column|object|class|pars|librar|module|function|method|option|setting|"
    r"argument|parameter|pattern|style|locale|unit)\w*)"
)


def answer_type(question: str) -> str | None:
    """The kind of fact asked for: number, date, name (person or organisation), place, a name in code
    ("identifier"), or None."""
    q = question.lower()
    if _ASKS_IDENTIFIER.search(question):  # before "how many" or "when" of a clause: "which setting lets me…, when…"
        return "identifier"
    if re.search(r"\bhow (many|much|long|often|old|far|large|big|tall|high)\b|\bwhat (share|percentage|proportion|number|amount)\b", q):
        return "number"
    if re.search(rf"\bwhen\b|\b(what|which|on what|in what) (date|year|month|day|century|decade|period)\b{_NOT_A_MODIFIER}", q):
        return "date"
    if re.search(r"\bwho\b|\bwhose\b|\bwhom\b", q):
        return "name"
    if re.search(r"\bwhere\b|\b(which|what)( \w+)?( \w+)? (countr|cit|place|region|state|town|continent|island|river)", q):
        return "place"
    if re.search(r"\b(which|what)( \w+)?( \w+)? (organi[sz]ation|institut|unit|agenc|bod|compan|universit|team|party)", q):
        return "name"
    return None


# A question asking for a name in code: "Which flag…", "What option do I add…", "which function lets me…".
_ASKS_IDENTIFIER = re.compile(
    r"\b(?i:which|what)( (?!(?i:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should)\b)[\w.-]+){0,3}? "
    r"(flag|option|argument|parameter|function|method|class|setting|variable|exception|error|command|subcommand|"
    r"module|keyword|field|attribute|header|decorator|environment variable|env var)s?\b(?! of\b)"
)
# What code names look like in prose: a dotted name, snake_case or CONSTANT_CASE, a call, a
# command-line flag, a CamelCase name.
IDENTIFIER = re.compile(
    r"\b[a-z_]\w+\.[a-z_]\w+(?:\.\w+)*\b|\b[A-Za-z]\w*_\w+\b|\b\w+(?=\()|(?<![\w-])--?[a-z][\w-]*|\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+\b"
)
# Names that only code has: a dotted or snake_case name, a call, a `--flag`. Unlike IDENTIFIER, no
# CamelCase ("McIntyre", "PlayStation") and no call that prose writes too ("author(s)", "iron(III)").
CODE_NAME = re.compile(
    r"\b[a-z_]\w+\.[a-z_]\w+(?:\.\w+)*\b|\b[A-Za-z]\w*_\w+\b|\b[A-Za-z_]\w+\((?=[)a-z_\"'\d])(?!s\))|(?<![\w-])--[a-z][\w-]*"
)
# Python's built-ins ("print(", "list("): around the name asked for, never the name itself.
_BUILTINS = frozenset(dir(builtins))


# Questions asking outright for a time or a quantity ("When did it start?", "In what year…", "How
# many…", "What is the budget of…"), unlike "What is it called when…" or "When a cell divides, …",
# where "when" opens a clause.
_ASKS_TIME = re.compile(
    r"^\W*when\s+(did|was|were|is|are|do|does|will|would|has|have|had|can|could|should|must|might)\b"
    rf"|\b(what|which) (date|year|month|day|century|decade)\b{_NOT_A_MODIFIER}",
    re.IGNORECASE,
)
_ASKS_QUANTITY = re.compile(
    r"\bhow (many|much|long|large|big|deep|far)\b|\bwhat (share|percentage|proportion|number|amount)\b"
    r"|\bwhat (is|was|are|were) (the|its|their) (\w+ )?(budget|cost|price|population|salary|revenue|income|fee|tuition|"
    r"enrollment|enrolment|attendance|gdp|percentage|amount|number)s?\b"
    # A limit: "What is the maximum size of…", "What is the default maximum number of workers…".
    r"|\bwhat (is|was|are|were) (the|its|their) (default )?(max(imum)?|min(imum)?|largest|smallest|highest|lowest) "
    r"(\w+ ){0,2}?(value|size|length|number|count|depth|limit|timeout|delay|duration|interval|age)s?\b",
    re.IGNORECASE,
)


# A question asking which version or release, of the package or of what it needs: "In which
# release did…", "From which lightgbm version…", "What is the minimum Python version…"; not "What
# version of the Bible…", "What does photosynthesis release…".
_ASKS_VERSION = re.compile(
    r"\b(which|what)(?: (?:is|was|are|were))?(?: the)?(?: (?!(?:do|does|did|can|could|will|would|should)\b)[\w.-]+){0,3}?"
    r" (?:release|version)s?\b(?! of\b)",
    re.IGNORECASE,
)
# "How do I…", "How can we…": asks for a way to do something.
_ASKS_HOW_TO = re.compile(r"\bhow (?:do|can|should|could|would) (?:i|we)\b", re.IGNORECASE)
# A question about what is required rather than about when something happened.
_REQUIREMENT = re.compile(r"\b(minimum|minimal|oldest|lowest|required|requires?|supported|compatible)\b", re.IGNORECASE)
# What happens in a release: "In which release did…", "Which version added…".
_EVENT = re.compile(
    r"\b(did|was|were|added|introduced|removed|dropped|changed|fixed|deprecated|replaced|released|renamed|became|switched|started|stopped)\b",
    re.IGNORECASE,
)
# Asking from which release on something holds: "Since which version do…", "From which version are…".
_SINCE = re.compile(r"\b(?:since|from|as of|starting (?:with|from|in))(?: the)? (?:which|what)\b", re.IGNORECASE)
# A version number: "3.5.0", "v2.1", "4.4.0rc1".
VERSION = re.compile(r"\bv?\d+(?:\.\d+)+(?:[a-z]+\d*)?\b", re.IGNORECASE)
# What a version is written with, in a line that gives one: "3.8+", "v2", "4.4.0", "2024.1".
_VERSION_NUMBER = re.compile(r"\d+(?:\.\d+)*")


# A question asking what holds when nothing is set: "What is the default timeout…", "…by default?";
# not a thing named so ("the networkx[default] extra", "DEFAULT_VERSION", "instead of the default one").
_ASKS_DEFAULT = re.compile(r"(?<![\[\w.])defaults?(?![\]\w])(?! one\b)", re.IGNORECASE)
_DEFAULT_WORD = re.compile(r"\bdefault(?:s|ed|ing)?\b", re.IGNORECASE)
# A name given a value in code, as a signature gives a default: "attempts: int = 3,", "timeout=5.0".
_ASSIGNED = re.compile(r"([A-Za-z_]\w*)\s*(?::\s*[\w\[\]., |]+?)?\s*=\s*[^\s=]")


def asks_default(question: str) -> bool:
    """The question asks for what holds when nothing is set (a default value or behaviour)."""
    return bool(_ASKS_DEFAULT.search(question))


# A default asked for without the word: "If I don't pass a filename…", "…if none is specified?",
# "…without any options?", "…unless I pass --port?".
_IMPLIES_DEFAULT = re.compile(
    r"\b(?:if|when|unless)\b[^?.;]*?\b(?:"
    r"(?:don'?t|do not|doesn'?t|does not|didn'?t|never)\s+(?:pass|set|give|specify|provide|supply|configure|choose|use)"
    r"|(?:pass|set|give|specify|provide|supply|use)\s+(?:no|nothing)\b"
    r"|(?:no|none|nothing)\b[^?.;]*?\b(?:is|are)\s+(?:given|passed|set|specified|provided|supplied|configured)"
    r"|(?:is|are)\s+(?:not|n't)\s+(?:given|passed|set|specified|provided|supplied|configured)"
    r"|(?:is|are)\s+(?:undefined|omitted|unset|left out))"
    r"|\bwithout (?:any|passing|setting|specifying|giving)\b"
    r"|\bunless I (?:pass|set|specify|give|use)\b",
    re.IGNORECASE,
)


def implies_default(question: str) -> bool:
    """The question asks what holds when something is not given, without saying "default"."""
    return bool(_IMPLIES_DEFAULT.search(question))


def states_default(text: str, asked_words: frozenset[str]) -> bool:
    """The text says what holds by default: it names a default, or in code gives a value to a name
    the question uses ("How many attempts…?": "attempts: int = 3")."""
    return bool(_DEFAULT_WORD.search(text)) or any(m.group(1).lower() in asked_words for m in _ASSIGNED.finditer(text))


def asks_how_to(question: str) -> bool:
    """The question asks for a way to do something ("How do I…", "How can we…"); in a README the
    answer is mostly a name in code: a call, a command, a setting."""
    return bool(_ASKS_HOW_TO.search(question))


def asks_version(question: str) -> bool:
    """The question asks which version or release, of the package or of what it needs; not how to
    find one out ("How can I check which version is installed?")."""
    return bool(_ASKS_VERSION.search(question)) and not asks_how_to(question)


def asks_when_or_release(question: str) -> bool:
    """The question asks for a date, or for the release in which something happened or from which on
    it holds ("Since which version do connect_sse() and aconnect_sse() require a method?")."""
    happened = _SINCE.search(question) or (_EVENT.search(question) and not _REQUIREMENT.search(question))
    return bool(asks_version(question) and happened) or asks_outright(question) == "date"


def version_numbers(text: str) -> set[str]:
    return set(_VERSION_NUMBER.findall(text))


def releases_named(text: str) -> set[str]:
    """The version numbers, years and months the text names, in lower case."""
    return {m.group(0).lower() for pattern in (VERSION, DATE) for m in pattern.finditer(text)}


def names_a_release(text: str, question: str = "") -> bool:
    """The text holds a version number, a year or a month, other than those the question names
    ("Which version dropped support for Python 3.7?": "Dropped support of EOL Python 3.7." names none)."""
    return bool(releases_named(text) - releases_named(question))


def asks_outright(question: str) -> str | None:
    """The kind of fact, "date" or "number", that the question asks for outright; else None."""
    if _ASKS_TIME.search(question):
        return "date"
    if _ASKS_QUANTITY.search(question):
        return "number"
    return None


def wh_word(question: str) -> str | None:
    match = re.search(r"\bhow (many|much|long|old|often)\b", question, re.I)
    if match:
        return match.group(0).lower()
    match = _WH.search(question)
    return match.group(1).lower() if match else None


def focus_terms(question: str) -> list[str]:
    """The words saying what is asked: from the wh-word to the first context preposition after it."""
    match = _WH.search(question)
    if not match:
        return content_terms(question)
    rest = question[match.end() :]
    cuts = [m.start() for m in _CONTEXT.finditer(rest)]
    cuts += [m.start() for m in _DETERMINER.finditer(rest) if content_terms(rest[: m.start()])]
    focus = content_terms(rest[: min(cuts)] if cuts else rest)
    # In "what share", "how many people", "which year" the head noun names the kind of answer
    # (a number, a date), not a word the answer sentence repeats.
    if answer_type(question) in ("number", "date") and focus:
        focus = focus[1:]
    return focus


# The form of the name in code a question asks for, by what it calls it: "Which exception…" asks for
# "SetOperationException", "Which environment variable…" for "OLLAMA_API_KEY", "Which flag…" for
# "--counts", "Which argument…" for "reconnect=5" or "--port", "Which function…" for a call.
_FORMS = (
    (re.compile(r"exception|error", re.I), re.compile(r"\b[A-Z]\w*(?:Error|Exception)\b")),
    (re.compile(r"environment variable|env var", re.I), re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")),
    (re.compile(r"flag", re.I), re.compile(r"(?<![\w-])--?[a-z][\w-]*")),
    (re.compile(r"argument|parameter|keyword", re.I), re.compile(r"\b[a-z_]\w*(?=\s?=(?!=))|(?<![\w-])--[a-z][\w-]*")),
    (re.compile(r"function|method", re.I), re.compile(r"\b[A-Za-z_][\w.]*(?=\()")),
    (re.compile(r"class", re.I), re.compile(r"\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+\b")),
)


def asked_form(question: str) -> re.Pattern[str] | None:
    """What the name in code asked for looks like, when the question says ("Which exception…"); else None."""
    match = _ASKS_IDENTIFIER.search(question)
    if match is None:
        return None
    return next((form for asked, form in _FORMS if asked.fullmatch(match.group(2))), None)


def code_names(text: str, question_words: set[str] | frozenset[str], form: re.Pattern[str] | None = None) -> list[re.Match[str]]:
    """The names in code that `text` holds and the question does not (all of a name's words in it);
    those of the `form` asked for when it holds any."""

    def new(found: Iterable[re.Match[str]]) -> list[re.Match[str]]:
        return [m for m in found if not all(w.lower() in question_words for w in words(m.group(0))) and m.group(0) not in _BUILTINS]

    return (new(form.finditer(text)) if form is not None else []) or new(IDENTIFIER.finditer(text))


def holds_code(texts: Iterable[str]) -> bool:
    """Whether any of `texts` names something in code: the evidence comes from technical documents."""
    return any(CODE_NAME.search(text) for text in texts)


def type_match(kind: str | None, text: str, question_words: set[str]) -> bool:
    """Whether `text` holds a fact of the asked kind that the question does not already name."""
    if kind == "number":
        return any(not m.group(0).isdigit() or m.group(0) not in question_words for m in NUMBER.finditer(text))
    if kind == "date":
        return any(m.group(0).lower() not in question_words for m in DATE.finditer(text))
    if kind == "identifier":
        return bool(code_names(text, question_words))
    if kind in ("name", "place"):
        stop = stopwords()
        return any(m.lower() not in question_words and m.lower() not in stop for m in _CAPITAL.findall(text))
    return False


def matches(term: str, terms: set[str] | frozenset[str]) -> float:
    """1 for the same stem, 0.7 for a near stem (shared prefix), else 0."""
    if term in terms:
        return 1.0
    for other in terms:
        shorter, longer = sorted((term, other), key=len)
        if (len(shorter) >= 4 and longer.startswith(shorter)) or (
            len(shorter) >= PREFIX_MATCH and shorter[:PREFIX_MATCH] == longer[:PREFIX_MATCH]
        ):
            return 0.7
    return 0.0


def overlap(terms: Sequence[str], idf: dict[str, float], its_terms: set[str] | frozenset[str]) -> float:
    """The IDF-weighted share of `terms` found in `its_terms` (near stems count 0.7)."""
    total = sum(idf.get(t, 1.0) for t in terms) or 1.0
    return sum(idf.get(t, 1.0) * matches(t, its_terms) for t in terms) / total


@dataclass(frozen=True)
class Asked:
    """What a question asks, worked out once: its terms, focus, kind of answer and named things."""

    query: str  # what was searched (a follow-up made standalone)
    question: str  # what the user typed
    terms: tuple[str, ...]
    focus: tuple[str, ...]
    kind: str | None
    wh: str | None
    names: frozenset[str]  # numbers and capitalised words of the query, lower-cased
    words: frozenset[str]  # every word of the query, lower-cased
    bigrams: frozenset[tuple[str, str]]
    negated: bool


def analyse(query: str, question: str | None = None) -> Asked:
    asked = question or query
    terms = content_terms(query)
    return Asked(
        query=query,
        question=asked,
        terms=tuple(terms),
        focus=tuple(focus_terms(asked)),
        kind=answer_type(asked),
        wh=wh_word(asked),
        names=frozenset(entities(query)),
        words=frozenset(w.lower() for w in words(query)),
        bigrams=frozenset(zip(terms, terms[1:])),
        negated=bool(NEGATION.search(asked)),
    )


@dataclass(frozen=True)
class Unit:
    """A candidate answer sentence: which passage, where in it, its content terms."""

    passage: int
    sentence: Sentence
    position: int  # sentence number within the passage
    terms: frozenset[str]
    context: frozenset[str] = field(default_factory=frozenset)  # terms of it and its neighbours


def units(passages: Sequence[Passage], min_words: int = 3) -> list[Unit]:
    """The sentences of the passages with at least `min_words` words, with their neighbours' terms."""
    found = []
    for i, passage in enumerate(passages):
        split = sentences(passage.text)
        term_sets = [frozenset(content_terms(s.text)) for s in split]
        for n, sentence in enumerate(split):
            if len(words(sentence.text)) < min_words:
                continue
            around = term_sets[n].union(*term_sets[max(0, n - 1) : n + 2])
            found.append(Unit(i, sentence, n, term_sets[n], around))
    return found


def local_idf(asked: Asked, term_sets: Sequence[frozenset[str]]) -> dict[str, float]:
    """IDF of the question's terms over the candidate sentences (their term sets): a rare word tells more."""
    frequency = Counter(t for terms in term_sets for t in terms)
    n = len(term_sets)
    return {t: math.log(1 + n / (1 + frequency[t])) for t in {*asked.terms, *asked.focus}}


def _longest_run(question_words: Sequence[str], text_words: Sequence[str]) -> int:
    """Length of the longest run of consecutive question words that the text repeats in order."""
    best = 0
    lowered = [w.lower() for w in text_words]
    for i in range(len(question_words)):
        for j in range(len(lowered)):
            n = 0
            while i + n < len(question_words) and j + n < len(lowered) and question_words[i + n] == lowered[j + n]:
                n += 1
            best = max(best, n)
    return best


SENTENCE_FEATURES = (
    "similarity", "similarity_gap", "lexical", "lexical_gap", "focus", "context_lexical", "bigrams",
    "longest_run", "novelty", "missing_names", "typed", "has_number", "has_date", "new_capitals",
    "words", "position", "passage_rank", "passage_score", "dense_rank", "keyword_rank", "keyword_share",
    "wh", "kind", "relevance", "negated", "focus_gap", "heuristic",
)

# The hand-set ranking the learned one grew from, kept as one of its inputs: half relevance, half
# the question's focus, a bonus for holding the kind of fact asked for, a malus for only repeating
# the question.
HEURISTIC_TYPE_BONUS = {"number": 0.25, "date": 0.25, "name": 0.1, "place": 0.1, "identifier": 0.25}


def sentence_features(
    asked: Asked, passages: Sequence[Passage], candidates: Sequence[Unit], similarity: np.ndarray, relevance: np.ndarray
) -> np.ndarray:
    """One row of SENTENCE_FEATURES per candidate sentence."""
    idf = local_idf(asked, [u.terms for u in candidates])
    lexical = np.array([overlap(asked.terms, idf, u.terms) for u in candidates])
    focus = np.array([overlap(asked.focus, idf, u.terms) for u in candidates])
    best_keyword = max((p.keyword_score or 0.0 for p in passages), default=0.0) or 1.0
    question_words = [w.lower() for w in words(asked.query)]
    rows = []
    for u, sim, lex, foc, rel in zip(candidates, similarity, lexical, focus, relevance, strict=True):
        p = passages[u.passage]
        text = u.sentence.text
        tokens = words(text)
        missing = sum(1 for name in asked.names if name not in text.lower())
        typed = type_match(asked.kind, text, set(asked.words))
        novelty = len(u.terms - set(asked.terms)) / max(1, len(u.terms))
        heuristic = 0.5 * rel + 0.5 * foc + (HEURISTIC_TYPE_BONUS.get(asked.kind or "", 0.0) if typed else 0.0)
        heuristic -= 0.1 if novelty < 0.2 else 0.0
        rows.append(
            [
                float(sim),
                float(sim - similarity.max()),
                float(lex),
                float(lex - lexical.max()),
                float(foc),
                overlap(asked.terms, idf, u.context),
                sum(1 for a, b in asked.bigrams if a in u.terms and b in u.terms) / max(1, len(asked.bigrams)),
                _longest_run(question_words, tokens) / max(1, len(question_words)),
                novelty,
                missing / max(1, len(asked.names)),
                float(typed),
                float(bool(NUMBER.search(text))),
                float(bool(DATE.search(text))),
                float(sum(1 for m in _CAPITAL.findall(text) if m.lower() not in asked.words)),
                float(len(tokens)),
                float(u.position),
                float(u.passage),
                float(p.score),
                float(p.dense_rank or 100),
                float(p.keyword_rank or 100),
                float((p.keyword_score or 0.0) / best_keyword),
                float(WH_CODES.get(asked.wh, 0)),
                float(KIND_CODES[asked.kind]),
                float(rel),
                float(asked.negated),
                float(foc - focus.max()),
                heuristic,
            ]
        )
    return np.array(rows, dtype=np.float32).reshape(len(candidates), len(SENTENCE_FEATURES))
