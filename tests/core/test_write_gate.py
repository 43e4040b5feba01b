"""The write gate (core/write_gate.py) on its own: waits are bounded, a full line is refused at once, and
refused requests are told to come back at spread-out times. (Through real HTTP: tests/airtime/test_rush.py.)"""

import asyncio
import threading
import time

import pytest

from core.errors import Busy
from core.write_gate import WriteGate


def test_a_writer_waits_for_a_slot_at_most_wait_s_then_is_told_to_come_back() -> None:
    gate = WriteGate(1, wait_s=0.3)
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with gate.slot():
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(5)
        started = time.monotonic()
        with pytest.raises(Busy) as refused, gate.slot():
            pass
        assert 0.25 < time.monotonic() - started < 2
        assert refused.value.retry_after_s >= 1
        assert f"gửi lại sau {refused.value.retry_after_s} giây" in refused.value.message
    finally:
        release.set()
        thread.join()
    with gate.slot():  # free again
        pass


def test_a_full_line_is_refused_at_once_and_refusals_are_spread_out() -> None:
    gate = WriteGate(1, wait_s=0.5, max_waiting=2)
    assert gate.in_flight_max == 4  # one writing and one ready behind it, per slot, plus two
    gate.pace_s = 0.5  # as if measured: a slot frees up every half second

    async def scenario() -> None:
        release = asyncio.Event()
        admitted: list[int] = []

        async def request(i: int) -> None:
            async with gate.admit():
                admitted.append(i)
                await release.wait()

        inside = [asyncio.create_task(request(i)) for i in range(4)]
        await asyncio.sleep(0.05)
        waiting = [asyncio.create_task(request(i)) for i in range(4, 6)]  # the line: two may wait
        await asyncio.sleep(0.05)
        assert sorted(admitted) == [0, 1, 2, 3]

        started = time.monotonic()
        waits = []
        for _ in range(5):  # the line is full: refused without waiting
            with pytest.raises(Busy) as refused:
                async with gate.admit():
                    pass
            waits.append(refused.value.retry_after_s)
        assert time.monotonic() - started < 0.2
        assert waits == sorted(waits) and waits[-1] > waits[0]  # each told a later turn than the one before
        assert gate.refused == 5

        results = await asyncio.gather(*waiting, return_exceptions=True)  # nobody left: they time out
        assert all(isinstance(r, Busy) for r in results)
        release.set()
        await asyncio.gather(*inside)
        async with gate.admit():  # all gone: in at once
            pass

    asyncio.run(scenario())


def test_no_gate_when_turned_off() -> None:
    gate = WriteGate(0)

    async def many() -> None:
        async def one() -> None:
            async with gate.admit():
                with gate.slot():
                    await asyncio.sleep(0.01)

        await asyncio.gather(*(one() for _ in range(50)))

    asyncio.run(many())
    assert gate.refused == 0
