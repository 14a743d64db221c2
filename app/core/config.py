"""Application settings, read once from the environment (and `.env`)."""

from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEVELOPMENT_SECRET = "dev-secret-change-me-dev-secret-change-me"  # noqa: S105 - refused outside development
MIN_SECRET_LENGTH = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    secret_key: str = DEVELOPMENT_SECRET
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/tally",
        description="SQLAlchemy URL; `make dev`/`make test` set it to the embedded server when unset.",
    )
    database_pool_size: int = 10
    database_statement_timeout_ms: int = 15_000
    database_idle_in_transaction_timeout_ms: int = 30_000
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    jwt_issuer: str = "tally"
    jwt_audience: str = "tally-api"
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_days: int = 30

    # Argon2id parameters; see README "Password hashing" for the measured cost.
    argon2_memory_kib: int = 19 * 1024
    argon2_time_cost: int = 2
    argon2_parallelism: int = 1

    login_failures_per_account: int = 5
    login_failures_per_client: int = 20
    login_throttle_window_seconds: int = 15 * 60

    @model_validator(mode="before")
    @classmethod
    def _split_origins(cls, data: object) -> object:
        if isinstance(data, dict):
            origins = data.get("cors_origins")
            if isinstance(origins, str):
                data["cors_origins"] = [o.strip() for o in origins.split(",") if o.strip()]
        return data

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> Self:
        if self.environment is not Environment.DEVELOPMENT and (
            self.secret_key == DEVELOPMENT_SECRET or len(self.secret_key) < MIN_SECRET_LENGTH
        ):
            raise ValueError(
                f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_LENGTH} characters "
                f"when ENVIRONMENT={self.environment.value}"
            )
        return self

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION


@lru_cache
def get_settings() -> Settings:
    return Settings()
