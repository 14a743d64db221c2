import pytest
from pydantic import ValidationError

from app.core.config import DEVELOPMENT_SECRET, Environment, Settings


@pytest.mark.parametrize("environment", [Environment.PRODUCTION, Environment.TEST])
@pytest.mark.parametrize("secret", [DEVELOPMENT_SECRET, "short-secret"])
def test_refuses_default_or_short_secret_outside_development(environment: Environment, secret: str) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment=environment, secret_key=secret)


def test_development_may_use_the_default_secret() -> None:
    assert Settings(environment=Environment.DEVELOPMENT).secret_key == DEVELOPMENT_SECRET


def test_cors_origins_from_a_comma_separated_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.test, https://b.test")
    assert Settings().cors_origins == ["https://a.test", "https://b.test"]
