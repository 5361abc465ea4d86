"""Finding the files to ingest: folders are walked recursively; hidden and ignored entries are left out.

What a folder leaves out follows gitignore's rules: built-in defaults (test sets, dependency and
cache folders, editor and office lock files), then the patterns of a `.askdocsignore` file at the
folder's top, which may add more or take a default back with `!` (`!testsets/`). A file named
explicitly on the command line is always read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ingest.readers import is_supported


@dataclass(frozen=True)
class Target:
    """Files to ingest under one root; document ids are paths relative to that root.

    `sweep` is set when the root is a folder ingested whole: its documents that are no longer
    there are removed from the index.
    """

    root: Path
    files: tuple[Path, ...]
    sweep: bool
    skipped: tuple[Path, ...] = field(default=())


IGNORE_FILE = ".askdocsignore"
# Left out of every folder unless its .askdocsignore takes them back with "!": evaluation test sets
# kept beside the documents, dependency and cache folders, lock and swap files of editors and Office.
DEFAULT_IGNORES = ("testsets/", "node_modules/", "__pycache__/", "~$*", "*.swp", "*.tmp", "Thumbs.db", "desktop.ini")


def doc_id_for(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


class Ignore:
    """Which paths under a folder are left out: the defaults, then the folder's .askdocsignore."""

    def __init__(self, root: Path) -> None:
        import pathspec

        lines = list(DEFAULT_IGNORES)
        own = root / IGNORE_FILE
        if own.is_file():
            lines += own.read_text(encoding="utf-8", errors="replace").splitlines()
        self.root = root
        self._spec = pathspec.PathSpec.from_lines("gitwildmatch", lines)

    def __call__(self, path: Path, is_dir: bool = False) -> bool:
        """Whether `path` (under the root) is left out: hidden, or matched by the patterns."""
        relative = path.relative_to(self.root)
        if any(part.startswith(".") for part in relative.parts):
            return True
        return self._spec.match_file(relative.as_posix() + ("/" if is_dir else ""))


def walk(folder: Path) -> tuple[list[Path], list[Path]]:
    """Supported files under `folder` (sorted) and the unsupported ones, leaving out hidden and ignored entries."""
    ignored = Ignore(folder)
    supported: list[Path] = []
    unsupported: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not ignored(here / d, is_dir=True))
        for name in sorted(filenames):
            path = here / name
            if ignored(path):
                continue
            (supported if is_supported(path) else unsupported).append(path)
    return supported, unsupported


def targets_for(paths: list[Path]) -> tuple[list[Target], list[Path]]:
    """Targets for the given files and folders, and the paths that do not exist."""
    targets: list[Target] = []
    missing: list[Path] = []
    for raw in paths:
        path = Path(os.path.abspath(raw.expanduser()))
        if path.is_dir():
            files, unsupported = walk(path)
            targets.append(Target(root=path, files=tuple(files), sweep=True, skipped=tuple(unsupported)))
        elif path.exists() or path.is_symlink():
            targets.append(Target(root=path.parent, files=(path,), sweep=False))
        else:
            missing.append(path)
    return targets, missing
