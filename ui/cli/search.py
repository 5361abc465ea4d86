"""`askdocs search`: ranked passages for a query, with their scores."""

from __future__ import annotations

import textwrap

import click

from ui.cli import main
from ui import render
from ui.cli.common import State, handle_errors, pass_state, print_json


@main.command()
@click.argument("query")
@click.option("-k", "top_k", type=click.IntRange(1, 100), help="How many passages [default: top_k setting, 5].")
@click.option("--doc", "doc_ids", multiple=True, help="Only search this document (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of passages.")
@pass_state
@handle_errors
def search(state: State, query: str, top_k: int | None, doc_ids: tuple[str, ...], as_json: bool) -> None:
    """Find the passages that best match QUERY (dense + keyword, fused).

    \b
    Example:
      askdocs search "Who supports the E-VIDENCE project?" -k 3 --json
    """
    if not query.strip():
        raise click.UsageError("the query is empty: say what to search for")
    passages = state.collection().retriever.search(query, top_k, list(doc_ids) or None)
    if as_json:
        print_json([p.as_dict() for p in passages])
        return
    if not passages:
        click.echo("No passages found. Is anything ingested? (`askdocs docs`)")
    for rank, passage in enumerate(passages, start=1):
        where = render.where(passage.start, passage.end, passage.page, passage.label)
        click.secho(f"{rank}. {passage.doc_id}  ({where})  score {passage.score:.3f}", bold=True)
        click.echo(textwrap.indent(textwrap.fill(passage.text[:600], 96), "   "))
