"""Python's cyclic garbage collector runs on the GUI thread only.

Left automatic, the collector runs in whichever thread happens to allocate. A sync
or task thread could then be the one to free a widget or a timer that belongs to the
GUI thread (a Python-owned Qt object caught in a reference cycle): Qt warns "Timers
cannot be stopped from another thread" and may crash. As Anki and pyqtgraph do,
automatic collection is switched off and a GUI-thread timer collects instead, by the
same thresholds the interpreter would have used.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadCollector(QObject):
    """Create once, on the GUI thread, after the QApplication."""

    def __init__(self, interval_ms: int = 500, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(interval_ms)

    def check(self) -> int | None:
        """Collect the oldest generation whose count passed its threshold (as the
        interpreter would); the generation collected, or None."""
        counts = gc.get_count()
        generation = None
        for gen, (count, threshold) in enumerate(zip(counts, self._thresholds, strict=True)):
            if threshold and count > threshold:
                generation = gen
        if generation is not None:
            gc.collect(generation)
        return generation

    def stop(self) -> None:
        """Automatic collection again (at quit, or when a test is done with it)."""
        self._timer.stop()
        gc.enable()
