"""The `askdocs` command. Commands are grouped by noun, one module each; heavy imports stay lazy."""

from __future__ import annotations

from pathlib import Path

import click

from ui.cli.common import State


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--data-dir", type=click.Path(path_type=Path), help="Where the index lives [env ASKDOCS_DATA_DIR; default ./.askdocs].")
@click.option("--chroma-url", help="Use a Chroma server, e.g. http://127.0.0.1:8000 [env ASKDOCS_CHROMA_URL].")
@click.option("-c", "--collection", metavar="NAME", help="Which collection of documents [env ASKDOCS_COLLECTION; default: default].")
@click.option("--config", type=click.Path(path_type=Path), help="TOML config file [env ASKDOCS_CONFIG; default ./askdocs.toml].")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="askdocs")
@click.pass_context
def main(
    ctx: click.Context, data_dir: Path | None, chroma_url: str | None, collection: str | None, config: Path | None, verbose: int
) -> None:
    """Ask your documents: ingest files, search them, get cited answers.

    \b
    Examples:
      askdocs ingest corpus/            # add, update and remove to match the folder
      askdocs search "Budapest Convention" -k 3
      askdocs ask "Who supports the E-VIDENCE project?"
      askdocs --collection papers ingest ~/papers   # a separate set of documents
      askdocs chat

    Exit status: 0 done; 1 some inputs failed (files not ingested, damage left by `doctor`);
    2 usage or fatal error; 3 an evaluation fell below a --fail-under floor.
    """
    from ui.runtime import configure

    configure(verbose)
    overrides = {"data_dir": data_dir, "chroma_url": chroma_url, "collection": collection}
    ctx.obj = State(config=config, overrides=overrides, verbose=verbose)


from ui.cli import ask, collections, documents, evaluate, search, serve  # noqa: E402  (commands register on `main`)

__all__ = ["main", "ask", "collections", "documents", "evaluate", "search", "serve"]
