"""Finding the files to ingest: folders are walked recursively; hidden files and folders are skipped."""

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


def doc_id_for(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def walk(folder: Path) -> tuple[list[Path], list[Path]]:
    """Supported files under `folder` (sorted) and the unsupported ones, leaving out hidden entries."""
    supported: list[Path] = []
    unsupported: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
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
