"""`askdocs serve` (the web chat, the HTTP API and the MCP endpoint, on one port) and `askdocs mcp` (stdio)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import click

from ui.cli import main
from ui.cli.common import State, handle_errors, pass_state

AUTH_ENV = "ASKDOCS_WEB_AUTH"


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """`user:password` as Gradio's (user, password); None when unset."""
    if not value:
        return None
    user, colon, password = value.partition(":")
    if not colon or not user or not password:
        raise click.BadParameter(f"expected USER:PASSWORD (from --auth or {AUTH_ENV})", param_hint="--auth")
    return user, password


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def exposure_warnings(host: str, web_login: bool, api_key: bool) -> list[str]:
    """What is open to anyone who can reach `host` (nothing is, on the loopback interface)."""
    if _is_loopback(host):
        return []
    warnings = []
    if not web_login:
        warnings.append(f"serving on {host} without --auth: anyone who can reach it can use the web chat and change the index")
    if not api_key:
        warnings.append(f"serving on {host} without ASKDOCS_API_KEY: anyone who can reach it can use the API (/v1, /mcp)")
    return warnings


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; 0.0.0.0 exposes the server to the network.")
@click.option("--port", type=click.IntRange(1, 65535), default=7860, show_default=True, help="Port to listen on.")
@click.option("--auth", metavar="USER:PASSWORD", help=f"Require this login for the web chat [env {AUTH_ENV}].")
@click.option(
    "--feedback-file", type=click.Path(path_type=Path),
    help="Test set (JSONL) that thumbs-down answers are saved to [env ASKDOCS_WEB_FEEDBACK_FILE; default DATA_DIR/testsets/feedback.jsonl].",
)
@click.option(
    "--testsets", type=click.Path(path_type=Path, file_okay=False),
    help="Folder of test sets offered in the Evaluation tab [env ASKDOCS_WEB_TESTSETS; default DATA_DIR/testsets].",
)
@pass_state
@handle_errors
def serve(state: State, host: str, port: int, auth: str | None, feedback_file: Path | None, testsets: Path | None) -> None:
    """Start the server: the web chat at /, the HTTP API at /v1, MCP at /mcp.

    The API's documentation is at /docs. With ASKDOCS_API_KEY set (one key, or several separated
    by commas), every /v1 and /mcp request needs `Authorization: Bearer KEY`; the web chat's
    login (--auth) is separate.

    \b
    Examples:
      askdocs serve                          # http://127.0.0.1:7860
      askdocs serve --port 8080
      ASKDOCS_WEB_AUTH=me:secret ASKDOCS_API_KEY=k1,k2 askdocs serve --host 0.0.0.0
    """
    # Paths given on the command line are relative to where the command runs.
    settings = state.settings(
        web_feedback_file=feedback_file.resolve() if feedback_file else None,
        web_testsets=testsets.resolve() if testsets else None,
    )
    secret = settings.web.web_auth.get_secret_value() if settings.web.web_auth else None
    login = parse_auth(auth or secret)
    for warning in exposure_warnings(host, login is not None, bool(settings.api.keys())):
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    from ui.server import run

    library = state.library()
    collection = state.collection()
    click.echo(
        f"askdocs on http://{host}:{port} ({len(collection.retriever.documents())} documents): web chat at /, API at /v1 "
        f"(docs at /docs), MCP at /mcp; Ctrl-C stops it."
    )
    run(settings, library, host=host, port=port, web_auth=login, verbose=state.verbose)


@main.command()
@pass_state
@handle_errors
def mcp(state: State) -> None:
    """Serve the documents to an MCP client over stdio (tools: search, ask, list_documents, get_passage).

    An MCP client starts this command itself; see the README for a client configuration.
    Over HTTP, `askdocs serve` offers the same tools at /mcp.

    \b
    Examples (what a client runs):
      askdocs mcp
      askdocs --data-dir ~/askdocs-data --collection papers mcp
    """
    from ui.api.service import Service
    from ui.api.tools import build

    settings = state.settings()
    service = Service(settings, state.library())
    service.start()
    try:
        build(service).run("stdio")
    finally:
        service.close()
