"""Lease proofs: an HMAC of (volunteer, batch, contact) under a secret kept in the database.

A result carrying a valid proof comes from a lease this server granted, even after the
database was restored from a backup older than the lease (the secret is in the backup:
it is made once, by the migration or on first use, and never changes).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caller_server.models import ServerSetting

SETTING_NAME = "lease_proof_secret"  # the server_settings row holding the secret
PROOF_CHARS = 32


def new_secret() -> str:
    return secrets.token_hex(32)


def server_secret(session: Session) -> bytes:
    """The database's secret, created on first use if the migration did not make one.

    Read per request (one primary-key read), never cached: a cache would outlive a
    restore or a test's fresh database.
    """
    value = session.scalar(select(ServerSetting.value).where(ServerSetting.key == SETTING_NAME))
    if value is None:
        try:
            with session.begin_nested():
                session.add(ServerSetting(key=SETTING_NAME, value=new_secret()))
        except IntegrityError:
            pass  # another process made it at the same moment: use theirs
        value = session.scalar(select(ServerSetting.value).where(ServerSetting.key == SETTING_NAME))
    assert value is not None
    return value.encode("ascii")


def make(secret: bytes, volunteer_id: int, batch_id: int, contact_id: int) -> str:
    message = f"{volunteer_id}:{batch_id}:{contact_id}".encode("ascii")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:PROOF_CHARS]


def valid(
    secret: bytes, volunteer_id: int, batch_id: int, contact_id: int, proof: str | None
) -> bool:
    if not proof:
        return False
    expected = make(secret, volunteer_id, batch_id, contact_id)
    return hmac.compare_digest(expected.encode("ascii"), proof.encode("utf-8", "replace"))
