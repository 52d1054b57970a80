"""The sign-in gate: a few sign-ins at work at once, the rest queue or are turned away."""

from __future__ import annotations

import asyncio

import pytest

from caller_server import hashing
from caller_server.signin_gate import (
    ENV_MAX_WAIT,
    FIRST_ESTIMATE_S,
    MAX_WAIT_S,
    Full,
    SigninGate,
    max_wait_from_env,
)


def test_no_more_than_the_slots_work_at_once() -> None:
    async def storm() -> int:
        gate = SigninGate(slots=3, max_wait_s=60, first_estimate_s=0.01)
        working = most = 0

        async def one() -> None:
            nonlocal working, most
            async with gate.admit():
                working += 1
                most = max(most, working)
                await asyncio.sleep(0.01)
                working -= 1

        await asyncio.gather(*(one() for _ in range(20)))
        return most

    assert asyncio.run(storm()) == 3


def test_a_sign_in_that_would_wait_too_long_is_turned_away_with_a_fair_wait() -> None:
    async def storm() -> tuple[int, list[int]]:
        # Each sign-in takes ~1 s by the estimate; two slots; at most 3 s of queue.
        gate = SigninGate(slots=2, max_wait_s=3, first_estimate_s=1.0)
        release = asyncio.Event()
        admitted = 0
        waits: list[int] = []

        async def one() -> None:
            nonlocal admitted
            try:
                async with gate.admit():
                    admitted += 1
                    await release.wait()
            except Full as exc:
                waits.append(exc.wait)

        tasks = [asyncio.create_task(one()) for _ in range(12)]
        await asyncio.sleep(0.05)  # all twelve have arrived: 2 at work, some queued
        release.set()
        await asyncio.gather(*tasks)
        return admitted, waits

    admitted, waits = asyncio.run(storm())
    # Queued n-th (n = 1, 2, ...): wait n/2 s. Up to 3 s: 6 queue, 2 work, 4 refused.
    assert admitted == 8
    assert waits == [4, 4, 4, 4]  # ceil(7/2 s), the queue then ahead of them


def test_the_estimate_follows_what_sign_ins_take() -> None:
    async def run() -> float:
        gate = SigninGate(slots=1, max_wait_s=60, first_estimate_s=5.0)
        for _ in range(30):
            async with gate.admit():
                await asyncio.sleep(0.001)
        return gate.seconds_each

    assert asyncio.run(run()) < 0.1


def test_the_gate_is_sized_from_the_hashing_pool_and_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(hashing.ENV_THREADS, "3")
    monkeypatch.delenv(ENV_MAX_WAIT, raising=False)
    gate = SigninGate.for_this_process()
    assert gate.slots == 6
    assert gate.max_wait_s == MAX_WAIT_S
    assert gate.seconds_each == pytest.approx(FIRST_ESTIMATE_S)
    monkeypatch.setenv(ENV_MAX_WAIT, "2.5")
    assert max_wait_from_env() == 2.5
    monkeypatch.setenv(ENV_MAX_WAIT, "nonsense")
    assert max_wait_from_env() == MAX_WAIT_S


def test_a_sign_in_queued_for_too_long_after_all_is_turned_away() -> None:
    """The estimate said a short wait, but the slot holder took longer: Full at the limit."""

    async def run() -> tuple[float, int]:
        gate = SigninGate(slots=1, max_wait_s=0.2, first_estimate_s=0.01)
        release = asyncio.Event()

        async def holder() -> None:
            async with gate.admit():
                await release.wait()

        task = asyncio.create_task(holder())
        await asyncio.sleep(0.01)
        start = asyncio.get_running_loop().time()
        try:
            async with gate.admit():
                raise AssertionError("admitted while the slot was held")
        except Full as exc:
            waited, wait = asyncio.get_running_loop().time() - start, exc.wait
        release.set()
        await task
        async with gate.admit():  # the slot is free again: no permit was lost
            pass
        return waited, wait

    waited, wait = asyncio.run(run())
    assert 0.15 <= waited < 2
    assert wait >= 1
