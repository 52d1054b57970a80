"""Background sync: one worker on a QThread that talks to the GUI through signals."""

from .backoff import WakeDetector, full_jitter
from .engine import SyncEngine
from .policy import SyncPolicy
from .port import ApiPort

__all__ = ["ApiPort", "SyncEngine", "SyncPolicy", "WakeDetector", "full_jitter"]
