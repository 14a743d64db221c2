"""Throttles repeated failed logins, per account and per client address.

Counts live in this process's memory: cheap, and enough to make online guessing slow. With several API
processes each keeps its own counts, so the effective limit is N times the setting (see README).
"""

import hashlib
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

from app.core.config import Settings

MAX_TRACKED_KEYS = 100_000


@dataclass(frozen=True)
class ThrottleLimits:
    per_account: int
    per_client: int
    window_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> "ThrottleLimits":
        return cls(
            settings.login_failures_per_account,
            settings.login_failures_per_client,
            settings.login_throttle_window_seconds,
        )


class LoginThrottle:
    def __init__(self, limits: ThrottleLimits) -> None:
        self._limits = limits
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _keys(self, email: str, client: str) -> tuple[tuple[str, int], tuple[str, int]]:
        return (_account_key(email), self._limits.per_account), (f"client:{client}", self._limits.per_client)

    def retry_after(self, email: str, client: str) -> int | None:
        """Seconds to wait before another attempt is allowed, or None when one is allowed now."""
        now = time.monotonic()
        waits = []
        for key, limit in self._keys(email, client):
            stamps = self._recent(key, now)
            if len(stamps) >= limit:
                waits.append(stamps[0] + self._limits.window_seconds - now)
        return int(max(waits)) + 1 if waits else None

    def record_failure(self, email: str, client: str) -> None:
        now = time.monotonic()
        for key, limit in self._keys(email, client):
            stamps = self._recent(key, now)
            stamps.append(now)
            while len(stamps) > limit:
                stamps.popleft()
            self._failures[key] = stamps
            self._failures.move_to_end(key)
        while len(self._failures) > MAX_TRACKED_KEYS:
            self._failures.popitem(last=False)

    def record_success(self, email: str) -> None:
        self._failures.pop(_account_key(email), None)

    def _recent(self, key: str, now: float) -> deque[float]:
        stamps = self._failures.get(key, deque())
        while stamps and stamps[0] <= now - self._limits.window_seconds:
            stamps.popleft()
        return stamps


def _account_key(email: str) -> str:
    # A digest, not the text: the login form's `username` is not length-checked, and megabyte-long "emails"
    # from many addresses must not fill this process's memory.
    return "account:" + hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()
