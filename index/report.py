"""What a change to the index did, per document: the `ingest --json` contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Status = Literal["added", "updated", "unchanged", "removed", "failed", "skipped"]
STATUSES: tuple[Status, ...] = ("added", "updated", "unchanged", "removed", "failed", "skipped")


@dataclass(frozen=True)
class Outcome:
    """What ingesting one document did."""

    source: str
    status: Status
    chunks: int = 0
    embedded: int = 0
    reason: str | None = None
    path: str | None = None
    ocr_pages: tuple[int, ...] = ()  # pages whose text was recognised from their image

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "status": self.status,
            "chunks": self.chunks,
            "embedded": self.embedded,
            "reason": self.reason,
            "path": self.path,
            "ocr_pages": list(self.ocr_pages),
        }


@dataclass
class IngestReport:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def embedded(self) -> int:
        return sum(o.embedded for o in self.outcomes)

    @property
    def chunks(self) -> int:
        """The chunks the ingested documents hold now, embedded by this ingest or before."""
        return sum(o.chunks for o in self.outcomes if o.status in ("added", "updated", "unchanged"))

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> int:
        return self.count("failed")

    def sort(self) -> None:
        """Changes first, then unchanged documents, each by document id."""
        self.outcomes.sort(key=lambda o: (o.status == "unchanged", o.source))

    def as_dict(self) -> dict[str, object]:
        return {
            "documents": [o.as_dict() for o in self.outcomes],
            "embedded": self.embedded,
            "counts": {s: self.count(s) for s in STATUSES},
            "seconds": round(self.seconds, 3),
        }
