"""What every command shares: the settings, the index, JSON output and turning errors into exit codes."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from assistant.answer import Assistant
    from index.indexer import Index
    from ui.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

EXIT_PARTIAL = 1  # the command ran, but some inputs failed


@dataclass
class State:
    config: Path | None
    overrides: dict[str, Any]
    verbose: int = 0
    _settings: Settings | None = field(default=None, repr=False)
    _index: Index | None = field(default=None, repr=False)

    def settings(self, **overrides: Any) -> Settings:
        """The settings; `overrides` (None = not given) rebuild them for this command."""
        overrides = {key: value for key, value in overrides.items() if value is not None}
        if self._settings is None or overrides:
            from ui.settings import load_settings

            logging.basicConfig(
                level=[logging.WARNING, logging.INFO, logging.DEBUG][min(self.verbose, 2)],
                format="%(levelname)s %(name)s: %(message)s",
            )
            self._settings = load_settings(self.config, **self.overrides, **overrides)
        return self._settings

    def index(self, check_model: bool = True) -> Index:
        if self._index is None:
            from index.indexer import Index

            self._index = Index(self.settings(), check_model=check_model)
        return self._index

    def assistant(self, **overrides: Any) -> Assistant:
        """An assistant over the index, with these settings overridden (None = not given)."""
        from assistant.answer import Assistant

        return Assistant(self.settings(**overrides), self.index())


pass_state = click.make_pass_decorator(State)


def handle_errors(func: F) -> F:
    """Turn the project's errors into one clear line on stderr and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from pydantic import ValidationError

        from index.errors import IndexError_

        try:
            return func(*args, **kwargs)
        except (IndexError_, FileNotFoundError) as exc:
            raise click.ClickException(str(exc)) from None
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}" for err in exc.errors()
            )
            raise click.ClickException(f"Invalid setting: {problems}") from None

    return wrapper  # type: ignore[return-value]


def print_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()
