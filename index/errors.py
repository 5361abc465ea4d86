"""Errors of the index layer, each saying what is wrong and what to run."""

from __future__ import annotations

from ingest.errors import AskdocsError, Conflict, NotFound, Unavailable


class EmbeddingModelMismatch(Conflict):
    """The index was built with another embedding model than the one configured."""

    def __init__(self, where: str, built_with: str, built_dim: int | None, configured: str, dim: int) -> None:
        super().__init__(
            f"The index in {where} was built with embedding model '{built_with}' ({built_dim} dimensions), "
            f"but '{configured}' ({dim} dimensions) is configured. Its vectors cannot be compared. "
            f"Run `askdocs reindex` to rebuild the index with '{configured}', "
            f"or configure the model it was built with ({built_with}: ASKDOCS_EMBED_MODEL, and "
            "ASKDOCS_EMBED_BACKEND when it names one) to keep using it."
        )
        self.built_with = built_with
        self.configured = configured


class ChromaUnavailable(Unavailable):
    """The configured Chroma server cannot be reached."""


class EmbeddingModelNotFound(Unavailable):
    """The configured embedding model cannot be loaded offline."""


class EmbeddingServiceUnavailable(Unavailable):
    """The configured embeddings service cannot be reached, or refuses the request."""


class UnknownDocument(NotFound):
    """A document id that is not in the index."""


class IndexBusy(Conflict):
    """Another process is writing to the same data directory and waiting was not allowed."""


class IndexDamaged(AskdocsError):
    """The catalog, the keyword index and Chroma disagree in a way `askdocs doctor --repair` cannot fix."""


class UnknownCollection(NotFound):
    """A collection name that the data directory does not have."""


class CollectionExists(Conflict):
    """A collection name already in use."""
