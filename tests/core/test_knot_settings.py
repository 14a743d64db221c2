import pytest
from pydantic import ValidationError

from app.core.config import KNOT_SANDBOX_CLIENT_ID, Environment, KnotEnvironment, Settings

PRODUCTION_SECRET = "p" * 40


@pytest.mark.parametrize("environment", [Environment.DEVELOPMENT, Environment.TEST])
def test_the_sandbox_is_the_default_outside_production(environment: Environment) -> None:
    settings = Settings(environment=environment, secret_key=PRODUCTION_SECRET)
    assert settings.knot_environment is KnotEnvironment.SANDBOX
    assert settings.knot_client_id == KNOT_SANDBOX_CLIENT_ID
    assert settings.knot_simulated_login_enabled


def test_production_defaults_to_knot_production_and_needs_credentials() -> None:
    with pytest.raises(ValidationError, match="KNOT_CLIENT_ID and KNOT_SECRET"):
        Settings(environment=Environment.PRODUCTION, secret_key=PRODUCTION_SECRET)
    settings = Settings(
        environment=Environment.PRODUCTION, secret_key=PRODUCTION_SECRET, knot_client_id="id", knot_secret="s"
    )
    assert settings.knot_environment is KnotEnvironment.PRODUCTION
    assert not settings.knot_simulated_login_enabled


def test_production_refuses_the_sandbox() -> None:
    with pytest.raises(ValidationError, match="KNOT_ENVIRONMENT=sandbox"):
        Settings(environment=Environment.PRODUCTION, secret_key=PRODUCTION_SECRET, knot_environment="sandbox")


def test_knot_development_needs_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOT_ENVIRONMENT", "development")
    with pytest.raises(ValidationError, match="KNOT_CLIENT_ID and KNOT_SECRET"):
        Settings()
    monkeypatch.setenv("KNOT_CLIENT_ID", "dev-id")
    monkeypatch.setenv("KNOT_SECRET", "dev-secret")
    assert Settings().knot_environment is KnotEnvironment.DEVELOPMENT
