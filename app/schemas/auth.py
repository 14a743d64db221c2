from typing import Annotated, Literal

from pydantic import EmailStr, Field, StringConstraints

from app.schemas.common import InputModel, ShortText, UnicodeText
from app.schemas.user import UserRead


class RegisterRequest(InputModel):
    email: EmailStr = Field(examples=["dana@example.com"])
    password: UnicodeText = Field(
        description="8-128 characters; refused when common or easy to guess",
        examples=["violet kayak thunder 42"],
    )
    full_name: ShortText = Field(examples=["Dana Scully"])


class RefreshRequest(InputModel):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=512)]


class TokenPair(InputModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int = Field(description="Seconds until the access token expires", examples=[900])


class AuthResult(TokenPair):
    user: UserRead
