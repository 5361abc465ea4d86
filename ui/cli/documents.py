"""Document commands: ingest (once or watching), docs, remove, reindex, doctor."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ui.cli import main
from ui.cli.common import EXIT_OK, EXIT_PARTIAL, State, handle_errors, pass_state, print_json, stderr_is_tty

if TYPE_CHECKING:
    from index.report import IngestReport

_COLOURS = {"added": "green", "updated": "cyan", "removed": "yellow", "failed": "red", "skipped": "white"}
NO_WAIT = click.option(
    "--no-wait", is_flag=True, help="Stop at once (exit 2) if another askdocs process is writing to the index."
)


def _print_report(report: IngestReport, verbose: bool) -> None:
    from index.report import STATUSES

    for outcome in report.outcomes:
        if outcome.status == "unchanged" and not verbose:
            continue
        label = click.style(f"{outcome.status:<9}", fg=_COLOURS.get(outcome.status))
        if outcome.reason:
            click.echo(f"{label} {outcome.source}: {outcome.reason}", err=outcome.status == "failed")
        elif outcome.status == "removed":
            click.echo(f"{label} {outcome.source} ({outcome.chunks} chunks)")
        else:
            ocr = f"; text of page {', '.join(map(str, outcome.ocr_pages))} read by OCR" if outcome.ocr_pages else ""
            click.echo(f"{label} {outcome.source} ({outcome.chunks} chunks, {outcome.embedded} embedded{ocr})")
    counts = ", ".join(f"{report.count(s)} {s}" for s in STATUSES)
    click.echo(f"{counts}; {report.embedded} chunks embedded in {report.seconds:.1f} s")


class _IngestCommand(click.Command):
    """`ingest`, whose help lists the supported file types from the readers themselves (read only when shown)."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from ingest.readers import SUPPORTED_SUFFIXES

        self.help = (self.help or "").replace("{formats}", " ".join(sorted(SUPPORTED_SUFFIXES)))
        super().format_help_text(ctx, formatter)


@main.command(cls=_IngestCommand, short_help="Ingest files and folders (recursively), keeping the index in step.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--watch", is_flag=True, help="Keep watching the folder(s) and apply changes as they happen.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report (one object per run).")
@NO_WAIT
@pass_state
@handle_errors
def ingest(state: State, paths: tuple[Path, ...], watch: bool, as_json: bool, no_wait: bool) -> None:
    """Ingest files and folders (recursively): {formats}

    Unchanged files are not embedded again; changed ones replace their own chunks; files gone
    from an ingested folder are removed. Bad files are skipped with a reason and the exit
    status is 1. An interrupted ingest is completed by the next one. Hidden files, test sets
    (testsets/) and what a folder's .askdocsignore names (gitignore rules) are left out.

    \b
    Examples:
      askdocs ingest corpus/
      askdocs ingest report.pdf notes/ --json
      askdocs ingest --watch ~/papers
    """
    if watch and (len(paths) != 1 or not paths[0].is_dir()):
        raise click.UsageError("--watch takes exactly one folder")
    collection = state.collection(create=True)
    report = collection.ingest(list(paths), progress=stderr_is_tty() and not as_json, wait=not no_wait)
    if as_json:
        print_json(report.as_dict())
    else:
        _print_report(report, state.verbose > 0)
    if not watch:
        sys.exit(EXIT_PARTIAL if report.failed else EXIT_OK)
    from index.watch import watch as watch_folder

    try:
        for number, change in enumerate(watch_folder(collection, paths[0])):
            if as_json:
                click.echo(json.dumps(change.as_dict(), ensure_ascii=False))
            elif number or any(o.status != "unchanged" for o in change.outcomes):
                _print_report(change, state.verbose > 0)
            if number == 0 and not as_json:
                click.echo(f"watching {paths[0]} (Ctrl-C to stop)")
    except KeyboardInterrupt:
        pass


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@pass_state
@handle_errors
def docs(state: State, as_json: bool) -> None:
    """List ingested documents with their chunk counts and when they were ingested.

    \b
    Examples:
      askdocs docs
      askdocs docs --json
    """
    records = state.collection(embeds=False).retriever.documents()
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
        click.echo(f"{r.doc_id:<{width}}  {r.n_chunks:>6}  {_local(r.updated_at)}  {clip(r.title, 60)}")
    click.echo(f"{len(records)} documents, {sum(r.n_chunks for r in records)} chunks")


@main.command()
@click.argument("doc")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report.")
@NO_WAIT
@pass_state
@handle_errors
def remove(state: State, doc: str, as_json: bool, no_wait: bool) -> None:
    """Remove document DOC (its id as `askdocs docs` shows it, or its path) from the index.

    \b
    Examples:
      askdocs remove 000_92d15d5cd8394714.txt
      askdocs remove ~/papers/old-draft.pdf --json
    """
    report = state.collection().remove(doc, wait=not no_wait)
    if as_json:
        print_json(report.as_dict())
    else:
        _print_report(report, state.verbose > 0)


@main.command()
@NO_WAIT
@pass_state
@handle_errors
def reindex(state: State, no_wait: bool) -> None:
    """Re-embed every chunk with the configured embedding model (after changing ASKDOCS_EMBED_MODEL).

    The new vectors go into a new collection; searches keep using the old one until it is complete.

    \b
    Example:
      ASKDOCS_EMBED_MODEL=/models/bge-small askdocs reindex
    """
    collection = state.collection(check_model=False)
    count = collection.reindex(progress=stderr_is_tty(), wait=not no_wait)
    click.echo(f"re-embedded {count} chunks with {collection.embedder.name}")


@main.command()
@click.option("--repair", is_flag=True, help="Fix what can be fixed (orphan or missing vectors, the keyword index, ...).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@pass_state
@handle_errors
def doctor(state: State, repair: bool, as_json: bool) -> None:
    """Check that the catalog, the keyword index and Chroma agree; with --repair, fix what they do not.

    Exit status 1 when damage remains.

    \b
    Examples:
      askdocs doctor
      askdocs doctor --repair --json
    """
    from index import doctor as checks

    collection = state.collection(check_model=False, embeds=repair)
    diagnosis = checks.repair(collection) if repair else checks.check(collection)
    if as_json:
        print_json(diagnosis.as_dict())
    else:
        for line in diagnosis.repaired:
            click.secho(f"repaired  {line}", fg="cyan")
        for finding in diagnosis.findings:
            mark = click.style("ok     " if finding.ok else "PROBLEM", fg="green" if finding.ok else "red")
            click.echo(f"{mark}  {finding.name}: {finding.detail}")
        if not diagnosis.ok and not repair:
            click.echo("run `askdocs doctor --repair` to fix what can be fixed")
    sys.exit(EXIT_OK if diagnosis.ok else EXIT_PARTIAL)


def clip(text: str, width: int) -> str:
    """`text` cut to `width` characters, an ellipsis showing where."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.timezone.utc).isoformat(timespec="seconds")


def _local(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")
