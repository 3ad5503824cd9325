"""Settings: config.yml defaults, environment overrides, database URLs, production checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.infra.settings import CONFIG_FILE, DEFAULT_JWT_SECRET, Settings, load_settings

Env = pytest.MonkeyPatch


class TestDefaults:
    def test_config_yml_provides_every_default(self, clean_env: Env) -> None:
        settings = load_settings()

        assert settings.app_profile == "development"
        assert settings.write_url == "sqlite+aiosqlite:///./app.db"
        assert settings.jwt_secret.get_secret_value() == DEFAULT_JWT_SECRET
        assert (settings.jwt_access_ttl_seconds, settings.database_pool_size) == (900, 10)

    def test_config_file_variable_points_at_another_file(
        self, clean_env: Env, tmp_path: Path
    ) -> None:
        other = tmp_path / "other.yml"
        other.write_text(
            CONFIG_FILE.read_text().replace("database_pool_size: 10", "database_pool_size: 3")
        )
        clean_env.setenv("CONFIG_FILE", str(other))

        assert load_settings().database_pool_size == 3


class TestSecrets:
    def test_the_representation_shows_no_password(self, clean_env: Env) -> None:
        clean_env.setenv("DATABASE_URL", "mysql+aiomysql://app:hunter2@db/app")
        clean_env.setenv("DATABASE_READ_URL", "mysql+aiomysql://ro:hunter3@replica/app")
        clean_env.setenv("JWT_SECRET", "jwt-secret-value")

        shown = repr(load_settings())

        assert "hunter2" not in shown
        assert "hunter3" not in shown
        assert "jwt-secret-value" not in shown


class TestEnvironmentOverrides:
    def test_environment_overrides_config_yml(self, clean_env: Env) -> None:
        clean_env.setenv("DATABASE_POOL_SIZE", "7")
        clean_env.setenv("JWT_ACCESS_TTL_SECONDS", "30")

        settings = load_settings()

        assert (settings.database_pool_size, settings.jwt_access_ttl_seconds) == (7, 30)

    def test_dotenv_file_overrides_config_yml(self, clean_env: Env, tmp_path: Path) -> None:
        (tmp_path / ".env").write_text("LOG_LEVEL=DEBUG\n")

        assert load_settings().log_level == "DEBUG"

    def test_environment_wins_over_dotenv_file(self, clean_env: Env, tmp_path: Path) -> None:
        (tmp_path / ".env").write_text("LOG_LEVEL=DEBUG\n")
        clean_env.setenv("LOG_LEVEL", "WARNING")

        assert load_settings().log_level == "WARNING"


class TestDatabaseUrls:
    def test_bare_host_builds_a_mariadb_url_with_quoted_credentials(self, clean_env: Env) -> None:
        clean_env.setenv("DATABASE_URL", "db.internal:3307")
        clean_env.setenv("DATABASE_USERNAME", "ad@min")
        clean_env.setenv("DATABASE_PASSWORD", "p@ss:w/rd#?%")
        clean_env.setenv("DATABASE_NAME", "blog")

        assert load_settings().write_url == (
            "mysql+aiomysql://ad%40min:p%40ss%3Aw%2Frd%23%3F%25@db.internal:3307/blog?charset=utf8mb4"
        )

    def test_bare_host_without_password_names_only_the_user(self, clean_env: Env) -> None:
        clean_env.setenv("DATABASE_URL", "db.internal")
        clean_env.setenv("DATABASE_USERNAME", "app")
        clean_env.setenv("DATABASE_PASSWORD", "")

        assert load_settings().write_url == ("mysql+aiomysql://app@db.internal/app?charset=utf8mb4")

    def test_bare_host_takes_the_driver_setting(self, clean_env: Env) -> None:
        clean_env.setenv("DATABASE_URL", "db.internal")
        clean_env.setenv("DATABASE_DRIVER", "asyncmy")

        settings = load_settings()

        assert settings.write_url == "mysql+asyncmy://root@db.internal/app?charset=utf8mb4"
        assert settings.read_url == settings.write_url

    def test_an_unknown_driver_is_refused_at_start_up(self, clean_env: Env) -> None:
        clean_env.setenv("DATABASE_DRIVER", "mysqlclient")

        with pytest.raises(ValidationError, match="database_driver"):
            load_settings()

    def test_full_url_passes_through_unchanged(self, clean_env: Env) -> None:
        url = "mysql+aiomysql://u:p@primary:3306/blog?charset=utf8mb4"
        clean_env.setenv("DATABASE_URL", url)
        clean_env.setenv("DATABASE_PASSWORD", "ignored")

        assert load_settings().write_url == url

    def test_read_url_defaults_to_the_write_url(self, clean_env: Env) -> None:
        clean_env.setenv("DATABASE_URL", "primary.internal")

        settings = load_settings()

        assert settings.read_url == settings.write_url

    def test_database_read_url_overrides_the_read_url_only(self, clean_env: Env) -> None:
        clean_env.setenv("DATABASE_URL", "primary.internal")
        clean_env.setenv("DATABASE_READ_URL", "replica.internal")
        clean_env.setenv("DATABASE_PASSWORD", "secret")

        settings = load_settings()

        assert settings.read_url == (
            "mysql+aiomysql://root:secret@replica.internal/app?charset=utf8mb4"
        )
        assert "@primary.internal/" in settings.write_url


class TestProductionProfile:
    def test_default_jwt_secret_is_refused(self, clean_env: Env) -> None:
        clean_env.setenv("APP_PROFILE", "production")

        with pytest.raises(ValidationError, match="JWT_SECRET"):
            load_settings()

    def test_short_jwt_secret_is_refused(self, clean_env: Env) -> None:
        clean_env.setenv("APP_PROFILE", "production")
        clean_env.setenv("JWT_SECRET", "s" * 31)

        with pytest.raises(ValidationError, match="JWT_SECRET"):
            load_settings()

    def test_long_jwt_secret_is_accepted(self, clean_env: Env) -> None:
        clean_env.setenv("APP_PROFILE", "production")
        clean_env.setenv("JWT_SECRET", "s" * 32)

        assert load_settings().app_profile == "production"

    def test_default_jwt_secret_is_allowed_outside_production(self, clean_env: Env) -> None:
        clean_env.setenv("APP_PROFILE", "test")

        assert load_settings().jwt_secret.get_secret_value() == DEFAULT_JWT_SECRET

    def test_unknown_profile_is_refused(self, clean_env: Env) -> None:
        clean_env.setenv("APP_PROFILE", "staging")

        with pytest.raises(ValidationError):
            load_settings()


class TestWhatIsRead:
    def test_env_file_names_another_dotenv_file(self, clean_env: Env, tmp_path: Path) -> None:
        (tmp_path / ".env").write_text("LOG_LEVEL=DEBUG\n")
        (tmp_path / "other.env").write_text("LOG_LEVEL=ERROR\n")
        clean_env.setenv("ENV_FILE", str(tmp_path / "other.env"))

        assert load_settings().log_level == "ERROR"

    def test_an_empty_env_file_reads_no_dotenv_file(self, clean_env: Env, tmp_path: Path) -> None:
        (tmp_path / ".env").write_text("LOG_LEVEL=DEBUG\n")
        clean_env.setenv("ENV_FILE", "")

        assert load_settings().log_level == "INFO"

    def test_embedded_settings_ignore_the_environment_and_dotenv(
        self, clean_env: Env, tmp_path: Path
    ) -> None:
        (tmp_path / ".env").write_text(
            "APP_PROFILE=production\nJWT_SECRET=short\nCELERY_BROKER_URL=amqp://dev//\n"
        )
        clean_env.setenv("REDIS_URL", "redis://dev-cache:6379/0")
        clean_env.setenv("CONFIG_FILE", str(tmp_path / "missing.yml"))

        settings = Settings.embedded(log_level="WARNING")

        assert settings.log_level == "WARNING"
        assert settings.app_profile == "development"
        assert settings.messaging_in_use == "in_process"
        assert settings.cache_in_use == "memory"


class TestEnvFileErrors:
    def test_a_missing_file_named_by_env_file_is_an_error(
        self, clean_env: Env, tmp_path: Path
    ) -> None:
        clean_env.setenv("ENV_FILE", str(tmp_path / "missing.env"))

        with pytest.raises(FileNotFoundError, match=r"missing\.env"):
            load_settings()

    def test_settings_built_directly_read_no_dotenv(self, clean_env: Env, tmp_path: Path) -> None:
        (tmp_path / ".env").write_text("LOG_LEVEL=DEBUG\n")

        assert Settings().log_level == "INFO"
