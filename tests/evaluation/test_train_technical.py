"""The technical reading's training: its threshold rule and its model, on rows made for the test."""

from __future__ import annotations

import numpy as np

from evaluation.train_technical import fit, probability, train


def _part(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    labels = np.arange(n) % 5 < 3  # three answerable questions in five, as the README parts
    # One column tells the classes apart (with noise), the other is noise; the prose checks refuse at random.
    rows = np.column_stack([labels + rng.normal(0, 0.6, n), rng.normal(0, 1, n)])
    return {"rows": rows, "labels": labels, "prose_refuses": rng.random(n) < 0.15}


def test_the_threshold_refuses_no_more_answerable_questions_than_the_checks_it_replaces() -> None:
    rng = np.random.default_rng(0)
    parts = {name: _part(rng, 60) for name in ("a", "b", "c", "d")}
    model, threshold, figures = train(parts)
    assert 0 < threshold < 1
    assert figures["answerable_refused_out_of_fold"] <= figures["the_two_checks"]["answerable_refused"]
    # With a column that tells them apart, it refuses more unanswerable questions than checks that guess.
    assert figures["unanswerable_refused_out_of_fold"] > figures["the_two_checks"]["unanswerable_refused"]
    assert figures["auc_out_of_fold"] > 0.8
    assert sum(p["answerable"] + p["unanswerable"] for p in figures["by_part_out_of_fold"].values()) == 240
    assert model["coef"][0] > abs(model["coef"][1])


def test_the_same_rows_give_the_same_model() -> None:
    part = _part(np.random.default_rng(1), 100)
    first, second = fit(part["rows"], part["labels"]), fit(part["rows"].copy(), part["labels"].copy())
    assert all(np.array_equal(first[key], second[key]) for key in ("mean", "scale", "coef"))
    assert np.allclose(probability(first, part["rows"]), probability(second, part["rows"]))


def test_training_reads_a_part_through_the_answering_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`describe` gives, for every README question, the row the assistant computes when it answers."""
    from sklearn.metrics import roc_auc_score

    from assistant.answerability import TECHNICAL_FEATURES
    from assistant.scorers import load_linear
    from benchmarks.package_docs import HERE
    from evaluation.testset import load_testset
    from evaluation.train_technical import describe

    described = describe(tmp_path, "dev2")
    cases = load_testset(HERE / "package_docs-dev2.jsonl")
    rows, labels = described["rows"], described["labels"]
    assert rows.shape == (len(cases), len(TECHNICAL_FEATURES))  # every README question's passages name code
    assert labels.sum() == sum(case.answerable for case in cases)
    assert np.isfinite(rows).all() and set(np.unique(rows[:, 2])) <= {0.0, 1.0}
    # The packaged model separates this part's questions (it was trained on them, among others).
    scores = load_linear("technical", TECHNICAL_FEATURES).probability(rows)
    assert roc_auc_score(labels, scores) > 0.75
