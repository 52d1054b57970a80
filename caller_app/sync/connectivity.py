"""Network reachability from Qt, where the platform offers it.

`QNetworkInformation` has a backend on Windows, macOS and Linux with NetworkManager.
Where none loads, `watch()` returns False and the sync engine relies on backoff alone.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from PySide6.QtNetwork import QNetworkInformation

log = logging.getLogger(__name__)

_loaded: bool | None = None


def _load() -> QNetworkInformation | None:
    global _loaded
    if _loaded is None:
        try:
            _loaded = bool(
                QNetworkInformation.loadBackendByFeatures(QNetworkInformation.Feature.Reachability)
            )
        except Exception:
            _loaded = False
        log.info("network reachability backend: %s", "yes" if _loaded else "none")
    return QNetworkInformation.instance() if _loaded else None


def watch(on_online: Callable[[], None]) -> Callable[[], None] | None:
    """Call `on_online()` whenever the network comes back; returns an unwatch function."""
    info = _load()
    if info is None:
        return None

    def changed(reachability: QNetworkInformation.Reachability) -> None:
        if reachability in (
            QNetworkInformation.Reachability.Online,
            QNetworkInformation.Reachability.Site,
        ):
            on_online()

    info.reachabilityChanged.connect(changed)

    def unwatch() -> None:
        with contextlib.suppress(RuntimeError, TypeError):
            info.reachabilityChanged.disconnect(changed)

    return unwatch
