"""What every command shares: the settings, the collection, JSON output, and errors as exit codes.

Exit codes: 0 success; 1 the command ran but some inputs failed (files that could not be ingested,
damage `doctor` did not repair); 2 usage or fatal error (bad arguments or settings, an unreachable
server, an unknown document); 3 an evaluation fell below a `--fail-under` floor.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from assistant.answer import Assistant
    from index.collection import Collection
    from index.library import Library
    from ui.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_PARTIAL = 1  # the command ran, but some inputs failed
EXIT_FATAL = 2  # usage error, bad settings, a service down: nothing was done
EXIT_GATE = 3  # an evaluation metric is below its --fail-under floor


class Fatal(click.ClickException):
    """One line on stderr, exit status 2."""

    exit_code = EXIT_FATAL


@dataclass
class State:
    config: Path | None
    overrides: dict[str, Any]
    verbose: int = 0
    _settings: Settings | None = field(default=None, repr=False)
    _library: Library | None = field(default=None, repr=False)

    def settings(self, **overrides: Any) -> Settings:
        """The settings; `overrides` (flat names, None = not given) rebuild them for this command."""
        overrides = {key: value for key, value in overrides.items() if value is not None}
        if self._settings is None or overrides:
            from ui.settings import load_settings

            self._settings = load_settings(self.config, **self.overrides, **overrides)
        return self._settings

    def library(self, embeds: bool = True) -> Library:
        """The collections of the data directory; `embeds`: this command may load the embedding model."""
        if self._library is None:
            from index.library import Library
            from ui.runtime import configure_torch

            settings = self.settings()
            if embeds and settings.index.embed_backend == "torch":
                configure_torch(settings.index.threads)
            say = lambda message: click.echo(message, err=True)  # noqa: E731
            self._library = Library(settings.index, settings.ingest, on_wait=say, on_load=say if stderr_is_tty() else None)
        return self._library

    def collection(self, check_model: bool = True, embeds: bool = True, create: bool = False) -> Collection:
        """The collection chosen by --collection (default: `default`)."""
        name = self.settings().index.collection
        return self.library(embeds).open(name, create=create, check_model=check_model)

    def assistant(self, **overrides: Any) -> Assistant:
        """An assistant over the collection, with these settings overridden (flat names, None = not given)."""
        from assistant.answer import Assistant

        settings = self.settings(**overrides)
        collection = self.collection()
        return Assistant(settings.assistant, collection.retriever, answer_log(collection))


def answer_log(collection: Collection):  # type: ignore[no-untyped-def]
    """The collection's answer log (`askdocs history`)."""
    from assistant.history import AnswerLog

    return AnswerLog(collection.settings.collection_dir / "history.jsonl")


pass_state = click.make_pass_decorator(State)


def handle_errors(func: F) -> F:
    """Turn askdocs' errors into one clear line on stderr and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ingest.errors import AskdocsError

        try:
            return func(*args, **kwargs)
        except AskdocsError as exc:
            raise Fatal(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def print_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()
