"""The one settings object, composed of each package's section and read once at the entry point.

Precedence: defaults < config file (TOML) < ASKDOCS_* environment < command-line flags. Every field
has one flat name, unique across sections, used as `ASKDOCS_<NAME>` and as a key of the config file
(`top_k = 8`); the config file may also group them in tables named after the sections
(`[index]`, `[assistant]`, ...). Secrets are `SecretStr`: they never show in a dump, a report or a
log line.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from assistant.settings import AssistantSettings
from index.settings import IndexSettings
from ingest.errors import InvalidInput
from ingest.settings import IngestSettings

ENV_PREFIX = "ASKDOCS_"
CONFIG_ENV = "ASKDOCS_CONFIG"
DEFAULT_CONFIG = Path("askdocs.toml")


class WebSettings(BaseModel):
    """The web chat."""

    web_auth: SecretStr | None = Field(None, description="USER:PASSWORD the web chat requires (unset: no login).")
    web_feedback_file: Path | None = Field(
        None,
        description="Test set that thumbs-down answers are saved to (default: DATA_DIR/testsets/feedback.jsonl; "
        "a relative path is taken from the config file's folder, or the data directory).",
    )
    web_testsets: Path | None = Field(
        None,
        description="Folder of test sets offered in the Evaluation tab (default: DATA_DIR/testsets; a relative "
        "path is taken from the config file's folder, or the data directory).",
    )


class ApiSettings(BaseModel):
    """The HTTP API."""

    api_key: SecretStr | None = Field(
        None, description="Bearer token(s) the HTTP API and MCP endpoint require, several separated by commas."
    )
    api_workers: int | None = Field(
        None, ge=1, le=64, description="Questions the server answers at once (default: one per CPU core)."
    )
    api_queue: int = Field(
        64, ge=0, le=10_000,
        description="Questions that may wait for a free worker; past this the API answers 429 with Retry-After.",
    )
    api_llm_queue: int = Field(
        4, ge=0, le=1000,
        description="Questions that may wait for the LLM while it answers another (it answers one at a time); "
        "past this the API answers 429 with Retry-After.",
    )
    api_max_files: int = Field(20, ge=1, le=1000, description="Files one upload request may carry.")

    def keys(self) -> frozenset[str]:
        if self.api_key is None:
            return frozenset()
        return frozenset(k.strip() for k in self.api_key.get_secret_value().split(",") if k.strip())


SECTIONS: dict[str, type[BaseModel]] = {
    "ingest": IngestSettings,
    "index": IndexSettings,
    "assistant": AssistantSettings,
    "web": WebSettings,
    "api": ApiSettings,
}
_SECTION_OF = {name: section for section, model in SECTIONS.items() for name in model.model_fields}


def nest(flat: Mapping[str, Any], where: str) -> dict[str, dict[str, Any]]:
    """Flat setting names grouped into their sections; an unknown name is an error naming `where`."""
    nested: dict[str, dict[str, Any]] = {}
    for name, value in flat.items():
        section = _SECTION_OF.get(name)
        if section is None:
            raise InvalidInput(f"{where}: unknown setting '{name}' (README, \"Settings\", lists them)", param=name)
        nested.setdefault(section, {})[name] = value
    return nested


class _EnvSource(PydanticBaseSettingsSource):
    """ASKDOCS_<NAME> variables, each put in its section."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        flat = {name: os.environ[f"{ENV_PREFIX}{name.upper()}"] for name in _SECTION_OF if f"{ENV_PREFIX}{name.upper()}" in os.environ}
        return nest(flat, "environment")


class _TomlSource(PydanticBaseSettingsSource):
    """The config file: flat keys, or tables named after the sections."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path | None) -> None:
        super().__init__(settings_cls)
        self.path = path

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InvalidInput(f"Config file {self.path} cannot be read: {exc.strerror or exc}", param="config") from None
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"Config file {self.path} is not valid TOML: {exc}", param="config") from None
        flat = {key: value for key, value in data.items() if key not in SECTIONS}
        nested = nest(flat, str(self.path))
        for section in SECTIONS:
            table = data.get(section)
            if table is None:
                continue
            if not isinstance(table, dict):
                raise InvalidInput(f"{self.path}: [{section}] must be a table of settings", param=section)
            for name, value in table.items():
                if _SECTION_OF.get(name) != section:
                    raise InvalidInput(f"{self.path}: [{section}] has no setting '{name}'", param=name)
                nested.setdefault(section, {})[name] = value
        return nested


class Settings(BaseSettings):
    """Every setting of askdocs (README, "Settings"), one section per package."""

    model_config = SettingsConfigDict(extra="forbid", validate_default=True)

    config_file: Path | None = Field(None, description="The TOML file these settings were read from.")
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    assistant: AssistantSettings = Field(default_factory=AssistantSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config = getattr(init_settings, "init_kwargs", {}).get("config_file")
        return (init_settings, _EnvSource(settings_cls), _TomlSource(settings_cls, config))

    def resolve(self, path: Path | None, default: str) -> Path:
        """A user-facing path setting made absolute: relative to the config file's folder, else the data directory."""
        if path is None:
            return (self.index.data_dir / default).resolve()
        if path.is_absolute():
            return path
        base = self.config_file.parent if self.config_file else self.index.data_dir
        return (base / path).resolve()

    @property
    def feedback_file(self) -> Path:
        return self.resolve(self.web.web_feedback_file, "testsets/feedback.jsonl")

    @property
    def testsets_dir(self) -> Path:
        return self.resolve(self.web.web_testsets, "testsets")


def _config_path(config: Path | None) -> Path | None:
    if config is not None:
        if not config.is_file():
            raise InvalidInput(f"Config file {config} does not exist", param="config")
        return config.resolve()
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return _config_path(Path(from_env))
    return DEFAULT_CONFIG.resolve() if DEFAULT_CONFIG.is_file() else None


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings once, at the entry point; `overrides` are flat command-line flags (None = unset)."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(config_file=_config_path(config), **nest(given, "command line"))
    except ValidationError as exc:
        raise InvalidInput(describe(exc), param=_first_field(exc)) from None


def describe(exc: ValidationError) -> str:
    """A validation error as one line naming each setting by its ASKDOCS_ variable."""
    problems = []
    for error in exc.errors():
        name = str(error["loc"][-1]) if error["loc"] else "settings"
        env = f" ({ENV_PREFIX}{name.upper()})" if name in _SECTION_OF else ""
        problems.append(f"{name}{env}: {error['msg']}")
    return "Invalid setting: " + "; ".join(problems)


def _first_field(exc: ValidationError) -> str | None:
    errors = exc.errors()
    return str(errors[0]["loc"][-1]) if errors and errors[0]["loc"] else None
