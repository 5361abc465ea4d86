"""SQuAD dev answers: does askdocs answer from the articles, cite the evidence, and decline the unanswerable?

    .venv/bin/python -m benchmarks.squad_answers                  # v1.1: 8 articles, 400 questions
    .venv/bin/python -m benchmarks.squad_answers --version 2.0    # v2.0: answerable and unanswerable questions

The articles are ingested as documents and every question goes through the same `answer()` as
`askdocs ask`, by way of `askdocs eval` (evaluation.runner). Questions are spread evenly over the
chosen articles. EM/F1 compare the whole answer with the reference, as SQuAD does: an extractive
answer is a sentence, so these are low by design; `contains_answer` and `cited_answer` are the
measures of whether the answer (and its cited passage) holds the fact.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks.common import DATASETS, RESULTS, machine, skipped, workdir, write_results
from evaluation.importers import import_squad
from evaluation.testset import Case, load_testset, write_testset

REPORTED = (
    "contains_answer", "cited_answer", "exact_match", "f1", "answer_hit@k", "answer_mrr",
    "citation_precision", "answerable_refused", "refusal_recall", "refusal_precision",
    "latency_p50_ms", "latency_p95_ms",
)


def spread(cases: Sequence[Case], count: int | None) -> list[Case]:
    """`count` cases taken at an even stride, so every article and both kinds of question appear."""
    if count is None or count >= len(cases):
        return list(cases)
    stride = len(cases) / count
    return [cases[int(i * stride)] for i in range(count)]


def run(path: Path, work: Path, articles: int, questions: int | None, answerer: str) -> dict[str, Any]:
    from assistant.answer import Assistant
    from evaluation.runner import run as run_eval
    from index.collection import Collection
    from ui.settings import Settings

    corpus_dir, testset = import_squad(path, work, limit_articles=articles)
    cases = spread(load_testset(testset), questions)
    write_testset(cases, work / "sample.jsonl")
    settings = Settings(index={"data_dir": work / "data"}, assistant={"answerer": answerer, "log_answers": False})
    index = Collection(settings.index, settings.ingest)
    report = index.ingest([corpus_dir], progress=True)
    try:
        evaluation = run_eval(Assistant(settings.assistant, index.retriever), cases, work / "run", str(path.name), progress=True)
    finally:
        index.close()
    metrics = evaluation["metrics"]
    return {
        "benchmark": "squad-answers",
        "file": path.name,
        "answerer": answerer,
        "articles": articles,
        "questions": len(cases),
        "unanswerable": sum(not c.answerable for c in cases),
        "chunks": report.embedded,
        "ingest_seconds": round(report.seconds, 1),
        "metrics": {name: round(metrics[name], 4) for name in REPORTED if name in metrics},
        "min_evidence": settings.assistant.min_evidence,
    }


def table(results: dict[str, Any]) -> str:
    lines = [
        f"SQuAD {results['file']} answers ({results['answerer']}): {results['questions']} questions "
        f"({results['unanswerable']} unanswerable) over {results['articles']} articles",
        "",
        "| measure | value |",
        "|---|---|",
    ]
    lines += [f"| {name} | {value} |" for name, value in results["metrics"].items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.squad_answers", description=__doc__.split("\n")[0])
    parser.add_argument("--version", choices=("1.1", "2.0"), default="1.1")
    parser.add_argument("--articles", type=int, default=8, help="first N articles of the dev file (default 8)")
    parser.add_argument("--questions", type=int, default=400, help="questions spread over them (default 400)")
    parser.add_argument("--answerer", choices=("extractive", "llm"), default="extractive")
    parser.add_argument("--work", type=Path, help="keep the corpus, index and eval run here")
    args = parser.parse_args(argv)
    folder = DATASETS / "squad"
    path = folder / f"dev-v{args.version}-public.json"
    if not path.is_file():
        return skipped(folder)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    logging.basicConfig(level=logging.WARNING)
    with workdir(args.work, "askdocs-squad-answers-") as work:
        results = run(path, work, args.articles, args.questions, args.answerer)
    results = {
        "command": " ".join([".venv/bin/python -m benchmarks.squad_answers", *(argv or sys.argv[1:])]),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        **results,
    }
    print(table(results))
    suffix = "" if (args.articles, args.questions, args.answerer) == (8, 400, "extractive") else f"-{args.articles}a{args.questions}q-{args.answerer}"
    write_results(results, RESULTS / f"squad-answers-v{args.version}{suffix}.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
