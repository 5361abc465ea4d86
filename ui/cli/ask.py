"""Answer commands: ask (one question), chat (a conversation in the terminal), history (the answer log)."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ui.cli import main
from ui import render
from ui.cli.common import State, handle_errors, pass_state, print_json

if TYPE_CHECKING:
    from assistant.models import Answer

ANSWERERS = click.Choice(["extractive", "llm"])


def print_answer(answer: Answer) -> None:
    """The answer, then its numbered sources with the supporting quote."""
    click.echo(textwrap.fill(answer.text, 100))
    if answer.refused:
        if answer.related:
            click.secho("\nRelated passages (they do not answer the question):", dim=True)
            for passage in answer.related:
                click.secho(f"  - {passage.source}: {passage.text[:160]}…", dim=True)
        return
    click.echo()
    for citation in answer.citations:
        where = render.where(citation.start, citation.end, citation.page, citation.label)
        click.secho(f"[{citation.n}] {citation.source} ({where}) — {citation.title}", bold=True)
        click.echo(textwrap.indent(textwrap.fill(f"“{citation.quote}”", 96), "    "))


@main.command()
@click.argument("question")
@click.option("--answerer", type=ANSWERERS, help="extractive (no LLM) or llm [default: answerer setting].")
@click.option("-k", "top_k", type=click.IntRange(1, 100), help="Passages to retrieve.")
@click.option("--doc", "doc_ids", multiple=True, help="Only answer from this document (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@pass_state
@handle_errors
def ask(state: State, question: str, answerer: str | None, top_k: int | None, doc_ids: tuple[str, ...], as_json: bool) -> None:
    """Answer QUESTION from the documents, citing the passages; say so when they do not hold the answer.

    \b
    Examples:
      askdocs ask "Who supports the E-VIDENCE project?"
      askdocs ask "Which law is Kyrgyzstan drafting?" --json
      askdocs ask "Who financed the Astana meeting?" --answerer llm
    """
    answer = state.assistant(answerer=answerer).answer(question, k=top_k, doc_ids=list(doc_ids) or None)
    if as_json:
        print_json(answer.as_json())
    else:
        print_answer(answer)


@main.command()
@click.option("--answerer", type=ANSWERERS, help="extractive (no LLM) or llm [default: answerer setting].")
@click.option("-k", "top_k", type=click.IntRange(1, 100), help="Passages to retrieve.")
@pass_state
@handle_errors
def chat(state: State, answerer: str | None, top_k: int | None) -> None:
    """Talk with your documents: follow-up questions use the conversation so far.

    Type a question and press Enter; `/new` starts a new conversation, `/quit` (or Ctrl-D) leaves.

    \b
    Examples:
      askdocs chat
      askdocs chat --answerer llm -k 3
    """
    from assistant.models import Turn

    assistant = state.assistant(answerer=answerer)
    count = len(assistant.retriever.documents())
    click.secho(f"askdocs chat: {count} documents. /new starts over, /quit leaves.", bold=True)
    history: list[Turn] = []
    while True:
        try:
            question = click.prompt(click.style("\nyou", fg="green"), prompt_suffix="> ").strip()
        except (EOFError, click.Abort):
            click.echo()
            return
        if not sys.stdin.isatty():  # piped input is not echoed: show it, so the answer starts on its own line
            click.echo(question)
        if question in ("/quit", "/exit"):
            return
        if question == "/new":
            history = []
            click.echo("(new conversation)")
            continue
        if not question:
            continue
        answer = assistant.answer(question, history, k=top_k)
        print_answer(answer)
        history += [Turn(role="user", content=question), Turn(role="assistant", content=answer.text)]


@main.group(invoke_without_command=True)
@click.option("-n", "limit", type=click.IntRange(1, 10_000), default=20, show_default=True, help="How many recent answers.")
@click.option("--json", "as_json", is_flag=True, help="Print the log entries (with traces) as JSON.")
@click.pass_context
@handle_errors
def history(ctx: click.Context, limit: int, as_json: bool) -> None:
    """The answer log: every answer with its provenance trace.

    \b
    Examples:
      askdocs history -n 5
      askdocs history export 3f2a9c1d0b7e --out corpus/testsets/regressions.jsonl
    """
    if ctx.invoked_subcommand:
        return
    from ui.cli.common import answer_log

    state: State = ctx.obj
    entries = answer_log(state.collection(embeds=False)).entries(limit)
    if as_json:
        print_json(entries)
        return
    if not entries:
        click.echo("No answers logged yet.")
    for entry in entries:
        mark = "refused" if entry["refused"] else f"{len(entry['citations'])} citations"
        click.echo(f"{entry['id']}  {entry['answerer']:<10} {mark:<12} {entry['question'][:70]}")


@history.command("export")
@click.argument("ids", nargs=-1, required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Test set (JSONL) to append to.")
@click.option("--unanswerable", is_flag=True, help="Mark the cases as questions the documents cannot answer.")
@pass_state
@handle_errors
def export(state: State, ids: tuple[str, ...], out: Path, unanswerable: bool) -> None:
    """Append logged answers IDS to a test set, as cases to review and keep.

    \b
    Example:
      askdocs history export 3f2a9c1d0b7e --out corpus/testsets/regressions.jsonl
    """
    from assistant.history import as_test_case
    from ui.cli.common import answer_log

    entries = answer_log(state.collection(embeds=False)).find(ids)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as handle:
        for entry in entries:
            case = as_test_case(entry, answerable=False if unanswerable else None)
            handle.write(json.dumps(case, ensure_ascii=False) + "\n")
    click.echo(f"appended {len(entries)} cases to {out}")
