"""The one settings object: defaults < config file < ASKDOCS_* environment < command-line flags.

Each layer declares the fields it reads (`IngestSettings` < `IndexSettings` < `AssistantSettings`);
this class adds where they come from and the fields of the user-facing surfaces.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from assistant.settings import AssistantSettings

CONFIG_ENV = "ASKDOCS_CONFIG"
DEFAULT_CONFIG = Path("askdocs.toml")


class Settings(AssistantSettings, BaseSettings):
    """Every setting of askdocs (README, "Settings")."""

    model_config = SettingsConfigDict(env_prefix="ASKDOCS_", extra="ignore", validate_default=True)

    web_auth: str | None = Field(None, description="USER:PASSWORD the web chat requires (unset: no login).")
    web_feedback_file: Path = Field(
        Path("corpus/testsets/feedback.jsonl"), description="Test set that thumbs-down answers are saved to."
    )
    web_testsets: Path = Field(Path("corpus/testsets"), description="Folder of test sets offered in the Evaluation tab.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config = Path(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=config))


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings once, at the entry point; `overrides` are command-line flags (None = unset)."""
    if config is not None:
        if not config.is_file():
            raise FileNotFoundError(f"Config file {config} does not exist")
        os.environ[CONFIG_ENV] = str(config)
    return Settings(**{key: value for key, value in overrides.items() if value is not None})
