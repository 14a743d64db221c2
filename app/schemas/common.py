"""Building blocks every schema shares: strict inputs, clean text, problem documents, pages."""

from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints


def _reject_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


# Put after `StringConstraints(strip_whitespace=True, ...)`: text is trimmed, measured, then checked for NUL.
NoNul = AfterValidator(_reject_nul)


def _require_encodable(value: str) -> str:
    # JSON may carry lone surrogates ("\ud800"); a plain `str` field keeps them, and hashing or storing them
    # then fails. (Constrained strings are already refused by Pydantic.)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


# Free text that is not trimmed or length-checked by the schema (passwords): still valid Unicode.
UnicodeText = Annotated[str, AfterValidator(_require_encodable)]

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NoNul]


class InputModel(BaseModel):
    """Request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ValidationIssue(BaseModel):
    loc: list[int | str]
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem document (`application/problem+json`)."""

    type: str = Field(default="about:blank", examples=["about:blank"])
    title: str = Field(examples=["Not Found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["Chat not found"])
    code: str = Field(examples=["chat_not_found"])
    errors: list[ValidationIssue] | None = None


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries so `/docs` lists a route's error statuses with the problem schema."""
    return {
        status: {
            "model": Problem,
            "content": {"application/problem+json": {}},
            "description": _PHRASES[status],
        }
        for status in statuses
    }


_PHRASES = {
    400: "Malformed request",
    401: "Missing, expired, revoked or forged token",
    403: "A member without the needed role",
    404: "Absent or not visible to the caller",
    409: "Conflict with the current state",
    413: "Body over 1 MiB",
    422: "Validation failed",
    429: "Rate limited (see Retry-After)",
    502: "Upstream answered with an error",
    503: "The database is unavailable (see Retry-After)",
    504: "Upstream timed out",
}
