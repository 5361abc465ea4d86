"""Keyword matching shared by the keyword index and the assistant: stopwords and FTS5 queries."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

_TOKEN = re.compile(r"\w+", re.UNICODE)


@cache
def nltk_data() -> Path:
    """The NLTK data llama-index-core ships (stopwords, Punkt), found without importing llama-index,
    which alone takes about a second to import."""
    spec = importlib.util.find_spec("llama_index.core")
    assert spec is not None and spec.origin is not None, "llama-index-core is a dependency"
    return Path(spec.origin).parent / "_static" / "nltk_cache"


@cache
def stopwords() -> frozenset[str]:
    """English stopwords (NLTK's list, shipped inside llama-index-core), left out of keyword queries."""
    path = nltk_data() / "corpora/stopwords/english"
    return frozenset(path.read_text().split()) if path.exists() else frozenset()


def content_words(text: str) -> list[str]:
    """The distinct words of `text` that are not stopwords, lower-cased, in order."""
    return list(dict.fromkeys(t for t in (m.lower() for m in _TOKEN.findall(text)) if t not in stopwords()))


def with_other_spellings(words: Sequence[str]) -> list[str]:
    """`words`, each followed by its other English spelling when it has one ("organised", "organized";
    "color", "colour"): FTS5's Porter stems keep them apart ("organis", "organ")."""
    from breame.spelling import get_american_spelling, get_british_spelling

    return list(dict.fromkeys(v for w in words for v in (w, get_american_spelling(w), get_british_spelling(w))))


def match_any(words: Sequence[str]) -> str | None:
    """An FTS5 query matching any of `words`; each quoted, so nothing is syntax. None for no words."""
    return " OR ".join(f'"{word}"' for word in words) or None
