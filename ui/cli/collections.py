"""`askdocs collections`: list, create, rename and delete the collections of the data directory."""

from __future__ import annotations

import click
from click_default_group import DefaultGroup

from ui.cli import main
from ui.cli.common import State, handle_errors, pass_state, print_json


@main.group(cls=DefaultGroup, default="list", default_if_no_args=True)
def collections() -> None:
    """Collections: separate sets of documents, each with its own index. Pick one with --collection.

    \b
    Examples:
      askdocs collections
      askdocs collections create papers
      askdocs --collection papers ingest ~/papers
      askdocs --collection papers ask "What did the 2023 trial find?"
    """


@collections.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@pass_state
@handle_errors
def list_collections(state: State, as_json: bool) -> None:
    """List the collections with their document and chunk counts.

    \b
    Example:
      askdocs collections list --json
    """
    found = state.library(embeds=False).info()
    if as_json:
        print_json([c.as_dict() for c in found])
        return
    width = max(len(c.name) for c in found)
    click.secho(f"{'collection':<{width}}  documents  chunks", bold=True)
    for c in found:
        click.echo(f"{c.name:<{width}}  {c.documents:>9}  {c.chunks:>6}")


@collections.command()
@click.argument("name")
@pass_state
@handle_errors
def create(state: State, name: str) -> None:
    """Create an empty collection NAME (ingesting into a new name creates it too).

    \b
    Example:
      askdocs collections create papers
    """
    state.library(embeds=False).create(name)
    click.echo(f"created collection {name}")


@collections.command()
@click.argument("old")
@click.argument("new")
@pass_state
@handle_errors
def rename(state: State, old: str, new: str) -> None:
    """Rename collection OLD to NEW; its documents and vectors stay as they are.

    \b
    Example:
      askdocs collections rename papers papers-2025
    """
    state.library(embeds=False).rename(old, new)
    click.echo(f"renamed collection {old} to {new}")


@collections.command()
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
@handle_errors
def delete(state: State, name: str, yes: bool) -> None:
    """Delete collection NAME and everything of it: documents, vectors, uploads, evaluation runs, answer log.

    \b
    Example:
      askdocs collections delete papers --yes
    """
    library = state.library(embeds=False)
    if not yes:
        count = len(library.open(name, check_model=False).retriever.documents())
        click.confirm(f"Delete collection {name} and its {count} documents?", abort=True)
    library.delete(name)
    click.echo(f"deleted collection {name}")
