"""The learned scorers' training: what it records about the install it ran in."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from packaging.utils import canonicalize_name

from evaluation.train import VECTOR_AND_TEXT_PACKAGES

ROOT = Path(__file__).resolve().parents[2]


def _pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pairs = (line.split("==", 1) for line in lines if "==" in line)
    return {canonicalize_name(name): version.strip() for name, version in pairs}


def test_the_install_is_the_pinned_one_for_everything_the_models_depend_on() -> None:
    # A release that moves a vector in its last bit gives other model files from `make train`;
    # constraints.txt holds the releases the shipped figures were measured with.
    pins = _pins()
    for name in VECTOR_AND_TEXT_PACKAGES:
        if name == "torch":  # pinned in pyproject.toml and the Makefile, with its local build tag
            continue
        assert pins.get(name) == importlib.metadata.version(name), f"{name}: run `make install`, or `make lock` after an upgrade"
