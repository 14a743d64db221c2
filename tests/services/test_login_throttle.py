from app.services.login_throttle import LoginThrottle, ThrottleLimits


def test_long_emails_do_not_grow_the_throttle_memory() -> None:
    throttle = LoginThrottle(ThrottleLimits(per_account=2, per_client=100, window_seconds=60))
    huge = "x" * 1_000_000 + "@example.com"
    for _ in range(2):
        throttle.record_failure(huge, "10.0.0.1")
    assert throttle.retry_after(huge, "10.0.0.1") is not None  # still throttled per account
    assert throttle.retry_after("other@example.com", "10.0.0.2") is None
    assert sum(len(key) for key in throttle._failures) < 200
    throttle.record_success(huge)
    assert throttle.retry_after(huge, "10.0.0.3") is None
