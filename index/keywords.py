"""Keyword matching shared by the keyword index and the assistant: stopwords and FTS5 queries."""

from __future__ import annotations

import importlib.util
import re
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


def keyword_query(text: str) -> str | None:
    """An FTS5 query matching any content word of `text`; each term quoted, so nothing is syntax."""
    terms = dict.fromkeys(t for t in (m.lower() for m in _TOKEN.findall(text)) if t not in stopwords())
    if not terms:
        return None
    return " OR ".join(f'"{term}"' for term in terms)
