"""Fixtures shared by the app-and-server tests."""

from tests.support.privacy import live

__all__ = ["live"]
