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


class KnotEnvironment(StrEnum):
    """Where the Knot client sends its requests."""

    SANDBOX = "sandbox"  # the in-process stand-in (app/integrations/knot/sandbox.py); no network, no account
    DEVELOPMENT = "development"  # https://development.knotapi.com, with development credentials
    PRODUCTION = "production"  # https://production.knotapi.com


# Credentials the sandbox accepts when none are configured; meaningless anywhere else.
KNOT_SANDBOX_CLIENT_ID = "tally-sandbox-client"
KNOT_SANDBOX_SECRET = "tally-sandbox-secret"  # noqa: S105 - the sandbox is refused in production


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

    # Knot (TransactionLink). Unset, the environment is `production` when ENVIRONMENT=production and the
    # built-in sandbox otherwise. Client id and secret come from Knot's dashboard (they differ between
    # Knot's development and production); the secret also verifies the `Knot-Signature` of webhooks.
    knot_environment: KnotEnvironment = KnotEnvironment.SANDBOX
    knot_client_id: str = ""
    knot_secret: str = ""
    # Per attempt; with the retries, a call gives up after about 3x this (below the database's
    # idle-in-transaction timeout, since requests wait on Knot inside their transaction).
    knot_timeout_seconds: float = 8.0
    # Extra attempts after a timeout, connection failure, 429 or 5xx; waits double from the backoff.
    knot_max_retries: int = Field(default=2, ge=0, le=5)
    knot_retry_backoff_seconds: float = Field(default=0.2, ge=0)
    knot_merchant_cache_seconds: int = Field(default=3600, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _split_origins(cls, data: object) -> object:
        if isinstance(data, dict):
            origins = data.get("cors_origins")
            if isinstance(origins, str):
                data["cors_origins"] = [o.strip() for o in origins.split(",") if o.strip()]
        return data

    @model_validator(mode="before")
    @classmethod
    def _default_knot_environment(cls, data: object) -> object:
        if isinstance(data, dict) and not data.get("knot_environment"):
            production = str(data.get("environment", "")).lower() == Environment.PRODUCTION.value
            data["knot_environment"] = KnotEnvironment.PRODUCTION if production else KnotEnvironment.SANDBOX
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

    @model_validator(mode="after")
    def _check_knot(self) -> Self:
        if self.knot_environment is KnotEnvironment.SANDBOX:
            if self.is_production:
                raise ValueError("KNOT_ENVIRONMENT=sandbox is refused when ENVIRONMENT=production")
            self.knot_client_id = self.knot_client_id or KNOT_SANDBOX_CLIENT_ID
            self.knot_secret = self.knot_secret or KNOT_SANDBOX_SECRET
        elif not (self.knot_client_id and self.knot_secret):
            environment = self.knot_environment.value
            raise ValueError(
                f"KNOT_CLIENT_ID and KNOT_SECRET must be set when KNOT_ENVIRONMENT={environment}"
            )
        return self

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def knot_simulated_login_enabled(self) -> bool:
        """Whether `POST /linked-accounts/sandbox/link` exists: not in production nor with Knot production."""
        return not self.is_production and self.knot_environment is not KnotEnvironment.PRODUCTION


@lru_cache
def get_settings() -> Settings:
    return Settings()
