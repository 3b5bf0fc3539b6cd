"""Settings (配置): one object, read from environment variables (``TIERCARE_*``) and an
optional TOML file (``TIERCARE_CONFIG``, default ``$TIERCARE_HOME/tiercare.toml``).

Nothing reads the environment at import time: call :func:`load_settings`.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tiercare.core.errors import ConfigError


def default_home() -> Path:
    return Path(platformdirs.user_data_dir("tiercare", appauthor=False))


class Settings(BaseSettings):
    """Effective settings. Every field is documented in docs/operations.md (a test checks)."""

    model_config = SettingsConfigDict(env_prefix="TIERCARE_", extra="forbid", frozen=True)

    home: Path = Field(default_factory=default_home, description="Data folder (embedded PostgreSQL, exports, synthetic regions).")
    database_url: SecretStr | None = Field(
        default=None,
        description="PostgreSQL >= 15 to use instead of the embedded server, e.g. postgresql://user:pw@host:5432/db.",
    )
    host: str = Field(default="127.0.0.1", description="Address `tiercare serve` binds to.")
    port: int = Field(default=8080, ge=0, le=65535, description="Port `tiercare serve` binds to.")
    base_url: str | None = Field(default=None, description="Public base URL of the server (defaults to http://host:port).")
    pool_size: int = Field(default=8, ge=1, le=200, description="Database connections in the API's pool.")
    connect_timeout: int = Field(default=5, ge=1, le=300, description="Seconds to wait for the database.")
    log_level: str = Field(default="info", description="debug, info, warning or error.")
    search_strict: bool = Field(
        default=False,
        description="Default FHIR search handling when the client sends no Prefer header: strict rejects unknown parameters.",
    )
    max_body_bytes: int = Field(default=20 * 1024 * 1024, ge=1024, description="Largest request body accepted (bytes).")
    migrations_dir: Path | None = Field(
        default=None, description="Override of the SQL migrations folder (development and tests only)."
    )

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        v = v.lower()
        if v not in {"debug", "info", "warning", "error"}:
            raise ValueError("must be debug, info, warning or error")
        return v

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    def public_base_url(self) -> str:
        return self.base_url or f"http://{self.host}:{self.port}"

    def masked(self) -> dict[str, Any]:
        """The effective settings with secrets masked (for `tiercare config`)."""
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                out[name] = mask_url(value.get_secret_value())
            elif isinstance(value, Path):
                out[name] = str(value)
            else:
                out[name] = value
        return out


def mask_url(url: str) -> str:
    """Hide the password of a connection URL: postgresql://u:***@h/db."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return "***"
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def load_settings(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Build the settings from ``env`` (default: the process environment), the optional
    TOML file, and explicit overrides (highest precedence). Raise ConfigError on a bad value."""
    env = dict(os.environ if env is None else env)
    file_values: dict[str, Any] = {}
    home = Path(env.get("TIERCARE_HOME") or default_home())
    cfg = env.get("TIERCARE_CONFIG")
    cfg_path = Path(cfg) if cfg else home / "tiercare.toml"
    if cfg_path.is_file():
        try:
            file_values = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"settings file {cfg_path} is not valid TOML: {exc}") from None
    elif cfg:
        raise ConfigError(f"settings file {cfg_path} (TIERCARE_CONFIG) does not exist")
    values = {k: v for k, v in file_values.items()}
    for key, value in env.items():
        if key.startswith("TIERCARE_") and key != "TIERCARE_CONFIG":
            name = key[len("TIERCARE_") :].lower()
            if name in Settings.model_fields:
                values[name] = value
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        # _env_prefix trick: we pass everything explicitly so pydantic-settings does not re-read os.environ
        return Settings.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(f"setting TIERCARE_{field.upper()} is invalid: {first['msg']}") from None
