"""The local SQLite store (SQLAlchemy 2): account, campaigns, script, contacts, outbox."""

from .outbox import DELIVERED, PENDING, REJECTED, StoreError
from .store import Store
from .upgrades import SCHEMA_VERSION, NewerSchemaError

__all__ = [
    "DELIVERED",
    "PENDING",
    "REJECTED",
    "SCHEMA_VERSION",
    "NewerSchemaError",
    "Store",
    "StoreError",
]
