"""call_with_retry: the one retry loop every connector call goes through (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from connectors.base import ConnectorError, CursorInvalidError, RetryPolicy, call_with_retry


class Flaky:
    """A call that raises the given errors in turn, then returns "done"."""

    def __init__(self, *errors: ConnectorError) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def transient(retry_after: float | None = None) -> ConnectorError:
    return ConnectorError("busy", permanent=False, code="HTTP_503", status=503, retry_after=retry_after)


def expired() -> ConnectorError:
    return ConnectorError("expired", permanent=False, code="HTTP_401", status=401, auth_expired=True)


def run(call: Callable[[], str], waits: list[float], **kwargs) -> str:
    policy = kwargs.pop("policy", RetryPolicy(max_attempts=4, base_delay=1.0, max_wait=60.0))
    return call_with_retry(call, policy=policy, sleep=waits.append, **kwargs)


def test_it_waits_as_long_as_retry_after_asks_then_succeeds():
    waits: list[float] = []
    call = Flaky(transient(retry_after=7), transient(retry_after=2))

    assert run(call, waits) == "done"

    assert call.calls == 3
    assert waits == [7, 2]


def test_it_backs_off_exponentially_with_jitter_when_no_retry_after_is_given():
    waits: list[float] = []
    call = Flaky(transient(), transient(), transient())

    assert run(call, waits) == "done"

    assert len(waits) == 3
    for attempt, wait in enumerate(waits, start=1):
        ceiling = 1.0 * 2 ** (attempt - 1)
        assert ceiling * 0.5 <= wait <= ceiling


def test_it_stops_at_max_attempts_and_raises_the_last_error():
    waits: list[float] = []
    last = transient(retry_after=1)
    call = Flaky(transient(retry_after=1), transient(retry_after=1), last, transient(retry_after=1))

    with pytest.raises(ConnectorError) as raised:
        run(call, waits, policy=RetryPolicy(max_attempts=3, max_wait=60.0))

    assert raised.value is last
    assert call.calls == 3
    assert waits == [1, 1]


def test_it_refreshes_auth_once_and_retries_without_counting_an_attempt():
    waits: list[float] = []
    refreshes: list[int] = []
    call = Flaky(expired(), transient(retry_after=1), transient(retry_after=1), transient(retry_after=1))

    result = run(
        call,
        waits,
        policy=RetryPolicy(max_attempts=4, max_wait=60.0),
        refresh_auth=lambda: refreshes.append(1),
    )

    assert result == "done"
    assert refreshes == [1]
    assert call.calls == 5  # the refresh did not use up one of the 4 attempts
    assert waits == [1, 1, 1]  # no sleep before the retry after a refresh


def test_it_raises_on_a_second_auth_failure_after_refreshing_once():
    waits: list[float] = []
    refreshes: list[int] = []
    second = expired()
    call = Flaky(expired(), second)

    with pytest.raises(ConnectorError) as raised:
        run(call, waits, refresh_auth=lambda: refreshes.append(1))

    assert raised.value is second
    assert refreshes == [1]
    assert call.calls == 2
    assert waits == []


def test_it_raises_auth_failure_at_once_without_a_refresher():
    waits: list[float] = []
    call = Flaky(expired())

    with pytest.raises(ConnectorError):
        run(call, waits)

    assert call.calls == 1
    assert waits == []


def test_it_does_not_retry_permanent_errors():
    waits: list[float] = []
    call = Flaky(ConnectorError("bad request", permanent=True, code="HTTP_400", retry_after=1))

    with pytest.raises(ConnectorError) as raised:
        run(call, waits)

    assert raised.value.code == "HTTP_400"
    assert call.calls == 1
    assert waits == []


def test_it_gives_up_when_retry_after_is_longer_than_max_wait():
    waits: list[float] = []
    call = Flaky(transient(retry_after=3600))

    with pytest.raises(ConnectorError) as raised:
        run(call, waits, policy=RetryPolicy(max_attempts=4, max_wait=60.0))

    assert raised.value.retry_after == 3600
    assert call.calls == 1
    assert waits == []


def test_it_waits_exactly_max_wait_when_retry_after_equals_it():
    waits: list[float] = []
    call = Flaky(transient(retry_after=60))

    assert run(call, waits, policy=RetryPolicy(max_attempts=4, max_wait=60.0)) == "done"
    assert waits == [60]


def test_it_lets_non_connector_errors_through_untouched():
    waits: list[float] = []

    def boom() -> str:
        raise KeyError("not a provider error")

    with pytest.raises(KeyError):
        run(boom, waits)
    assert waits == []


def test_it_does_not_retry_an_invalid_cursor():
    """A refused delta/sync token stays refused: the caller must read in full, not wait and repeat."""
    waits: list[float] = []
    call = Flaky(CursorInvalidError("410 SyncStateNotFound"))

    with pytest.raises(CursorInvalidError):
        run(call, waits)

    assert call.calls == 1
    assert waits == []
