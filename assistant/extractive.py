"""The extractive answerer: the sentences of the retrieved passages that answer the question, cited.

No LLM: every word of the answer is a quote, so it is grounded by construction. Each sentence of
the passages is described by the features of assistant/features.py (embedding similarity, keyword
and focus overlap, the kind of fact asked for, the passage's retrieval scores) and ranked by a
small learned model (assistant/weights/sentence.txt, trained on SQuAD development articles by
`make train`). Relevance, a fixed blend of embedding similarity and keyword overlap, stays the
measure the off-topic refusal threshold applies to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from assistant.features import (
    SENTENCE_FEATURES,
    Asked,
    Unit,
    analyse,
    asks_when_or_release,
    local_idf,
    names_a_release,
    overlap,
    sentence_features,
    type_match,
    units,
)
from assistant.scorers import operating_point, scorer
from assistant.text import Sentence, content_terms, is_list_item, line_around, sentences, without_list_mark, words
from index.embedder import Embedder
from index.retrieve import Passage

# Relevance blends embedding similarity and keyword overlap; the refusal threshold applies to it.
SEMANTIC_WEIGHT = 0.6
# A runner-up joins the answer when its score is at most this far below the best one's
# (chosen on the development articles when the model was trained).
SECOND_SENTENCE_MARGIN = operating_point("second_sentence_margin", 1.0)
HEURISTIC = SENTENCE_FEATURES.index("heuristic")
# A quote goes on with at most this many lines that its sentence introduces (see `_introduced`).
MAX_INTRODUCED_LINES = 8
# A line of code that ends in a colon opens a block of code ("def main():", "else:"); prose that
# introduces something ends in a word or a call and a colon ("install it by doing:", "using
# pytz.timezone():").
_INTRODUCES = re.compile(r"(?:[^\W\d_]|\(\)):$")
# The sentence that ends an option's description with its default: "Default: 16384.", "Defaults to 30 seconds."
_DEFAULT = re.compile(r"(?:Default|Defaults to)\b")
# "The following packages provide…", "…has the following dependencies...", "…as follows."
_ANNOUNCES = re.compile(r"\b(?:the following|as follows)\b[^:]*\.$", re.IGNORECASE)
_CODE_OPENER = re.compile(r"^(?:def|class|if|elif|else|for|while|with|try|except|finally|async|match|case|switch|function)\b")


@dataclass(frozen=True)
class Candidate:
    passage: int  # index into the passages
    sentence: Sentence
    relevance: float  # 0-1: how well it matches the question; the refusal threshold applies to this
    rank: float  # the learned score: higher is a likelier answer
    typed: bool = False  # holds the kind of fact the question asks for
    features: tuple[float, ...] = ()  # its row of SENTENCE_FEATURES
    terms: frozenset[str] = frozenset()  # its content terms
    context: frozenset[str] = frozenset()  # the content terms of it and its neighbours


@dataclass(frozen=True)
class Described:
    """A question's candidate sentences and what the sentence scorer sees of each."""

    asked: Asked
    found: list[Unit]
    relevance: np.ndarray
    rows: np.ndarray  # one row of SENTENCE_FEATURES per sentence

    def ranked(self, scores: np.ndarray) -> list[Candidate]:
        """The candidates with these scores, best first."""
        typed = self.rows[:, SENTENCE_FEATURES.index("typed")] if len(self.rows) else []
        candidates = [
            Candidate(u.passage, u.sentence, float(rel), float(score), bool(t), tuple(float(v) for v in row), u.terms, u.context)
            for u, rel, score, t, row in zip(self.found, self.relevance, scores, typed, self.rows, strict=True)
        ]
        return sorted(candidates, key=lambda c: (-c.rank, c.passage, c.sentence.start))


def describe(query: str, passages: Sequence[Passage], embedder: Embedder, question: str | None = None) -> Described:
    """The candidate sentences of the passages and their features.

    `query` is what was searched (a follow-up rewritten to stand alone); `question` is what the
    user typed, whose wh-phrase says what is asked.
    """
    asked = analyse(query, question)
    found = units(passages)
    if not found:
        return Described(asked, [], np.zeros(0), np.zeros((0, len(SENTENCE_FEATURES)), dtype=np.float32))
    idf = local_idf(asked, [u.terms for u in found])
    vectors = embedder.embed([query, *(u.sentence.text for u in found)])
    similarity = vectors[1:] @ vectors[0]
    lexical = np.array([overlap(asked.terms, idf, u.terms) for u in found])
    relevance = np.clip(SEMANTIC_WEIGHT * similarity + (1 - SEMANTIC_WEIGHT) * lexical, 0.0, 1.0)
    return Described(asked, found, relevance, sentence_features(asked, passages, found, similarity, relevance))


def rank_sentences(
    query: str, passages: Sequence[Passage], embedder: Embedder, question: str | None = None
) -> list[Candidate]:
    """Every sentence of the passages, best answer first (see `describe` for the arguments)."""
    described = describe(query, passages, embedder, question)
    return described.ranked(scorer("sentence", SENTENCE_FEATURES).score(described.rows))


def trim(text: str, question: str, max_words: int) -> str:
    """A window of at most `max_words` words of `text`, the one sharing most words with the question."""
    tokens = text.split()
    if len(tokens) <= max_words:
        return text
    terms = set(content_terms(question))
    scores = [1 if set(content_terms(t)) & terms else 0 for t in tokens]
    best_start, best = 0, -1
    for start in range(0, len(tokens) - max_words + 1):
        score = sum(scores[start : start + max_words])
        if score > best:
            best_start, best = start, score
    return " ".join(tokens[best_start : best_start + max_words])


def _attributed(best: Candidate, passages: Sequence[Passage], kind: str | None, query: str) -> Candidate:
    """For a who-question answered by an unattributed quote, the quote and the sentence naming its speaker."""
    if kind != "name" or best.typed:
        return best
    text = passages[best.passage].text
    following = [s for s in sentences(text) if s.start >= best.sentence.end][:1]
    question_words = {w.lower() for w in words(query)}
    if following and type_match(kind, following[0].text, question_words):
        joined = Sentence(text[best.sentence.start : following[0].end], best.sentence.start, following[0].end)
        return Candidate(best.passage, joined, best.relevance, best.rank, True, best.features, best.terms, best.context)
    return best


def _lines_after(text: str, end: int) -> list[tuple[str, int]]:
    """The lines of `text` after the line that holds offset `end`, each with the offset where it ends."""
    start = text.find("\n", end)
    if start < 0:
        return []
    found, offset = [], start + 1
    for line in text[start + 1 :].split("\n"):
        offset += len(line)
        found.append((line, offset))
        offset += 1
    return found


def _introduced(best: Candidate, passages: Sequence[Passage], budget: int, first: bool = True) -> Candidate:
    """The best sentence and the lines it introduces, when it introduces some.

    A line ending in a colon announces what comes next: the command to run, the code sample, the
    list ("You can install it by doing:" / "pip install dateparser"). A table's first row names the
    columns of the rows below it; a section's heading says what the lines under it are about.
    Quoting the line alone leaves out the very thing a README reader asked for, so the quote goes
    on with the next block (a list to its last item, a table to its last row), at most
    `MAX_INTRODUCED_LINES` lines and `budget` words, or not at all. A heading is quoted so when it
    is the `first` quote only: a runner-up's section would take the words of the quotes after it.
    """
    text = passages[best.passage].text
    line_start, line_end = line_around(text, best.sentence.start, best.sentence.end)
    line = text[line_start:line_end].strip()
    previous = text[: max(line_start - 1, 0)].rsplit("\n", 1)[-1].strip()
    following = _lines_after(text, best.sentence.end)
    if line.startswith("|") and line.endswith("|") and not previous.startswith("|"):
        block = _table_rows(following)
    elif (
        _introduces(text, best.sentence) or _announces_list(line, following)
        or (first and _heads_section(passages[best.passage], line_start, line_end))
    ):
        block = _next_block(following)
    else:
        return best
    taken, words_left, end = 0, budget, line_end
    for row, stop in block[:MAX_INTRODUCED_LINES]:
        size = len(row.split())
        # A comment after the first line of code starts the sample's next step.
        if size > words_left or (taken and row.lstrip().startswith("# ")):
            break
        taken, words_left, end = taken + 1, words_left - size, stop
    if not taken:
        return best
    return replace(best, sentence=Sentence(text[best.sentence.start : end], best.sentence.start, end))


def _announces_list(line: str, following: list[tuple[str, int]]) -> bool:
    """The line announces the list under it without a colon: "The following packages provide OAuth
    support." / "- For Django there is…"."""
    after = next((row for row, _ in following if row.strip()), "")
    return bool(_ANNOUNCES.search(line)) and is_list_item(after)


def _heads_section(passage: Passage, line_start: int, line_end: int) -> bool:
    """The line is a section's heading ("Supported Python Versions"), which says what the lines under
    it are about and nothing more: quoted alone, it answers nothing."""
    return any(line_start <= section.at < line_end for section in passage.sections)


def _introduces(text: str, sentence: Sentence) -> bool:
    """The sentence ends a line that announces what comes next: a command, a sample, a list."""
    line_start, line_end = line_around(text, sentence.start, sentence.end)
    line = text[line_start:line_end].strip()
    return bool(_INTRODUCES.search(line)) and not _CODE_OPENER.match(line) and len(sentences(text[sentence.end : line_end])) <= 1


def continued(
    candidates: Sequence[Candidate], passages: Sequence[Passage], following: Callable[[Passage], Passage | None]
) -> tuple[list[Passage], list[Candidate]]:
    """The passages and candidates, with each line that introduces what its chunk's end cuts off
    moved to the next chunk of its document.

    "Install it with:" as a chunk's last line would be quoted without the command the reader asked
    for. Chunks overlap, so the next chunk (`following`) holds the line and what it introduces: the
    candidate is quoted from there, and that chunk joins the passages (after the retrieved ones)
    when it is not among them.
    """
    passages = list(passages)
    nexts: dict[int, Passage | None] = {}
    moved = []
    for candidate in candidates:
        text = passages[candidate.passage].text
        if text[candidate.sentence.end :].strip() or not _introduces(text, candidate.sentence):
            moved.append(candidate)
            continue
        if candidate.passage not in nexts:
            nexts[candidate.passage] = following(passages[candidate.passage])
        after = nexts[candidate.passage]
        at = -1 if after is None else after.text.find(candidate.sentence.text)
        end = at + len(candidate.sentence.text)
        if after is None or at < 0 or not after.text[end:].strip():
            moved.append(candidate)
            continue
        index = next((i for i, p in enumerate(passages) if p.chunk_id == after.chunk_id), None)
        if index is None:
            passages.append(after)
            index = len(passages) - 1
        moved.append(replace(candidate, passage=index, sentence=Sentence(candidate.sentence.text, at, end)))
    return passages, moved


def _table_rows(lines: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The lines up to the first that is not a table row."""
    rows = []
    for row, stop in lines:
        if not row.strip().startswith("|"):
            break
        rows.append((row, stop))
    return rows


def _next_block(lines: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The next lines up to a blank line (blank lines before them skipped); a list goes on across
    blank lines to its last item."""
    block: list[tuple[str, int]] = []
    after_blank = False
    for row, stop in lines:
        if not row.strip():
            after_blank = True
            continue
        if block and after_blank and not (is_list_item(block[0][0]) and is_list_item(row)):
            break
        block.append((row, stop))
        after_blank = False
    return block


def release_heading(question: str, passage: Passage, sentence: Sentence) -> str | None:
    """The headings of the section a sentence is in, when they name the release the question asks for.

    A changelog says what changed under a heading naming the release: "Replaced the optional mypyc
    build with Cython extensions" sits under "3.5.0 (2026-08-12) › Changed". Asked "In which release
    did…" or "When did…", the quote alone does not say; its heading does, so the answer shows it.
    """
    if not asks_when_or_release(question) or names_a_release(sentence.text, question):
        return None
    label = passage.label_at(sentence.start)
    return label if label and names_a_release(label) else None


def _with_default(best: Candidate, passages: Sequence[Passage], max_words: int) -> Candidate:
    """The whole line of an option's description that ends with its default, when the best sentence
    is one of its sentences.

    A reference page describes an option in one line ("maxFrameSize {number} Specifies the size in
    bytes of the largest frame payload. The minimum allowed value is 16,384. Default: 16384."): its
    first sentence names the option and its last gives the default, and quoting either alone
    leaves out what the other says. Within `max_words`, or not at all.
    """
    text = passages[best.passage].text
    line_start, line_end = line_around(text, best.sentence.start, best.sentence.end)
    line = text[line_start:line_end]
    parts = sentences(line)
    if len(parts) < 2 or not _DEFAULT.match(parts[-1].text) or len(line.split()) > max_words:
        return best
    first = parts[0].text
    start = line_start + parts[0].start + len(first) - len(without_list_mark(first))  # from the option's name on
    end = line_start + parts[-1].end
    return replace(best, sentence=Sentence(text[start:end], start, end))


def _repeats(candidate: Candidate, chosen: Sequence[Candidate]) -> bool:
    """Overlapping chunks hold the same sentence twice (with or without its list mark): quote it once."""
    text = without_list_mark(candidate.sentence.text)
    return any(text in c.sentence.text or without_list_mark(c.sentence.text) in candidate.sentence.text for c in chosen)


def _alone_on_its_line(candidate: Candidate, passages: Sequence[Passage]) -> bool:
    text = passages[candidate.passage].text
    start, end = line_around(text, candidate.sentence.start, candidate.sentence.end)
    return without_list_mark(text[start:end].strip()) == without_list_mark(candidate.sentence.text.strip())


def first_quoted(candidates: Sequence[Candidate], passages: Sequence[Passage], question: str, max_words: int) -> Candidate:
    """The best candidate as the answer quotes it: with the sentence naming the speaker of an
    unattributed quote, the rest of an option's line that ends with its default, or the lines it
    introduces."""
    first = _attributed(candidates[0], passages, analyse(question).kind, question)
    first = _with_default(first, passages, max_words)
    return _introduced(first, passages, max_words - len(first.sentence.text.split()))


def select(
    candidates: Sequence[Candidate],
    max_words: int,
    passages: Sequence[Passage] = (),
    question: str = "",
    margin: float | None = None,
) -> list[Candidate]:
    """The best sentence, and runners-up scoring within `margin` of it that fit in the word budget."""
    if not candidates:
        return []
    margin = SECOND_SENTENCE_MARGIN if margin is None else margin
    first = first_quoted(candidates, passages, question, max_words) if passages else candidates[0]
    chosen = [first]
    used = len(first.sentence.text.split())
    # The hand-set ranking's favourite comes second when the learned one disagrees: the learned
    # ranker knows encyclopaedic prose, and a press release's lead sentence can fool it.
    heuristic = max(candidates, key=lambda c: c.features[HEURISTIC] if c.features else float("-inf"))
    runners_up = [c for c in candidates[1:4] if c.rank >= first.rank - margin]
    for other in ([heuristic] if heuristic.features else []) + runners_up:
        if passages and _DEFAULT.match(without_list_mark(other.sentence.text)) and not _alone_on_its_line(other, passages):
            # "Default: 16384." cut from its option's line does not say what it is the default of:
            # the whole line, or nothing.
            whole = _with_default(other, passages, max_words - used)
            if whole is other:
                continue
            other = whole
        size = len(other.sentence.text.split())
        if not _repeats(other, chosen) and used + size <= max_words:
            if passages:  # a runner-up that introduces a command or a sample is quoted with it, unless quoted already
                extended = _introduced(other, passages, max_words - used - size, first=False)
                added = [line.strip() for line in extended.sentence.text[len(other.sentence.text) :].split("\n") if line.strip()]
                if not any(line in c.sentence.text for line in added for c in chosen):
                    other = extended
            chosen.append(other)
            used += len(other.sentence.text.split())
    return chosen
