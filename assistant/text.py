"""Text helpers of the assistant: sentences with offsets, content words, entities, quote location."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from index.keywords import nltk_data, stopwords

_WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_NUMBER = re.compile(r"\d")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offsets within the text it was split from
    end: int


# Latin abbreviations written inside a sentence, which Punkt's English model takes for its end.
ABBREVIATIONS = frozenset({"e.g", "i.e", "cf", "viz", "vs", "approx", "incl", "resp"})


@cache
def _punkt():  # type: ignore[no-untyped-def]
    """NLTK's English Punkt model, the copy llama-index-core ships (its folder is added to nltk's data path)."""
    import nltk
    from nltk.tokenize.punkt import PunktTokenizer

    if str(nltk_data()) not in nltk.data.path:
        nltk.data.path.append(str(nltk_data()))
    tokenizer = PunktTokenizer("english")
    # The English model does not know these, and cut "…supported Python, i.e. 3.9+." after "i.e.".
    tokenizer._params.abbrev_types.update(ABBREVIATIONS)
    return tokenizer


def sentences(text: str) -> list[Sentence]:
    """Sentences (Punkt), never spanning a line break: list items and headlines stand alone."""
    found: list[Sentence] = []
    offset = 0
    for line in text.split("\n"):
        for start, end in _punkt().span_tokenize(line):
            piece = line[start:end].strip()
            if piece:
                lead = len(line[start:end]) - len(line[start:end].lstrip())
                found.append(Sentence(piece, offset + start + lead, offset + start + lead + len(piece)))
        offset += len(line) + 1
    return found


# Verbs of saying whose past Porter cannot stem to the present: "What did she say?" of "…," said she.
_SAID = {"said": "say", "told": "tell", "spoke": "speak", "spoken": "speak", "wrote": "write", "written": "write"}


@cache
def _stem(word: str) -> str:
    # British spellings as American first: "organised" and "organized" are one word to a reader,
    # two stems to Porter ("organis", "organ").
    from breame.spelling import get_american_spelling

    return str(_stemmer().stem(_SAID.get(word) or get_american_spelling(word)))


@cache
def _stemmer():  # type: ignore[no-untyped-def]
    from nltk.stem import PorterStemmer

    return PorterStemmer()


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def content_terms(text: str) -> list[str]:
    """Stemmed, lower-cased words that carry meaning (stopwords left out), in order, unique."""
    stop = stopwords()
    return list(dict.fromkeys(_stem(w.lower()) for w in words(text) if w.lower() not in stop))


def entities(text: str) -> set[str]:
    """Numbers and capitalised words (names, places): what a claim must not get wrong."""
    found: set[str] = set()
    stop = stopwords()
    tokens = words(text)
    for token in tokens:
        if _NUMBER.search(token):
            found.add(token.lower())
        elif token[:1].isupper() and token.lower() not in stop and len(token) > 1:
            found.add(token.lower())
    return found


def contains_word(haystack: str, needle: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack, flags=re.IGNORECASE) is not None


def strip_markers(text: str) -> str:
    """The text without its citation markers (and the space before each): "Text [1]." is "Text."; the
    text's own spacing stays ("a local ./mlruns directory")."""
    return _MARKER.sub("", text).strip()


def markers(text: str) -> list[int]:
    return [int(n) for group in _MARKER.findall(text) for n in re.split(r"\s*,\s*", group)]


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """Where `quote` occurs in `text`, whatever the whitespace between its words."""
    tokens = quote.split()
    if not tokens:
        return None
    match = re.search(r"\s+".join(re.escape(t) for t in tokens), text)
    return (match.start(), match.end()) if match else None


_LEADING_MARK = re.compile(r"^(?:[-–—•*·▪►>]+|\d{1,2}[.)])\s+")


def line_around(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the line of `text` holding the characters from `start` to `end` starts and ends (the
    first line's start and the last line's end when they span several)."""
    stop = text.find("\n", end)
    return text.rfind("\n", 0, start) + 1, len(text) if stop < 0 else stop


def is_list_item(line: str) -> bool:
    """Whether the line starts with a bullet or an item number ("- Linux", "2. Install it")."""
    return _LEADING_MARK.match(line.strip()) is not None


def without_list_mark(text: str) -> str:
    """A sentence without the bullet or item number it had in its list ("• Kyrgyzstan is…")."""
    return _LEADING_MARK.sub("", text, count=1)


def word_count(text: str) -> int:
    return len(strip_markers(text).split())


_CLOSING = re.compile(r"([.!?…][\"”’')\]]*)$")
# A string closed inside a call or a list: code ("print('Done!')"), whose string the marker must not enter.
_CLOSES_A_LITERAL = re.compile(r"[\"'][)\]]")


def with_marker(sentence: str, n: int) -> str:
    """`sentence` cited as [n], the marker inside the closing punctuation: "Text [1].". A sentence
    without one (a heading, a list item, a line of code) gets a full stop, so that the next does not run on."""
    sentence = sentence.rstrip()
    match = _CLOSING.search(sentence)
    if match is None or _CLOSES_A_LITERAL.search(match.group(1)):
        return f"{sentence.rstrip(':;,')} [{n}]."
    return f"{sentence[: match.start()]} [{n}]{match.group(1)}"


_PAIRED_QUOTES = {'"': '"', "“": "”", "‘": "’"}


def without_open_quote(sentence: str) -> str:
    """The sentence without a leading quotation mark that it never closes: the first sentence of a
    quotation ("“Electronic evidence plays a role…") shown alone."""
    closing = _PAIRED_QUOTES.get(sentence[:1])
    if closing is not None and closing not in sentence[1:]:
        return sentence[1:].lstrip()
    return sentence


def with_opening_quote(sentence: str) -> str:
    """The sentence with the opening quotation mark of a quotation it closes but never opens: a
    later sentence of a quotation ("Without these principles”, he said, “initiatives …”")."""
    closing = sentence.find("”")
    if closing >= 0 and "“" not in sentence[:closing]:
        return "“" + sentence
    return sentence
