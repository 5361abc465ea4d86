"""SQuAD dev answers on development and held-out articles, side by side: does askdocs answer from the
articles, cite the evidence, mark the answer phrase and decline the unanswerable?

    .venv/bin/python -m benchmarks.squad_answers                  # v1.1: 400 questions per part
    .venv/bin/python -m benchmarks.squad_answers --version 2.0    # v2.0: answerable and unanswerable questions
    .venv/bin/python -m benchmarks.squad_answers --answerer llm --questions 60
    .venv/bin/python -m benchmarks.squad_answers --withhold 0    # facts cut from the articles: decline them all

The articles are split by evaluation/splits.py: the learned scorers were trained, and every
threshold chosen, on the development articles only; the held-out articles were never read by any
of it, so their figures are the ones to quote. Each part's articles are ingested as documents of
their own index, and every question goes through the same `answer()` as `askdocs ask`, by way of
`askdocs eval` (evaluation.runner). Questions are spread evenly over the part's articles.
`contains_answer` and `cited_answer` say whether the answer (at most `max_answer_words` words)
and a cited passage of the right article hold the reference; `span_exact_match` and `span_f1` are
SQuAD's measures of the marked answer phrase; `exact_match` and `f1` compare the whole answer.

`--withhold N` asks instead questions whose answers were cut from the articles (one question a
paragraph, the N-th; see `evaluation.importers.import_squad`): every one should be declined, and
`refusal_recall` says how many were.
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

from benchmarks.common import DATASETS, RESULTS, answer_all, machine, skipped, workdir, write_results
from evaluation.importers import import_squad
from evaluation.splits import Part, spread, squad_file_titles, squad_titles
from evaluation.testset import load_testset, write_testset

REPORTED = (
    "contains_answer", "cited_answer", "span_exact_match", "span_f1", "exact_match", "f1", "answer_hit@k",
    "answer_mrr", "citation_precision", "answerable_refused", "refusal_recall", "refusal_precision",
    "latency_p50_ms", "latency_p95_ms",
)
PARTS: tuple[Part, ...] = ("dev", "heldout")


def run_part(
    path: Path, work: Path, part: Part, questions: int | None, answerer: str, withhold: int | None = None
) -> dict[str, Any]:
    titles = squad_titles(squad_file_titles(path), part)
    corpus_dir, testset = import_squad(path, work, titles=titles, withhold=withhold)
    cases = spread(load_testset(testset), questions)
    write_testset(cases, work / "sample.jsonl")
    report, evaluation = answer_all(corpus_dir, cases, work, path.name, answerer)
    metrics = evaluation["metrics"]
    return {
        "articles": titles,
        "questions": len(cases),
        "unanswerable": sum(not c.answerable for c in cases),
        "chunks": report.chunks,
        "metrics": {name: round(metrics[name], 4) for name in REPORTED if name in metrics},
    }


def run(
    path: Path, work: Path, parts: Sequence[Part], questions: int | None, answerer: str, withhold: int | None = None
) -> dict[str, Any]:
    from assistant.scorers import training_record
    from assistant.settings import AssistantSettings
    from index.settings import IndexSettings

    results = {part: run_part(path, work / part, part, questions, answerer, withhold) for part in parts}
    settings = AssistantSettings()
    return {
        "benchmark": "squad-answers",
        "file": path.name,
        "answerer": answerer,
        "withhold": withhold,
        "parts": results,
        "settings": {
            "embed_backend": IndexSettings().embed_backend,
            "max_answer_words": settings.max_answer_words,
            "min_evidence": settings.min_evidence,
            "operating_points": training_record().get("operating_points", {}),
            "scorers_trained": training_record().get("trained"),
        },
    }


def table(results: dict[str, Any]) -> str:
    parts = results["parts"]
    header = " | ".join(f"{part} ({parts[part]['questions']} q, {parts[part]['unanswerable']} unanswerable, "
                        f"{len(parts[part]['articles'])} articles)" for part in parts)
    lines = [
        f"SQuAD {results['file']} answers ({results['answerer']})"
        + ("" if results.get("withhold") is None else f", answers cut from the articles (--withhold {results['withhold']})"),
        "",
        f"| measure | {header} |" + (" held-out - dev |" if len(parts) == 2 else ""),
        "|---|" + "---|" * len(parts) + ("---|" if len(parts) == 2 else ""),
    ]
    names = [n for n in REPORTED if any(n in parts[p]["metrics"] for p in parts)]
    for name in names:
        values = [parts[p]["metrics"].get(name) for p in parts]
        cells = " | ".join("—" if v is None else str(v) for v in values)
        gap = ""
        if len(values) == 2:
            gap = " — |" if None in values else f" {values[1] - values[0]:+.4f} |"
        lines.append(f"| {name} | {cells} |{gap}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.squad_answers", description=__doc__.split("\n")[0])
    parser.add_argument("--version", choices=("1.1", "2.0"), default="1.1")
    parser.add_argument("--part", choices=("dev", "heldout", "both"), default="both", help="which articles (default both)")
    parser.add_argument("--questions", type=int, default=400, help="questions per part, spread over its articles (default 400)")
    parser.add_argument("--answerer", choices=("extractive", "llm"), default="extractive")
    parser.add_argument("--withhold", type=int, metavar="N", help="ask the N-th question of each paragraph with its answer cut")
    parser.add_argument("--work", type=Path, help="keep the corpora, indexes and eval runs here")
    args = parser.parse_args(argv)
    folder = DATASETS / "squad"
    path = folder / f"dev-v{args.version}-public.json"
    if not path.is_file():
        return skipped(folder)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    logging.basicConfig(level=logging.WARNING)
    parts: tuple[Part, ...] = PARTS if args.part == "both" else (args.part,)
    with workdir(args.work, "askdocs-squad-answers-") as work:
        results = run(path, work, parts, args.questions, args.answerer, args.withhold)
    results = {
        "command": " ".join([".venv/bin/python -m benchmarks.squad_answers", *(argv or sys.argv[1:])]),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        **results,
    }
    print(table(results))
    default = (args.part, args.questions, args.answerer) == ("both", 400, "extractive")
    suffix = "" if default else f"-{args.part}-{args.questions}q-{args.answerer}"
    suffix += "" if args.withhold is None else f"-withhold{args.withhold}"
    write_results(results, RESULTS / f"squad-answers-v{args.version}{suffix}.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
