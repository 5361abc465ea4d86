"""The fixed development / held-out split of the public data."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.importers import DatasetError, import_squad
from evaluation.splits import SQUAD_HELDOUT, heldout_titles, spread, squad_file_titles, squad_part, squad_titles
from evaluation.testset import load_testset
from tests.conftest import DATASETS

SQUAD = DATASETS / "squad"
needs_data = pytest.mark.skipif(not SQUAD.is_dir(), reason=f"../shared/datasets not found (looked in {DATASETS})")


@needs_data
def test_the_rule_gives_the_recorded_held_out_articles_in_both_versions() -> None:
    v20 = squad_file_titles(SQUAD / "dev-v2.0-public.json")
    v11 = squad_file_titles(SQUAD / "dev-v1.1-public.json")
    assert heldout_titles(v20) == SQUAD_HELDOUT
    assert set(SQUAD_HELDOUT) <= set(v11) and set(v20) <= set(v11)
    assert len(squad_titles(v20, "dev")) == 11 and len(squad_titles(v11, "dev")) == 18
    assert not set(squad_titles(v11, "dev")) & set(SQUAD_HELDOUT)


@needs_data
def test_import_keeps_only_the_articles_of_a_part(tmp_path: Path) -> None:
    corpus, testset = import_squad(SQUAD / "dev-v2.0-public.json", tmp_path, titles=SQUAD_HELDOUT[:2])
    assert sorted(p.name for p in corpus.iterdir()) == ["Harvard_University.txt", "Victoria__Australia.txt"]
    cases = load_testset(testset)
    assert {c.reference_sources[0] for c in cases if c.answerable} == {"Harvard_University.txt", "Victoria__Australia.txt"}
    assert any(not c.answerable for c in cases)
    with pytest.raises(DatasetError, match="none of the 1 requested"):
        import_squad(SQUAD / "dev-v2.0-public.json", tmp_path / "none", titles=["No such article"])


def test_parts_and_even_spread() -> None:
    assert squad_part("Warsaw") == "heldout" and squad_part("Super_Bowl_50") == "dev"
    assert spread(list(range(10)), 5) == [0, 2, 4, 6, 8]
    assert spread([1, 2], 5) == [1, 2] and spread([1, 2], None) == [1, 2]
