"""Settings: `config.yml` holds every default, the environment (and `.env`) overrides.

Each key of `config.yml` is overridden by the environment variable of the same name in
upper case (`DATABASE_URL`, `JWT_SECRET`, ...), the names the seed's users already know,
and by the `.env` file (`ENV_FILE` names another; empty: none). `Settings.embedded(...)`
reads neither: config.yml and the values given, nothing from the machine (for tests).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import quote

from pydantic import Field, PositiveInt, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

CONFIG_FILE = Path(__file__).resolve().parents[2] / "config.yml"
DEFAULT_ENV_FILE = ".env"
DEFAULT_JWT_SECRET = "insecure-development-secret-change-me"  # noqa: S105  (refused in production)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=None,  # `load_settings` names it (ENV_FILE)
        extra="ignore",
        yaml_file=CONFIG_FILE,
        frozen=True,
        hide_input_in_errors=True,
    )

    app_profile: Literal["development", "test", "production"]
    log_level: str
    log_format: Literal["auto", "json", "text"]
    opentelemetry: bool
    gc_freeze: bool
    max_request_body_bytes: PositiveInt
    max_url_bytes: PositiveInt
    max_header_bytes: PositiveInt
    cors_allowed_origins: Annotated[list[str], NoDecode]

    # Tracing: on when an OTLP endpoint is given (the OpenTelemetry variables' names).
    otel_exporter_otlp_endpoint: str
    otel_service_name: str
    otel_traces_sampler: Literal[
        "always_on",
        "always_off",
        "traceidratio",
        "parentbased_always_on",
        "parentbased_always_off",
        "parentbased_traceidratio",
    ]
    otel_traces_sampler_arg: Annotated[float, Field(ge=0.0, le=1.0)]

    # Secret: a full URL may carry the password.
    database_url: SecretStr
    database_read_url: SecretStr
    database_driver: Literal["aiomysql", "asyncmy"]
    database_username: str
    database_password: SecretStr
    database_name: str
    database_pool_size: int
    database_max_overflow: int
    database_pool_timeout: float
    database_pool_recycle: int
    database_echo: bool

    jwt_secret: SecretStr
    jwt_access_ttl_seconds: int
    jwt_refresh_ttl_seconds: int
    login_failures_per_account: int
    login_failures_per_address: int
    login_failure_window_seconds: int
    registration_limit_per_address: PositiveInt
    registration_limit_window_seconds: PositiveInt

    cache_backend: Literal["memory", "redis", "none"]
    redis_url: SecretStr
    redis_max_connections: int
    cache_prefix: str
    cache_timeout_ms: int
    cache_memory_max_entries: int
    cache_breaker_failures: int
    cache_breaker_cooldown_seconds: float
    read_your_writes_seconds: float

    messaging_backend: Literal["in_process", "celery"]
    celery_broker_url: SecretStr
    celery_backend_url: SecretStr
    celery_queue: str
    celery_task_max_retries: int

    outbox_sweep_interval_seconds: float
    outbox_sweep_after_seconds: float
    outbox_max_attempts: PositiveInt
    mailer_backend: Literal["log", "smtp"]
    smtp_host: str
    smtp_port: int
    smtp_starttls: bool
    smtp_username: str
    smtp_password: SecretStr
    mail_from: str

    argon2_memory_kib: int
    argon2_time_cost: int
    argon2_parallelism: int
    argon2_max_threads: int

    @field_validator("cors_allowed_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        """`CORS_ALLOWED_ORIGINS=https://a.example,https://b.example` in the environment."""
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        yaml_file = os.environ.get("CONFIG_FILE", CONFIG_FILE)
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            YamlConfigSettingsSource(settings_cls, yaml_file=yaml_file),
        )

    @classmethod
    def embedded(cls, **values: Any) -> Settings:
        """config.yml with these values over it; no environment variable, no `.env` file
        and no `CONFIG_FILE` are read."""
        return _EmbeddedSettings(**values)

    @model_validator(mode="after")
    def _production_needs_a_real_secret(self) -> Self:
        secret = self.jwt_secret.get_secret_value()
        if self.app_profile == "production" and (secret == DEFAULT_JWT_SECRET or len(secret) < 32):
            raise ValueError("JWT_SECRET must be set to 32 or more characters in production")
        return self

    @property
    def cache_in_use(self) -> str:
        """`REDIS_URL` alone switches the default memory cache to Redis."""
        if self.cache_backend == "memory" and self.redis_url.get_secret_value():
            return "redis"
        return self.cache_backend

    @property
    def messaging_in_use(self) -> str:
        """`CELERY_BROKER_URL` alone switches in-process consumers to Celery workers."""
        if self.messaging_backend == "in_process" and self.celery_broker_url.get_secret_value():
            return "celery"
        return self.messaging_backend

    @property
    def write_url(self) -> str:
        return self._full_url(self.database_url.get_secret_value())

    @property
    def read_url(self) -> str:
        """The replica when one is configured, else the primary."""
        replica = self.database_read_url.get_secret_value()
        return self._full_url(replica or self.database_url.get_secret_value())

    def _full_url(self, value: str) -> str:
        """A full SQLAlchemy URL, or a MySQL/MariaDB URL built from a bare host[:port]."""
        if "://" in value:
            return value
        user = quote(self.database_username, safe="")
        password = quote(self.database_password.get_secret_value(), safe="")
        credentials = f"{user}:{password}" if password else user
        name = quote(self.database_name, safe="")
        return f"mysql+{self.database_driver}://{credentials}@{value}/{name}?charset=utf8mb4"


class _EmbeddedSettings(Settings):
    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, YamlConfigSettingsSource(settings_cls, yaml_file=CONFIG_FILE))


def load_settings() -> Settings:
    """Settings from config.yml, the environment and the `.env` file (`ENV_FILE`).

    A missing `.env` is no error; a missing file that `ENV_FILE` names is.
    """
    env_file = os.environ.get("ENV_FILE", DEFAULT_ENV_FILE)
    if env_file and env_file != DEFAULT_ENV_FILE and not Path(env_file).is_file():
        raise FileNotFoundError(f"ENV_FILE names {env_file}, which is not a file")
    return Settings(_env_file=env_file or None)
