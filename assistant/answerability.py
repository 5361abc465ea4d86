"""Does the best evidence hold what the question asks for? Refuse on-topic questions it does not answer.

The off-topic check (`min_evidence`) compares the question with the passages as a whole; a question
about the right topic but a fact the documents lack ("When was UNEP founded?" over a passage on the
IPCC, which UNEP set up) passes it. This check looks closer: does the best sentence hold the
question's specific words and names, the kind of fact asked for (a phrase the span scorer likes),
and how clearly does it beat the other sentences? Two small learned classifiers turn these into
probabilities: assistant/weights/answerable.txt that the question is answered by the evidence
(trained by `make train` against SQuAD v2.0's unanswerable questions), stated.txt that the
documents state the fact at all (trained against questions whose answer was cut from the article).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.extractive import Candidate
from assistant.features import (
    DATE,
    MONTHS,
    NEGATION,
    SENTENCE_FEATURES,
    Asked,
    asks_default,
    asks_outright,
    asks_version,
    local_idf,
    states_default,
    type_match,
    version_numbers,
)
from assistant.scorers import linear, operating_point, scorer
from assistant.span import FITS, Found, parse
from assistant.text import line_around
from index.retrieve import Passage

ANSWERABILITY_FEATURES = (
    "rank", "rank_margin", "span", "span_margin", "absent_all", "absent_passage", "absent_context",
    "missing_names_passage", "names", "terms", "sentence_negated", "max_missing_idf", "missing_context",
    "names_in_sentence", "negation_mismatch", *(f"best_{name}" for name in SENTENCE_FEATURES),
)


def answerability_features(asked: Asked, ranked: Sequence[Candidate], passages: Sequence[Passage], span: Found) -> np.ndarray:
    """One row of ANSWERABILITY_FEATURES for a question, its ranked candidates and the best one's phrase."""
    best = ranked[0]
    idf = local_idf(asked, [c.terms for c in ranked])
    in_passage = frozenset().union(*(c.terms for c in ranked if c.passage == best.passage))
    anywhere = frozenset().union(*(c.terms for c in ranked))
    total = sum(idf.get(t, 1.0) for t in asked.terms) or 1.0

    def absent(terms: frozenset[str]) -> float:
        return sum(idf.get(t, 1.0) for t in asked.terms if t not in terms) / total

    missing_context = [t for t in asked.terms if t not in best.context]
    passage_text = passages[best.passage].text.lower()
    sentence_text = best.sentence.text.lower()
    negated = bool(NEGATION.search(best.sentence.text))
    row = [
        best.rank,
        best.rank - ranked[1].rank if len(ranked) > 1 else 5.0,
        span.score,
        span.margin,
        absent(anywhere),
        absent(in_passage),
        absent(best.context),
        float(sum(1 for name in asked.names if name not in passage_text)),
        float(len(asked.names)),
        float(len(asked.terms)),
        float(negated),
        max((idf.get(t, 1.0) for t in missing_context), default=0.0),
        float(len(missing_context)),
        sum(1 for name in asked.names if name in sentence_text) / max(1, len(asked.names)),
        float(asked.negated != negated),
        *best.features,
    ]
    return np.array([row], dtype=np.float32)


@dataclass(frozen=True)
class Readings:
    """What the refusal checks read in a question's best evidence."""

    answerable: float  # probability (0-1) that the best evidence holds what the question asks for
    stated: float  # probability (0-1) that the documents state the asked-for fact at all
    # The share of the question's words (IDF-weighted) that no candidate sentence holds, that the
    # best sentence's passage does not hold, and that the best sentence and its neighbours do not hold.
    absent: tuple[float, float, float]


NOTHING_READ = Readings(0.0, 0.0, (1.0, 1.0, 1.0))
_ABSENT = tuple(ANSWERABILITY_FEATURES.index(name) for name in ("absent_all", "absent_passage", "absent_context"))


def checks(asked: Asked, ranked: Sequence[Candidate], passages: Sequence[Passage], span: Found) -> Readings:
    """Two readings of the same features, answerable and stated, each a probability (0-1); 0 without candidates.

    `answerable` was trained against SQuAD v2.0's unanswerable questions, written to look answered
    by their paragraph (a swapped name, a negation, a relation the text does not make); `stated`
    against questions whose answer was cut from the article, the usual case in real documents: on
    the topic, but the fact is never given. Each has its own threshold.
    """
    if not ranked:
        return NOTHING_READ
    rows = answerability_features(asked, ranked, passages, span)
    missing_all, missing_passage, missing_context = (float(rows[0, i]) for i in _ABSENT)
    return Readings(
        float(scorer("answerable", ANSWERABILITY_FEATURES).score(rows)[0]),
        float(scorer("stated", ANSWERABILITY_FEATURES).score(rows)[0]),
        (missing_all, missing_passage, missing_context),
    )


# The technical reading's inputs: both checks' probabilities (as log-odds), whether the date, number
# or version asked for is missing, and how much of the question the evidence lacks.
TECHNICAL_FEATURES = (
    "answerable_logit", "stated_logit", "lacks_asked_kind", "absent_all", "absent_passage", "absent_context",
)


def technical_row(readings: Readings, lacks: bool) -> np.ndarray:
    """One row of TECHNICAL_FEATURES."""
    return np.array([[_logit(readings.answerable), _logit(readings.stated), float(lacks), *readings.absent]])


def technical(readings: Readings, lacks: bool) -> float:
    """The probability (0-1) that the evidence answers the question, read for technical documents.

    The two checks above learned from Wikipedia articles, whose unanswerable questions were
    written to look answered (a swapped name, a negation). Questions on a README or a manual that
    its text does not answer are mostly of another kind: a feature, option or default the package
    does not have or never states, named in words the text never uses. There the first check
    refuses about as many answerable questions as unanswerable ones, while how much of the question
    the evidence lacks tells them apart; this logistic regression (assistant/weights/technical.json,
    `make train-technical`) weighs the readings again on questions about package READMEs.
    """
    return float(linear("technical", TECHNICAL_FEATURES).probability(technical_row(readings, lacks))[0])


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1.0 - 1e-4)
    return math.log(p / (1.0 - p))


_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
# Calendar dates, whose numbers count nothing: "12 and 13 November", "1 July 2009", "May 3, 2010",
# "in 1990".
# "1300+ plugins" is a count, though spaCy tags it a DATE and its number could be a year.
_AT_LEAST = re.compile(r"\d\+")
_CALENDAR = re.compile(
    rf"\b{_DAY}(?:\s*(?:-|–|and|to)\s*{_DAY})?\s+(?:{MONTHS})\b(?:,?\s+\d{{4}})?"
    rf"|\b(?:{MONTHS})\s+{_DAY}(?:\s*(?:-|–|and|to)\s*{_DAY})?\b(?:,?\s+\d{{4}})?"
    rf"|\b(?:{MONTHS}),?\s+\d{{4}}\b"
    r"|\b(?:in|since|until|during)\s+(?:1\d{3}|20\d{2})\b",
    re.IGNORECASE,
)


# A name with a digit in it counts nothing: "V8", "S3", "utf8", "x86_64".
_DIGIT_IN_NAME = re.compile(r"\b[A-Za-z_]+\d\w*")


def lacks_asked_kind(asked: Asked, best: Candidate, passages: Sequence[Passage]) -> bool:
    """A question asking outright for a date or a number ("When did it start?", "How much funding…")
    whose best sentence's paragraph holds none that the question does not already name: whatever
    the sentence says, it cannot be the answer. The paragraph, not the sentence: "…", stated the
    ambassador on 16 October" dates the sentences of the quote before it.

    A date counts when the paragraph names a year or a month or spaCy tags a DATE or TIME; a number,
    when it has a digit or a number word or spaCy tags a quantity, outside the calendar dates
    ("12 and 13 November" is no count). Measured on SQuAD (docs/quality.md). A question asking
    which version or release ("What is the minimum Python version…", "In which release was…")
    needs a number in the lines quoted or in their section's headings ("3.8+", "v2", "4.4.0"). A
    question asking for a default ("What is the default timeout…", "…by default?") needs the best
    sentence's line, its quote or its headings to name one ("Default: 30", "defaults to") or, in
    code, to give a value to a name the question uses ("attempts: int = 3").
    `best` is the best sentence as the answer quotes it, with the lines it introduces (a table's
    header with its rows).
    """
    passage = passages[best.passage]
    text = paragraph(passage.text, best.sentence.start, best.sentence.end)
    # A changelog's line is dated by its section's heading: "3.5.0 (2026-08-12) › Changed".
    heading = passage.label_at(best.sentence.start) or ""
    if asks_default(asked.question) and not states_default(f"{heading}\n{text}\n{best.sentence.text}", asked.words):
        return True
    if asks_version(asked.question):
        # A version is written with digits ("3.8+", "v2", "4.4.0"): none but the question's own, no version.
        return not version_numbers(f"{heading}\n{text}") - version_numbers(asked.question)
    kind = asks_outright(asked.question)
    # "What option makes it show how many rows…" asks for a name in code, not a number.
    if kind is None or asked.kind == "identifier":
        return False
    if kind == "date" and type_match(kind, f"{heading}\n{text}", set(asked.words)):
        return False
    docs = parse([text])
    if docs is None:  # without spaCy, the patterns alone are too coarse to refuse on
        return False
    question = asked.question.lower()
    ents = docs[0].ents
    if kind == "number":
        # A count or an amount is not in a calendar date: "On 12 and 13 November" says nothing of
        # how many came. Durations ("three years") still count, and for a question asking how long,
        # so do dates: "How long was it the capital?", "from 1596 until 1796".
        dates: list[tuple[int, int]] = []
        if asked.wh != "how long":
            dates = [m.span() for m in _CALENDAR.finditer(text)]
            dates += [
                (e.start_char, e.end_char)
                for e in ents
                if e.label_ in ("DATE", "TIME") and DATE.search(e.text) and not _AT_LEAST.search(e.text)
            ]
        # Nor is a digit inside a name ("V8's code cache").
        dates += [m.span() for m in _DIGIT_IN_NAME.finditer(text)]
        for start, end in dates:
            text = text[:start] + " " * (end - start) + text[end:]
        if type_match(kind, text, set(asked.words)):
            return False
        ents = tuple(e for e in ents if not any(start < e.end_char and e.start_char < end for start, end in dates))
    return not any(ent.label_ in FITS[kind] and ent.text.lower() not in question for ent in ents)


def paragraph(text: str, start: int, end: int) -> str:
    """The line of `text` that holds the characters from `start` to `end`."""
    begin, stop = line_around(text, start, end)
    return text[begin:stop]


def default_threshold() -> float:
    """The refusal threshold chosen on the development articles when the classifier was trained."""
    return operating_point("min_answerable", 0.0)


def default_stated_threshold() -> float:
    """The second check's threshold, chosen on the development articles when it was trained."""
    return operating_point("min_stated", 0.0)


def default_technical_threshold() -> float:
    """The technical reading's threshold, chosen out of fold when it was trained."""
    return float(linear("technical", TECHNICAL_FEATURES).record["threshold"])
