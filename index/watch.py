"""Keeping a folder in sync: each batch of file-system changes is applied as it settles."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from index.indexer import Index, IngestReport


def watch(index: Index, root: Path, stop: threading.Event | None = None, debounce_ms: int = 800) -> Iterator[IngestReport]:
    """Yield one report per batch of changes under `root` (added, changed, deleted files)."""
    from watchfiles import watch as watch_files

    root = root.resolve()
    for changes in watch_files(root, debounce=debounce_ms, stop_event=stop, recursive=True, raise_interrupt=False):
        report = index.sync_changes(root, (Path(path) for _, path in changes))
        if report.outcomes:
            yield report
