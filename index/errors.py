"""Errors of the index layer, each saying what is wrong and what to run."""

from __future__ import annotations


class IndexError_(Exception):
    """Base class for index errors (named to avoid shadowing the builtin IndexError)."""


class EmbeddingModelMismatch(IndexError_):
    """The index was built with another embedding model than the one configured."""

    def __init__(self, where: str, built_with: str, built_dim: int | None, configured: str, dim: int) -> None:
        super().__init__(
            f"The index in {where} was built with embedding model '{built_with}' ({built_dim} dimensions), "
            f"but '{configured}' ({dim} dimensions) is configured. Its vectors cannot be compared. "
            f"Run `askdocs reindex` to rebuild the index with '{configured}', "
            f"or set ASKDOCS_EMBED_MODEL={built_with} to keep using the old one."
        )
        self.built_with = built_with
        self.configured = configured


class ChromaUnavailable(IndexError_):
    """The configured Chroma server cannot be reached."""


class EmbeddingModelNotFound(IndexError_):
    """The configured embedding model cannot be loaded offline."""


class UnknownDocument(IndexError_):
    """A document id that is not in the index."""
