"""Keyset pages with opaque, signed cursors.

A cursor names the last row of a page by its sort key `(timestamp, id)`. It is signed with the app's
secret and bound to a scope (e.g. one chat's messages), so a client can neither forge a position nor
reuse a cursor from another list: anything that does not verify is a 422, never a silent first page.
"""

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from app.core.errors import Unprocessable

T = TypeVar("T")

_MAC_BYTES = 16


class InvalidCursor(Unprocessable):
    code = "invalid_cursor"
    detail = "The cursor is not valid for this list; start again from the first page"


@dataclass(frozen=True)
class Keyset:
    """A row's position in a list ordered by `(at DESC, id DESC)`."""

    at: datetime
    id: uuid.UUID


@dataclass(frozen=True)
class Slice(Generic[T]):
    items: list[T]
    next_cursor: str | None


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    def __init__(self, secret_key: str) -> None:
        # A key of its own, so a cursor MAC can never double as any other signature made with the secret.
        self._key = hashlib.sha256(b"tally-cursor\x00" + secret_key.encode()).digest()

    def _mac(self, scope: str, payload: bytes) -> bytes:
        return hmac.new(self._key, scope.encode() + b"\x00" + payload, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, scope: str, position: Keyset) -> str:
        payload = json.dumps([position.at.isoformat(), str(position.id)], separators=(",", ":")).encode()
        return f"{_b64encode(payload)}.{_b64encode(self._mac(scope, payload))}"

    def decode(self, scope: str, cursor: str) -> Keyset:
        try:
            payload_part, mac_part = cursor.split(".")
            payload = _b64decode(payload_part)
            # Compared as text: base64 leaves spare bits in the last character, so comparing decoded bytes
            # would accept some edited cursors as the same one.
            if not hmac.compare_digest(mac_part, _b64encode(self._mac(scope, payload))):
                raise InvalidCursor
            at_text, id_text = json.loads(payload)
            at = datetime.fromisoformat(at_text)
            position = Keyset(at=at, id=uuid.UUID(id_text))
        except (ValueError, TypeError, binascii.Error) as exc:
            raise InvalidCursor from exc
        if at.tzinfo is None:
            raise InvalidCursor
        return position


@dataclass(frozen=True)
class PageRequest:
    """`?limit&cursor` of a list endpoint, with the codec that reads and writes its cursors."""

    limit: int
    cursor: str | None
    codec: CursorCodec

    def after(self, scope: str) -> Keyset | None:
        """Where the requested page starts (exclusive); None for the first page."""
        return None if self.cursor is None else self.codec.decode(scope, self.cursor)

    def slice(self, scope: str, rows: Sequence[T], position: Callable[[T], Keyset]) -> Slice[T]:
        """Cut rows fetched with `LIMIT limit + 1` into a page and the cursor of the next one."""
        items = list(rows[: self.limit])
        has_more = len(rows) > self.limit
        return Slice(items, self.codec.encode(scope, position(items[-1])) if has_more else None)
