"""Train the technical reading of the refusal checks: `make train-technical`.

    .venv/bin/python -m evaluation.train_technical                 # writes assistant/weights/technical.json
    .venv/bin/python -m evaluation.train_technical --work /tmp/t   # keep the READMEs and their indexes

The two refusal checks (`make train`) learned from Wikipedia articles. On technical documents they
transfer unevenly (docs/quality.md, "Another kind of document"), so when the best sentence's document
names things in code their readings are weighed again by a logistic regression trained here, on the questions of the
README benchmark's parts listed in TRAINING_PARTS: package READMEs (read from the installed packages
at the releases `constraints.txt` pins), three answerable and two unanswerable questions a package.
Each question goes through `Assistant.evidence`, as `askdocs ask` does, on an index of its part. The
parts not listed (`heldout5`, `heldout6`) are never read: they report what the model does on packages it
never saw.

The threshold is chosen out of fold (one fold a part, each part's packages its own): the highest that
refuses no larger a share of the answerable questions than the two checks it replaces refuse of the
same questions, so the change is judged on the unanswerable questions it refuses at no added cost.
Logistic regression by L-BFGS on standardised features: the same data gives the same file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evaluation.train import FP32_BACKEND, VECTOR_AND_TEXT_PACKAGES

# The README benchmark's parts trained on; every other part is kept for reporting.
TRAINING_PARTS = ("dev", "dev2", "heldout", "heldout2", "heldout3", "heldout4")
# The grid the threshold is chosen on.
THRESHOLDS = np.round(np.arange(0.01, 1.0, 0.005), 3)
WEIGHTS = Path(__file__).resolve().parents[1] / "assistant" / "weights"


def describe(work: Path, part: str) -> dict[str, Any]:
    """Every question of `part` through `Assistant.evidence`: its row of TECHNICAL_FEATURES, its label,
    and whether the two checks would refuse it. Questions whose best sentence's document names nothing
    in code (among its passages retrieved), or that the off-topic check refuses before either reading,
    are left out: the reading does not decide them."""
    from assistant.answer import Assistant
    from assistant.answerability import technical_row
    from assistant.settings import AssistantSettings
    from benchmarks.package_docs import HERE, write_corpus
    from evaluation.testset import load_testset
    from index.collection import Collection
    from index.settings import IndexSettings

    changed = write_corpus(work / "corpus", part)
    if changed:
        raise SystemExit(
            "cannot train: these READMEs are not the ones the questions were written against: "
            + "; ".join(changed) + ". Install from constraints.txt (make install)."
        )
    # The readings the model learns from, without the model itself (which may not exist yet).
    settings = AssistantSettings(log_answers=False, min_technical=0.0)
    collection = Collection(IndexSettings(data_dir=work / "data", embed_backend=FP32_BACKEND))
    try:
        collection.ingest([work / "corpus"])
        assistant = Assistant(settings, collection.retriever)
        assistant.load()
        rows, labels, prose_refuses = [], [], []
        for case in load_testset(HERE / f"package_docs-{part}.jsonl"):
            evidence = assistant.evidence(case.question, case.question)
            if not evidence.code or not evidence.ranked or evidence.relevance < settings.min_evidence:
                continue
            rows.append(technical_row(evidence.readings, evidence.lacks_asked_kind)[0])
            labels.append(case.answerable)
            # With the reading off, the two checks decide, as they would without it.
            prose_refuses.append(assistant.refusal(evidence) is not None)
    finally:
        collection.close()
    return {"rows": np.array(rows), "labels": np.array(labels, dtype=bool), "prose_refuses": np.array(prose_refuses)}


def fit(rows: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    mean, scale = rows.mean(axis=0), rows.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=1000).fit((rows - mean) / scale, labels)
    return {"mean": mean, "scale": scale, "coef": model.coef_[0], "intercept": float(model.intercept_[0])}


def probability(model: dict[str, Any], rows: np.ndarray) -> np.ndarray:
    from assistant.scorers import logistic

    return logistic(rows, model["mean"], model["scale"], model["coef"], model["intercept"])


def train(parts: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], float, dict[str, Any]]:
    """The model on every part, its threshold and figures from out-of-fold probabilities (one fold a part)."""
    from sklearn.metrics import roc_auc_score

    names = list(parts)
    rows = np.concatenate([parts[p]["rows"] for p in names])
    labels = np.concatenate([parts[p]["labels"] for p in names])
    prose = np.concatenate([parts[p]["prose_refuses"] for p in names])
    fold = np.concatenate([[i] * len(parts[p]["labels"]) for i, p in enumerate(names)])
    out_of_fold = np.zeros(len(labels))
    for i in range(len(names)):
        held = fold == i
        out_of_fold[held] = probability(fit(rows[~held], labels[~held]), rows[held])
    allowed = prose[labels].mean()
    threshold = float(max((t for t in THRESHOLDS if np.mean(out_of_fold[labels] < t) <= allowed), default=0.0))
    refused = out_of_fold < threshold
    figures = {
        "questions": int(len(labels)),
        "answerable": int(labels.sum()),
        "auc_out_of_fold": round(float(roc_auc_score(labels, out_of_fold)), 4),
        "answerable_refused_out_of_fold": round(float(refused[labels].mean()), 4),
        "unanswerable_refused_out_of_fold": round(float(refused[~labels].mean()), 4),
        "the_two_checks": {
            "answerable_refused": round(float(prose[labels].mean()), 4),
            "unanswerable_refused": round(float(prose[~labels].mean()), 4),
        },
        "by_part_out_of_fold": {
            p: {
                "answerable_refused": int((refused & labels & (fold == i)).sum()),
                "unanswerable_refused": int((refused & ~labels & (fold == i)).sum()),
                "answerable": int((labels & (fold == i)).sum()),
                "unanswerable": int((~labels & (fold == i)).sum()),
            }
            for i, p in enumerate(names)
        },
    }
    return fit(rows, labels), threshold, figures


def main(argv: Sequence[str] | None = None) -> int:
    from assistant.answerability import TECHNICAL_FEATURES
    from benchmarks.package_docs import PARTS

    parser = argparse.ArgumentParser(prog="python -m evaluation.train_technical", description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, help="keep the READMEs and their indexes here")
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="askdocs-train-technical-", ignore_cleanup_errors=True) as tmp:
        work = (args.work or Path(tmp)).resolve()
        parts = {}
        for part in TRAINING_PARTS:
            parts[part] = describe(work / part, part)
            print(f"{part}: {len(parts[part]['labels'])} questions described", file=sys.stderr)
    model, threshold, figures = train(parts)
    record = {
        "trained": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": "make train-technical (python -m evaluation.train_technical)",
        "data": {
            "parts": {p: {name: release for name, (release, _) in PARTS[p].items()} for p in TRAINING_PARTS},
            "questions": "benchmarks/package_docs-PART.jsonl of those parts; the other parts are never read",
            "embed_backend": FP32_BACKEND,
        },
        "model": {
            "kind": "logistic regression on standardised features (scikit-learn, L-BFGS, C=1)",
            "features": list(TECHNICAL_FEATURES),
            "mean": model["mean"].round(6).tolist(),
            "scale": model["scale"].round(6).tolist(),
            "coef": model["coef"].round(6).tolist(),
            "intercept": round(model["intercept"], 6),
        },
        "threshold": threshold,
        "threshold_rule": "highest threshold whose out-of-fold share of answerable questions refused is at most the "
        "share the two prose checks refuse of the same questions (one fold a part)",
        "figures_out_of_fold": figures,
        "seconds": round(time.perf_counter() - started, 1),
        "packages": {name: importlib.metadata.version(name) for name in VECTOR_AND_TEXT_PACKAGES},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "technical.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))
    print(f"threshold {threshold}; written to {args.out / 'technical.json'} in {record['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
