"""Widgets and view models of the caller app.

Widgets hold layout only and never touch SQL or HTTP: they talk to the core through
the view models in `viewmodels.py`, whose signals arrive on the GUI thread.
"""
