"""The learned scorers: small LightGBM models trained by `make train` and versioned with the code.

assistant/weights/ holds one model per job in LightGBM's own text format (no pickle):
`sentence.txt` ranks candidate answer sentences, `span.txt` ranks phrases within a sentence,
`answerable.txt` tells whether the best evidence holds what the question asks for, `stated.txt`
whether the documents state the asked-for fact at all. Beside them,
`training.json` records what they were trained on (data, split, seed, date), their measured
figures and the operating points chosen on the development data. `technical.json` is a logistic
regression over those two checks' readings, trained on questions about technical documents by
`make train-technical`; it records its own data, figures and threshold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

WEIGHTS = Path(__file__).resolve().parent / "weights"


class ModelMismatch(RuntimeError):
    """A model file that does not fit the features the code computes."""


@dataclass(frozen=True)
class Scorer:
    """A trained model and the feature names it expects, in order."""

    name: str
    features: tuple[str, ...]
    booster: Any  # lightgbm.Booster

    def score(self, rows: np.ndarray) -> np.ndarray:
        """One score per row (higher: more likely); an empty input gives an empty output."""
        if len(rows) == 0:
            return np.zeros(0)
        return np.asarray(self.booster.predict(rows, num_threads=1), dtype=np.float64)


def load(name: str, features: tuple[str, ...], folder: Path = WEIGHTS) -> Scorer:
    """The model `folder/name.txt`, checked against the feature names the code computes."""
    import lightgbm

    path = folder / f"{name}.txt"
    if not path.is_file():
        raise ModelMismatch(f"{path}: no such model file; `make train` builds it")
    booster = lightgbm.Booster(model_str=path.read_text(encoding="utf-8"))
    trained = tuple(booster.feature_name())
    if trained != features:
        raise ModelMismatch(
            f"{path} was trained on other features than the code computes "
            f"({len(trained)} against {len(features)}): run `make train` to retrain it"
        )
    return Scorer(name, features, booster)


@cache
def scorer(name: str, features: tuple[str, ...]) -> Scorer:
    """The packaged model `name`, loaded once per process."""
    return load(name, features)


@cache
def training_record(folder: Path = WEIGHTS) -> dict[str, Any]:
    """What the packaged models were trained on, their figures and operating points."""
    path = folder / "training.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def operating_point(key: str, default: float) -> float:
    """A threshold chosen on the development data when the models were trained."""
    return float(training_record().get("operating_points", {}).get(key, default))


@dataclass(frozen=True)
class LinearScorer:
    """A logistic regression over standardised features, and what its training recorded."""

    name: str
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    record: dict[str, Any]

    def probability(self, rows: np.ndarray) -> np.ndarray:
        """One probability (0-1) per row."""
        return logistic(rows, self.mean, self.scale, self.coef, self.intercept)


def logistic(rows: np.ndarray, mean: np.ndarray, scale: np.ndarray, coef: np.ndarray, intercept: float) -> np.ndarray:
    """A logistic regression's probability (0-1) for each row, its features standardised first."""
    z = ((np.asarray(rows, dtype=np.float64) - mean) / scale) @ coef + intercept
    return 1.0 / (1.0 + np.exp(-z))


def load_linear(name: str, features: tuple[str, ...], folder: Path = WEIGHTS) -> LinearScorer:
    """The model `folder/name.json`, checked against the feature names the code computes."""
    path = folder / f"{name}.json"
    if not path.is_file():
        raise ModelMismatch(f"{path}: no such model file; `make train-technical` builds it")
    record = json.loads(path.read_text(encoding="utf-8"))
    model = record["model"]
    if tuple(model["features"]) != features:
        raise ModelMismatch(f"{path} was trained on other features than the code computes: run `make train-technical`")
    return LinearScorer(
        name,
        features,
        np.array(model["mean"]),
        np.array(model["scale"]),
        np.array(model["coef"]),
        float(model["intercept"]),
        record,
    )


@cache
def linear(name: str, features: tuple[str, ...]) -> LinearScorer:
    """The packaged linear model `name`, loaded once per process."""
    return load_linear(name, features)
