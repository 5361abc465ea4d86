"""Metrics of one answer against its test case, and their aggregates; none needs an LLM judge.

Answer metrics follow SQuAD (normalisation, exact match, token F1); citation precision and recall
follow ALCE, with our support function deciding whether a passage supports a sentence.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.models import Answer
from assistant.support import support_many
from assistant.text import markers, sentences, strip_markers
from evaluation.testset import Case
from index.embedder import Embedder

SUPPORT_THRESHOLD = 0.6
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, articles or extra whitespace."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, references: Sequence[str]) -> float:
    return float(any(normalize(prediction) == normalize(r) for r in references))


def token_f1(prediction: str, references: Sequence[str]) -> float:
    predicted = normalize(prediction).split()
    best = 0.0
    for reference in references:
        wanted = normalize(reference).split()
        common = sum((Counter(predicted) & Counter(wanted)).values())
        if common:
            precision, recall = common / len(predicted), common / len(wanted)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def contains(text: str, references: Sequence[str]) -> float:
    """Whether the text holds a reference: as SQuAD compares them (normalised, whole words), or as
    written, not inside a longer name.

    SQuAD's normalisation deletes punctuation, which glues words together: "list(psutil.win_service_iter())"
    becomes one word that "win_service_iter" is not, "61-yard" one that "61" is not. As written, a
    reference counts where no letter, digit or underscore goes on either side of it; not after a
    hyphen ("violent" is not in "non-violent"), nor before ".1" ("1.4" is not "1.4.0"), nor, when it
    has a hyphen of its own, before "-x" ("markdown-it" is not "markdown-it-py").
    """
    normal = f" {normalize(text)} "
    lowered = text.lower()
    return float(any((normalize(r) and f" {normalize(r)} " in normal) or _written_in(r.strip().lower(), lowered) for r in references))


def _written_in(reference: str, text: str) -> bool:
    after = r"(?!\w|[.-]\w)" if "-" in reference else r"(?!\w|\.\w)"
    return bool(reference) and re.search(rf"(?<!\w)(?<!\w-){re.escape(reference)}{after}", text) is not None


def retrieval_metrics(case: Case, passages: Sequence[dict[str, Any]]) -> dict[str, float]:
    """hit@k, MRR and recall@k against the reference documents and against answer-bearing passages."""
    scores: dict[str, float] = {}
    if case.reference_sources:
        relevant = [p["source"] in case.reference_sources for p in passages]
        scores["hit@k"] = float(any(relevant))
        scores["mrr"] = next((1 / rank for rank, ok in enumerate(relevant, 1) if ok), 0.0)
        found = {p["source"] for p in passages} & set(case.reference_sources)
        scores["recall@k"] = len(found) / len(set(case.reference_sources))
    if case.reference_answers:
        bearing = [bool(contains(p.get("text", ""), case.reference_answers)) for p in passages]
        scores["answer_hit@k"] = float(any(bearing))
        scores["answer_mrr"] = next((1 / rank for rank, ok in enumerate(bearing, 1) if ok), 0.0)
        answers_found = [r for r in case.reference_answers if any(contains(p.get("text", ""), [r]) for p in passages)]
        scores["answer_recall@k"] = len(answers_found) / len(case.reference_answers)
    return scores


def citation_metrics(answer: Answer, embedder: Embedder | None) -> dict[str, float]:
    """ALCE citation recall (sentences supported by their citations together) and precision
    (citations whose passage supports the sentence citing it), and the share of supported sentences.

    A sentence that opens with its citation's label, the headings of the section its quote is in
    ("3.5.0 (2026-08-12) › Changed: Replaced…", for a question asking which release), is checked
    without them: they say where the quote is, as the citation itself does."""
    by_number = {c.n: c.text for c in answer.citations}
    labels = {c.n: c.label for c in answer.citations if c.label}
    statements = [s.text for s in sentences(answer.text) if len(strip_markers(s.text).split()) >= 2]
    if not statements:
        return {}
    supported = cited_pairs = relevant_pairs = 0
    cited_sentences = 0
    for statement in statements:
        cited = [n for n in markers(statement) if n in by_number]
        if not cited:
            continue
        cited_sentences += 1
        label = next((labels[n] for n in cited if n in labels and statement.startswith(f"{labels[n]}: ")), None)
        claim = statement[len(label) + 2 :] if label else statement
        scores = support_many(claim, [by_number[n] for n in cited], embedder)
        supported += any(s.score >= SUPPORT_THRESHOLD for s in scores)
        cited_pairs += len(cited)
        relevant_pairs += sum(s.score >= SUPPORT_THRESHOLD for s in scores)
    return {
        "citation_recall": supported / cited_sentences if cited_sentences else 0.0,
        "citation_precision": relevant_pairs / cited_pairs if cited_pairs else 0.0,
        "supported_sentences": supported / len(statements),
    }


def case_metrics(case: Case, answer: Answer, passages: Sequence[dict[str, Any]], embedder: Embedder | None) -> dict[str, float]:
    """Every metric that applies to this case."""
    scores = retrieval_metrics(case, passages)
    if case.answerable:
        scores["refused"] = float(answer.refused)
        if case.reference_answers:
            # A refusal holds no answer, though its sentence may hold a short reference ("not").
            text = "" if answer.refused else strip_markers(answer.text)
            scores["exact_match"] = exact_match(text, case.reference_answers)
            scores["f1"] = token_f1(text, case.reference_answers)
            scores["contains_answer"] = contains(text, case.reference_answers)
            # The short answer: the phrase marked inside the quote (0 when there is none).
            span = answer.answer_span.text if answer.answer_span else ""
            scores["span_exact_match"] = exact_match(span, case.reference_answers) if span else 0.0
            scores["span_f1"] = token_f1(span, case.reference_answers) if span else 0.0
            scores["cited_answer"] = float(
                any(
                    (not case.reference_sources or c.source in case.reference_sources)
                    and contains(c.text, case.reference_answers)
                    for c in answer.citations
                )
            )
            if embedder is not None and not answer.refused:
                vectors = embedder.embed([text, *case.reference_answers])
                scores["semantic_similarity"] = float(np.max(vectors[1:] @ vectors[0]))
        if not answer.refused:
            scores.update(citation_metrics(answer, embedder))
    else:
        scores["refused"] = float(answer.refused)
    return scores


def aggregate(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Means of the per-case metrics over the cases they apply to, refusal precision/recall, latency."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    keys = sorted({k for r in rows for k in r["metrics"]} - {"refused"})
    report: dict[str, float] = {}
    for key in keys:
        values = [r["metrics"][key] for r in rows if key in r["metrics"]]
        report[key] = float(np.mean(values))
    refused_wrongly = sum(r["metrics"]["refused"] for r in answerable)
    refused_rightly = sum(r["metrics"]["refused"] for r in unanswerable)
    refusals = refused_rightly + refused_wrongly
    report["answerable_refused"] = refused_wrongly / len(answerable) if answerable else 0.0
    if unanswerable:
        report["refusal_recall"] = refused_rightly / len(unanswerable)
        report["refusal_precision"] = refused_rightly / refusals if refusals else 0.0
    latencies = [r["latency_ms"] for r in rows]
    report["latency_p50_ms"] = float(np.percentile(latencies, 50))
    report["latency_p95_ms"] = float(np.percentile(latencies, 95))
    report["cases"] = float(len(rows))
    return report
