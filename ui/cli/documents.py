"""Document commands: ingest (once or watching), docs, remove, reindex."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ui.cli import main
from ui.cli.common import EXIT_PARTIAL, State, handle_errors, pass_state, print_json, stderr_is_tty

if TYPE_CHECKING:
    from index.indexer import IngestReport

_COLOURS = {"added": "green", "updated": "cyan", "removed": "yellow", "failed": "red", "skipped": "white"}


def _print_report(report: IngestReport, verbose: bool) -> None:
    for outcome in report.outcomes:
        if outcome.status == "unchanged" and not verbose:
            continue
        label = click.style(f"{outcome.status:<9}", fg=_COLOURS.get(outcome.status))
        if outcome.reason:
            click.echo(f"{label} {outcome.source}: {outcome.reason}", err=outcome.status == "failed")
        elif outcome.status == "removed":
            click.echo(f"{label} {outcome.source} ({outcome.chunks} chunks)")
        else:
            click.echo(f"{label} {outcome.source} ({outcome.chunks} chunks, {outcome.embedded} embedded)")
    counts = ", ".join(f"{report.count(s)} {s}" for s in ("added", "updated", "unchanged", "removed", "failed", "skipped"))
    click.echo(f"{counts}; {report.embedded} chunks embedded in {report.seconds:.1f} s")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--watch", is_flag=True, help="Keep watching the folder(s) and apply changes as they happen.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report (one object per run).")
@pass_state
@handle_errors
def ingest(state: State, paths: tuple[Path, ...], watch: bool, as_json: bool) -> None:
    """Ingest files and folders (recursively): .txt .md .html .pdf .docx.

    Unchanged files are not embedded again; changed ones replace their own chunks; files gone
    from an ingested folder are removed. Bad files are skipped with a reason and the exit
    status is 1.

    \b
    Examples:
      askdocs ingest corpus/
      askdocs ingest report.pdf notes/ --json
      askdocs ingest --watch ~/papers
    """
    index = state.index()
    report = index.ingest(list(paths), progress=stderr_is_tty() and not as_json)
    if as_json:
        print_json(report.as_dict())
    else:
        _print_report(report, state.verbose > 0)
    if not watch:
        sys.exit(EXIT_PARTIAL if report.failed else 0)
    folders = [p for p in paths if p.is_dir()]
    if len(folders) != 1:
        raise click.UsageError("--watch takes exactly one folder")
    from index.watch import watch as watch_folder

    try:
        for number, change in enumerate(watch_folder(index, folders[0])):
            if as_json:
                click.echo(json.dumps(change.as_dict(), ensure_ascii=False))
            elif number or any(o.status != "unchanged" for o in change.outcomes):
                _print_report(change, state.verbose > 0)
            if number == 0 and not as_json:
                click.echo(f"watching {folders[0]} (Ctrl-C to stop)")
    except KeyboardInterrupt:
        pass


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@pass_state
@handle_errors
def docs(state: State, as_json: bool) -> None:
    """List ingested documents with their chunk counts and when they were ingested."""
    from index.catalog import Catalog

    catalog = Catalog(state.settings().catalog_path)
    records = catalog.documents()
    if as_json:
        print_json(
            [
                {
                    "source": r.doc_id,
                    "title": r.title,
                    "path": r.path,
                    "kind": r.kind,
                    "chunks": r.n_chunks,
                    "pages": r.pages,
                    "ingested_at": _iso(r.ingested_at),
                    "updated_at": _iso(r.updated_at),
                }
                for r in records
            ]
        )
        return
    if not records:
        click.echo("No documents yet: `askdocs ingest PATH` adds some.")
        return
    width = max(len(r.doc_id) for r in records)
    click.secho(f"{'document':<{width}}  chunks  ingested             title", bold=True)
    for r in records:
        click.echo(f"{r.doc_id:<{width}}  {r.n_chunks:>6}  {_local(r.updated_at)}  {r.title[:60]}")
    click.echo(f"{len(records)} documents, {sum(r.n_chunks for r in records)} chunks")


@main.command()
@click.argument("doc")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report.")
@pass_state
@handle_errors
def remove(state: State, doc: str, as_json: bool) -> None:
    """Remove document DOC (its id as `askdocs docs` shows it) from the index.

    \b
    Example:
      askdocs remove 000_92d15d5cd8394714.txt
    """
    report = state.index().remove(doc)
    if as_json:
        print_json(report.as_dict())
    else:
        _print_report(report, state.verbose > 0)


@main.command()
@pass_state
@handle_errors
def reindex(state: State) -> None:
    """Re-embed every chunk with the configured embedding model (after changing ASKDOCS_EMBED_MODEL)."""
    count = state.index(check_model=False).reindex(progress=stderr_is_tty())
    click.echo(f"re-embedded {count} chunks with {state.index().embedder.name}")


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.timezone.utc).isoformat(timespec="seconds")


def _local(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")
