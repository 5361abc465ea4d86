"""Keeping a folder in sync: each batch of file-system changes is applied as it settles."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from index.collection import Collection
from index.report import IngestReport


def watch(collection: Collection, root: Path, stop: threading.Event | None = None, debounce_ms: int = 800) -> Iterator[IngestReport]:
    """Yield a report per batch of changes under `root` (added, changed, deleted files).

    The first report comes once the watcher is running: a catch-up pass over the whole folder,
    so nothing that changed between the initial ingest and the watch starting is missed.
    """
    from watchfiles import watch as watch_files

    root = root.resolve()
    ready = False
    for changes in watch_files(
        root, debounce=debounce_ms, stop_event=stop, recursive=True, raise_interrupt=False,
        yield_on_timeout=True, rust_timeout=1000,
    ):
        if not ready:
            ready = True
            yield collection.ingest([root])
        if not changes:
            continue
        report = collection.sync(root, _with_new_folders(Path(path) for _, path in changes))
        if report.outcomes:
            yield report


def _with_new_folders(paths: Iterator[Path]) -> set[Path]:
    """Changed paths, plus the files inside changed folders (created before their watch existed)."""
    expanded: set[Path] = set()
    for path in paths:
        expanded.add(path)
        if path.is_dir():
            expanded.update(p for p in path.rglob("*") if p.is_file())
    return expanded
