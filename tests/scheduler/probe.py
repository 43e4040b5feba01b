"""A job for scheduler tests: records when it ran (module-level, so the job store can reference it)."""

from datetime import datetime

from core.timeutil import now_utc

RUNS: list[datetime] = []


def record() -> None:
    RUNS.append(now_utc())
