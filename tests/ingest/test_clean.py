"""Cleaning on the sample corpus: menus go, the repeated lead stays once, offsets lead back."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from ingest.clean import clean, line_keys
from tests.conftest import SAMPLE

MENU_ONLY = [
    "Arms control",
    "Holy See",
    "Mission to Skopje",
    "Court of Conciliation and Arbitration",
    "Czech Republic",
    "Czechia",
    "Documentation Centre in Prague",
    "Plenary Meetings of the Forum for Security Co-operation",
]
LEAD = "On 12 and 13 November, representatives of Kazakhstan"


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in SAMPLE}


@pytest.fixture(scope="module")
def repeated(texts: dict[str, str]) -> frozenset[str]:
    counts = Counter(key for text in texts.values() for key in line_keys(text))
    return frozenset(key for key, n in counts.items() if n >= 2)


def test_site_menus_are_removed(texts: dict[str, str], repeated: frozenset[str]) -> None:
    for name, text in texts.items():
        cleaned = clean(text, repeated).text
        for item in MENU_ONLY:
            assert item not in cleaned, f"menu entry {item!r} left in {name}"


def test_menu_is_kept_without_a_second_document(texts: dict[str, str]) -> None:
    """Boilerplate is a corpus notion: a single page's lines are all content."""
    cleaned = clean(texts["001_04dbf60d010ecd0f.txt"], frozenset()).text
    assert "Holy See" in cleaned


def test_headline_and_article_survive(texts: dict[str, str], repeated: frozenset[str]) -> None:
    cleaned = clean(texts["002_d8487920b28d3ab8.txt"], repeated).text
    assert cleaned.startswith("Press release\nOSCE organizes meeting to promote Central Asian law enforcement")
    assert "Norway and Belgium provided financial support." in cleaned


def test_repeated_lead_is_kept_once(texts: dict[str, str], repeated: frozenset[str]) -> None:
    assert texts["001_04dbf60d010ecd0f.txt"].count(LEAD) == 2
    assert clean(texts["001_04dbf60d010ecd0f.txt"], repeated).text.count(LEAD) == 1


def test_every_cleaned_word_maps_back_to_the_same_source_word(texts: dict[str, str], repeated: frozenset[str]) -> None:
    for text in texts.values():
        cleaned = clean(text, repeated)
        for word in re.finditer(r"\S+", cleaned.text):
            start, end = cleaned.source_span(word.start(), word.end())
            assert text[start:end] == word.group()


def test_whitespace_is_normalised() -> None:
    cleaned = clean("A  line\twith   gaps.\n\n\n\nNext   paragraph.   \n")
    assert cleaned.text == "A line with gaps.\n\nNext paragraph."


def test_prose_wrapped_at_a_width_is_one_line_again() -> None:
    text = (
        "Quickcache keeps the results of slow calls on disk, so that a\n"
        "second call with the same arguments returns at once. Entries\n"
        "expire after a day.\n"
        "\n"
        "Short heading\n"
        "- Set QUICKCACHE_OFF=1 to switch the cache off in production\n"
        "- Entries expire after a day unless configured otherwise\n"
        "\n"
        "name        default     meaning of the setting here\n"
        "max_size    1 GB        the most the cache may hold on disk\n"
        "\n"
        "The example below shows how a call is cached for a day:\n"
        "    @cached(expire=86400)\n"
    )
    cleaned = clean(text)
    assert cleaned.text.split("\n") == [
        "Quickcache keeps the results of slow calls on disk, so that a second call with the same "
        "arguments returns at once. Entries expire after a day.",
        "",
        "Short heading",
        "- Set QUICKCACHE_OFF=1 to switch the cache off in production",
        "- Entries expire after a day unless configured otherwise",
        "",
        "name default meaning of the setting here",
        "max_size 1 GB the most the cache may hold on disk",
        "",
        "The example below shows how a call is cached for a day:",
        "@cached(expire=86400)",
    ]
    for word in re.finditer(r"\S+", cleaned.text):
        start, end = cleaned.source_span(word.start(), word.end())
        assert text[start:end] == word.group()


def test_lines_of_one_paragraph_each_are_not_joined() -> None:
    paragraphs = ["A paragraph long enough to be prose on its own line, " * 4, "Another one of the same kind, " * 6]
    assert clean("\n".join(paragraphs)).text.split("\n") == [p.strip() for p in paragraphs]
