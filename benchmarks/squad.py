"""SQuAD dev: does retrieval find a passage holding the answer? hit@1/5/10 and MRR@10.

    .venv/bin/python -m benchmarks.squad                  # v1.1, first 10 articles, first 200 questions
    .venv/bin/python -m benchmarks.squad --all            # v1.1, all 24 articles and 5,665 questions
    .venv/bin/python -m benchmarks.squad --version 2.0    # answerable v2.0 questions only

A hit is a retrieved passage of the question's article that contains one of the reference answers
(case-insensitive, whitespace normalised). Unanswerable (v2.0) questions are left out here.
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

from benchmarks.common import (
    DATASETS,
    RESULTS,
    RUN_LABELS,
    RUNS,
    Hit,
    ingest,
    machine,
    p50,
    ranked_passages,
    settings_summary,
    skipped,
    workdir,
    write_results,
)
from evaluation.importers import import_squad
from evaluation.testset import Case, load_testset

DEPTH = 10
DEFAULT_ARTICLES = 10
DEFAULT_QUESTIONS = 200

# Paragraph retrieval over all 2,067 SQuAD v1.1 dev paragraphs (48 articles), from
# ../shared/datasets/README.md: hit@1, hit@5, hit@10, MRR@10.
ANCHORS_V11: dict[str, tuple[float, float, float, float]] = {
    "fused": (0.748, 0.940, 0.969, 0.830),
    "dense": (0.624, 0.864, 0.917, 0.725),
    "keyword": (0.776, 0.931, 0.958, 0.843),
}


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def first_hit(case: Case, hits: Sequence[Hit]) -> int | None:
    """1-based rank of the first passage of the right document that contains a reference answer."""
    answers = [_normal(a) for a in case.reference_answers]
    for rank, hit in enumerate(hits, start=1):
        if hit.doc_id in case.reference_sources and any(a in _normal(hit.text) for a in answers):
            return rank
    return None


def hit_measures(ranks: Sequence[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    measures = {f"hit@{k}": sum(1 for r in ranks if r is not None and r <= k) / n for k in (1, 5, 10)}
    measures["mrr@10"] = sum(1 / r for r in ranks if r is not None and r <= 10) / n
    return {name: round(value, 4) for name, value in measures.items()}


def run(path: Path, work: Path, articles: int | None, questions: int | None) -> dict[str, Any]:
    from tqdm import tqdm

    corpus_dir, testset = import_squad(path, work, limit_articles=articles, limit_questions=questions)
    all_cases = load_testset(testset)
    cases = [c for c in all_cases if c.answerable]
    n_docs = sum(1 for _ in corpus_dir.glob("*.txt"))
    print(f"ingesting {n_docs} articles into {work / 'data'} ...", file=sys.stderr)
    index, report = ingest(corpus_dir, work / "data")
    try:
        ranks: dict[str, list[int | None]] = {name: [] for name in RUNS}
        times: dict[str, list[float]] = {name: [] for name in RUNS}
        for case in tqdm(cases, desc="questions", unit="question", file=sys.stderr):
            for name, (hits, ms) in ranked_passages(index, case.question, DEPTH).items():
                ranks[name].append(first_hit(case, hits))
                times[name].append(ms)
        return {
            "benchmark": "squad",
            "file": path.name,
            "articles": n_docs,
            "questions": len(cases),
            "unanswerable_left_out": len(all_cases) - len(cases),
            "chunks": index.catalog.chunk_count(),
            "ingest_seconds": round(report.seconds, 1),
            "embedded": report.embedded,
            "failed": report.failed,
            "settings": settings_summary(index),
            "runs": {name: {**hit_measures(ranks[name]), "query_ms_p50": p50(times[name])} for name in RUNS},
        }
    finally:
        index.close()


def table(results: dict[str, Any], anchors: dict[str, tuple[float, float, float, float]] | None) -> str:
    lines = [
        f"SQuAD {results['file']}: {results['questions']} answerable questions over {results['articles']} articles "
        f"-> {results['chunks']:,} chunks; ingest {results['ingest_seconds']:.1f} s"
        + (f" ({results['unanswerable_left_out']} unanswerable left out)" if results["unanswerable_left_out"] else ""),
        "",
        "| ranking | hit@1 | hit@5 | hit@10 | MRR@10 | query p50 ms |"
        + (" published (2,067 paragraphs) hit@1/5/10, MRR@10 |" if anchors else ""),
        "|---|---|---|---|---|---|" + ("---|" if anchors else ""),
    ]
    for name in RUNS:
        r = results["runs"][name]
        row = (
            f"| {RUN_LABELS[name]} | {r['hit@1']:.3f} | {r['hit@5']:.3f} | {r['hit@10']:.3f} "
            f"| {r['mrr@10']:.3f} | {r['query_ms_p50']:.0f} |"
        )
        if anchors:
            row += " " + " / ".join(f"{v:.3f}" for v in anchors[name]) + " |"
        lines.append(row)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.squad",
        description="Passage retrieval on SQuAD dev: hit@1/5/10 and MRR@10 of the fused, dense and keyword rankings.",
        epilog="examples:\n  python -m benchmarks.squad\n  python -m benchmarks.squad --version 2.0 --articles 5\n"
        "  python -m benchmarks.squad --all",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", choices=["1.1", "2.0"], default="1.1", help="SQuAD version (default 1.1)")
    parser.add_argument(
        "--articles", type=int, default=DEFAULT_ARTICLES, metavar="N", help="first N articles (default 10)"
    )
    parser.add_argument(
        "--questions", type=int, default=DEFAULT_QUESTIONS, metavar="N", help="first N questions (default 200)"
    )
    parser.add_argument("--all", action="store_true", help="every article and question of the file")
    parser.add_argument("--work", type=Path, help="keep the corpus and index here (a re-run embeds nothing new)")
    parser.add_argument(
        "--out", type=Path, help="results JSON (default: benchmarks/results/squad-v<version>[...].json)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # As the Makefile does: torch's threads must not spin while another process has the other core.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

    path = DATASETS / "squad" / f"dev-v{args.version}-public.json"
    if not path.is_file():
        return skipped(path)
    articles, questions = (None, None) if args.all else (args.articles, args.questions)
    started = datetime.now(timezone.utc)
    with workdir(args.work, "askdocs-squad-") as work:
        results = run(path, work, articles, questions)
    results = {
        "command": " ".join([".venv/bin/python -m benchmarks.squad", *(argv if argv is not None else sys.argv[1:])]),
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "limits": {"articles": articles, "questions": questions},
        **results,
    }
    anchors = ANCHORS_V11 if args.version == "1.1" else None
    if anchors:
        results["anchors_all_v1.1_dev_paragraphs"] = {
            name: dict(zip(("hit@1", "hit@5", "hit@10", "mrr@10"), values, strict=True))
            for name, values in anchors.items()
        }
    print(table(results, anchors))
    if args.all:
        suffix = "-all"
    elif (articles, questions) == (DEFAULT_ARTICLES, DEFAULT_QUESTIONS):
        suffix = ""
    else:
        suffix = f"-{articles}a-{questions}q"
    write_results(results, args.out or RESULTS / f"squad-v{args.version}{suffix}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
