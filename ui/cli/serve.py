"""The web chat: `askdocs serve` starts the Gradio app (Chat, Documents, Evaluation) on this machine."""

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


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; 0.0.0.0 exposes the chat to the network.")
@click.option("--port", type=click.IntRange(1, 65535), default=7860, show_default=True, help="Port to listen on.")
@click.option("--auth", metavar="USER:PASSWORD", help=f"Require this login [env {AUTH_ENV}].")
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
    """Start the web chat: streaming cited answers, document upload, evaluation runs.

    \b
    Examples:
      askdocs serve                          # http://127.0.0.1:7860
      askdocs serve --port 8080
      ASKDOCS_WEB_AUTH=me:secret askdocs serve --host 0.0.0.0
    """
    # Paths given on the command line are relative to where the command runs.
    settings = state.settings(
        web_feedback_file=feedback_file.resolve() if feedback_file else None,
        web_testsets=testsets.resolve() if testsets else None,
    )
    secret = settings.web.web_auth.get_secret_value() if settings.web.web_auth else None
    login = parse_auth(auth or secret)
    if not _is_loopback(host) and login is None:
        click.secho(f"warning: serving on {host} without --auth: anyone who can reach it can read and change the index", fg="yellow", err=True)
    from ui.web import launch

    collection = state.collection()
    click.echo(f"askdocs web chat on http://{host}:{port} ({len(collection.retriever.documents())} documents); Ctrl-C stops it.")
    launch(settings, state.library(), host=host, port=port, auth=login)
