"""One writer per data directory: a file lock across processes, a re-entrant lock across threads."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from index.errors import IndexBusy

log = logging.getLogger(__name__)


class WriteLock:
    """Held while the index is written (ingest, remove, reindex, repair); readers never take it."""

    def __init__(self, path: Path, wait_seconds: float, on_wait: Callable[[str], None] | None = None) -> None:
        self.path = path
        self.wait_seconds = wait_seconds
        self.on_wait = on_wait or log.warning
        self._threads = threading.RLock()
        self._depth = 0

    @property
    def _owner_file(self) -> Path:
        return self.path.with_name(self.path.name + ".owner")

    def _owner(self) -> str:
        try:
            return f"pid {self._owner_file.read_text().strip()}"
        except OSError:
            return "another process"

    @contextlib.contextmanager
    def hold(self, wait: bool = True) -> Iterator[None]:
        """Hold the lock for the block; wait for another writer (up to `wait_seconds`) or fail at once."""
        from filelock import FileLock, Timeout

        if not self._threads.acquire(blocking=wait, timeout=self.wait_seconds if wait else -1):
            raise IndexBusy(f"The index in {self.path.parent} is being written by another thread of this process.")
        try:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(self.path), thread_local=False)
            try:
                lock.acquire(timeout=0)
            except Timeout:
                owner = self._owner()
                if not wait:
                    raise IndexBusy(
                        f"askdocs ({owner}) is writing to {self.path.parent}: try again when it has finished, "
                        "or leave out --no-wait to wait for it."
                    ) from None
                self.on_wait(f"waiting for askdocs ({owner}) to finish writing to {self.path.parent} …")
                try:
                    lock.acquire(timeout=self.wait_seconds)
                except Timeout:
                    raise IndexBusy(
                        f"askdocs ({owner}) has been writing to {self.path.parent} for over {self.wait_seconds:g} s; "
                        "try again later (ASKDOCS_WRITE_WAIT sets how long to wait)."
                    ) from None
            self._owner_file.write_text(str(os.getpid()))
            self._depth = 1
            try:
                yield
            finally:
                self._depth = 0
                lock.release()
        finally:
            self._threads.release()
