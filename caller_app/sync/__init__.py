"""Background sync: one worker on a QThread that talks to the GUI through signals."""

from .backoff import WakeDetector, full_jitter
from .engine import SyncEngine

__all__ = ["SyncEngine", "WakeDetector", "full_jitter"]
