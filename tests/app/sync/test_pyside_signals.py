"""Guard against PySide6 releases whose Python-side emit() leaks a reference to True.

PySide6-Essentials 6.12.0 does (on CPython 3.11 the interpreter aborts with
"bool_dealloc" after a few thousand signals); pyproject.toml excludes it. If this
fails, exclude the installed release there too.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    bare = Signal()
    boxed = Signal(str, object)


def test_emitting_signals_keeps_true_alive() -> None:
    e = Emitter()
    received: list = []
    e.boxed.connect(lambda k, v: received.append(v))
    before = sys.getrefcount(True)
    for i in range(5000):
        e.bare.emit()
        e.boxed.emit("x", None if i % 2 else False)
    del received[:]
    # any loss would be ~10,000 here; a handful either way is the interpreter's own use
    assert abs(sys.getrefcount(True) - before) < 50
