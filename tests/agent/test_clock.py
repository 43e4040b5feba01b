"""The agent's clock: a chosen start instant running at real speed; the offset to the server's Date."""

import time
from datetime import UTC, datetime, timedelta

import pytest

from agent.clock import AgentClock, OffsetMeter, parse_http_date


def test_a_set_clock_starts_there_and_runs_at_real_speed() -> None:
    start = datetime(2026, 12, 3, 5, 59, 57, tzinfo=UTC)
    clock = AgentClock(start)
    first = clock.now()
    assert timedelta(0) <= first - start < timedelta(seconds=0.5)
    time.sleep(0.3)
    assert timedelta(seconds=0.29) <= clock.now() - first < timedelta(seconds=0.6)
    assert clock.simulated and not AgentClock().simulated


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="múi giờ"):
        AgentClock(datetime(2026, 12, 3, 6, 0))


def test_offset_is_the_median_of_date_samples_taken_mid_second() -> None:
    meter = OffsetMeter()
    assert meter.offset_ms() is None
    agent_now = datetime(2026, 12, 3, 0, 0, 10, tzinfo=UTC)
    server = parse_http_date("Thu, 03 Dec 2026 00:00:40 GMT")
    assert server == datetime(2026, 12, 3, 0, 0, 40, tzinfo=UTC)
    for _ in range(3):
        meter.add(server, agent_now)
    meter.add(server + timedelta(seconds=100), agent_now)  # one outlier does not move the median
    assert meter.offset_ms() == 30_500
    assert parse_http_date("not a date") is None and parse_http_date(None) is None
