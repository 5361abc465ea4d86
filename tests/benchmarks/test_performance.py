"""The performance benchmark, tiny: every stage runs the code paths of the real one, so it cannot rot.

Nothing here is timed against a target: speed is what the benchmark reports, not what a test checks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import DATASETS

pytestmark = pytest.mark.skipif(not (DATASETS / "scifact").is_dir(), reason="../shared/datasets is not here")


def test_every_stage_runs_and_reports(tmp_path: Path) -> None:
    from benchmarks.performance import main

    out, doc = tmp_path / "performance.json", tmp_path / "performance.md"
    code = main([
        "--backends", "onnx-int8,torch", "--docs", "30", "--queries", "4", "--scale", "120,260",
        "--coldstart-runs", "1", "--gate-squad", "12", "--work", str(tmp_path / "work"), "--json", str(out), "--doc", str(doc),
    ])
    assert code == 0
    results = json.loads(out.read_text())

    ingest = results["ingest"]
    runs = ingest["backends"]
    assert runs["torch"]["chunks"] == runs["onnx-int8"]["chunks"] == runs["torch"]["embedded"] > 30
    assert all(r["bare_encode_seconds"] > 0 and r["ratio"] > 0 and r["failed"] == 0 for r in runs.values())
    # Three rounds of bare encode and ingest, in turn first; the round with the median ratio is reported.
    for r in runs.values():
        assert [x["first"] for x in r["rounds"]] == ["encode", "ingest", "encode"]
        ratios = sorted(x["ratio"] for x in r["rounds"])
        assert r["ratio"] == ratios[1]
        median = r["rounds"][r["median_round"]]
        assert (r["bare_encode_seconds"], r["ingest_seconds"]) == (median["bare_encode_seconds"], median["ingest_seconds"])
    # The naive pipeline embedded the same passages (same splitter settings, cleaning aside).
    assert abs(ingest["naive"]["chunks"] - runs["torch"]["chunks"]) <= 0.2 * runs["torch"]["chunks"]

    changes = results["incremental"]
    assert changes["reingest_unchanged"]["embedded"] == 0
    assert 1 <= changes["edit_small_file"]["embedded"] <= changes["edit_small_file"]["chunks"]
    assert changes["edit_large_file"]["embedded"] > 10 * changes["edit_small_file"]["embedded"]
    assert changes["delete_one"]["chunks"] >= 1

    gate = results["gate"]["backends"]
    assert set(gate) == {"onnx-int8", "torch"} and all(0 <= g["contains_answer"] <= 1 for g in gate.values())
    heldout = results["gate"]["heldout"]
    assert set(heldout) == {"onnx-int8", "torch"} and all(0 <= g["refusal_recall"] <= 1 for g in heldout.values())

    points = results["scale"]["points"]
    assert [p["chunks"] >= target for p, target in zip(points, (120, 260))] == [True, True]
    assert points[0]["chunks"] < points[1]["chunks"]
    assert all(p["query"]["answer_ms"]["n"] == 4 and p["build"]["peak_rss_mb"] > 0 for p in points)
    assert all(p["query"]["in_memory"]["retrieval_ms"]["n"] == 4 and p["query"]["in_memory"]["mb"] > 0 for p in points)
    assert all(p["query"]["in_memory"]["parity"]["ranked_alike"] == 4 for p in points)

    assert results["coldstart"]["ask"]["median_s"] > 0
    text = doc.read_text()
    assert "## Targets" in text and "## Beyond one machine" in text
    assert (tmp_path / "performance-latency.png").stat().st_size > 1000
