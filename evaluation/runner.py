"""Run a test set through the same `answer()` users get, and write results and reports.

DIR/results.jsonl: one line a case (id, question, answer, refused, citations as in `ask --json`,
metrics, latency); DIR/report.json: aggregates and settings; DIR/report.md and report.html.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answer import Assistant
from assistant.models import Answer
from evaluation.metrics import aggregate, case_metrics
from evaluation.testset import Case
from ingest.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

class UnknownRun(NotFound):
    """A folder that holds no evaluation run."""


# Metrics where higher is better, usable with --fail-under; latency and refusal of answerable
# cases are lower-is-better and reported only.
FLOOR_METRICS = (
    "hit@k", "mrr", "recall@k", "answer_hit@k", "answer_mrr", "answer_recall@k", "exact_match", "f1",
    "span_exact_match", "span_f1",
    "contains_answer", "cited_answer", "semantic_similarity", "citation_recall", "citation_precision",
    "supported_sentences", "refusal_recall", "refusal_precision", "llm_faithfulness",
)


def evaluate_case(assistant: Assistant, case: Case, judge: LLM | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    answer = assistant.answer(case.question, case.history)
    latency = (time.perf_counter() - started) * 1000
    metrics = case_metrics(case, answer, _with_text(assistant, answer), assistant.retriever.embedder)
    if judge is not None:
        from assistant.llm import calling
        from evaluation.judge import faithfulness

        with calling(assistant.settings):
            verdict = faithfulness(judge, answer)
        if verdict is not None:
            metrics["llm_faithfulness"] = verdict
    return {
        **answer.as_json(),
        "id": case.id,
        "answerable": case.answerable,
        "reference_answers": case.reference_answers,
        "reference_sources": case.reference_sources,
        "evidence": answer.evidence,
        "refusal_reason": answer.refusal_reason,
        "retrieved": [p.source for p in answer.passages],
        # What verification did with each generated sentence, and why the extractive answer was given.
        "verification": [v.model_dump(mode="json") for v in answer.verification],
        "fallback": answer.generation.fallback if answer.generation else None,
        "cut": answer.generation.cut if answer.generation else None,
        "metrics": metrics,
        "latency_ms": round(latency, 1),
    }


def _with_text(assistant: Assistant, answer: Answer) -> list[dict[str, Any]]:
    """The passages an answer was drawn from, with their text."""
    texts = assistant.retriever.chunks([p.id for p in answer.passages])
    return [{**p.model_dump(), "text": texts[p.id].text if p.id in texts else ""} for p in answer.passages]


def run(
    assistant: Assistant,
    cases: Sequence[Case],
    out_dir: Path,
    testset: str = "",
    progress: bool = False,
    judge: LLM | None = None,
    on_case: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Evaluate every case, write the four output files, return the report.

    With `judge`, an LLM also scores each answer's faithfulness to its cited passages. `on_case(done,
    total)` is told after each case. The files appear only once every case has run: a run that
    fails half-way (an LLM server gone) leaves nothing half-written.
    """
    from tqdm import tqdm

    rows = []
    # disable=None: the bar shows on a terminal and stays out of logs.
    for case in tqdm(cases, desc="evaluating", unit="case", disable=None if progress else True):
        rows.append(evaluate_case(assistant, case, judge))
        if on_case is not None:
            on_case(len(rows), len(cases))
    report = {
        "testset": testset,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "metrics": aggregate(rows),
        "settings": assistant.settings_snapshot(),
        "index_version": assistant.retriever.version,
        "documents": len(assistant.retriever.documents()),
    }
    write_run(report, rows, out_dir)
    return report


def write_run(report: dict[str, Any], rows: Sequence[dict[str, Any]], out_dir: Path) -> None:
    """results.jsonl, report.json, report.md and report.html, written aside and then moved into `out_dir`."""
    from evaluation.report import write_reports

    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".partial-", dir=out_dir))
    try:
        with (staging / "results.jsonl").open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        (staging / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        write_reports(report, list(rows), staging)
        for written in staging.iterdir():
            os.replace(written, out_dir / written.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def load_run(run_dir: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    report_file, results_file = run_dir / "report.json", run_dir / "results.jsonl"
    if not report_file.is_file() or not results_file.is_file():
        raise UnknownRun(f"{run_dir} is not an evaluation run (no report.json and results.jsonl)")
    rows = [json.loads(line) for line in results_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    return json.loads(report_file.read_text(encoding="utf-8")), rows


def failures(report: dict[str, Any], floors: dict[str, float]) -> list[str]:
    """The metrics below their floor, as readable lines."""
    lines = []
    for name, floor in floors.items():
        value = report["metrics"].get(name)
        if value is None:
            lines.append(f"{name}: not measured on this test set (floor {floor})")
        elif value < floor:
            lines.append(f"{name} = {value:.4f} is below the floor {floor}")
    return lines


def compare(a: tuple[dict[str, Any], list[dict[str, Any]]], b: tuple[dict[str, Any], list[dict[str, Any]]]) -> dict[str, Any]:
    """Metric deltas, and the cases whose outcome changed between two runs."""
    (report_a, rows_a), (report_b, rows_b) = a, b
    names = sorted(set(report_a["metrics"]) | set(report_b["metrics"]))
    metrics = [
        {"metric": n, "a": report_a["metrics"].get(n), "b": report_b["metrics"].get(n)}
        for n in names
    ]
    by_id = {r["id"]: r for r in rows_a}
    changed = []
    for row in rows_b:
        before = by_id.get(row["id"])
        if before is None:
            continue
        flips = {
            key: (before["metrics"].get(key), row["metrics"].get(key))
            for key in ("contains_answer", "cited_answer", "refused", "hit@k")
            if before["metrics"].get(key) != row["metrics"].get(key)
        }
        if flips or before["answer"] != row["answer"]:
            changed.append({"id": row["id"], "question": row["question"], "changes": flips, "a": before["answer"], "b": row["answer"]})
    return {"metrics": metrics, "changed": changed}


def calibrate(evidence: Sequence[tuple[float, bool]]) -> dict[str, Any]:
    """The refusal threshold that best separates answerable from unanswerable cases.

    `evidence` holds (evidence score, answerable) per case. Each candidate threshold is scored by
    balanced accuracy (answerable cases answered, unanswerable ones refused); ties go to the
    threshold midway between the neighbouring scores.
    """
    answerable = [e for e, ok in evidence if ok]
    unanswerable = [e for e, ok in evidence if not ok]
    if not answerable or not unanswerable:
        raise InvalidInput("calibration needs both answerable and unanswerable cases in the test set")
    scores = sorted({round(e, 4) for e, _ in evidence})
    thresholds = [0.0] + [(x + y) / 2 for x, y in zip(scores, scores[1:])] + [scores[-1] + 1e-4]
    curve = []
    for t in thresholds:
        answered = sum(e >= t for e in answerable) / len(answerable)
        refused = sum(e < t for e in unanswerable) / len(unanswerable)
        curve.append({"threshold": round(t, 4), "answered": answered, "refused": refused, "balanced": (answered + refused) / 2})
    best = max(curve, key=lambda point: (point["balanced"], point["answered"]))
    return {"best": best, "curve": curve}
