"""Waiting between retries: exponential with full jitter, so thousands of devices that lost the
server together do not come back in the same second."""

import random


class Backoff:
    def __init__(self, base_s: float = 2.0, max_s: float = 300.0, rng: random.Random | None = None) -> None:
        self.base_s = base_s
        self.max_s = max_s
        self.failures = 0
        self._rng = rng or random.Random()

    def failure(self, retry_after_s: float | None = None) -> float:
        """The next wait after one more failure; `retry_after_s` (the server's Retry-After) is obeyed
        as given, spread by up to 20 % so the devices it was told to do not all come back together."""
        self.failures += 1
        if retry_after_s is not None:
            return retry_after_s * self._rng.uniform(1.0, 1.2)
        ceiling = min(self.max_s, self.base_s * 2 ** min(self.failures - 1, 20))
        return self._rng.uniform(ceiling / 2, ceiling)

    def success(self) -> None:
        self.failures = 0

    def jittered(self, interval_s: float, spread: float = 0.1) -> float:
        """A regular interval, spread by ±`spread` so devices drift apart."""
        return interval_s * self._rng.uniform(1 - spread, 1 + spread)
