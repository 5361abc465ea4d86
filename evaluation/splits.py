"""Fixed development / held-out splits of the public data, so that nothing is tuned on what it is judged on.

SQuAD is split by article. The v2.0 dev file holds 17 articles, all of which are also in the v1.1 dev
file (24 articles). Sorted by the SHA-1 of their title, the first six v2.0 articles are HELD OUT for
both versions: no weight, threshold or model is chosen on them, and their figures are the ones to
quote. Every other article is DEVELOPMENT data, to train and tune on. The rule depends only on the
titles, so it gives the same split wherever the files are.

SciFact is split by query, as its authors did: the claims of `qrels/train.tsv` are for tuning, the
claims of `qrels/test.tsv` (the BEIR test split) are for reporting.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal, TypeVar

Part = Literal["dev", "heldout"]
T = TypeVar("T")

HELDOUT_ARTICLES_COUNT = 6

# The rule applied to the 17 titles of dev-v2.0-public.json (tests check it still gives these).
SQUAD_HELDOUT = (
    "Victoria_(Australia)",
    "Harvard_University",
    "Pharmacy",
    "European_Union_law",
    "Warsaw",
    "Jacksonville,_Florida",
)

# SciFact's qrels file for each part.
SCIFACT_SPLIT: dict[Part, str] = {"dev": "train", "heldout": "test"}


def title_key(title: str) -> str:
    return hashlib.sha1(title.encode("utf-8")).hexdigest()


def heldout_titles(v2_titles: Iterable[str], count: int = HELDOUT_ARTICLES_COUNT) -> tuple[str, ...]:
    """The held-out articles: the first `count` v2.0 titles in order of their SHA-1."""
    return tuple(sorted(set(v2_titles), key=title_key)[:count])


def squad_part(title: str) -> Part:
    """Which part of the split a SQuAD article belongs to."""
    return "heldout" if title in SQUAD_HELDOUT else "dev"


def squad_titles(all_titles: Iterable[str], part: Part) -> list[str]:
    """The titles of `all_titles` in `part`, in their given order."""
    return [t for t in all_titles if squad_part(t) == part]


def squad_file_titles(path: Path) -> list[str]:
    """The article titles of a SQuAD JSON file, in file order."""
    from evaluation.importers import DatasetError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [str(article["title"]) for article in data["data"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DatasetError(f"{path}: not a SQuAD file with data[].title ({exc})") from None


def spread(items: Sequence[T], count: int | None) -> list[T]:
    """`count` items taken at an even stride, so that every article and kind of question appears."""
    if count is None or count >= len(items):
        return list(items)
    stride = len(items) / count
    return [items[int(i * stride)] for i in range(count)]
