"""Password hashing (argon2id) in a bounded pool of threads, one per core.

argon2 is slow on purpose. Run on the request threads, a flood of sign-ins took every
thread and the whole API slowed down. Here each process hashes on at most
`pool_size()` threads (argon2-cffi releases the GIL), so a storm of sign-ins queues
for the pool while the event loop, the request threads and the database connections
stay free for everything else, and memory stays bounded (threads x m).

On Linux the pool's threads run under SCHED_IDLE: they get a core only when no
ordinary thread of the process wants it, and a request thread that wakes (once per
database reply) takes the core back at once, where a niced thread would share it by
weight. On a busy machine hashing then barely runs, and `signin_gate` turns sign-ins
away rather than letting them queue. Where SCHED_IDLE is refused the threads fall back
to nice 19. On the shared 2-core VM of the README no policy was measurably better than
another (`bench/hash_priority.py`): SCHED_IDLE states the intent.

Parameters: argon2id with m=19 MiB, t=2, p=1, OWASP's recommended configuration
(Password Storage Cheat Sheet); p=1 because the parallelism comes from the pool. A
hash made with other parameters (argon2-cffi's defaults before issue 14) is upgraded
at its owner's next sign-in (`needs_rehash`), so raising them later is a one-line
change.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TIME_COST = 2
MEMORY_COST_KIB = 19 * 1024
PARALLELISM = 1
NICE_FALLBACK = 19  # where SCHED_IDLE is refused (Linux: nice is per thread)
ENV_THREADS = "CALLER_SERVER_HASH_THREADS"  # `serve --workers N` shares the cores out

_hasher = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM)


@functools.cache
def dummy_hash() -> str:
    """Verified against when the username is unknown, so both cases take as long.
    Made at the first unknown username, not at import: an argon2 hash (~50 ms of CPU)
    that practice mode's embedded server never needs (issue 15)."""
    return _hasher.hash("not a real password")


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def pool_size() -> int:
    """Hashing threads in this process: env CALLER_SERVER_HASH_THREADS, else the cores."""
    try:
        wanted = int(os.environ.get(ENV_THREADS, ""))
    except ValueError:
        wanted = 0
    return wanted if wanted > 0 else max(1, os.cpu_count() or 1)


def _run_only_when_idle() -> None:
    """Linux only (elsewhere these calls would change the whole process): put this pool
    thread under SCHED_IDLE, else at nice 19, so a storm of sign-ins waits for the rest
    of the API rather than the other way round."""
    if not sys.platform.startswith("linux"):
        return
    me = threading.get_native_id()
    try:
        os.sched_setscheduler(me, os.SCHED_IDLE, os.sched_param(0))
    except OSError:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, me, NICE_FALLBACK)


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=pool_size(),
                thread_name_prefix="argon2",
                initializer=_run_only_when_idle,
            )
        return _pool


def hash_password(password: str) -> str:
    """*Blocking* (CLI, seeding): the hash of `password` with the current parameters."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """*Blocking*: whether `password` matches; a malformed hash is simply no match."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


async def verify(password_hash: str, password: str) -> bool:
    """`verify_password` on the pool: waits its turn without holding a thread or a
    database connection."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(), verify_password, password_hash, password)


async def hash_async(password: str) -> str:
    """`hash_password` on the pool."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(), hash_password, password)
