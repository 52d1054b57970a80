"""Garbage is collected on the GUI thread only (caller_app.ui.gc_guard)."""

from __future__ import annotations

import gc
import threading
import weakref

from caller_app.ui.gc_guard import GuiThreadCollector


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_a_cycle_made_on_a_worker_thread_is_freed_by_the_gui_timer(qtbot) -> None:
    collector = GuiThreadCollector(interval_ms=20)
    try:
        assert not gc.isenabled()
        refs: list[weakref.ref[Node]] = []

        def worker() -> None:  # allocates far past the threshold: no collection here
            for _ in range(gc.get_threshold()[0] * 3):
                refs.append(weakref.ref(Node()))

        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert any(r() is not None for r in refs)  # still there: nobody collected
        qtbot.waitUntil(lambda: all(r() is None for r in refs), timeout=5000)
    finally:
        collector.stop()
        gc.disable()  # the test process keeps the same rule (tests/conftest.py)


def test_check_collects_only_past_a_threshold(qtbot) -> None:
    collector = GuiThreadCollector(interval_ms=60_000)
    try:
        gc.collect()
        assert collector.check() is None
        nodes = [Node() for _ in range(gc.get_threshold()[0] + 10)]
        del nodes
        assert collector.check() == 0
    finally:
        collector.stop()
        gc.disable()
