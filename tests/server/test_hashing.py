"""Password hashing: OWASP's parameters, and a pool no bigger than the cores."""

from __future__ import annotations

import asyncio
import os
import sys
import threading

import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from caller_server import hashing


def test_hashes_are_argon2id_with_at_least_owasps_minimum() -> None:
    params = extract_parameters(hashing.hash_password("a long test password"))
    assert params.type is Type.ID
    assert params.memory_cost >= 19 * 1024
    assert params.time_cost >= 2
    assert params.parallelism == 1


def test_only_other_parameters_need_a_rehash() -> None:
    assert not hashing.needs_rehash(hashing.hash_password("a long test password"))
    assert hashing.needs_rehash(PasswordHasher().hash("a long test password"))  # old defaults
    assert hashing.needs_rehash("not a hash")


def test_the_pool_is_sized_to_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(hashing.ENV_THREADS, raising=False)
    assert hashing.pool_size() == max(1, os.cpu_count() or 1)
    monkeypatch.setenv(hashing.ENV_THREADS, "3")
    assert hashing.pool_size() == 3


def test_many_checks_at_once_use_at_most_the_pool() -> None:
    stored = hashing.hash_password("a long test password")

    async def storm() -> list[bool]:
        checks = [hashing.verify(stored, "a long test password") for _ in range(12)]
        checks += [hashing.verify(stored, "wrong") for _ in range(4)]
        return await asyncio.gather(*checks)

    assert asyncio.run(storm()) == [True] * 12 + [False] * 4
    pool = [t for t in threading.enumerate() if t.name.startswith("argon2")]
    assert 1 <= len(pool) <= hashing.pool_size()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SCHED_IDLE is Linux's")
def test_the_pool_threads_only_take_cpu_nobody_else_wants() -> None:
    """SCHED_IDLE: a request thread waking up takes the core from a hash at once."""
    stored = hashing.hash_password("a long test password")
    assert asyncio.run(hashing.verify(stored, "a long test password"))
    pool = [t for t in threading.enumerate() if t.name.startswith("argon2")]
    assert pool
    for thread in pool:
        assert thread.native_id is not None
        assert os.sched_getscheduler(thread.native_id) == os.SCHED_IDLE
    assert os.sched_getscheduler(0) != os.SCHED_IDLE  # and only they: not the caller


def test_the_unknown_user_hash_is_made_on_first_use_with_the_current_parameters():
    """Issue 15: not at import (practice mode's server never needs it), yet a real hash,
    so an unknown username costs as long as a known one."""
    import subprocess
    import sys

    probe = "import caller_server.hashing as h; print(h.dummy_hash.cache_info().currsize)"
    done = subprocess.run(  # a fresh interpreter: nothing imported it before
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "0"
    assert hashing.verify_password(hashing.dummy_hash(), "not a real password")
    assert not hashing.needs_rehash(hashing.dummy_hash())
