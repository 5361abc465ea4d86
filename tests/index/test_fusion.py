"""Merging the dense and keyword candidate lists."""

from __future__ import annotations

import pytest

from index.retrieve import reciprocal_rank_fusion, weighted_fusion


def test_weighted_fusion_scales_each_list_by_its_best_and_blends() -> None:
    dense = [("a", 0.8), ("b", 0.4)]
    keyword = [("b", 20.0), ("c", 10.0)]
    fused = weighted_fusion([dense, keyword], [0.65, 0.35])
    # a: dense best (1.0), absent from keyword so it gets keyword's lowest (0.5).
    assert fused["a"] == pytest.approx(0.65 * 1.0 + 0.35 * 0.5)
    assert fused["b"] == pytest.approx(0.65 * 0.5 + 0.35 * 1.0)
    assert fused["c"] == pytest.approx(0.65 * 0.5 + 0.35 * 0.5)
    assert max(fused, key=fused.__getitem__) == "a"
    # Weighted towards keywords, the keyword favourite wins; RRF treats both lists alike.
    weighted = weighted_fusion([dense, keyword], [0.2, 0.8])
    assert max(weighted, key=weighted.__getitem__) == "b"
    assert reciprocal_rank_fusion([["a", "b"], ["b", "c"]], 60)["b"] == pytest.approx(1.0, abs=0.01)


def test_weighted_fusion_of_empty_or_non_positive_lists() -> None:
    assert weighted_fusion([[], []], [0.5, 0.5]) == {}
    fused = weighted_fusion([[("a", -0.2)], [("a", 3.0)]], [0.5, 0.5])
    assert fused["a"] == pytest.approx(0.5 * -0.2 + 0.5 * 1.0)
