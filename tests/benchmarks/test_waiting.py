"""The waiting-times benchmark, once through: it measures the README's figures, so it must keep running."""

from __future__ import annotations

import json
from pathlib import Path


def test_every_wait_is_measured(tmp_path: Path) -> None:
    from benchmarks.waiting import main

    out = tmp_path / "waiting.json"
    assert main(["--runs", "1", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    for step in ("ingest_s", "ask_wall_s", "serve_ready_s", "serve_first_answer_s", "help_s"):
        assert result[step]["median"] > 0, step
    assert result["ask_load_models_ms"]["median"] > 0, "a new process loads the models, timed apart"
    assert result["ask_answer_ms"]["median"] < 1000 * result["ask_wall_s"]["median"]
