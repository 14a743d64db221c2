"""Knot's webhook signature (https://docs.knotapi.com/webhooks#webhook-verification).

Knot signs a string built from three request headers and two body fields, in this order, as
`key|value|key|value...`: `Content-Length`, `Content-Type`, `Encryption-Type`, `event` and, when the body
has one, `session_id`. The `Knot-Signature` header is the base64 HMAC-SHA256 of that string keyed with the
client's Knot secret. The body as a whole is not signed, only those fields.
"""

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

SIGNATURE_HEADER = "Knot-Signature"
ENCRYPTION_TYPE = "HMAC-SHA256"
SIGNED_HEADERS = ("Content-Length", "Content-Type", "Encryption-Type")


def signing_string(headers: Mapping[str, str], payload: Mapping[str, Any]) -> str:
    """The signed string; `headers` must look values up case-insensitively (as httpx and Starlette do)."""
    pairs = [(name, headers.get(name, "")) for name in SIGNED_HEADERS]
    pairs.append(("event", str(payload.get("event", ""))))
    if payload.get("session_id") is not None:
        pairs.append(("session_id", str(payload["session_id"])))
    return "|".join(f"{key}|{value}" for key, value in pairs)


def compute_signature(secret: str, headers: Mapping[str, str], payload: Mapping[str, Any]) -> str:
    digest = hmac.new(secret.encode(), signing_string(headers, payload).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def is_valid_signature(
    secret: str, signature: str | None, headers: Mapping[str, str], payload: Mapping[str, Any]
) -> bool:
    if not signature:
        return False
    expected = compute_signature(secret, headers, payload)
    return hmac.compare_digest(expected.encode(), signature.strip().encode())
