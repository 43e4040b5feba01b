"""Fixtures of the airtime tests."""

import pytest

from tests.airtime.scenario import Scenario, build_scenario


@pytest.fixture
def scenario(engine, world) -> Scenario:
    """Two weeks of plans and as-run events over the test world (see tests/airtime/scenario.py)."""
    return build_scenario(engine, world)
