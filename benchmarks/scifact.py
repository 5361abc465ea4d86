"""SciFact (BEIR): nDCG@10 and recall@100 of the fused, dense-only and keyword-only rankings, on the
train claims (where the fusion was tuned) and the test claims (held out), side by side.

    .venv/bin/python -m benchmarks.scifact             # 809 train + 300 test claims over 5,183 abstracts (about 10 min on 2 cores)
    .venv/bin/python -m benchmarks.scifact --limit 20  # 20 test claims, their abstracts and 500 others

The index chunks each abstract; a document is ranked by its best passage among the top 100
passages. The measures are trec_eval's (through ir-measures), as BEIR computes them, averaged over
every judged query. The three rankings come from the same index: `Retriever.search` (the configured
fusion, weighted by default), the vector store alone and the keyword index alone.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
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
    ingest,
    machine,
    p50,
    ranked_documents,
    ranked_passages,
    settings_summary,
    skipped,
    workdir,
    write_results,
)
from evaluation.importers import import_beir
from evaluation.testset import Case, load_testset

DEPTH = 100

# Published nDCG@10 (x100) on the SciFact test split, as listed in ../shared/datasets/README.md.
ANCHORS: dict[str, list[tuple[str, float]]] = {
    "fused": [
        ("all-MiniLM-L6-v2 + BM25 (stemmed) by RRF, 2-core machine", 71.7),
        ("bge-base-en-v1.5 + BM25 fused", 74.4),
    ],
    "dense": [("all-MiniLM-L6-v2, MTEB", 64.51), ("all-MiniLM-L6-v2, 2-core machine", 64.5)],
    "keyword": [
        ("BM25, Pyserini flat", 67.89),
        ("BM25s", 68.74),
        ("BM25 with stemming, 2-core machine", 68.6),
    ],
}


# -- SciFact ----------------------------------------------------------------------------------
def trec_measures(cases: Sequence[Case], rankings: dict[str, list[str]]) -> dict[str, float]:
    """Mean nDCG@10 and recall@100 over all cases; a query that retrieved nothing counts 0."""
    import ir_measures
    from ir_measures import R, nDCG

    qrels = [ir_measures.Qrel(c.id, source, 1) for c in cases for source in c.reference_sources]
    # Scores from ranks, so that trec_eval keeps our order (it breaks score ties by document id).
    run = [
        ir_measures.ScoredDoc(query_id, doc_id, float(len(docs) - rank))
        for query_id, docs in rankings.items()
        for rank, doc_id in enumerate(docs)
    ]
    names = {nDCG @ 10: "ndcg@10", R @ DEPTH: f"recall@{DEPTH}"}
    totals = dict.fromkeys(names.values(), 0.0)
    for metric in ir_measures.iter_calc(list(names), qrels, run):
        totals[names[metric.measure]] += metric.value
    return {name: total / len(cases) for name, total in totals.items()}


def measure(index: Any, cases: Sequence[Case]) -> dict[str, dict[str, float]]:
    """The three rankings' measures and query times over `cases`."""
    from tqdm import tqdm

    rankings: dict[str, dict[str, list[str]]] = {name: {} for name in RUNS}
    times: dict[str, list[float]] = {name: [] for name in RUNS}
    for case in tqdm(cases, desc="queries", unit="query", file=sys.stderr):
        for name, (hits, ms) in ranked_passages(index, case.question, DEPTH).items():
            rankings[name][case.id] = ranked_documents(hits)
            times[name].append(ms)
    return {
        name: {
            **trec_measures(cases, rankings[name]),
            "query_ms_p50": p50(times[name]),
            "documents_in_top_passages": round(statistics.mean(len(d) for d in rankings[name].values()), 1),
        }
        for name in RUNS
    }


def run(folder: Path, work: Path, limit: int | None, extra_docs: int | None) -> dict[str, Any]:
    corpus_dir, testset = import_beir(folder, work, "test", limit_queries=limit, extra_docs=extra_docs)
    cases = load_testset(testset)
    # The train claims (the tuning part, evaluation/splits.py) need the whole corpus: only without --limit.
    train_cases = [] if limit is not None else load_testset(import_beir(folder, work / "train", "train")[1])
    n_docs = sum(1 for _ in corpus_dir.glob("*.txt"))
    print(f"ingesting {n_docs:,} abstracts into {work / 'data'} ...", file=sys.stderr)
    index, report = ingest(corpus_dir, work / "data")
    try:
        runs = measure(index, cases)
        train_runs = measure(index, train_cases) if train_cases else None
        return {
            "benchmark": "scifact",
            "split": "test",
            "train_queries": len(train_cases),
            "train_runs": train_runs,
            "queries": len(cases),
            "documents": n_docs,
            "chunks": index.catalog.chunk_count(),
            "ingest_seconds": round(report.seconds, 1),
            "embedded": report.embedded,
            "failed": report.failed,
            "depth_passages": DEPTH,
            "settings": settings_summary(index),
            "runs": runs,
            "anchors_ndcg@10_x100": {name: dict(ANCHORS[name]) for name in RUNS},
        }
    finally:
        index.close()


def table(results: dict[str, Any]) -> str:
    lines = [
        f"SciFact: {results['train_queries']} train and {results['queries']} test queries, {results['documents']:,} abstracts -> "
        f"{results['chunks']:,} chunks; ingest {results['ingest_seconds']:.0f} s "
        f"({results['embedded']:,} chunks embedded, {results['failed']} failed)",
        "",
        "| ranking | nDCG@10 train (tuned on) | nDCG@10 test | recall@100 train | recall@100 test | query p50 ms | published nDCG@10 (test) |",
        "|---|---|---|---|---|---|---|",
    ]
    train = results.get("train_runs") or {}
    for name in RUNS:
        r = results["runs"][name]
        t = train.get(name)
        anchors = "; ".join(f"{value:.2f} {label}" for label, value in ANCHORS[name])
        train_ndcg = f"{100 * t['ndcg@10']:.2f}" if t else "—"
        train_recall = f"{100 * t[f'recall@{DEPTH}']:.2f}" if t else "—"
        lines.append(
            f"| {RUN_LABELS[name]} | {train_ndcg} | {100 * r['ndcg@10']:.2f} | {train_recall} | {100 * r[f'recall@{DEPTH}']:.2f} "
            f"| {r['query_ms_p50']:.0f} | {anchors} |"
        )
    lines += [
        "",
        f"recall@100 counts the documents among the top {DEPTH} passages "
        f"(on average {results['runs']['fused']['documents_in_top_passages']:.0f} documents for the fused ranking).",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.scifact",
        description="Retrieval quality on BEIR SciFact (test split): nDCG@10 and recall@100.",
        epilog="examples:\n  python -m benchmarks.scifact\n  python -m benchmarks.scifact --limit 20 --extra-docs 200",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N judged queries")
    parser.add_argument(
        "--extra-docs", type=int, default=500, metavar="N",
        help="with --limit: besides the judged abstracts, keep only the first N others (default 500)",
    )
    parser.add_argument("--work", type=Path, help="keep the corpus and index here (a re-run embeds nothing new)")
    parser.add_argument("--out", type=Path, help="results JSON (default: benchmarks/results/scifact[-limitN].json)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # As the Makefile does: torch's threads must not spin while another process has the other core.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

    folder = DATASETS / "scifact"
    if not folder.is_dir():
        return skipped(folder)
    started = datetime.now(timezone.utc)
    with workdir(args.work, "askdocs-scifact-") as work:
        results = run(folder, work, args.limit, args.extra_docs if args.limit else None)
    results = {
        "command": " ".join([".venv/bin/python -m benchmarks.scifact", *(argv if argv is not None else sys.argv[1:])]),
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        **results,
    }
    print(table(results))
    default_out = RESULTS / ("scifact.json" if args.limit is None else f"scifact-limit{args.limit}.json")
    write_results(results, args.out or default_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
