import uuid
from datetime import UTC, datetime

import pytest

from app.core.pagination import CursorCodec, InvalidCursor, Keyset

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def test_every_edit_of_the_last_characters_is_refused() -> None:
    codec = CursorCodec("k" * 40)
    cursor = codec.encode("scope", Keyset(datetime(2026, 12, 1, tzinfo=UTC), uuid.uuid4()))
    for char in ALPHABET:
        edited = cursor[:-1] + char
        if edited != cursor:
            with pytest.raises(InvalidCursor):
                codec.decode("scope", edited)


def test_a_cursor_only_works_in_its_own_scope() -> None:
    codec = CursorCodec("k" * 40)
    position = Keyset(datetime(2026, 12, 1, tzinfo=UTC), uuid.uuid4())
    cursor = codec.encode("chat:1", position)
    assert codec.decode("chat:1", cursor) == position
    with pytest.raises(InvalidCursor):
        codec.decode("chat:2", cursor)
